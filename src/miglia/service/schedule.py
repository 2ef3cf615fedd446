"""A day's schedule as the public reads it: controls and stops in km order."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from miglia.domain.event import Day, Event


@dataclass(frozen=True)
class ScheduleItem:
    km: Decimal | None
    label: str
    css: str
    name: str
    address: str = ""
    time: str = ""


def day_items(event: Event, day: Day) -> list[ScheduleItem]:
    items = [
        ScheduleItem(
            km=c.km,
            label=c.kind.label,
            css=c.kind.value,
            name=c.name + (f": {c.description}" if c.description else ""),
            time=day.first_start.strftime("first car %H:%M") if c.kind.value == "start" else "",
        )
        for c in day.controls
    ]
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
