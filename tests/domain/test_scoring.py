"""Worked examples from the rule books, with their exact numbers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from miglia.domain.corrections import EVERY_CAR, Correction, CorrectionKind
from miglia.domain.errors import InvalidInput
from miglia.domain.event import SpeedChange
from miglia.domain.passages import Passage
from miglia.domain.rules import Source
from miglia.domain.scoreboard import Scoreboard, score_event
from miglia.domain.scoring import Status
from miglia.domain.timecard import EventPlan, time_cards
from tests.domain.scoring_factory import at, entry, event, on_time_run, p, rules

D = Decimal


def run(passages: list[Passage], *, years: tuple[int, ...] = (1955,), rule_set: object = None, **kw: object):
    entries = [entry(n, y) for n, y in enumerate(years, start=1)]
    return score_event(event(), entries, rule_set or rules(), passages, **kw)  # type: ignore[arg-type]


def replace_at(passages: list[Passage], control: str, hms: str, line: str = "") -> list[Passage]:
    out = [x for x in passages if not (x.control == control and x.line == line)]
    return [*out, p(passages[0].start_no, control, hms, line=line)]


# -- timed trials (RDS art. 8.20 b: 1 point per 1/100 s early or late, max 300) ---------------------------


def test_mm_trial_21_37_against_21_00_is_37_points_divided_by_the_coefficient():
    board = run(on_time_run(1, 0, "21.37"), years=(1927,))
    car = board.result(1)
    line = car.line("PT1")
    assert line.status is Status.LATE
    assert line.deviation_us == 370_000
    assert line.penalty == 37
    assert line.reason == "0.37 s late at timed trial PT1: 37 points"
    assert car.penalty == 37
    assert car.coefficient == D("1.85")
    assert car.score == D("20.00")  # 37 / 1.85


def test_coefficient_multiplying_the_trial_points_when_the_rule_set_says_so():
    board = run(
        on_time_run(1, 0, "21.37"), years=(1927,), rule_set=rules(coefficient={"operation": "multiply"})
    )
    assert board.result(1).score == D("68.45")  # 37 x 1.85


def test_coefficient_applies_to_trials_only_not_to_time_controls():
    passages = replace_at(on_time_run(1, 0, "21.37"), "TC1", "10:25:10")
    car = run(passages, years=(1927,)).result(1)
    assert car.penalty == 237
    assert car.coefficient_penalty == 37
    assert car.score == D("220.00")  # 37 / 1.85 + 200


def test_early_trial_and_cap_at_300():
    car = run(on_time_run(1, 0, "20.99")).result(1)
    assert car.line("PT1").penalty == 1
    assert car.line("PT1").reason == "0.01 s early at timed trial PT1: 1 points"
    car = run(on_time_run(1, 0, "33.34")).result(1)
    line = car.line("PT1")
    assert (line.penalty, line.capped) == (300, True)
    assert line.reason == "12.34 s late at timed trial PT1: 1234 points, capped at 300"


def test_trial_times_are_truncated_to_the_hundredth():
    passages = on_time_run(1, 0)
    passages = [x for x in passages if not (x.control == "PT1" and x.line == "finish")]
    finish = at("09:30:21") + 9_999  # 21.009999 s: truncates to 21.00
    car = run(
        [
            *passages,
            Passage(start_no=1, control="PT1", instant_us=finish, source=Source.DEVICE, line="finish"),
        ]
    ).result(1)
    assert car.line("PT1").penalty == 0
    assert car.clean_trials == 2  # PT1 and SC1


# -- time controls (RDS art. 8.20 a: 100 per minute early or late, late max 300; whole-minute convention) ---


def test_tc_due_10_23_reached_10_25_10_is_2_minutes_late_200_points():
    car = run(replace_at(on_time_run(1, 0), "TC1", "10:25:10")).result(1)
    line = car.line("TC1")
    assert line.due_us == at("10:23:00")
    assert line.actual_us == at("10:25:10")
    assert (line.status, line.penalty) == (Status.LATE, 200)
    assert line.reason == "2 min late at time control TC1: 200 points"


@pytest.mark.parametrize(
    ("clock", "points", "status"),
    [
        ("10:23:00.00", 0, Status.ON_TIME),
        ("10:23:59.99", 0, Status.ON_TIME),
        ("10:24:00.00", 100, Status.LATE),
        ("10:22:59.99", 100, Status.EARLY),
        ("10:22:00.00", 100, Status.EARLY),
        ("10:21:59.00", 200, Status.EARLY),
        ("10:26:00.00", 300, Status.LATE),
        ("10:30:00.00", 300, Status.LATE),  # 7 min late: 700, capped at 300
        ("10:53:59.00", 300, Status.LATE),  # 30 min late: still in time
    ],
)
def test_minute_convention_boundaries(clock, points, status):
    line = run(replace_at(on_time_run(1, 0), "TC1", clock)).result(1).line("TC1")
    assert (line.penalty, line.status) == (points, status)


def test_out_of_time_after_30_minutes_costs_1000():
    line = run(replace_at(on_time_run(1, 0), "TC1", "10:54:00")).result(1).line("TC1")
    assert (line.status, line.penalty) == (Status.OUT_OF_TIME, 1000)
    assert line.reason == "31 min late at time control TC1: out of time, 1000 points"


def test_out_of_time_can_exclude():
    board = run(
        replace_at(on_time_run(1, 0), "TC1", "10:54:00"),
        rule_set=rules(time_control={"out_of_time": "exclude"}),
    )
    car = board.result(1)
    assert car.excluded
    assert "out of time, excluded" in car.exclusion
    assert board.classification().overall.standings[0].position is None


def test_early_arrival_allowed_costs_nothing():
    board = run(
        replace_at(on_time_run(1, 0), "TC1", "10:20:00"), rule_set=rules(time_control={"early_allowed": True})
    )
    line = board.result(1).line("TC1")
    assert (line.status, line.penalty) == (Status.EARLY, 0)
    assert line.reason == "3 min early at time control TC1: early arrival allowed, 0 points"


def test_due_times_follow_start_number_order_among_accepted_entries():
    entries = [entry(7), entry(3), entry(5, refused=True), entry(12)]
    cards = time_cards(EventPlan.build(event()), entries)
    assert sorted(cards) == [3, 7, 12]
    assert cards[3].line("S1").due_us == at("09:23:00")
    assert cards[7].line("S1").due_us == at("09:24:00")
    assert cards[12].line("TC1").due_us == at("10:25:00")
    assert cards[12].line("F").due_us == at("11:25:00")
    assert cards[12].line("PT1").target_us == 21_000_000


def test_reference_actual_carries_lateness_to_the_next_leg():
    passages = replace_at(on_time_run(1, 0), "TC1", "10:25:10")
    board = run(passages, rule_set=rules(time_control={"reference": "actual"}))
    # Checked in at TC1 in minute 10:25, so due at F at 11:25; clocked 11:23:10 -> 2 minutes early.
    line = board.result(1).line("F")
    assert line.due_us == at("11:25:00")
    assert (line.status, line.penalty) == (Status.EARLY, 200)


# -- secret checks (average-speed schedule) -------------------------------------------------------------


def test_secret_check_ideal_time_with_a_speed_change():
    ev = event(speed_changes=(SpeedChange(D(10), D(60)),))
    # From S1 (km 0) at 40 km/h to km 10: 15 min; then 60 km/h to km 20: 10 min -> ideal 09:48:00.
    card = time_cards(EventPlan.build(ev), [entry(1)])[1]
    assert card.line("SC1").due_us == at("09:48:00")
    passages = replace_at(on_time_run(1, 0), "SC1", "09:48:03.70")
    car = score_event(ev, [entry(1)], rules(), passages).result(1)
    line = car.line("SC1")
    assert (line.penalty, line.reason) == (3, "3.00 s late at secret check SC1: 3 points")


def test_secret_check_reference_actual_runs_from_the_measured_start():
    passages = replace_at(on_time_run(1, 0), "S1", "09:23:20")  # started 20 s late
    passages = replace_at(passages, "SC1", "09:53:20")
    line = run(passages, rule_set=rules(secret_check={"reference": "actual"})).result(1).line("SC1")
    assert line.due_us == at("09:53:20")
    assert line.penalty == 0


def test_secret_check_reference_due_runs_from_the_timetable():
    # regularity: the ideal time runs from the due time, so a late start stays late at the check.
    passages = replace_at(on_time_run(1, 0), "S1", "09:23:20")
    passages = replace_at(passages, "SC1", "09:53:20")
    line = run(passages).result(1).line("SC1")
    assert line.due_us == at("09:53:00")
    assert (line.penalty, line.reason) == (20, "20.00 s late at secret check SC1: 20 points")


def test_tsd_one_point_per_hundredth_of_a_minute_truncated():
    tsd = rules("tsd")
    # Ideal 09:53:00 (from the actual start 09:23:00); clocked 09:53:22.5 = 0.375 min -> truncated 0.37 min.
    passages = replace_at(on_time_run(1, 0), "SC1", "09:53:22.5")
    line = run(passages, rule_set=tsd).result(1).line("SC1")
    assert line.penalty == 37
    # 6 minutes late: 600 points, capped at 500 (5 minutes)
    passages = replace_at(on_time_run(1, 0), "SC1", "09:59:00")
    line = run(passages, rule_set=tsd).result(1).line("SC1")
    assert (line.penalty, line.capped) == (500, True)


# -- missed and pending controls -----------------------------------------------------------------------


def test_missed_passage_control_costs_300_once_closed():
    passages = [x for x in on_time_run(1, 0) if x.control != "PC1"]
    line = run(passages).result(1).line("PC1")
    assert (line.status, line.penalty) == (Status.MISSED, 300)
    assert line.reason == "no time at passage control PC1: missed, 300 points"


def test_a_control_not_yet_reached_is_pending_until_closed_or_passed():
    passages = [x for x in on_time_run(1, 0) if x.control in ("S1", "PT1")]
    board = Scoreboard(event(), [entry(1)], rules(), closed=(), passages=passages)
    assert board.result(1).line("TC1").status is Status.PENDING
    assert board.result(1).penalty == 0
    board.add_passage(p(1, "TC1", "10:23:30"))
    assert board.result(1).line("SC1").status is Status.MISSED  # a later control was passed
    assert board.result(1).penalty == 300
    board.close(["F"])
    assert board.result(1).line("F").status is Status.MISSED
    assert board.result(1).line("PC1").status is Status.PENDING  # not closed, nothing passed after it
    assert board.result(1).penalty == 600
    board.close()
    assert board.result(1).line("PC1").status is Status.MISSED
    assert board.result(1).penalty == 900


def test_a_trial_with_a_start_but_no_finish_is_missed():
    passages = [x for x in on_time_run(1, 0) if x.line != "finish"]
    line = run(passages).result(1).line("PT1")
    assert (line.status, line.penalty) == (Status.MISSED, 300)
    assert line.reason.startswith("no finish-line time at timed trial PT1")


# -- sources, precedence, conflicts ----------------------------------------------------------------------


def test_device_beats_gps_and_a_disagreement_is_flagged():
    passages = [*on_time_run(1, 0), p(1, "PT1", "09:30:21.72", "gps", line="finish")]
    board = run(passages)
    line = board.result(1).line("PT1")
    assert line.penalty == 0  # the device time counts
    (conflict,) = board.conflicts()
    assert (conflict.first.source, conflict.second.source) == (Source.DEVICE, Source.GPS)
    assert conflict.difference_us == 720_000
    assert conflict.message == "car 1 at PT1/finish: device and gps differ by 0.72 s (tolerance 0.50 s)"
    assert "FLAGGED" in line.choices[1].reason


def test_within_tolerance_no_conflict_and_marshal_alone_counts():
    passages = [*on_time_run(1, 0), p(1, "PT1", "09:30:21.30", "gps", line="finish")]
    assert run(passages).conflicts() == ()
    passages = [x for x in on_time_run(1, 0) if x.control != "TC1"] + [p(1, "TC1", "10:25:10", "marshal")]
    line = run(passages).result(1).line("TC1")
    assert line.penalty == 200
    assert line.choices[0].reason == "marshal time"


def test_first_passage_of_a_source_counts_and_the_others_stay_visible():
    passages = [*on_time_run(1, 0), p(1, "TC1", "10:25:10")]
    board = run(passages)
    line = board.result(1).line("TC1")
    assert line.penalty == 0
    (choice,) = line.choices
    assert choice.set_aside[0].instant_us == at("10:25:10")
    assert len(board.passages(1)) == 8


def test_precedence_per_control_from_the_rule_set():
    r = rules(passages={"by_control": {"TC1": {"precedence": ["marshal", "device"]}}})
    passages = [*on_time_run(1, 0), p(1, "TC1", "10:25:10", "marshal")]
    board = run(passages, rule_set=r)
    assert board.result(1).line("TC1").penalty == 200
    assert len(board.conflicts()) == 1  # 160 s apart, tolerance 60 s


# -- corrections -------------------------------------------------------------------------------------------


def corr(id: str, kind: str, **kw: object) -> Correction:
    return Correction(
        id=id,
        kind=CorrectionKind(kind),
        start_no=1,
        by="timekeeper",
        at_us=at("18:00:00"),
        why="protest 4",
        **kw,
    )  # type: ignore[arg-type]


def test_replace_void_penalty_exclude_and_cancel():
    board = run(on_time_run(1, 0))
    original = board.result(1)
    board.add_correction(corr("c1", "replace_time", control="TC1", instant_us=at("10:25:10")))
    assert board.result(1).line("TC1").penalty == 200
    assert board.result(1).line("TC1").corrections == ("c1",)
    assert "time set by correction c1" not in board.result(1).line("TC1").reason
    board.add_correction(corr("c2", "cancel", cancels="c1"))
    assert board.result(1) == original
    board.add_correction(corr("c3", "void_passage", control="PC1"))
    assert board.result(1).line("PC1").reason == (
        "no time at passage control PC1 (passages voided by correction c3 (timekeeper: protest 4)): "
        "missed, 300 points"
    )
    board.add_correction(corr("c4", "add_penalty", points=D(50)))
    board.add_correction(corr("c5", "add_penalty", control="TC1", time_us=120_000_000))
    car = board.result(1)
    assert car.penalty == 300 + 50 + 200
    assert car.lines[-1].reason == (
        "official time penalty at TC1 of 2 min 00.00 s: 200 points, correction c5 (timekeeper: protest 4)"
    )
    board.add_correction(corr("c6", "exclude"))
    assert board.result(1).excluded
    for i, cid in enumerate(("c3", "c4", "c5", "c6"), start=7):
        board.add_correction(corr(f"c{i}", "cancel", cancels=cid))
    assert board.result(1) == original


def test_cancel_of_a_cancel_reinstates():
    board = run(on_time_run(1, 0))
    board.add_correction(corr("c1", "add_penalty", points=D(10)))
    board.add_correction(corr("c2", "cancel", cancels="c1"))
    board.add_correction(corr("c3", "cancel", cancels="c2"))
    assert board.result(1).penalty == 10


def test_void_one_passage_by_id():
    passages = [*on_time_run(1, 0), p(1, "TC1", "10:20:00", "device", id="bad")]
    board = run(passages)
    assert (
        board.result(1).line("TC1").penalty == 300
    )  # the earlier (wrong) device passage counts: 3 min early
    board.add_correction(corr("v1", "void_passage", control="TC1", passage_id="bad"))
    assert board.result(1).line("TC1").penalty == 0


def test_bad_corrections_are_refused_with_field_and_value():
    board = run(on_time_run(1, 0))
    with pytest.raises(InvalidInput, match="cancels = 'nope'"):
        board.add_correction(corr("c1", "cancel", cancels="nope"))
    with pytest.raises(InvalidInput, match="control = 'TC9'"):
        board.add_correction(corr("c1", "replace_time", control="TC9", instant_us=0))
    with pytest.raises(InvalidInput, match="why = ' '"):
        Correction(id="x", kind=CorrectionKind.EXCLUDE, start_no=1, by="me", at_us=0, why=" ")
    board.add_correction(corr("c1", "exclude"))
    with pytest.raises(InvalidInput, match="id = 'c1'"):
        board.add_correction(corr("c1", "exclude"))


def test_bad_passages_are_refused_and_change_nothing():
    board = run(on_time_run(1, 0))
    before = board.result(1)
    with pytest.raises(InvalidInput, match="start_no = 99"):
        board.add_passage(p(99, "TC1", "10:00:00"))
    with pytest.raises(InvalidInput, match="control = 'TC9'"):
        board.add_passages([p(1, "TC1", "10:30:00"), p(1, "TC9", "10:00:00")])
    with pytest.raises(InvalidInput, match="line = 'finish'"):
        board.add_passage(p(1, "TC1", "10:00:00", line="finish"))
    with pytest.raises(InvalidInput, match="source = 'radio'"):
        Passage(start_no=1, control="TC1", instant_us=0, source="radio")  # type: ignore[arg-type]
    assert board.result(1) == before


def test_driving_a_leg_with_a_speed_change_exactly_is_on_time_at_its_end():
    # TC1 (km 40, 40 km/h) with 60 km/h from km 10: SC1 at km 20 is due 09:48:00 (15 + 10 min) and TC1
    # 10:08 (15 + 30 min). A crew that drives that schedule is on time at both, not 15 minutes early at TC1.
    ev = event(speed_changes=(SpeedChange(km=D(10), kmh=D(60)),))
    passages = replace_at(on_time_run(1, 0), "SC1", "09:48:00")
    passages = replace_at(passages, "TC1", "10:08:30")
    car = score_event(ev, [entry(1)], rules(), passages).result(1)
    assert (car.line("SC1").penalty, car.line("TC1").status, car.line("TC1").penalty) == (
        0,
        Status.ON_TIME,
        0,
    )
    assert car.line("TC1").due_us == at("10:08:00")


# -- a control neutralised for every car (issue 14.3) -----------------------------------------------------


def test_a_neutralised_trial_costs_nobody_anything_and_its_cancel_restores_it():
    # Car 1 is 0.37 s slow at PT1 (37 points), car 2 on time; traffic spoiled the trial: neutralised.
    passages = [*on_time_run(1, 0, trial_s="21.37"), *on_time_run(2, 1)]
    board = run(passages, years=(1955, 1955))
    before = {n: board.result(n) for n in (1, 2)}
    assert before[1].line("PT1").penalty == 37
    update = board.add_correction(
        Correction(
            id="n1",
            kind=CorrectionKind.NEUTRALISE,
            start_no=EVERY_CAR,
            control="PT1",
            by="clerk",
            at_us=at("18:00:00"),
            why="tractor on the trial",
        )
    )
    assert update.rescored == (1, 2)
    line = board.result(1).line("PT1")
    assert (line.status, line.penalty, line.deviation_us, line.corrections) == (
        Status.NEUTRALISED,
        0,
        370_000,  # the measured time stays shown
        ("n1",),
    )
    assert line.reason == "PT1 neutralised for every car by correction n1 (clerk: tractor on the trial)"
    assert board.result(1).penalty == before[1].penalty - 37
    assert board.result(2).penalty == before[2].penalty
    board.add_correction(
        Correction(
            id="n2",
            kind=CorrectionKind.CANCEL,
            start_no=EVERY_CAR,
            cancels="n1",
            by="clerk",
            at_us=at("18:05:00"),
            why="the trial stands",
        )
    )
    assert {n: board.result(n) for n in (1, 2)} == before


def test_a_neutralise_names_a_control_and_every_car():
    with pytest.raises(InvalidInput, match="start_no = 3: a neutralised control is for every car: 0"):
        Correction(
            id="n", kind=CorrectionKind.NEUTRALISE, start_no=3, control="PT1", by="c", at_us=0, why="w"
        )
    with pytest.raises(InvalidInput, match="control = '': required for neutralise"):
        Correction(id="n", kind=CorrectionKind.NEUTRALISE, start_no=EVERY_CAR, by="c", at_us=0, why="w")
    board = run(on_time_run(1, 0))
    with pytest.raises(InvalidInput, match="control = 'PT9': no control of the event has this name"):
        board.add_correction(
            Correction(
                id="n",
                kind=CorrectionKind.NEUTRALISE,
                start_no=EVERY_CAR,
                control="PT9",
                by="c",
                at_us=0,
                why="w",
            )
        )
