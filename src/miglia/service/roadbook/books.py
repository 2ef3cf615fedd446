"""The stored event's roadbooks with the organiser's edits, and the papers made from the same schedule:
each crew's time card and each day's schedule.

Roadbooks are made when asked for (a day takes well under a second), from the stored event and route,
so an event imported again gives a new roadbook at once, with the organiser's edits carried over where
they still fit (see `roadbook.edits`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np

from miglia.domain.errors import InvalidInput, MigliaError
from miglia.domain.event import ControlKind, Day, Event
from miglia.domain.instants import format_local
from miglia.domain.timecard import EventPlan, ideal_offset_us, start_order, time_card
from miglia.geo.chainage import nearest
from miglia.geo.route import Route
from miglia.roadbook.build import day_roadbook
from miglia.roadbook.edits import Action, Edit
from miglia.roadbook.model import DaySchedule, Roadbook, ScheduleRow
from miglia.roadbook.osm import RoadWay, Streets, read_ways, ways_from_json, ways_to_json
from miglia.roadbook.pdf import TimeCardRow, schedule_pdf, time_card_pdf
from miglia.roadbook.tulip import ICONS
from miglia.service.clock import now_us
from miglia.service.event import events
from miglia.store.db import Database
from miglia.store.records import StoredStreetMap
from miglia.store.unit_of_work import UnitOfWork

MAX_TEXT = 200
CORRIDOR_M = 60.0
"""A road of the extract is kept when a node of it lies this near a route: the junctions' legs, no more."""


@dataclass(frozen=True)
class DayBook:
    book: Roadbook
    route: Route


def day_book(uow: UnitOfWork, day: int) -> DayBook:
    """Day `day`'s roadbook of the latest event, with its live edits (and side roads, with a street map)."""
    row = events.event_row(uow)
    event = events.event_of(row)
    the_day = _day(event, day)
    route = _route(uow, row.id, day)
    edits = uow.roadbook_edits.all(row.id, day)
    streets = _streets(uow, row.id)
    return DayBook(day_roadbook(event, the_day, route, streets=streets, edits=edits), route)


def street_map(uow: UnitOfWork) -> StoredStreetMap | None:
    return uow.street_maps.get(events.event_row(uow).id)


def import_streets(db: Database, path: Path, source_name: str, by: str) -> int:
    """Keep the roads of an OpenStreetMap extract that lie near the event's routes (the side roads of its
    roadbooks); returns how many ways were kept. A new extract replaces the last one."""
    with db.unit_of_work() as uow:
        row = events.event_row(uow)
        routes = [_route(uow, row.id, d.number) for d in events.event_of(row).days]
    ways = [w for w in read_ways(path, routes_bbox(routes)) if _near_any(w, routes)]
    if not ways:
        raise MigliaError(f"{source_name}: no road of the extract lies along the event's routes")
    with db.unit_of_work() as uow:
        uow.street_maps.save(
            events.event_row(uow).id,
            StoredStreetMap(
                source_name=source_name, ways=ways_to_json(ways), stored_by=by, stored_us=now_us()
            ),
        )
    return len(ways)


def routes_bbox(routes: list[Route], margin_deg: float = 0.01) -> tuple[float, float, float, float]:
    """The routes' extent with about a kilometre to spare, so that a country extract stays cheap to read."""
    return (
        min(float(r.lat.min()) for r in routes) - margin_deg,
        min(float(r.lon.min()) for r in routes) - margin_deg,
        max(float(r.lat.max()) for r in routes) + margin_deg,
        max(float(r.lon.max()) for r in routes) + margin_deg,
    )


def _near_any(way: RoadWay, routes: list[Route]) -> bool:
    lat = np.array([n[1] for n in way.nodes])
    lon = np.array([n[2] for n in way.nodes])
    return any(bool((nearest(route, lat, lon).offset_m <= CORRIDOR_M).any()) for route in routes)


_built: dict[tuple[int, int], Streets] = {}


def _streets(uow: UnitOfWork, event_id: int) -> Streets | None:
    """The event's street map as a network, built once per stored map (the editor asks at every edit)."""
    stored = uow.street_maps.get(event_id)
    if stored is None:
        return None
    key = (event_id, stored.stored_us)
    if key not in _built:
        _built.clear()
        _built[key] = Streets.from_ways(ways_from_json(stored.ways))
    return _built[key]


