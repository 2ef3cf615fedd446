"""The scrutineer's use cases at the start: each car's checklist (every check a new record), the
tracker's "sending" from its first trusted position, marking a car started (only once it passed), and the
report the timekeeper reads (the cars that failed, with why, and those not checked yet)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from miglia.domain import scrutineering as rules
from miglia.domain.entries import Entry
from miglia.domain.errors import MigliaError
from miglia.domain.scrutineering import Start
from miglia.service.clock import now_us
from miglia.service.event import events
from miglia.store.db import Database
from miglia.store.unit_of_work import UnitOfWork


class Refused(MigliaError):
    pass


@dataclass(frozen=True)
class Car:
    entry: Entry
    sheet: rules.Sheet
    started: Start | None
    tracker_first_us: int | None
    """When the car's tracker sent its first trusted position (None: not yet, or no tracker)."""


def cars(uow: UnitOfWork) -> list[Car]:
    """Every accepted car with its checklist as it stands, by start number."""
    row = events.event_row(uow)
    checks = uow.applications.checks(row.id)
    starts = uow.applications.starts(row.id)
    entries = [e for e in uow.entries.all(row.id) if e.accepted]
    first = uow.positions.first_trusted([e.device_id for e in entries if e.device_id])
    return [
        Car(
            entry=e,
            sheet=rules.sheet(e.start_no, checks),
            started=starts.get(e.start_no),
            tracker_first_us=first.get(e.device_id) if e.device_id else None,
        )
        for e in entries
    ]


def car(uow: UnitOfWork, start_no: int) -> Car:
    found = next((c for c in cars(uow) if c.entry.start_no == start_no), None)
    if found is None:
        raise events.NotFound(f"car {start_no}: no accepted entry has this start number")
    return found


def record(db: Database, start_no: int, results: Mapping[str, tuple[bool, str]], by: str) -> rules.Sheet:
    """The items checked now (item -> ok, note); an item as it already stands is not recorded again. The
    tracker's "sending", left unchecked, is recorded from its first trusted position when there is one."""
    for item, (ok, note) in results.items():
        try:
            rules.check_item(item, ok, note)
        except rules.Refused as exc:
            raise Refused(f"car {start_no}: {exc}") from None
    with db.unit_of_work() as uow:
        row = events.event_row(uow)
        found = car(uow, start_no)
        if found.started is not None:
            raise Refused(f"car {start_no} has started: its scrutineering is closed")
        now = now_us()
        for item, (ok, note) in results.items():
            before = found.sheet.checks.get(item)
            if before is not None and (before.ok, before.note) == (ok, note.strip()):
                continue
            uow.applications.add_check(row.id, start_no, item, ok, note.strip(), by, now)
        if rules.TRACKER_SENDING not in results and found.tracker_first_us is not None:
            before = found.sheet.checks.get(rules.TRACKER_SENDING)
            if before is None:
                uow.applications.add_check(
                    row.id,
                    start_no,
                    rules.TRACKER_SENDING,
                    True,
                    "first trusted position",
                    rules.AUTOMATIC,
                    now,
                )
        return car(uow, start_no).sheet


def mark_started(db: Database, start_no: int, by: str) -> None:
    """The car leaves the start; refused (with the reason) unless it passed scrutineering."""
    with db.unit_of_work() as uow:
        row = events.event_row(uow)
        found = car(uow, start_no)
        if found.started is not None:
            raise Refused(f"car {start_no} is already marked started (by {found.started.by})")
        try:
            rules.check_start(found.sheet)
        except rules.Refused as exc:
            raise Refused(str(exc)) from None
        uow.applications.mark_started(row.id, start_no, by, now_us())


def report(uow: UnitOfWork) -> list[Car]:
    """For the timekeeper: the cars that may not start (failed first, then not checked), with why."""
    return sorted(
        (c for c in cars(uow) if not c.sheet.may_start),
        key=lambda c: (c.sheet.verdict is not rules.Verdict.FAILED, c.entry.start_no),
    )
