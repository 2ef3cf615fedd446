"""Scrutineering's use cases on SQLite and PostgreSQL: the checklist (every check a record, an item as
it stands not recorded again), the tracker's "sending" from its first trusted position, marking a car
started only once it passed, and the timekeeper's report."""

from __future__ import annotations

import pytest

from miglia.domain import scrutineering as checklist
from miglia.domain.scrutineering import Verdict
from miglia.service.entries import scrutineering
from miglia.service.event import events
from miglia.service.live.ingest import insert_positions
from miglia.service.raw import store_raw
from miglia.store.db import Database
from miglia.tracking.fix import Fix
from tests.web.helpers import with_event

ALL_OK = {item: (True, "") for item in checklist.KEYS}


def test_a_car_that_passed_starts_and_one_that_failed_cannot(db: Database) -> None:
    with_event(db)
    assert scrutineering.record(db, 1, ALL_OK, "sam").verdict is Verdict.PASSED
    scrutineering.mark_started(db, 1, "sam")
    with pytest.raises(scrutineering.Refused, match="car 1 is already marked started"):
        scrutineering.mark_started(db, 1, "sam")
    failed = scrutineering.record(db, 2, {**ALL_OK, "extinguisher": (False, "no fire extinguisher")}, "sam")
    assert failed.verdict is Verdict.FAILED and failed.reason.endswith("no fire extinguisher")
    with pytest.raises(scrutineering.Refused, match=r"car 2 failed scrutineering \(.*no fire extinguisher\)"):
        scrutineering.mark_started(db, 2, "sam")
    with pytest.raises(scrutineering.Refused, match="car 3 has not passed scrutineering"):
        scrutineering.mark_started(db, 3, "sam")
    with pytest.raises(scrutineering.Refused, match="say what is wrong"):
        scrutineering.record(db, 3, {"insurance": (False, "")}, "sam")
    with pytest.raises(events.NotFound, match="car 4: no accepted entry"):
        scrutineering.record(db, 4, ALL_OK, "sam")  # refused for its year in the small event
    with db.unit_of_work() as uow:
        report = scrutineering.report(uow)
        starts = uow.applications.starts(events.event_row(uow).id)
    assert [(c.entry.start_no, c.sheet.verdict) for c in report] == [
        (2, Verdict.FAILED),
        (3, Verdict.NOT_STARTED),
    ]
    assert list(starts) == [1] and starts[1].by == "sam"


def test_every_check_is_a_record_and_the_latest_is_in_force(db: Database) -> None:
    with_event(db)
    scrutineering.record(db, 2, {**ALL_OK, "extinguisher": (False, "no fire extinguisher")}, "sam")
    scrutineering.record(db, 2, {**ALL_OK, "extinguisher": (True, "fitted")}, "tina")
    with db.unit_of_work() as uow:
        checks = uow.applications.checks(events.event_row(uow).id)
        car = scrutineering.car(uow, 2)
    assert len(checks) == len(checklist.KEYS) + 1  # the items as they stood were not recorded again
    assert [(c.ok, c.note, c.by) for c in checks if c.item == "extinguisher"] == [
        (False, "no fire extinguisher", "sam"),
        (True, "fitted", "tina"),
    ]
    assert car.sheet.verdict is Verdict.PASSED


def test_the_tracker_s_sending_is_checked_from_its_first_trusted_position(db: Database) -> None:
    with_event(db)
    with db.unit_of_work() as uow:
        raw = store_raw(uow, events.event_row(uow).id, "test", "fixes", "text/plain", "")
        insert_positions(uow, raw, [Fix("dev-2", 1_777_000_000_000_000, 38.29, -122.46)])
    without = {k: v for k, v in ALL_OK.items() if k != checklist.TRACKER_SENDING}
    sheet = scrutineering.record(db, 2, without, "sam")
    assert sheet.verdict is Verdict.PASSED
    sending = sheet.checks[checklist.TRACKER_SENDING]
    assert (sending.ok, sending.by, sending.note) == (True, "tracker", "first trusted position")
    # Car 1's tracker sent nothing: its "sending" is still to check.
    assert scrutineering.record(db, 1, without, "sam").verdict is Verdict.INCOMPLETE
