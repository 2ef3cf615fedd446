"""Export the stored event as the organiser's files: the event file, each day's route (GPX), the logo, the
rule set when it is the organiser's own file and the region's tile archive, ready for `miglia event
import` to take back into the same event (the round trip, docs/event-file.md).

A control placed by km is written with its km (its lat/lon follow from the route); one placed by lat/lon
with its lat/lon (its km follows). The stored event keeps both, so which one the organiser gave is read
back from the route: a km-placed control sits exactly on the route at its km.
"""

from __future__ import annotations

import shutil
import zipfile
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from miglia.domain.errors import MigliaError
from miglia.domain.event import Control, Event
from miglia.formats.event_export import event_toml, route_gpx
from miglia.geo.route import Route
from miglia.service.event import events
from miglia.store.db import Database
from miglia.store.records import StoredRoute

EVENT_FILE = "event.toml"


@dataclass(frozen=True)
class ExportedEvent:
    """What an export holds: file name (relative, "/" separated) -> its bytes, or the path of a file to
    copy as it is (the tile archive, which may be large)."""

    slug: str
    files: dict[str, bytes | Path]

    @property
    def names(self) -> list[str]:
        return list(self.files)


def exported_event(db: Database, slug: str | None = None) -> ExportedEvent:
    """The files of the stored event (the latest one when no slug is given)."""
    with db.unit_of_work() as uow:
        row = events.event_row(uow, slug)
        event = events.event_of(row)
        routes = events.routes(uow, row.id)
    files: dict[str, bytes | Path] = {}
    names = _route_names(event)
    for day in event.days:
        if day.number not in routes:
            raise MigliaError(f"day {day.number}: no stored route to export; import the event again")
    for day in event.days:
        files[names[day.number]] = route_gpx(
            f"Day {day.number}: {day.title}", routes[day.number].coordinates
        ).encode("utf-8")
    logo = _logo(db, event, files)
    rules = _rules(event, files)
    tiles = _tiles(event, files)
    text = event_toml(
        _as_written(event, routes),
        names,
        rules=rules,
        logo=logo,
        tiles=tiles,
        lengths_km={n: r.length_m / 1000 for n, r in routes.items()},
    )
    return ExportedEvent(event.slug, {EVENT_FILE: text.encode("utf-8"), **files})


def export_event(db: Database, out: Path, slug: str | None = None) -> list[Path]:
    """Write the event's files into the folder `out` (created if needed); the paths written, the event
    file first."""
    exported = exported_event(db, slug)
    written = []
    for name, content in exported.files.items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Path):
            if path.resolve() != content.resolve():
                shutil.copyfile(content, path)
        else:
            path.write_bytes(content)
        written.append(path)
    return written


def write_zip(exported: ExportedEvent, target: BinaryIO) -> None:
    """The export as one ZIP file (a folder named after the event's slug); archives are stored, the
    rest deflated."""
    with zipfile.ZipFile(target, "w") as archive:
        for name, content in exported.files.items():
            arcname = f"{exported.slug}/{name}"
            if isinstance(content, Path):
                archive.write(content, arcname, compress_type=zipfile.ZIP_STORED)
            else:
                archive.writestr(arcname, content, compress_type=zipfile.ZIP_DEFLATED)


def _route_names(event: Event) -> dict[int, str]:
    """<the file's name>.gpx per day, as the event file named it, beside the event file (every file of the
    export sits in one folder, as the console's upload keeps them); the day's number first when two
    days' files had the same name."""
    stems = [Path(day.route).stem or f"day{day.number}" for day in event.days]
    names = {}
    for day, stem in zip(event.days, stems, strict=True):
        unique = stems.count(stem) == 1
        names[day.number] = f"{stem}.gpx" if unique else f"day{day.number}-{stem}.gpx"
    return names


def _logo(db: Database, event: Event, files: dict[str, bytes | Path]) -> str:
    """The stored logo (as re-encoded on import: a JPEG), or the original file if it is still there."""
    if not event.logo:
        return ""
    data = db.media.logo(event.slug)
    if data is not None:
        name = f"{Path(event.logo).stem or 'logo'}.jpg"
        files[name] = data
        return name
    original = Path(event.logo)
    if not original.is_file():
        raise MigliaError(
            f"logo: {original.name!r} is neither stored nor at {original}; import the event again"
        )
    files[original.name] = original.read_bytes()
    return original.name


def _rules(event: Event, files: dict[str, bytes | Path]) -> str:
    """The rule set's name, or the organiser's own rule-set file copied beside the event file."""
    if not event.rules.endswith(".toml"):
        return event.rules
    path = Path(event.rules)
    if not path.is_file():
        raise MigliaError(f"rules: the event's rule-set file {path} is gone; put it back to export the event")
    files[path.name] = path.read_bytes()
    return path.name


def _tiles(event: Event, files: dict[str, bytes | Path]) -> str:
    if not event.tiles:
        return ""
    path = Path(event.tiles)
    if not path.is_file():
        raise MigliaError(f"tiles: the event's tile archive {path} is gone; put it back to export the event")
    files[path.name] = path
    return path.name


def _point(route: Route, km: Decimal) -> tuple[float, float]:
    """Where the import puts a control given by km (service/event/routes.py)."""
    lat, lon = route.point_at(min(float(km) * 1000, route.length_m))
    return round(float(lat), 6), round(float(lon), 6)


def _as_written(event: Event, routes: dict[int, StoredRoute]) -> Event:
    """The event with each control's position as the organiser gave it: km, or lat/lon."""
    days = []
    for day in event.days:
        coordinates = routes[day.number].coordinates
        lat, lon = zip(*coordinates, strict=True)
        route = Route.from_latlon(lat, lon)
        controls = []
        last_km: Decimal | None = None
        for control in day.controls:
            written = _control_as_written(route, control, last_km)
            controls.append(written)
            last_km = written.km if written.km is not None else last_km
        days.append(replace(day, controls=tuple(controls)))
    return replace(event, days=tuple(days))


def _by_km(route: Route, km: Decimal | None, lat: float | None, lon: float | None) -> bool:
    """Whether a position was given by km: it sits exactly where the route is at that km (or has no
    lat/lon to give instead)."""
    if km is None:
        return False
    return lat is None or lon is None or (lat, lon) == _point(route, km)


def _control_as_written(route: Route, control: Control, last_km: Decimal | None) -> Control:
    """A position on the route could be written either way; it is written by km unless the reader would
    refuse that km (before the previous control's, or a finish line not after its start: the import
    accepts those when they come from lat/lon), and then by lat/lon, which gives the same km back."""
    has_point = control.lat is not None and control.lon is not None
    in_order = control.km is None or last_km is None or control.km >= last_km
    if _by_km(route, control.km, control.lat, control.lon) and (in_order or not has_point):
        control = replace(control, lat=None, lon=None)
    elif has_point:
        control = replace(control, km=None)
    has_end_point = control.end_lat is not None and control.end_lon is not None
    after = control.end_km is None or control.km is None or control.end_km > control.km
    if _by_km(route, control.end_km, control.end_lat, control.end_lon) and (after or not has_end_point):
        return replace(control, end_lat=None, end_lon=None)
    if has_end_point:
        return replace(control, end_km=None)
    return control
