"""Write an event back out as the organiser's files: the event file (TOML, as docs/event-file.md shows it,
with comments) and each day's route as GPX.

`formats/event_file.py` reads what this writes into the same `Event` (the round trip): every value is
written in a form the reader takes back exactly (decimals as written, durations as h:mm:ss or seconds to
the hundredth, times of day as TOML local times). A field is written when it is set; the caller decides
how a control is placed (by `km`, or by `lat`/`lon`) by leaving the other unset.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal

import gpxpy.gpx

from miglia.domain.event import Control, ControlKind, Day, Event, Stop

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


WRAP = 96
"""A long one-line text (a description) is written over lines of about this many characters."""


def toml_string(text: str) -> str:
    """A TOML basic string; a text of several lines as a multi-line one, and a long line folded with
    TOML's line-ending backslash (which the reader takes out with the newline and the next line's indent),
    easier to read and edit."""
    if "\n" in text:
        body = "".join(c if c in "\n\t" else _escape(c) for c in text)
        return f'"""\n{body}"""'
    escaped = "".join(_escape(c) for c in text)
    if len(escaped) <= WRAP:
        return f'"{escaped}"'
    return '"""\\\n  ' + " \\\n  ".join(_fold(escaped)) + '"""'


def _fold(escaped: str) -> list[str]:
    """Lines of about WRAP characters, broken at single spaces (the space itself is left out here and
    written before the backslash)."""
    lines: list[str] = []
    start = 0
    while len(escaped) - start > WRAP:
        cut = escaped.rfind(" ", start + 1, start + WRAP)
        while cut > start and (escaped[cut - 1] == " " or escaped[cut + 1 : cut + 2] in (" ", "\t", "")):
            cut = escaped.rfind(" ", start + 1, cut)
        if cut <= start:
            break
        lines.append(escaped[start:cut])
        start = cut + 1
    lines.append(escaped[start:])
    return lines


def _escape(c: str) -> str:
    if c in _ESCAPES:
        return _ESCAPES[c]
    if ord(c) < 0x20 or ord(c) == 0x7F:
        return f"\\u{ord(c):04X}"
    return c


def _comment(text: str) -> str:
    """Text for a comment: no control characters (a comment ends at the line's end)."""
    return "".join(" " if ord(c) < 0x20 or ord(c) == 0x7F else c for c in text)


def toml_decimal(value: Decimal) -> str:
    """A decimal as a TOML number when a float holds it exactly (24.0, 61.5: as the reader gives it back,
    so a second export writes the same), else as a string (the reader takes both)."""
    text = format(value, "f")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= 0:  # 48, 0: a TOML integer, read back the same
        return text
    number = repr(float(text))
    return number if Decimal(number) == value else toml_string(text)


def toml_float(value: float) -> str:
    return repr(float(value))


def toml_time(value: dt.time) -> str:
    return value.isoformat()


def duration(seconds: Decimal, kind: ControlKind) -> str:
    """A target as the file writes it: "1:20:00" for a leg, "21.00" (seconds, to the hundredth) for a
    timed trial; a fraction of a second is kept either way."""
    if kind is ControlKind.TIMED_TRIAL:
        text = format(seconds, "f")
        return text if "." in text else f"{text}.00"
    whole = int(seconds)
    rest = seconds - whole
    fraction = format(rest, "f")[1:] if rest else ""
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}{fraction}"


def _line(key: str, value: str, comment: str = "") -> str:
    return f"{key} = {value}" + (f"  # {comment}" if comment else "")


def _head(event: Event, rules: str, logo: str, tiles: str) -> list[str]:
    lines = [
        "[event]",
        _line("name", toml_string(event.name)),
        _line("slug", toml_string(event.slug), "used in addresses"),
        _line("timezone", toml_string(event.timezone), "times of day in this file are local to it"),
        _line("rules", toml_string(rules), "the rule set (docs/rules.md)"),
    ]
    if event.description:
        lines.append(_line("description", toml_string(event.description)))
    if event.sponsor:
        lines.append(_line("sponsor", toml_string(event.sponsor)))
    lines.append(_line("latest_year", str(event.eligibility.latest_year), "cars built after it are refused"))
    if event.eligibility.earliest_year is not None:
        lines.append(
            _line("earliest_year", str(event.eligibility.earliest_year), "cars built before it are refused")
        )
    if logo:
        lines.append(_line("logo", toml_string(logo), "printed on the certificates"))
    if event.tile_url:
        lines.append(_line("tile_url", toml_string(event.tile_url), "an online tile server (docs/maps.md)"))
    if tiles:
        lines.append(_line("tiles", toml_string(tiles), "the region's map tiles, served at /tiles"))
    return lines


