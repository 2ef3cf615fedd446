"""Provisional and final results with the crews' protests, on the in-memory store (the browser journey:
tests/browser/test_staff_journeys.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from miglia.domain.corrections import CorrectionKind
from miglia.domain.errors import InvalidInput
from miglia.domain.instants import US_PER_MIN
from miglia.domain.protests import Decision
from miglia.service.event import events
from miglia.service.timing import protests, timekeeper
from tests.conftest import SMALL
from tests.fake_store import FakeDatabase

T = 1_777_240_000_000_000  # the tests' clock


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    now = [T]
    for module in (protests, events, timekeeper):
        monkeypatch.setattr(module, "now_us", lambda: now[0])
    return now


@pytest.fixture
def small(fake_db: FakeDatabase) -> FakeDatabase:
    events.import_event(fake_db, SMALL / "event.toml")
    events.import_entries(fake_db, SMALL / "entries.csv")
    return fake_db


def state(db: FakeDatabase) -> protests.ResultsState:
    with db.unit_of_work() as uow:
        return protests.state(uow)


def test_from_provisional_to_final(small: FakeDatabase, clock: list[int]) -> None:
    with pytest.raises(InvalidInput, match="a protest is filed against the provisional results"):
        protests.file(small, 2, "crew2", "protest", "D1-TC1", "my clock said 08:12:40")
    events.publish_results(small, True)
    now = state(small)
    assert (now.published, now.final, now.published_us, now.window_closes_us) == (
        True,
        False,
        T,
        T + 30 * US_PER_MIN,
    )
    assert now.blockers == ("the protest window is open for 30 min 00 s more",)
    filed = protests.file(small, 2, "crew2", "protest", "D1-TC1", "  my clock said 08:12:40 ")
    asked = protests.file(small, 2, "crew2", "inquiry", "", "why 300 at PC1?")
    assert (filed.start_no, filed.kind.value, filed.control, filed.text, filed.filed_us) == (
        2,
        "protest",
        "D1-TC1",
        "my clock said 08:12:40",
        T,
    )
    clock[0] = T + 31 * US_PER_MIN
    with pytest.raises(InvalidInput, match="the protest window has closed"):
        protests.file(small, 2, "crew2", "protest", "", "late")
    assert state(small).blockers == (f"protests and inquiries without an answer: #{filed.id}, #{asked.id}",)
    with pytest.raises(InvalidInput, match="protests and inquiries without an answer"):
        protests.declare_final(small, "tim")
    penalty_off = timekeeper.add_correction(
        small,
        timekeeper.CorrectionRequest(
            kind=CorrectionKind.ADD_PENALTY, start_no=3, by="clerk", why="another car", points=Decimal(1)
        ),
    )
    with pytest.raises(InvalidInput, match="names the correction of car 2 that carries it out"):
        protests.decide(small, filed.id, "clerk", "upheld", "you were right", penalty_off)
    replaced = timekeeper.add_correction(
        small,
        timekeeper.CorrectionRequest(
            kind=CorrectionKind.REPLACE_TIME,
            start_no=2,
            by="clerk",
            why="protest upheld",
            control="D1-TC1",
            instant_us=T,
        ),
    )
    upheld = protests.decide(small, filed.id, "clerk", "upheld", "your clock was right", replaced)
    assert (upheld.decision, upheld.correction_id, upheld.decided_by, upheld.decided_us) == (
        Decision.UPHELD,
        replaced,
        "clerk",
        T + 31 * US_PER_MIN,
    )
    with pytest.raises(InvalidInput, match="already decided"):
        protests.decide(small, filed.id, "clerk", "refused", "no")
    with pytest.raises(InvalidInput, match="answer = '': required"):
        protests.decide(small, asked.id, "clerk", "answered", " ")
    protests.decide(small, asked.id, "clerk", "answered", "you missed PC1: 300 as the rules say")
    assert state(small).blockers == ()
    clock[0] = T + 40 * US_PER_MIN
    protests.declare_final(small, "tim")
    final = state(small)
    assert (final.final, final.final_us, final.final_by, final.blockers) == (
        True,
        T + 40 * US_PER_MIN,
        "tim",
        (),
    )
    assert final.last_change_us == T + 31 * US_PER_MIN  # the correction
    with pytest.raises(InvalidInput, match="a protest is filed against the provisional results"):
        protests.file(small, 2, "crew2", "protest", "", "after the end")
    events.publish_results(small, True)  # published again: provisional again, a new window
    assert not state(small).final


def test_bad_protests_are_refused_by_field(small: FakeDatabase, clock: list[int]) -> None:
    events.publish_results(small, True)
    with pytest.raises(InvalidInput, match="kind = 'complaint': expected inquiry or protest"):
        protests.file(small, 2, "crew2", "complaint", "", "x")
    with pytest.raises(InvalidInput, match="text = '': say what it is about"):
        protests.file(small, 2, "crew2", "protest", "", "   ")
    with pytest.raises(InvalidInput, match="control = 'D9-X': no control"):
        protests.file(small, 2, "crew2", "protest", "D9-X", "x")
    with pytest.raises(InvalidInput, match="decision = 'maybe': expected upheld, refused or answered"):
        protests.decide(small, 1, "clerk", "maybe", "x")
