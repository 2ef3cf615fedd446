"""Devices: tokens, and which car carries which device on which day, with history (on the in-memory
store; the live path's token checks on real databases: tests/tracking)."""

from __future__ import annotations

import hashlib

import pytest

from miglia.domain.errors import InvalidInput
from miglia.service.event import events
from miglia.service.live.devices import (
    Assignment,
    assign,
    cars_by_device,
    history,
    register,
    resolve,
    token_matches,
)
from tests.conftest import SMALL
from tests.fake_store import FakeDatabase


def test_latest_assignment_wins_for_device_and_car() -> None:
    defaults = [("a", 7), ("b", 8)]
    changes = [
        Assignment(device_id="c", start_no=7, day_number=1, assigned_by="org", assigned_us=1),
        Assignment(device_id="a", start_no=8, day_number=1, assigned_by="org", assigned_us=2),
    ]
    assert resolve(defaults, changes) == {"c": 7, "a": 8}
    assert resolve(defaults, []) == {"a": 7, "b": 8}


def test_assign_keeps_history(fake_db: FakeDatabase) -> None:
    events.import_event(fake_db, SMALL / "event.toml")
    events.import_entries(fake_db, SMALL / "entries.csv")  # cars 1-4 carry dev-1 ... dev-4
    assign(fake_db, None, "spare", 1, 1, "Organiser")
    assign(fake_db, "sonoma-test-run", "dev-1", 2, 1, "Organiser")
    with fake_db.unit_of_work() as uow:
        event_id = events.event_row(uow).id
        assert [(a.device_id, a.start_no, a.assigned_by) for a in history(uow, event_id)] == [
            ("spare", 1, "Organiser"),
            ("dev-1", 2, "Organiser"),
        ]
        # day 1: car 1 carries the spare, car 2 took dev-1 (dev-2 is left with no car)
        assert cars_by_device(uow, event_id, 1) == {"spare": 1, "dev-1": 2, "dev-3": 3, "dev-4": 4}
        assert cars_by_device(uow, event_id, None) == {"dev-1": 1, "dev-2": 2, "dev-3": 3, "dev-4": 4}
    with pytest.raises(InvalidInput, match="start_no = 99"):
        assign(fake_db, None, "spare", 99, 1, "Organiser")
    with pytest.raises(InvalidInput, match=r"day = 4: the event's days are \[1\]"):
        assign(fake_db, None, "spare", 1, 4, "Organiser")
    with pytest.raises(InvalidInput, match="by"):
        assign(fake_db, None, "spare", 1, 1, " ")
    assert len(fake_db.state.assignments) == 2


def test_tokens_are_stored_hashed(fake_db: FakeDatabase) -> None:
    token = register(fake_db, "phone-7", label="Ada's phone")
    stored, label = fake_db.state.devices["phone-7"]
    assert label == "Ada's phone"
    assert stored == "sha256:" + hashlib.sha256(token.encode()).hexdigest() and token not in stored
    assert (
        token_matches(token, stored)
        and not token_matches("guess", stored)
        and not token_matches(None, stored)
    )
