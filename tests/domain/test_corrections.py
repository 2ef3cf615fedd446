"""Corrections: what each kind needs, which ones may be added, and which are in force after cancels."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from miglia.domain.corrections import Correction, CorrectionKind, check_new, effective
from miglia.domain.errors import InvalidInput

K = CorrectionKind


def correction(
    id: str, kind: CorrectionKind = K.EXCLUDE, *, at_us: int = 0, start_no: int = 7, **more: object
):
    return Correction(id=id, kind=kind, start_no=start_no, by="clerk", at_us=at_us, why="protest 4", **more)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"id": ""}, "correction: id = '': required"),
        (
            {"kind": "forgive"},
            "correction c1: kind = 'forgive': expected one of replace_time, void_passage, "
            "add_penalty, exclude, neutralise, cancel",
        ),
        ({"by": " "}, "correction c1: by = ' ': required: who made the correction"),
        ({"why": ""}, "correction c1: why = '': required: the reason, shown with the results"),
        ({"line": "start"}, 'correction c1: line = \'start\': expected "" or "finish"'),
        ({"kind": K.REPLACE_TIME, "instant_us": 1}, "correction c1: control = '': required for replace_time"),
        ({"kind": K.VOID_PASSAGE}, "correction c1: control = '': required for void_passage"),
        (
            {"kind": K.REPLACE_TIME, "control": "TC1"},
            "correction c1: instant_us = None: required for replace_time",
        ),
        (
            {"kind": K.ADD_PENALTY},
            "correction c1: points = None: give either points or time_us for add_penalty",
        ),
        (
            {"kind": K.ADD_PENALTY, "points": Decimal(1), "time_us": 1},
            "correction c1: points = Decimal('1'): give either points or time_us for add_penalty",
        ),
        (
            {"kind": K.ADD_PENALTY, "points": Decimal(-5)},
            "correction c1: points = Decimal('-5'): must not be negative (cancel a penalty instead)",
        ),
        ({"kind": K.ADD_PENALTY, "time_us": 0}, "correction c1: time_us = 0: must be more than zero"),
        ({"kind": K.CANCEL}, "correction c1: cancels = None: required: the id of the correction to cancel"),
    ],
)
def test_a_bad_correction_is_refused_naming_the_field_and_value(
    fields: dict[str, object], message: str
) -> None:
    values: dict[str, object] = {
        "id": "c1",
        "kind": K.EXCLUDE,
        "start_no": 7,
        "by": "clerk",
        "at_us": 0,
        "why": "protest 4",
    }
    values.update(fields)
    with pytest.raises(InvalidInput) as info:
        Correction(**values)  # type: ignore[arg-type]
    assert str(info.value) == message


def test_a_kind_given_as_text_becomes_a_kind_and_corrections_sort_by_when_then_id() -> None:
    c = Correction(id="c2", kind="exclude", start_no=7, by="clerk", at_us=5, why="x")  # type: ignore[arg-type]
    assert c.kind is K.EXCLUDE
    assert c.sort_key == (5, "c2")


def test_a_new_correction_needs_a_fresh_id_and_a_cancel_a_known_target_of_the_same_car() -> None:
    known = {"c1": correction("c1")}
    check_new(correction("c2", K.CANCEL, cancels="c1"), known)  # accepted: nothing raised
    with pytest.raises(InvalidInput, match=r"^correction c1: id = 'c1': already used by another correction$"):
        check_new(correction("c1"), known)
    with pytest.raises(
        InvalidInput, match=r"^correction c2: cancels = 'c9': no earlier correction has this id$"
    ):
        check_new(correction("c2", K.CANCEL, cancels="c9"), known)
    with pytest.raises(
        InvalidInput, match=r"^correction c2: start_no = 8: the cancelled correction is of car 7$"
    ):
        check_new(correction("c2", K.CANCEL, cancels="c1", start_no=8), known)


def test_in_force_are_those_not_cancelled_in_time_order_without_the_cancels() -> None:
    penalty = correction("p", K.ADD_PENALTY, at_us=3, points=Decimal(10))
    exclusion = correction("x", at_us=1)
    cancel = correction("k", K.CANCEL, at_us=2, cancels="x")
    assert effective([penalty, cancel, exclusion]) == [penalty]
    cancel_of_cancel = correction("kk", K.CANCEL, at_us=4, cancels="k")
    assert effective([penalty, cancel, exclusion, cancel_of_cancel]) == [exclusion, penalty]


def test_a_cycle_of_cancels_from_hand_made_data_is_not_in_force() -> None:
    a = correction("a", K.CANCEL, cancels="b")
    b = correction("b", K.CANCEL, cancels="a")
    x = correction("x", at_us=1)
    assert effective([a, b, x]) == [x]


kinds = st.sampled_from([K.EXCLUDE, K.ADD_PENALTY])


@given(st.lists(st.tuples(kinds, st.integers(0, 100)), max_size=6), st.data())
def test_a_correction_and_its_cancel_leave_what_is_in_force_unchanged(specs, data) -> None:
    corrections = [
        correction(f"c{i}", kind, at_us=at, **({"points": Decimal(1)} if kind is K.ADD_PENALTY else {}))
        for i, (kind, at) in enumerate(specs)
    ]
    before = effective(corrections)
    assert all(c.kind is not K.CANCEL for c in before)
    added = correction("new", K.ADD_PENALTY, at_us=data.draw(st.integers(0, 100)), points=Decimal(5))
    cancel = correction("undo", K.CANCEL, at_us=data.draw(st.integers(0, 100)), cancels="new")
    assert effective([*corrections, added, cancel]) == before
    assert effective([*corrections, added]) == sorted([*before, added], key=lambda c: c.sort_key)
