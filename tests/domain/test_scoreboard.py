"""The scoreboard: every car scored, kept up to date as passages and corrections arrive."""

from __future__ import annotations

from decimal import Decimal

import pytest

from miglia.domain.corrections import Correction, CorrectionKind
from miglia.domain.errors import InvalidInput
from miglia.domain.scoreboard import Scoreboard, score_event
from miglia.domain.scoring import Status
from tests.domain.scoring_factory import at, entry, event, on_time_run, p, rules

D = Decimal


def test_incremental_update_reports_the_moves():
    entries = [entry(1), entry(2)]
    board = Scoreboard(event(), entries, rules(), passages=on_time_run(1, 0) + on_time_run(2, 1))
    assert [s.start_no for s in board.overall().standings] == [1, 2]
    update = board.add_passage(p(1, "PC1", "10:40:00", "gps", id="late-gps"))
    assert update.rescored == (1,) and update.moves == ()
    update = board.add_correction(
        Correction(
            id="c1",
            kind=CorrectionKind.ADD_PENALTY,
            start_no=1,
            by="clerk",
            at_us=0,
            why="speeding",
            points=D(5),
        )
    )
    assert {(m.start_no, m.before, m.after) for m in update.moves} == {(1, 1, 2), (2, 2, 1)}
    assert board.classification().overall.position_of(2) == 1


def test_unknown_year_without_default_is_refused():
    with pytest.raises(InvalidInput, match="entry 1: year = 1899"):
        Scoreboard(event(), [entry(1, 1899)], rules(coefficient={"default": None}))
    board = Scoreboard(event(), [entry(1, 1899)], rules(), coefficients={1: D("2.10")})
    assert board.result(1).coefficient == D("2.10")


def test_a_batch_is_checked_whole_before_any_passage_is_kept():
    board = Scoreboard(event(), [entry(1)], rules(), passages=on_time_run(1, 0))
    before = (board.result(1), board.passages(1))
    with pytest.raises(
        InvalidInput, match=r"^passage: control = 'TC9': no control of the event has this name$"
    ):
        board.add_passages([p(1, "TC1", "10:30:00"), p(1, "TC9", "10:00:00")])
    assert (board.result(1), board.passages(1)) == before
    with pytest.raises(
        InvalidInput, match=r"^passage x: start_no = 2: no accepted entry has this start number$"
    ):
        board.add_passage(p(2, "TC1", "10:30:00", id="x"))
    with pytest.raises(
        InvalidInput, match=r"^passage: line = 'finish': TC1 is a time control, not a timed trial$"
    ):
        board.add_passage(p(1, "TC1", "10:30:00", line="finish"))


def test_a_batch_rescores_each_touched_car_once_and_reports_who_moved():
    board = Scoreboard(event(), [entry(1), entry(2), entry(3)], rules(), passages=on_time_run(1, 0))
    update = board.add_passages([*on_time_run(3, 2), *on_time_run(2, 1, "21.50")])
    assert update.rescored == (2, 3)
    # Before: car 1 on time everywhere; cars 2 and 3 missed every control, equal on every tie-break but the
    # start number: 2nd and 3rd. After: 1 and 3 on time (0 points, the start number decides), 2 has 50.
    assert {(m.start_no, m.before, m.after) for m in update.moves} == {(3, 3, 2), (2, 2, 3)}
    assert [(s.position, s.start_no, s.score) for s in board.overall().standings] == [
        (1, 1, D("0.00")),
        (2, 3, D("0.00")),
        (3, 2, D("50.00")),
    ]


def test_closing_controls_turns_pending_into_missed_and_closing_all_means_final():
    board = Scoreboard(event(), [entry(1)], rules(), closed=(), passages=on_time_run(1, 0)[:3])
    assert board.result(1).line("F").status is Status.PENDING
    update = board.close(["F"])
    assert update.rescored == (1,)
    assert board.closed == frozenset({"F"})
    assert board.result(1).line("F").status is Status.MISSED
    board.close()
    assert board.closed is None
    assert all(line.status is not Status.PENDING for line in board.result(1).lines)
    with pytest.raises(
        InvalidInput, match=r"^scoreboard: closed = 'X9': no control of the event has this name$"
    ):
        board.close(["X9"])


def test_closing_every_control_by_name_is_the_same_as_closing_all():
    board = Scoreboard(event(), [entry(1)], rules(), closed=())
    board.close([c.name for c in board.plan.controls])
    assert board.closed is None


def test_refused_entries_are_not_on_the_board_and_time_cards_follow_start_order():
    board = Scoreboard(event(), [entry(9), entry(4, refused=True), entry(2)], rules())
    assert sorted(board.results) == [2, 9]
    assert board.start_order == {2: 0, 9: 1}
    assert board.time_card(9).line("S1").due_us == at("09:24:00")


def test_raw_passages_corrections_and_conflicts_are_all_kept_in_order():
    passages = [
        *on_time_run(1, 0),
        p(1, "TC1", "10:23:50", "marshal", id="m"),  # 20 s from the device: within the 60 s tolerance
        p(1, "PT1", "09:30:21.80", "gps", line="finish", id="g"),  # 0.8 s from the device: beyond 0.5 s
    ]
    board = score_event(event(), [entry(1)], rules(), passages)
    assert len(board.passages(1)) == 9
    assert [c.message for c in board.conflicts()] == [
        "car 1 at PT1/finish: device and gps differ by 0.80 s (tolerance 0.50 s)"
    ]
    later = Correction(id="b", kind=CorrectionKind.EXCLUDE, start_no=1, by="clerk", at_us=2, why="tow truck")
    earlier = Correction(
        id="a", kind=CorrectionKind.ADD_PENALTY, start_no=1, by="clerk", at_us=1, why="speeding", points=D(5)
    )
    update = board.add_corrections([later, earlier])
    assert update.rescored == (1,)
    assert [c.id for c in board.corrections] == ["a", "b"]
    assert board.result(1).exclusion == "excluded by correction b (clerk: tow truck)"


def test_score_event_is_the_board_built_with_everything_at_once():
    entries = [entry(1), entry(2)]
    passages = on_time_run(1, 0, "21.40") + on_time_run(2, 1)
    all_at_once = score_event(event(), entries, rules(), passages)
    one_by_one = Scoreboard(event(), entries, rules())
    for x in passages:
        one_by_one.add_passage(x)
    assert all_at_once.results == one_by_one.results
    assert all_at_once.classification() == one_by_one.classification()
