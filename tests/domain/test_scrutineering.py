"""Scrutineering's rules: the latest check of an item is in force, the verdict and its reason, and a car
starts only once every item passed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from miglia.domain import scrutineering as rules
from miglia.domain.scrutineering import Check, Verdict


def _all_ok(start_no: int = 7) -> list[Check]:
    return [Check(start_no, key, True, "", "sam", i, i) for i, key in enumerate(rules.KEYS)]


def test_a_car_with_every_item_ok_passed_and_may_start() -> None:
    sheet = rules.sheet(7, _all_ok())
    assert sheet.verdict is Verdict.PASSED and sheet.may_start and sheet.reason == ""
    rules.check_start(sheet)


def test_a_failed_item_fails_the_car_with_its_note_and_it_cannot_start() -> None:
    checks = [*_all_ok(), Check(7, "extinguisher", False, "no fire extinguisher", "sam", 100, 100)]
    sheet = rules.sheet(7, checks)
    assert sheet.verdict is Verdict.FAILED
    assert sheet.reason == "Fire extinguisher, fixed and in date: no fire extinguisher"
    with pytest.raises(
        rules.Refused, match=r"car 7 failed scrutineering .*no fire extinguisher.*cannot be marked started"
    ):
        rules.check_start(sheet)
    # Fitted and checked again: the latest check is in force, the first stays on record.
    fixed = rules.sheet(7, [*checks, Check(7, "extinguisher", True, "fitted", "sam", 200, 200)])
    assert fixed.verdict is Verdict.PASSED


def test_a_car_not_fully_checked_cannot_start_yet() -> None:
    assert rules.sheet(3, []).verdict is Verdict.NOT_STARTED
    partial = rules.sheet(3, [Check(3, "insurance", True, "", "sam", 1, 1)])
    assert partial.verdict is Verdict.INCOMPLETE and "Fire extinguisher" in partial.reason
    with pytest.raises(rules.Refused, match="has not passed scrutineering"):
        rules.check_start(partial)


def test_a_fail_needs_a_note_and_items_are_known() -> None:
    with pytest.raises(rules.Refused, match="say what is wrong"):
        rules.check_item("extinguisher", False, " ")
    with pytest.raises(rules.Refused, match="item 'wheels'"):
        rules.check_item("wheels", True, "")
    rules.check_item("extinguisher", True, "")


@given(st.lists(st.tuples(st.sampled_from(rules.KEYS), st.booleans()), max_size=40))
def test_the_verdict_is_that_of_the_latest_check_of_each_item(checks: list[tuple[str, bool]]) -> None:
    records = [Check(1, k, ok, "" if ok else "bad", "sam", i, i) for i, (k, ok) in enumerate(checks)]
    sheet = rules.sheet(1, records)
    latest = dict(checks)
    if any(not ok for ok in latest.values()):
        assert sheet.verdict is Verdict.FAILED
    elif set(latest) == set(rules.KEYS):
        assert sheet.verdict is Verdict.PASSED
    assert sheet.may_start == (sheet.verdict is Verdict.PASSED)
