"""Read GPS track and route files (GPX, CSV, NMEA, WKT-point JSON, GeoJSON) into geo `Track` / `Route`.

Formats are detected by extension, then by content when the extension says nothing.  Instants become
integer µs UTC.  A time without a zone is refused, naming the file, the row and the field, as everywhere in
Miglia (`domain.instants.NO_ZONE`): in CSV and JSON, and in GPX too (GPX 1.1 says its times are UTC, and
writers mark them with Z, as the real recorded tracks in shared/data/real do; a GPX time without it is
refused like any other).  NMEA times are UTC by the standard's definition.  Malformed input raises
`TrackFileError` naming the file, the line or row (where known), the field and the bad value, and nothing
else: these files come from outside (a logger upload).  Instants are bounded as the tracker decoders bound
them (1970 to 2100), and JSON nesting too (`fix.MAX_JSON_DEPTH`).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import numpy as np

from miglia.domain.errors import MigliaError
from miglia.domain.instants import NO_ZONE, US_PER_HOUR, US_PER_S, datetime_to_us, is_naive
from miglia.geo.common import GeoError
from miglia.geo.route import Route
from miglia.geo.track import Track
from miglia.tracking.fix import EARLIEST_US, LATEST_US, MAX_JSON_DEPTH, TIME_RANGE, too_deep


class TrackFileError(MigliaError):
    """A track or route file that cannot be read; the message names file, line/row, field and value."""


class NoZoneError(ValueError):
    """A time written without its zone (`parse_time`)."""


def parse_time(text: str) -> int:
    """ISO 8601 with its zone (optional fraction; space or T; +0200 or +02:00 or Z) or epoch seconds -> µs.

    Fractions beyond the microsecond are truncated.  NoZoneError (a ValueError) for a time without a zone,
    ValueError on anything else."""
    s = text.strip()
    if re.fullmatch(r"[+-]?\d+(\.\d*)?", s):
        try:
            return int((Decimal(s) * US_PER_S).to_integral_value())
        except InvalidOperation as exc:  # pragma: no cover - the regex admits only valid decimals
            raise ValueError(s) from exc
    m = re.fullmatch(r"(.*?\d)(\.\d+)?(Z|[+-]\d\d:?\d\d)?", s)
    if not m:
        raise ValueError(s)
    base, frac, zone = m.group(1), m.group(2) or "", m.group(3) or ""
    frac = frac[:7]  # '.' + at most 6 digits: fromisoformat accepts up to the microsecond
    if not zone:
        raise NoZoneError(s)
    zone = "+00:00" if zone == "Z" else zone[:3] + ":" + zone[-2:]
    return datetime_to_us(datetime.fromisoformat(base + frac + zone))


def _fail(path: Path, where: str, field: str, value: object, why: str = "") -> TrackFileError:
    extra = f": {why}" if why else ""
    return TrackFileError(f"{path}: {where}: bad {field} {value!r}{extra}")


def _coord(path: Path, where: str, field: str, text: object, limit: float) -> float:
    try:
        v = float(str(text))
    except ValueError:
        raise _fail(path, where, field, text, "not a number") from None
    if not (np.isfinite(v) and abs(v) <= limit):
        raise _fail(path, where, field, text, f"outside [-{limit:g}, {limit:g}]")
    return v


def _time(path: Path, where: str, field: str, value: object) -> int:
    """A time from a CSV cell or a JSON item, within the bounds every Miglia instant keeps."""
    try:
        us = parse_time(str(value))
    except NoZoneError:
        raise _fail(path, where, field, value, NO_ZONE) from None
    except ValueError:
        raise _fail(path, where, field, value, "not ISO 8601 nor epoch seconds") from None
    return _bounded(path, where, field, value, us)


def _bounded(path: Path, where: str, field: str, value: object, us: int) -> int:
    if not EARLIEST_US <= us <= LATEST_US:
        raise _fail(path, where, field, value, TIME_RANGE)
    return us


def _track(path: Path, rows: Iterable[tuple[int, float, float]]) -> Track:
    data = list(rows)
    if not data:
        raise TrackFileError(f"{path}: no fix found")
    t, lat, lon = zip(*data, strict=True)
    return Track(np.array(t, dtype=np.int64), np.array(lat), np.array(lon), str(path))


# ---------------------------------------------------------------------------------------------- format


def sniff(path: Path, text: str) -> str:
    """One of 'gpx', 'csv', 'nmea', 'json' (by extension, else by content)."""
    ext = path.suffix.lower()
    by_ext = {".gpx": "gpx", ".csv": "csv", ".nmea": "nmea", ".json": "json", ".geojson": "json"}
    if ext in by_ext:
        return by_ext[ext]
    head = text.lstrip()[:200]
    if head.startswith("<"):
        return "gpx"
    if head.startswith(("[", "{")):
        return "json"
    if head.startswith("$") or re.match(r"!?\$?G[PNLA][A-Z]{3},", head):
        return "nmea"
    return "csv"


def _read_text(path: Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise TrackFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise TrackFileError(f"{path}: not UTF-8 text (byte {exc.start})") from None


def read_track(path: str | Path) -> Track:
    """A `Track` from a GPX, CSV (time,lat,lon), NMEA or WKT-point JSON file."""
    p = Path(path)
    text = _read_text(p)
    kind = sniff(p, text)
    if kind == "gpx":
        return _track(p, _gpx_fixes(p, text))
    if kind == "nmea":
        return _track(p, _nmea_fixes(p, text))
    if kind == "json":
        return _track(p, _json_fixes(p, text))
    return _track(p, _csv_fixes(p, text))


def read_route(path: str | Path) -> Route:
    """A `Route` from GPX (tracks or routes, several segments joined in order), GeoJSON (LineString,
    MultiLineString, Feature, FeatureCollection with one line) or any track file (its fixes in order)."""
    p = Path(path)
    text = _read_text(p)
    kind = sniff(p, text)
    try:
        if kind == "gpx":
            return Route.from_segments(_gpx_segments(p, text))
        if kind == "json":
            doc = _load_json(p, text)
            if isinstance(doc, dict):
                return Route.from_segments(_geojson_segments(p, doc))
        track = read_track(p)
        return Route.from_latlon(track.lat, track.lon)
    except GeoError as exc:
        raise TrackFileError(f"{p}: {exc}") from None


# ------------------------------------------------------------------------------------------------- GPX


def _parse_gpx(path: Path, text: str) -> Any:
    import gpxpy
    import gpxpy.gpx

    try:
        return gpxpy.parse(text)
    except gpxpy.gpx.GPXException as exc:
        raise TrackFileError(f"{path}: not a valid GPX file: {exc}") from None


def _gpx_fixes(path: Path, text: str) -> list[tuple[int, float, float]]:
    gpx = _parse_gpx(path, text)
    groups: list[tuple[str, list[Any]]] = []
    for ti, trk in enumerate(gpx.tracks):
        for si, seg in enumerate(trk.segments):
            groups.append((f"track {ti + 1} segment {si + 1} point", seg.points))
    if not any(pts for _, pts in groups):
        groups = [(f"route {ri + 1} point", r.points) for ri, r in enumerate(gpx.routes)]
    if not any(pts for _, pts in groups):
        groups = [("waypoint", gpx.waypoints)]
    out = []
    for where, pts in groups:
        for k, pt in enumerate(pts):
            if pt.time is None:
                raise _fail(path, f"{where} {k + 1}", "time", None, "missing")
            if is_naive(pt.time):
                raise _fail(path, f"{where} {k + 1}", "time", pt.time.isoformat(), NO_ZONE)
            lat = _coord(path, f"{where} {k + 1}", "lat", pt.latitude, 90.0)
            lon = _coord(path, f"{where} {k + 1}", "lon", pt.longitude, 180.0)
            t = _bounded(path, f"{where} {k + 1}", "time", pt.time, datetime_to_us(pt.time))
            out.append((t, lat, lon))
    return out


def _gpx_segments(path: Path, text: str) -> list[tuple[Any, Any]]:
    gpx = _parse_gpx(path, text)
    pieces = [seg.points for trk in gpx.tracks for seg in trk.segments if seg.points]
    if not pieces:
        pieces = [r.points for r in gpx.routes if r.points]
    if not pieces:
        raise TrackFileError(f"{path}: no track or route points for a route")
    return [(np.array([p.latitude for p in pts]), np.array([p.longitude for p in pts])) for pts in pieces]


# ------------------------------------------------------------------------------------------------- CSV

_ALIASES = {
    "time": ("time", "timestamp", "t"),
    "lat": ("lat", "latitude"),
    "lon": ("lon", "lng", "longitude"),
}


def _csv_fixes(path: Path, text: str) -> list[tuple[int, float, float]]:
    try:
        return _csv_rows(path, text)
    except csv.Error as exc:  # a field beyond csv.field_size_limit, a NUL in older Pythons
        raise TrackFileError(f"{path}: not a readable CSV file: {exc}") from None


def _csv_rows(path: Path, text: str) -> list[tuple[int, float, float]]:
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        raise TrackFileError(f"{path}: empty file")
    names = [h.strip().lower() for h in header]
    col: dict[str, int] = {}
    for field, aliases in _ALIASES.items():
        found = [i for i, n in enumerate(names) if n in aliases]
        if not found:
            raise TrackFileError(f"{path}: line 1: header {header!r} has no {field!r} column")
        col[field] = found[0]
    out = []
    for row in reader:
        line = reader.line_num
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) <= max(col.values()):
            raise TrackFileError(f"{path}: line {line}: {len(row)} fields, expected {len(header)}")
        where = f"line {line}"
        t = _time(path, where, "time", row[col["time"]])
        lat = _coord(path, where, "lat", row[col["lat"]], 90.0)
        lon = _coord(path, where, "lon", row[col["lon"]], 180.0)
        out.append((t, lat, lon))
    return out


# ------------------------------------------------------------------------------------------------ NMEA


def _nmea_fixes(path: Path, text: str) -> list[tuple[int, float, float]]:
    """RMC gives date + time; GGA gives time only and takes the date of the last RMC (a GGA before any
    RMC is skipped).  Sentences with a bad checksum or bad fields, void RMC and no-fix GGA are skipped."""
    import pynmea2

    out: list[tuple[int, float, float]] = []
    date = None
    last_us: int | None = None
    bad: list[int] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        try:
            msg = pynmea2.parse(line, check=True)
            kind = msg.sentence_type
            if kind == "RMC":
                if msg.status != "A" or msg.datestamp is None or msg.timestamp is None:
                    continue
                date = msg.datestamp
                when = datetime.combine(date, msg.timestamp).replace(tzinfo=UTC)
            elif kind == "GGA":
                if date is None or not msg.gps_qual or msg.timestamp is None:
                    continue
                when = datetime.combine(date, msg.timestamp).replace(tzinfo=UTC)
                if last_us is not None and datetime_to_us(when) < last_us - 12 * US_PER_HOUR:
                    when += timedelta(days=1)  # past midnight since the last RMC
            else:
                continue
            lat, lon = float(msg.latitude), float(msg.longitude)
        except (pynmea2.ParseError, ValueError, TypeError, AttributeError):
            bad.append(lineno)
            continue
        us = datetime_to_us(when)
        if not (abs(lat) <= 90 and abs(lon) <= 180 and EARLIEST_US <= us <= LATEST_US):
            bad.append(lineno)
            continue
        last_us = us
        out.append((us, lat, lon))
    if not out:
        detail = f"; {len(bad)} bad sentence(s), first at line {bad[0]}" if bad else ""
        raise TrackFileError(f"{path}: no valid RMC/GGA fix{detail}")
    return out


# ------------------------------------------------------------------------------------------------ JSON

_WKT_POINT = re.compile(r"\s*POINT\s*\(\s*(\S+)\s+(\S+)\s*\)\s*", re.IGNORECASE)


def _load_json(path: Path, text: str) -> Any:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TrackFileError(f"{path}: line {exc.lineno}: invalid JSON: {exc.msg}") from None
    except (RecursionError, ValueError) as exc:  # ValueError: an integer of too many digits
        raise TrackFileError(f"{path}: invalid JSON: {type(exc).__name__}") from None
    if too_deep(doc):
        raise TrackFileError(f"{path}: invalid JSON: nested deeper than {MAX_JSON_DEPTH} levels")
    return doc


def _json_fixes(path: Path, text: str) -> list[tuple[int, float, float]]:
    """A list of {"point": "POINT(lon lat)", "time": "2014-09-10 06:54:07+0200"} (the Munich drive)."""
    doc = _load_json(path, text)
    if not isinstance(doc, list):
        raise TrackFileError(f"{path}: expected a JSON list of {{point, time}} objects")
    out = []
    for k, item in enumerate(doc):
        where = f"item {k}"
        if not isinstance(item, dict) or "point" not in item or "time" not in item:
            raise _fail(path, where, "object", item, "needs 'point' and 'time'")
        m = _WKT_POINT.fullmatch(str(item["point"]))
        if not m:
            raise _fail(path, where, "point", item["point"], "expected 'POINT(lon lat)'")
        lon = _coord(path, where, "point lon", m.group(1), 180.0)
        lat = _coord(path, where, "point lat", m.group(2), 90.0)
        t = _time(path, where, "time", item["time"])
        out.append((t, lat, lon))
    return out


def _geojson_segments(path: Path, doc: dict[str, Any]) -> list[tuple[Any, Any]]:
    kind = doc.get("type")
    if kind == "FeatureCollection":
        features = doc.get("features", [])
        feats = [f for f in features if _is_line(f)] if isinstance(features, list) else []
        if len(feats) != 1:
            raise _fail(path, "FeatureCollection", "features", f"{len(feats)} lines", "expected exactly one")
        return _geojson_segments(path, feats[0]["geometry"])
    if kind == "Feature":
        geometry = doc.get("geometry")
        return _geojson_segments(path, geometry if isinstance(geometry, dict) else {})
    coords: Any = doc.get("coordinates")
    lines: Any
    if kind == "LineString":
        lines = [coords]
    elif kind == "MultiLineString":
        lines = coords
    else:
        raise _fail(path, "geometry", "type", kind, "expected LineString or MultiLineString")
    if not isinstance(lines, list):
        raise _fail(path, "geometry", "coordinates", str(coords)[:60], "expected [[lon, lat], ...]")
    return [_geojson_line(path, li, line) for li, line in enumerate(lines)]


def _is_line(feature: object) -> bool:
    geometry = feature.get("geometry") if isinstance(feature, dict) else None
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    return isinstance(kind, str) and kind.endswith("LineString")


def _geojson_line(path: Path, li: int, line: Any) -> tuple[Any, Any]:
    try:  # positions may carry an elevation (or not): keep lon, lat
        a = np.array([[pos[0], pos[1]] for pos in line], dtype=np.float64)
    except (TypeError, ValueError, IndexError, KeyError, OverflowError):
        raise _fail(path, f"line {li}", "coordinates", str(line)[:60]) from None
    if a.ndim != 2 or a.shape[1] < 2:
        raise _fail(path, f"line {li}", "coordinates", str(line)[:60], "expected [[lon, lat], ...]")
    return a[:, 1], a[:, 0]
