"""What a roadbook holds: one instruction per line, with distances, headings, words, a tulip and notes.

An instruction's `km` is its chainage on the day's route from the start, to 0.01 km; `partial_km` the
distance from the previous instruction (what the co-driver zeroes the trip meter on). Headings are whole
degrees clockwise from north, [0, 360). `stubs` are the bearings of the other roads at the junction,
when they are known (from an OpenStreetMap extract, or drawn by the organiser).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


def km_of(chainage_m: float) -> Decimal:
    """A chainage as a roadbook prints it: km to 0.01."""
    return Decimal(f"{chainage_m / 1000:.2f}")


class Kind(StrEnum):
    """What an instruction marks; its icon in the roadbook."""

    START = "start"
    TURN = "turn"
    STRAIGHT = "straight"
    """Straight over a junction (crossroads): only known from side roads."""
    ROUNDABOUT = "roundabout"
    HAIRPIN = "hairpin"
    CONTROL = "control"
    STOP = "stop"
    ODOMETER = "odometer"
    """The start or the end of the odometer check stretch."""
    NOTE = "note"
    """An instruction the organiser added that is no turn (a caution, a view, a level crossing)."""
    FINISH = "finish"


class Source(StrEnum):
    ROUTE = "route"
    """Found in the route's geometry."""
    EVENT = "event"
    """A control, stop or odometer check of the event file."""
    ORGANISER = "organiser"
    """Added by the organiser in the editor."""


@dataclass(frozen=True, kw_only=True)
class Instruction:
    km: Decimal
    partial_km: Decimal
    heading_in: int
    heading_out: int
    kind: Kind
    words: str
    """The instruction as the co-driver reads it: "turn right", "roundabout, 2nd exit", "TC3 time control"."""
    icon: str = ""
    """The control's or stop's kind for its symbol ("time_control", "lunch"...), else empty."""
    note: str = ""
    stubs: tuple[int, ...] = ()
    exit: int | None = None
    """A roundabout's exit, counted from the entry."""
    lat: float
    lon: float
    anchor_m: float
    """The exact chainage (metres) the instruction was made at: what an organiser's edit is anchored to."""
    source: Source = Source.ROUTE
    edited: bool = False
    """True when an organiser's edit changed or added it."""


@dataclass(frozen=True, kw_only=True)
class Leg:
    """A leg of the day for the page headers: from one timed control to the next, with its set average."""

    name: str
    """"START - TC1"."""
    from_km: Decimal
    to_km: Decimal
    average_kmh: Decimal | None
    """None when the leg is set by a target time alone."""


@dataclass(frozen=True, kw_only=True)
class Roadbook:
    event: str
    day: int
    title: str
    date: dt.date
    length_km: Decimal
    instructions: tuple[Instruction, ...]
    legs: tuple[Leg, ...]
    unplaced: tuple[str, ...] = ()
    """The organiser's edits whose anchor no longer lies on the route, each described for the organiser."""

    def leg_at(self, km: Decimal) -> Leg | None:
        for leg in self.legs:
            if leg.from_km <= km <= leg.to_km:
                return leg
        return None


@dataclass(frozen=True, kw_only=True)
class ScheduleRow:
    """One control or stop of the day's schedule, with the first and the last car's ideal instants there."""

    km: Decimal
    what: str
    """"TC1 time control", "Lunch: Nick's Cove"."""
    icon: str
    """The control's or stop's kind."""
    first_us: int | None
    """UTC microseconds; None where the schedule sets no time (a passage control on a target-only leg)."""
    last_us: int | None


@dataclass(frozen=True, kw_only=True)
class DaySchedule:
    event: str
    day: int
    title: str
    date: dt.date
    timezone: str
    first_car: int
    last_car: int
    """Start numbers of the first and last car to start."""
    rows: tuple[ScheduleRow, ...]
