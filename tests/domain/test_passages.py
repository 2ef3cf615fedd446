"""Passages: what a passage must hold, and which one counts at a car's control line, and why."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from miglia.domain.errors import InvalidInput
from miglia.domain.passages import Conflict, Passage, choose, slot_label
from miglia.domain.rules import PassageRules, Source

DEVICE, GPS, MARSHAL = Source.DEVICE, Source.GPS, Source.MARSHAL
PRECEDENCE = (DEVICE, GPS, MARSHAL)
RULES = PassageRules(
    precedence=PRECEDENCE,
    tolerances_us={frozenset((DEVICE, GPS)): 500_000, frozenset((DEVICE, MARSHAL)): 60_000_000},
)
T = 1_809_156_180_000_000  # 2027-05-01T07:23:00Z


def passage(instant_us: int, source: Source, id: str, line: str = "") -> Passage:
    return Passage(start_no=7, control="TC1", instant_us=instant_us, source=source, line=line, id=id)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"start_no": True}, "passage p1: start_no = True: expected a whole number"),
        ({"start_no": "7"}, "passage p1: start_no = '7': expected a whole number"),
        ({"instant_us": 1.5}, "passage p1: instant_us = 1.5: expected whole microseconds UTC"),
        (
            {"line": "start"},
            'passage p1: line = \'start\': expected "" (the control, or a trial\'s start) or "finish"',
        ),
        ({"source": "radio"}, "passage p1: source = 'radio': expected gps, device or marshal"),
        ({"source": "radio", "id": None}, "passage: source = 'radio': expected gps, device or marshal"),
    ],
)
def test_a_bad_passage_is_refused_naming_the_field_and_value(fields: dict[str, object], message: str) -> None:
    values: dict[str, object] = {
        "start_no": 7,
        "control": "TC1",
        "instant_us": T,
        "source": "device",
        "id": "p1",
    }
    values.update(fields)
    with pytest.raises(InvalidInput) as info:
        Passage(**values)  # type: ignore[arg-type]
    assert str(info.value) == message


def test_a_source_given_as_text_becomes_a_source() -> None:
    p = Passage(start_no=7, control="PT1", instant_us=T, source="gps", line="finish")  # type: ignore[arg-type]
    assert p.source is GPS
    assert p.slot == ("PT1", "finish")
    assert p.sort_key() == (T, GPS, "", "")
    assert (slot_label("PT1", "finish"), slot_label("TC1", "")) == ("PT1/finish", "TC1")


def test_a_single_passage_counts_as_its_sources_time() -> None:
    only = passage(T, GPS, "a")
    choice, conflicts = choose(7, "TC1", "", [only], PRECEDENCE, RULES)
    assert (choice.chosen, choice.reason, choice.candidates, choice.set_aside) == (
        only,
        "gps time",
        (only,),
        (),
    )
    assert conflicts == ()


def test_precedence_picks_the_source_and_the_first_passage_of_each_source_is_its_time() -> None:
    device_late = passage(T + 200_000, DEVICE, "d2")
    device = passage(T + 100_000, DEVICE, "d1")
    gps = passage(T + 300_000, GPS, "g1")
    choice, conflicts = choose(7, "TC1", "", [gps, device_late, device], PRECEDENCE, RULES)
    assert choice.chosen == device
    assert choice.candidates == (device, gps)  # in precedence order
    assert choice.set_aside == (device_late,)
    assert (
        choice.reason
        == "device time (precedence device > gps > marshal); 1 later or unaccepted passage(s) kept aside"
    )
    assert conflicts == ()  # 0.2 s apart, tolerance 0.5 s


def test_sources_a_control_does_not_accept_are_kept_aside() -> None:
    marshal = passage(T, MARSHAL, "m1")
    choice, _ = choose(7, "TC1", "", [marshal], (DEVICE, GPS), RULES)
    assert (choice.chosen, choice.reason, choice.set_aside) == (
        None,
        "no passage from a source this control accepts",
        (marshal,),
    )
    gps = passage(T + 1, GPS, "g1")
    choice, _ = choose(7, "TC1", "", [marshal, gps], (DEVICE, GPS), RULES)
    assert choice.chosen == gps and choice.set_aside == (marshal,)
    choice, _ = choose(7, "TC1", "", [], PRECEDENCE, RULES)
    assert (choice.chosen, choice.reason) == (None, "no passage")


def test_sources_further_apart_than_their_tolerance_are_a_conflict_to_settle() -> None:
    device = passage(T, DEVICE, "d1")
    gps = passage(T + 720_000, GPS, "g1")
    marshal = passage(T + 60_000_000, MARSHAL, "m1")  # exactly at the tolerance: no conflict
    choice, conflicts = choose(7, "TC1", "", [marshal, gps, device], PRECEDENCE, RULES)
    assert choice.chosen == device  # precedence still decides
    assert conflicts == (
        Conflict(
            start_no=7,
            control="TC1",
            line="",
            first=device,
            second=gps,
            difference_us=720_000,
            tolerance_us=500_000,
        ),
    )
    assert conflicts[0].message == "car 7 at TC1: device and gps differ by 0.72 s (tolerance 0.50 s)"
    assert (
        choice.reason
        == "device time (precedence device > gps > marshal); FLAGGED: device/gps differ by 0.72 s"
    )
    # gps and marshal have no tolerance in these rules: never a conflict between them.


def test_a_conflict_at_a_finish_line_names_the_line() -> None:
    device = passage(T, DEVICE, "d1", line="finish")
    gps = passage(T + 600_000, GPS, "g1", line="finish")
    _, (conflict,) = choose(7, "PT1", "finish", [device, gps], PRECEDENCE, RULES)
    assert conflict.message == "car 7 at PT1/finish: device and gps differ by 0.60 s (tolerance 0.50 s)"


passages = st.lists(
    st.builds(
        lambda offset, source, k: passage(T + offset, source, f"p{k}"),
        st.integers(0, 10_000_000),
        st.sampled_from(list(Source)),
        st.integers(0, 10**6),
    ),
    max_size=8,
    unique_by=lambda p: p.id,
)


@given(passages, st.lists(st.sampled_from(list(Source)), min_size=1, unique=True))
def test_the_earliest_passage_of_the_first_source_present_counts_and_nothing_is_lost(
    received: list[Passage], precedence: list[Source]
) -> None:
    choice, _ = choose(7, "TC1", "", received, tuple(precedence), RULES)
    present = [s for s in precedence if any(p.source is s for p in received)]
    if not present:
        assert choice.chosen is None
    else:
        first = min((p for p in received if p.source is present[0]), key=Passage.sort_key)
        assert choice.chosen == first
    # Every passage received is either a candidate or kept aside, once.
    assert Counter(p.id for p in (*choice.candidates, *choice.set_aside)) == Counter(p.id for p in received)
