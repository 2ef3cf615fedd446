"""A day's schedule as the public reads it: controls and stops in km order, with the first car's times.

The public schedule leaves out secret checks (their place is the point of them) and gives, at every
control with a due time, the due time of the first car to start: its time card, as `domain.timecard`
computes it from the day's first start and the legs' set times. Later cars are due `start_interval`
seconds apart, in start-number order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from miglia.domain.entries import Entry
from miglia.domain.event import ControlKind, Day, Event, StopKind
from miglia.domain.timecard import EventPlan, start_order, time_card
from miglia.service.clock import clock_text


@dataclass(frozen=True)
class ScheduleItem:
    km: Decimal | None
    label: str
    css: str
    name: str
    address: str = ""
    time: str = ""


@dataclass(frozen=True)
class DaySummary:
    """What a day card shows above its schedule."""

    number: int
    km: float
    first_start: str
    last_start: str
    cars: int
    timed: int
    """Controls with a due time (start, time controls, finish) and timed trials."""
    stops: list[str] = field(default_factory=list)
    """"Lunch: Name", "Hotel: Name" in route order."""


def first_car_due(event: Event, entries: Iterable[Entry]) -> dict[str, int]:
    """Control name -> the due instant of the first car to start (µs UTC), for the timed controls."""
    order = start_order(entries)
    if not order:
        return {}
    first = min(order, key=lambda n: order[n])
    card = time_card(EventPlan.build(event), first, 0)
    return {
        line.control: line.due_us
        for line in card.lines
        if line.due_us is not None and line.kind is not ControlKind.SECRET_CHECK
    }


def day_items(event: Event, day: Day, due_us: dict[str, int] | None = None) -> list[ScheduleItem]:
    """The public schedule of `day`; `due_us` (from `first_car_due`) adds the first car's due times."""
    due_us = due_us or {}
    items: list[ScheduleItem] = []
    for c in day.controls:
        if c.kind is ControlKind.SECRET_CHECK:
            continue
        if c.kind is ControlKind.START:
            time = day.first_start.strftime("first car %H:%M")
        elif c.name in due_us:
            time = "first car due " + clock_text(due_us[c.name], event.timezone)[:5]
        elif c.kind is ControlKind.TIMED_TRIAL and c.target is not None:
            time = f"target {c.target} s"
        else:
            time = ""
        items.append(
            ScheduleItem(
                km=c.km,
                label=c.kind.label,
                css=c.kind.value,
                name=c.name + (f": {c.description}" if c.description else ""),
                time=time,
            )
        )
    items += [
        ScheduleItem(
            km=s.km,
            label=s.kind.label,
            css=s.kind.value,
            name=s.name,
            address=s.address,
            time=" – ".join(t.strftime("%H:%M") for t in (s.opens, s.closes) if t is not None),
        )
        for s in day.stops
    ]
    # Stops without a km (placed by address only) go last rather than being dropped.
    return sorted(items, key=lambda i: (i.km is None, i.km or 0))


def day_summary(day: Day, km: float, cars: int) -> DaySummary:
    last = day.first_start.hour * 3600 + day.first_start.minute * 60 + day.first_start.second
    last += max(cars - 1, 0) * day.start_interval_s
    order = (StopKind.LUNCH, StopKind.CAR_SHOW, StopKind.HOTEL)
    stops = sorted((s for s in day.stops if s.kind in order), key=lambda s: (s.km is None, s.km or 0))
    return DaySummary(
        number=day.number,
        km=km,
        first_start=day.first_start.strftime("%H:%M"),
        last_start=f"{last // 3600 % 24:02d}:{last // 60 % 60:02d}",
        cars=cars,
        timed=sum(1 for c in day.controls if c.kind in (ControlKind.TIME_CONTROL, ControlKind.TIMED_TRIAL)),
        stops=[f"{s.kind.label}: {s.name}" for s in stops],
    )
