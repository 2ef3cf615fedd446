"""Scrutineering at the start (issue 12.3): a checklist per car, its verdict, and whether it may start.

Each check of an item is a new record (who, when, ok or not, a note); the latest check of an item is in
force, so a car failed for a missing fire extinguisher passes once one is fitted and checked again, and
the first verdict stays on record. A car starts only when every item passed.

Pure rules: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class Item:
    key: str
    label: str
    group: str


CHECKLIST: tuple[Item, ...] = (
    Item("registration", "Registration document (or FIVA identity card)", "Documents"),
    Item("licences", "Driving licences of the crew", "Documents"),
    Item("insurance", "Insurance certificate valid for the event", "Insurance"),
    Item("extinguisher", "Fire extinguisher, fixed and in date", "Safety"),
    Item("first_aid", "First-aid kit", "Safety"),
    Item("triangle", "Warning triangle and high-visibility vests", "Safety"),
    Item("belts", "Seat belts (where fitted) and tyres", "Safety"),
    Item("tracker_fitted", "Tracker fitted and powered", "Tracker"),
    Item("tracker_sending", "Tracker sending (a trusted position received)", "Tracker"),
)
KEYS = tuple(i.key for i in CHECKLIST)
LABELS = {i.key: i.label for i in CHECKLIST}
TRACKER_SENDING = "tracker_sending"
AUTOMATIC = "tracker"
"""Who a check made from the tracker's first trusted position is recorded as."""


class Verdict(StrEnum):
    NOT_STARTED = "not checked"
    INCOMPLETE = "incomplete"
    PASSED = "passed"
    FAILED = "failed"


@dataclass(frozen=True)
class Check:
    start_no: int
    item: str
    ok: bool
    note: str
    by: str
    at_us: int
    seq: int


@dataclass(frozen=True)
class Sheet:
    """A car's checklist as it stands: the check in force per item, the verdict and why."""

    start_no: int
    checks: dict[str, Check]
    verdict: Verdict
    reason: str
    """For a failed car: what failed (with the notes); for an incomplete one: what is left to check."""

    @property
    def may_start(self) -> bool:
        return self.verdict is Verdict.PASSED


class Refused(Exception):
    """A check or a start the rules do not allow, in words for the scrutineer."""


def check_item(item: str, ok: bool, note: str) -> None:
    if item not in LABELS:
        raise Refused(f"item {item!r}: the checklist has {', '.join(KEYS)}")
    if not ok and not note.strip():
        raise Refused(f"{LABELS[item]}: say what is wrong (the note is the reason shown to the timekeeper)")
    if len(note) > 500:
        raise Refused(f"{LABELS[item]}: the note has {len(note)} characters; at most 500")


def sheet(start_no: int, checks: Iterable[Check]) -> Sheet:
    latest: dict[str, Check] = {}
    for c in sorted(checks, key=lambda c: c.seq):
        if c.start_no == start_no and c.item in LABELS:
            latest[c.item] = c
    failed = [latest[k] for k in KEYS if k in latest and not latest[k].ok]
    missing = [LABELS[k] for k in KEYS if k not in latest]
    if failed:
        reason = "; ".join(f"{LABELS[c.item]}: {c.note}" if c.note else LABELS[c.item] for c in failed)
        return Sheet(start_no, latest, Verdict.FAILED, reason)
    if not latest:
        return Sheet(start_no, latest, Verdict.NOT_STARTED, "not scrutineered yet")
    if missing:
        return Sheet(start_no, latest, Verdict.INCOMPLETE, "still to check: " + ", ".join(missing))
    return Sheet(start_no, latest, Verdict.PASSED, "")


def check_start(s: Sheet) -> None:
    """Raises Refused unless the car passed scrutineering."""
    if s.verdict is Verdict.FAILED:
        raise Refused(f"car {s.start_no} failed scrutineering ({s.reason}): it cannot be marked started")
    if s.verdict is not Verdict.PASSED:
        raise Refused(f"car {s.start_no} has not passed scrutineering ({s.reason}): it cannot start yet")


@dataclass(frozen=True)
class Start:
    start_no: int
    by: str
    at_us: int
