"""While the event runs, controls not yet reached are pending, not missed; once it is over all count."""

from __future__ import annotations

import datetime as dt

from miglia.service.event import events
from miglia.service.timing import results
from tests.conftest import SMALL
from tests.fake_store import FakeDatabase


def test_controls_close_with_their_day(fake_db: FakeDatabase) -> None:
    events.import_event(fake_db, SMALL / "event.toml")
    events.import_entries(fake_db, SMALL / "entries.csv")
    with fake_db.unit_of_work() as uow:
        event = events.load(uow)
        during = results.score(uow, today=dt.date(2026, 4, 26))
        after = results.score(uow, today=dt.date(2026, 4, 27))
    assert results.closed_controls(event, dt.date(2026, 4, 26)) == []
    assert results.closed_controls(event, dt.date(2026, 4, 25)) == []
    assert results.closed_controls(event, dt.date(2026, 4, 27)) is None
    # Car 1 has no passage yet: on the day it is pending everywhere; the day after, it missed them all.
    assert {line.status.value for line in during.board.result(1).lines} == {"pending"}
    assert during.board.result(1).penalty == 0
    assert {line.status.value for line in after.board.result(1).lines} == {"missed"}
    assert after.board.result(1).penalty > 0
