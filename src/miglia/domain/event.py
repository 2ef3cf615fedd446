"""The event as the organiser declares it: days, controls along each day's route, and stops.

These are plain values; reading them from the event file is the job of `service.event_file`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum


class ControlKind(StrEnum):
    START = "start"
    TIME_CONTROL = "time_control"
    PASSAGE_CONTROL = "passage_control"
    TIMED_TRIAL = "timed_trial"
    SECRET_CHECK = "secret_check"
    FINISH = "finish"

    @property
    def label(self) -> str:
        return _CONTROL_LABELS[self]

    @property
    def is_timed(self) -> bool:
        """Controls with a due time of day on the time card (the car must clock in there)."""
        return self in (ControlKind.START, ControlKind.TIME_CONTROL, ControlKind.FINISH)


_CONTROL_LABELS = {
    ControlKind.START: "Start",
    ControlKind.TIME_CONTROL: "Time control",
    ControlKind.PASSAGE_CONTROL: "Passage control",
    ControlKind.TIMED_TRIAL: "Timed trial",
    ControlKind.SECRET_CHECK: "Secret check",
    ControlKind.FINISH: "Finish",
}


class StopKind(StrEnum):
    LUNCH = "lunch"
    FUEL = "fuel"
    HOTEL = "hotel"
    CAR_SHOW = "car_show"

    @property
    def label(self) -> str:
        return {"lunch": "Lunch", "fuel": "Fuel", "hotel": "Hotel", "car_show": "Car show"}[self.value]


@dataclass(frozen=True)
class SpeedChange:
    """From `km` along the route on, the set average speed is `kmh`."""

    km: Decimal
    kmh: Decimal


@dataclass(frozen=True, kw_only=True)
class Control:
    """A place along a day's route where cars are timed or checked.

    `name` is unique in the event and is how passages, time cards and CSV files refer to it.
    A control is placed by `km` along the route or by `lat`/`lon` (then `km` is found on import).
    For a start, time control or finish, `target` is the time allowed for the leg from the previous
    timed control (or `average_kmh` over the leg's distance). For a timed trial, `target` is the time
    allowed between its start line (at `km`) and its finish line (at `end_km`), to 1/100 s.
    For a secret check, the ideal time comes from the average-speed schedule of the leg it lies on
    (`average_kmh` of the leg, changed by `speed_changes`).
    """

    name: str
    kind: ControlKind
    km: Decimal | None = None
    lat: float | None = None
    lon: float | None = None
    target: Decimal | None = None
    average_kmh: Decimal | None = None
    end_km: Decimal | None = None
    end_lat: float | None = None
    end_lon: float | None = None
    speed_changes: tuple[SpeedChange, ...] = ()
    description: str = ""


@dataclass(frozen=True, kw_only=True)
class Stop:
    kind: StopKind
    name: str
    address: str = ""
    lat: float | None = None
    lon: float | None = None
    km: Decimal | None = None
    opens: dt.time | None = None
    closes: dt.time | None = None
    description: str = ""


@dataclass(frozen=True)
class OdometerCheck:
    """A measured stretch of the day's route (usually near its start) on which crews calibrate their trip
    meters: from `from_km` to `to_km` of the route."""

    from_km: Decimal
    to_km: Decimal


@dataclass(frozen=True, kw_only=True)
class Day:
    number: int
    date: dt.date
    title: str
    route: str
    first_start: dt.time
    start_interval_s: int
    controls: tuple[Control, ...] = ()
    stops: tuple[Stop, ...] = ()
    odometer_check: OdometerCheck | None = None


@dataclass(frozen=True)
class Eligibility:
    """Which cars may enter: by default those built in 1957 or earlier."""

    latest_year: int = 1957
    earliest_year: int | None = None

    def refusal(self, year: int) -> str | None:
        """Why a car of this year of construction is refused, or None if it is eligible."""
        if year > self.latest_year:
            return f"built in {year}, after {self.latest_year}, the latest year this event accepts"
        if self.earliest_year is not None and year < self.earliest_year:
            return f"built in {year}, before {self.earliest_year}, the earliest year this event accepts"
        return None


@dataclass(frozen=True, kw_only=True)
class Event:
    slug: str
    name: str
    timezone: str
    rules: str
    days: tuple[Day, ...]
    eligibility: Eligibility = field(default_factory=Eligibility)
    description: str = ""
    sponsor: str = ""
    tile_url: str = ""
    logo: str = ""
    """The event's logo (a PNG or JPEG file) for its certificates; "" for none."""
    tiles: str = ""
    """A tile archive of the event's region (a .pmtiles or .mbtiles file), served at /tiles; "" for none."""

    def control(self, name: str) -> tuple[Day, Control]:
        for day in self.days:
            for control in day.controls:
                if control.name == name:
                    return day, control
        raise KeyError(name)

    @property
    def control_names(self) -> list[str]:
        return [c.name for d in self.days for c in d.controls]
