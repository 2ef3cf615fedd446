"""The event as JSON for the database, and back: the resolved event, with every control's km known.

An entry goes the same way (`to_json`, `entry_from_json`), as the JSON API shows it: the car's
`displacement_cc` and `category` are null when not known, its `history` "" (no historic Mille Miglia).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import fields, is_dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from miglia.domain.entries import Car, CarCategory, Crew, Entry, EntryStatus, RaceHistory
from miglia.domain.event import (
    Control,
    ControlKind,
    Day,
    Eligibility,
    Event,
    OdometerCheck,
    SpeedChange,
    Stop,
    StopKind,
)


def to_json(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple | list):
        return [to_json(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return value


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _time(value: str | None) -> dt.time | None:
    return None if value is None else dt.time.fromisoformat(value)


def _control(d: dict[str, Any]) -> Control:
    return Control(
        name=d["name"],
        kind=ControlKind(d["kind"]),
        km=_decimal(d["km"]),
        lat=d["lat"],
        lon=d["lon"],
        target=_decimal(d["target"]),
        average_kmh=_decimal(d["average_kmh"]),
        end_km=_decimal(d["end_km"]),
        end_lat=d["end_lat"],
        end_lon=d["end_lon"],
        speed_changes=tuple(SpeedChange(Decimal(s["km"]), Decimal(s["kmh"])) for s in d["speed_changes"]),
        description=d["description"],
    )


def _stop(d: dict[str, Any]) -> Stop:
    return Stop(
        kind=StopKind(d["kind"]),
        name=d["name"],
        address=d["address"],
        lat=d["lat"],
        lon=d["lon"],
        km=_decimal(d["km"]),
        opens=_time(d["opens"]),
        closes=_time(d["closes"]),
        description=d["description"],
    )


def _odometer(d: dict[str, Any] | None) -> OdometerCheck | None:
    return None if d is None else OdometerCheck(Decimal(d["from_km"]), Decimal(d["to_km"]))


def from_json(d: dict[str, Any]) -> Event:
    return Event(
        slug=d["slug"],
        name=d["name"],
        timezone=d["timezone"],
        rules=d["rules"],
        days=tuple(
            Day(
                number=day["number"],
                date=dt.date.fromisoformat(day["date"]),
                title=day["title"],
                route=day["route"],
                first_start=dt.time.fromisoformat(day["first_start"]),
                start_interval_s=day["start_interval_s"],
                controls=tuple(_control(c) for c in day["controls"]),
                stops=tuple(_stop(s) for s in day["stops"]),
                odometer_check=_odometer(day.get("odometer_check")),
            )
            for day in d["days"]
        ),
        eligibility=Eligibility(**d["eligibility"]),
        description=d["description"],
        sponsor=d["sponsor"],
        tile_url=d["tile_url"],
        logo=d.get("logo", ""),
        tiles=d.get("tiles", ""),
    )


def entry_from_json(d: dict[str, Any]) -> Entry:
    """The entry `to_json` wrote; the car's coefficient parts, absent or null, are not known."""
    car, crew = d["car"], d["crew"]
    category = car.get("category")
    return Entry(
        start_no=d["start_no"],
        car=Car(
            make=car["make"],
            model=car["model"],
            year=car["year"],
            chassis=car.get("chassis", ""),
            displacement_cc=car.get("displacement_cc"),
            category=CarCategory(category) if category else None,
            history=RaceHistory(car.get("history") or ""),
            story=car.get("story") or "",
        ),
        crew=Crew(
            driver=crew["driver"], co_driver=crew.get("co_driver", ""), ladies=crew.get("ladies", False)
        ),
        class_name=d.get("class_name", ""),
        device_id=d.get("device_id", ""),
        team=d.get("team", ""),
        status=EntryStatus(d.get("status", EntryStatus.ACCEPTED.value)),
        refusal_reason=d.get("refusal_reason", ""),
    )