def _day(day: Day, route: str, length_km: float | None) -> list[str]:
    length = f" ({length_km:,.1f} km)" if length_km is not None else ""
    lines = [
        f"# Day {day.number}, {day.date.strftime('%A')} {day.date.day} {day.date.strftime('%B %Y')}{length}",
        "[[days]]",
        _line("date", day.date.isoformat()),
        _line("title", toml_string(day.title)),
        _line("route", toml_string(route)),
        _line("first_start", toml_time(day.first_start), "the first car"),
        _line("start_interval", str(day.start_interval_s), "seconds between two cars at the start"),
    ]
    if day.odometer_check is not None:
        check = day.odometer_check
        lines.append(
            _line(
                "odometer_check",
                f"{{ from_km = {toml_decimal(check.from_km)}, to_km = {toml_decimal(check.to_km)} }}",
                "a measured stretch for the trip meters",
            )
        )
    return lines


def _control(c: Control) -> list[str]:
    lines = [
        "[[days.controls]]",
        _line("name", toml_string(c.name)),
        _line("kind", toml_string(c.kind.value)),
    ]
    if c.km is not None:
        lines.append(_line("km", toml_decimal(c.km)))
    if c.lat is not None:
        lines.append(_line("lat", toml_float(c.lat)))
    if c.lon is not None:
        lines.append(_line("lon", toml_float(c.lon)))
    if c.target is not None:
        what = (
            "from the start line to the finish line" if c.kind is ControlKind.TIMED_TRIAL else "for the leg"
        )
        lines.append(_line("target", toml_string(duration(c.target, c.kind)), f"time allowed {what}"))
    if c.average_kmh is not None:
        lines.append(_line("average_kmh", toml_decimal(c.average_kmh), "the leg's set average speed"))
    if c.end_km is not None:
        lines.append(_line("end_km", toml_decimal(c.end_km), "the finish line"))
    if c.end_lat is not None:
        lines.append(_line("end_lat", toml_float(c.end_lat)))
    if c.end_lon is not None:
        lines.append(_line("end_lon", toml_float(c.end_lon)))
    if c.speed_changes:
        changes = ", ".join(
            f"{{ km = {toml_decimal(s.km)}, average_kmh = {toml_decimal(s.kmh)} }}" for s in c.speed_changes
        )
        lines.append(_line("speed_changes", f"[{changes}]", "from that km on, the set average changes"))
    if c.description:
        lines.append(_line("description", toml_string(c.description)))
    return lines


def _stop(s: Stop) -> list[str]:
    lines = ["[[days.stops]]", _line("kind", toml_string(s.kind.value)), _line("name", toml_string(s.name))]
    if s.address:
        lines.append(_line("address", toml_string(s.address)))
    if s.lat is not None:
        lines.append(_line("lat", toml_float(s.lat)))
    if s.lon is not None:
        lines.append(_line("lon", toml_float(s.lon)))
    if s.km is not None:
        lines.append(_line("km", toml_decimal(s.km)))
    if s.opens is not None:
        lines.append(_line("opens", toml_time(s.opens)))
    if s.closes is not None:
        lines.append(_line("closes", toml_time(s.closes)))
    if s.description:
        lines.append(_line("description", toml_string(s.description)))
    return lines


def event_toml(
    event: Event,
    routes: Mapping[int, str],
    *,
    rules: str | None = None,
    logo: str = "",
    tiles: str = "",
    lengths_km: Mapping[int, float] | None = None,
) -> str:
    """The event file of `event`: `routes` names each day's route file (by day number), relative to the
    event file, as do `rules` (when the rule set is a file of the organiser's), `logo` and `tiles`."""
    blocks = [
        [
            f"# {_comment(event.name)}: the event file (docs/event-file.md), from `miglia event export`.",
            "# Check it: `miglia event check event.toml`; store it: `miglia event import event.toml`.",
        ],
        _head(event, event.rules if rules is None else rules, logo, tiles),
    ]
    for day in event.days:
        blocks.append(_day(day, routes[day.number], (lengths_km or {}).get(day.number)))
        blocks += [_control(c) for c in day.controls]
        blocks += [_stop(s) for s in day.stops]
    return "\n\n".join("\n".join(block) for block in blocks) + "\n"


def route_gpx(name: str, coordinates: Sequence[Sequence[float]]) -> str:
    """A day's route as a GPX 1.1 track of one segment: [[lat, lon], ...] in driving order."""
    gpx = gpxpy.gpx.GPX()
    gpx.creator = "Miglia"
    track = gpxpy.gpx.GPXTrack(name=name)
    segment = gpxpy.gpx.GPXTrackSegment()
    segment.points = [gpxpy.gpx.GPXTrackPoint(float(lat), float(lon)) for lat, lon in coordinates]
    track.segments.append(segment)
    gpx.tracks.append(track)
    return gpx.to_xml(version="1.1")