def edit_history(uow: UnitOfWork, day: int) -> list[Edit]:
    """Every edit of the day, withdrawn ones included, in the order made."""
    return uow.roadbook_edits.all(events.event_row(uow).id, day, withdrawn=True)


def change_line(
    db: Database,
    day: int,
    anchor_m: float,
    by: str,
    *,
    words: str | None = None,
    note: str | None = None,
    stubs: str | None = None,
    icon: str | None = None,
) -> Edit:
    """Re-word an instruction, give it a note or a symbol (`icon`, one of `tulip.ICONS`; a turn has
    none), or draw its side roads (`stubs`: bearings "0 270"). Only what differs from the line as it reads
    now is recorded (the editor's form sends every field)."""
    bearings = _stubs(stubs)
    _check_icon(icon)
    with db.unit_of_work() as uow:
        line = next((i for i in day_book(uow, day).book.instructions if i.anchor_m == anchor_m), None)
    if line is not None:
        words = None if words is None or words.strip() == line.words else words
        note = None if note is None or note.strip() == line.note else note
        bearings = None if bearings is None or bearings == line.stubs else bearings
        icon = None if icon is None or icon == line.icon else icon
    if words is None and note is None and bearings is None and icon is None:
        raise InvalidInput(f"day {day} roadbook", "line", round(anchor_m / 1000, 2), "nothing changed")
    return _record(db, day, Action.CHANGE, anchor_m, by, words=words, note=note, stubs=bearings, icon=icon)


def remove_line(db: Database, day: int, anchor_m: float, by: str) -> Edit:
    return _record(db, day, Action.REMOVE, anchor_m, by)


def add_line(
    db: Database, day: int, km: float, by: str, *, words: str, note: str = "", icon: str = "caution"
) -> Edit:
    """A line of the organiser's own at `km` (a caution, a landmark, a level crossing), with its symbol."""
    if not words.strip():
        raise InvalidInput(f"day {day} roadbook", "words", words, "say what the crew should read")
    _check_icon(icon)
    return _record(db, day, Action.ADD, km * 1000, by, words=words, note=note, icon=icon)


def _check_icon(icon: str | None) -> None:
    if icon and icon not in ICONS:
        raise InvalidInput("roadbook", "icon", icon, f"expected one of {', '.join(ICONS)}")


def withdraw(db: Database, edit_id: int, by: str) -> Edit:
    with db.unit_of_work() as uow:
        event_id = events.event_row(uow).id
        done = uow.roadbook_edits.withdraw(event_id, edit_id, by=by, at_us=now_us())
    if done is None:
        raise InvalidInput("roadbook", "edit", edit_id, "no edit of this event to withdraw")
    return done


def _record(
    db: Database,
    day: int,
    action: Action,
    anchor_m: float,
    by: str,
    *,
    words: str | None = None,
    note: str | None = None,
    stubs: tuple[int, ...] | None = None,
    icon: str | None = None,
) -> Edit:
    for field, text in (("words", words), ("note", note)):
        if text is not None and len(text) > MAX_TEXT:
            raise InvalidInput(
                f"day {day} roadbook", field, text[:40] + "…", f"longer than {MAX_TEXT} characters"
            )
    with db.unit_of_work() as uow:
        row = events.event_row(uow)
        _day(events.event_of(row), day)
        route = _route(uow, row.id, day)
        if not 0 <= anchor_m <= route.length_m:
            raise InvalidInput(
                f"day {day} roadbook",
                "km",
                round(anchor_m / 1000, 2),
                f"the route is {route.length_m / 1000:.2f} km",
            )
        lat, lon = route.point_at(anchor_m)
        edit = Edit(
            id=0,
            day=day,
            action=action,
            anchor_m=anchor_m,
            lat=lat,
            lon=lon,
            words=None if words is None else words.strip(),
            note=None if note is None else note.strip(),
            stubs=stubs,
            icon=icon,
            by=by,
            at_us=now_us(),
        )
        return uow.roadbook_edits.add(row.id, edit)


