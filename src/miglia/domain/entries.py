"""Entries: a car and its crew in one event, accepted or refused with a reason."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from miglia.domain.event import Eligibility


class EntryStatus(StrEnum):
    ACCEPTED = "accepted"
    REFUSED = "refused"


class CarCategory(StrEnum):
    """The 1000 Miglia's categories of car (millemiglia.it, "Coefficients")."""

    SPORT = "sport"
    GRAN_TURISMO = "gran_turismo"
    TOURING = "touring"


class RaceHistory(StrEnum):
    """What this very car (by its chassis number) did in a historic Mille Miglia speed race (1927-1957)."""

    NONE = ""
    ENTERED = "entered"
    """Entered, but did not take part."""
    RACED = "raced"


@dataclass(frozen=True)
class Car:
    make: str
    model: str
    year: int
    chassis: str = ""
    displacement_cc: int | None = None
    """Nominal displacement, without a compressor's effect (the coefficient's class)."""
    category: CarCategory | None = None
    history: RaceHistory = RaceHistory.NONE
    story: str = ""
    """A few lines about this very car (its placard at the car show, its page)."""

    @property
    def title(self) -> str:
        return f"{self.year} {self.make} {self.model}"


@dataclass(frozen=True)
class Crew:
    driver: str
    co_driver: str = ""
    ladies: bool = False
    """True when the whole crew is female (the ladies' cup)."""


@dataclass(frozen=True, kw_only=True)
class Entry:
    start_no: int
    car: Car
    crew: Crew
    class_name: str = ""
    device_id: str = ""
    team: str = ""
    status: EntryStatus = EntryStatus.ACCEPTED
    refusal_reason: str = ""

    @property
    def accepted(self) -> bool:
        return self.status is EntryStatus.ACCEPTED


def judge(entry: Entry, eligibility: Eligibility) -> Entry:
    """The entry as the event's eligibility rule decides it: accepted, or refused with the reason kept."""
    reason = eligibility.refusal(entry.car.year)
    if reason is None:
        return entry
    return replace(entry, status=EntryStatus.REFUSED, refusal_reason=reason)
