"""Re-timing from stored positions: after a timing line or a control moved (the event imported again),
or after positions arrived that the live path never timed, the GPS passages are derived again from the
positions kept in the database, exactly as the live path derives them (`live_timing.first_crossings`
over the car's whole day, the same timing lines, the same counted positions), and replace the stored
GPS passages of the controls re-timed. Passages of other sources (timing devices, marshals) are not
touched; results are recomputed from what is stored, as always.

`miglia timing rebuild [--day N] [--control NAME]`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from miglia.domain.corrections import CorrectionKind, effective
from miglia.domain.errors import InvalidInput
from miglia.domain.event import Event
from miglia.domain.passages import Passage
from miglia.domain.rules import Source
from miglia.service import news
from miglia.service.clock import now_us
from miglia.service.event import events
from miglia.service.live.alerts import load_watch
from miglia.service.live.live_timing import RECORDED_BY, Points, car_day_span, first_crossings, timing_lines
from miglia.service.timing.gps_timing import DayLines
from miglia.store.db import Database
from miglia.store.records import NewPassage
from miglia.store.unit_of_work import UnitOfWork

Progress = Callable[[str], None]


@dataclass(frozen=True, kw_only=True)
class Rebuilt:
    days: tuple[int, ...]
    controls: tuple[str, ...]
    cars: int
    """Cars with positions on the days re-timed."""
    positions: int
    removed: int
    stored: tuple[Passage, ...]


def rebuild(
    db: Database, day: int | None = None, control: str | None = None, progress: Progress | None = None
) -> Rebuilt:
    """Derive the GPS passages of the chosen day(s) or control again from the stored positions and store
    them in place of the GPS passages there (one transaction: all replaced or none)."""
    say = progress or (lambda _message: None)
    with db.unit_of_work() as uow:
        row = events.event_row(uow)
        event = events.event_of(row)
        lines = timing_lines(event, events.routes(uow, row.id))
        watch = load_watch(uow)
    days, controls = _scope(event, lines, day, control)
    found: list[tuple[int, Passage]] = []
    cars = positions = 0
    for number in days:
        day_cars = sorted(set(watch.cars.get(number, watch.default_cars).values()))
        say(f"day {number}: reading and timing {len(day_cars)} cars")
        with db.unit_of_work() as uow:
            for car in day_cars:
                span = car_day_span(watch, event.timezone, car, number)
                if span is None:
                    continue
                points = Points()
                for t, lat, lon, raw in uow.positions.points(span, watch.accept_unregistered):
                    points.add(t, lat, lon, raw)
                points = points.sorted()
                cars += bool(points.t)
                positions += len(points.t)
                found += [
                    (raw, p)
                    for raw, p, _ in first_crossings(lines[number], car, points)
                    if p.control in controls
                ]
    recorded = now_us()
    new = [
        NewPassage(passage=p, raw_id=raw, recorded_by=RECORDED_BY, recorded_us=recorded)
        for raw, p in sorted(found, key=lambda f: (f[1].instant_us, f[1].start_no, f[1].control, f[1].line))
    ]
    with db.unit_of_work() as uow:
        _refuse_orphaned_voids(uow, row.id, controls)
        removed = uow.passages.delete(row.id, Source.GPS, controls)
        uow.passages.add_many(row.id, new)
    news.results_changed(row.id)
    return Rebuilt(
        days=days,
        controls=tuple(sorted(controls)),
        cars=cars,
        positions=positions,
        removed=removed,
        stored=tuple(n.passage for n in new),
    )


def _refuse_orphaned_voids(uow: UnitOfWork, event_id: int, controls: set[str]) -> None:
    """A correction voiding one of the GPS passages about to be replaced would silently stop applying
    (the new passages are new rows): refuse, naming it, so the timekeeper cancels it first."""
    replaced = {p.id for p in uow.passages.all(event_id) if p.source is Source.GPS and p.control in controls}
    voids = [
        c
        for c in effective(uow.corrections.all(event_id))
        if c.kind is CorrectionKind.VOID_PASSAGE and c.passage_id in replaced
    ]
    if voids:
        names = ", ".join(f"{c.id} (car {c.start_no}, {c.control})" for c in voids)
        raise InvalidInput(
            "rebuild",
            "corrections",
            names,
            "they void GPS passages a rebuild replaces: cancel them first, then void the new ones",
        )


def _scope(
    event: Event, lines: Mapping[int, DayLines], day: int | None, control: str | None
) -> tuple[tuple[int, ...], set[str]]:
    """The days to read and the controls whose GPS passages are replaced."""
    if control is not None:
        try:
            found_day, _ = event.control(control)
        except KeyError:
            raise InvalidInput(
                "rebuild", "control", control, "no control of the event has this name"
            ) from None
        if day is not None and day != found_day.number:
            raise InvalidInput("rebuild", "control", control, f"is on day {found_day.number}, not day {day}")
        day = found_day.number
    numbers = [d.number for d in event.days]
    if day is not None and day not in numbers:
        raise InvalidInput("rebuild", "day", day, f"the event's days are {numbers}")
    chosen = tuple(n for n in numbers if (day is None or n == day) and n in lines)
    if day is not None and not chosen:
        raise InvalidInput("rebuild", "day", day, "this day has no route to time cars on")
    names = {c.name for d in event.days if d.number in chosen for c in d.controls}
    return chosen, ({control} if control is not None else names)