def _stubs(text: str | None) -> tuple[int, ...] | None:
    """Bearings as the organiser types them: "0 270" or "0, 270" (whole degrees, 0-359); None: unchanged."""
    if text is None:
        return None
    values = text.replace(",", " ").split()
    try:
        bearings = tuple(int(v) for v in values)
    except ValueError:
        raise InvalidInput("roadbook", "stubs", text, "whole degrees from north, e.g. 0 270") from None
    if any(not 0 <= b <= 359 for b in bearings):
        raise InvalidInput("roadbook", "stubs", text, "each bearing is 0 to 359 degrees")
    return bearings


def _day(event: Event, number: int) -> Day:
    for day in event.days:
        if day.number == number:
            return day
    raise events.NotFound(f"day = {number}: the event has days 1 to {len(event.days)}")


def _route(uow: UnitOfWork, event_id: int, day: int) -> Route:
    stored = events.routes(uow, event_id).get(day)
    if stored is None:
        raise MigliaError(f"day {day}: no route stored; import the event file with its routes")
    points = np.asarray(stored.coordinates, dtype=np.float64)
    return Route.from_latlon(points[:, 0], points[:, 1])


# -- the papers made from the schedule ---------------------------------------------------------------


def time_card_file(uow: UnitOfWork, start_no: int) -> bytes:
    """A crew's time card as PDF: its due times at every control of every day (secret checks left out)."""
    row = events.event_row(uow)
    event = events.event_of(row)
    entries = events.entries(uow, row.id)
    entry = next((e for e in entries if e.start_no == start_no and e.accepted), None)
    if entry is None:
        raise events.NotFound(f"start_no = {start_no}: no accepted car with this start number")
    plan = EventPlan.build(event)
    card = time_card(plan, start_no, start_order(entries)[start_no])
    rows = []
    for line in card.lines:
        control = plan.by_name[line.control]
        if line.kind is ControlKind.SECRET_CHECK:
            continue
        if line.target_us is not None:
            due = f"target {line.target_us / 1e6:.2f} s"
        elif line.due_us is not None:
            due = format_local(line.due_us, event.timezone, places=0)[:5]
        else:
            due = ""
        rows.append(
            TimeCardRow(
                day=control.day + 1,
                control=line.control,
                kind_label=line.kind.label,
                km="" if control.km is None else f"{control.km:.2f}",
                due=due,
            )
        )
    crew = " / ".join(x for x in (entry.crew.driver, entry.crew.co_driver) if x)
    car = f"{entry.car.year} {entry.car.make} {entry.car.model}"
    return time_card_pdf(event.name, [d.title for d in event.days], start_no, crew, car, rows)


def schedule_file(uow: UnitOfWork, day: int) -> bytes:
    """The day's schedule as PDF: the first and the last car's ideal times at every control and stop."""
    row = events.event_row(uow)
    event = events.event_of(row)
    the_day = _day(event, day)
    order = start_order(events.entries(uow, row.id))
    plan = EventPlan.build(event)
    index = event.days.index(the_day)
    cars = sorted(order, key=lambda n: order[n])
    first_us = plan.start_us(index, 0)
    last_us = plan.start_us(index, max(len(cars) - 1, 0))
    rows = []
    for c in the_day.controls:
        if c.kind is ControlKind.SECRET_CHECK or c.km is None:
            continue
        rows.append(
            _schedule_row(the_day, c.km, f"{c.name} {c.kind.label.lower()}", c.kind.value, first_us, last_us)
        )
    for s in the_day.stops:
        if s.km is not None:
            rows.append(
                _schedule_row(the_day, s.km, f"{s.kind.label}: {s.name}", s.kind.value, first_us, last_us)
            )
    return schedule_pdf(
        DaySchedule(
            event=event.name,
            day=day,
            title=the_day.title,
            date=the_day.date,
            timezone=event.timezone,
            first_car=cars[0] if cars else 0,
            last_car=cars[-1] if cars else 0,
            rows=tuple(sorted(rows, key=lambda r: r.km)),
        )
    )


def _schedule_row(day: Day, km: Decimal, what: str, icon: str, first_us: int, last_us: int) -> ScheduleRow:
    offset = ideal_offset_us(day.controls, km)
    return ScheduleRow(
        km=km,
        what=what,
        icon=icon,
        first_us=None if offset is None else first_us + offset,
        last_us=None if offset is None else last_us + offset,
    )
