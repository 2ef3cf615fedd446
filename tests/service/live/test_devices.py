"""Devices: tokens, and which car carries which device on which day, with history."""

from __future__ import annotations

import pytest

from miglia.domain.errors import InvalidInput
from miglia.service.live.devices import Assignment, assign, cars_by_device, history, resolve, token_matches
from miglia.store.db import Database
from miglia.store.models import DeviceRow
from tests.tracking.helpers import add_event


def test_latest_assignment_wins_for_device_and_car() -> None:
    defaults = [("a", 7), ("b", 8)]
    changes = [
        Assignment(device_id="c", start_no=7, day_number=1, assigned_by="org", assigned_us=1),
        Assignment(device_id="a", start_no=8, day_number=1, assigned_by="org", assigned_us=2),
    ]
    assert resolve(defaults, changes) == {"c": 7, "a": 8}
    assert resolve(defaults, []) == {"a": 7, "b": 8}


def test_assign_keeps_history(db: Database) -> None:
    event_id = add_event(db, {7: "phone-7", 8: "phone-8"})
    assign(db, None, "spare", 7, 1, "Organiser")
    assign(db, "test-rally", "phone-7", 7, 1, "Organiser")
    with db.unit_of_work() as uow:
        assert [a.device_id for a in history(uow, event_id)] == ["spare", "phone-7"]
        assert cars_by_device(uow, event_id, 1) == {"phone-7": 7, "phone-8": 8}
    with pytest.raises(InvalidInput, match="start_no"):
        assign(db, None, "spare", 99, 1, "Organiser")
    with pytest.raises(InvalidInput, match="day"):
        assign(db, None, "spare", 7, 4, "Organiser")


def test_tokens_are_stored_hashed(db: Database) -> None:
    from miglia.service.live.devices import register

    token = register(db, "phone-7")
    with db.unit_of_work() as uow:
        stored = uow.session.query(DeviceRow.token_hash).scalar()
    assert stored and token not in stored
    assert (
        token_matches(token, stored)
        and not token_matches("guess", stored)
        and not token_matches(None, stored)
    )
