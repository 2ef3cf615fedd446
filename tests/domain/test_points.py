"""The 1000 Miglia's points method (rules/mille-miglia.toml): each timed trial's penalty becomes points from
a decreasing table (La Gazzetta dello Sport, 18 May 2017: 420 for no penalty, 395 for one hundredth), times
the car's coefficient (millemiglia.it: 1 + period + (class - category) + bonus); time-control and other
penalties are deducted; the highest total wins. Every number below is worked out by hand."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from miglia.domain.entries import Car, CarCategory, Crew, Entry, RaceHistory
from miglia.domain.errors import InvalidInput
from miglia.domain.event import Control, ControlKind
from miglia.domain.scoreboard import score_event
from miglia.domain.scoring import Status, coefficient_for
from tests.domain.scoring_factory import at, event, on_time_run, p, rules

D = Decimal
MM = rules("mille-miglia")


def car(
    start_no: int, year: int, cc: int, category: CarCategory, history: RaceHistory = RaceHistory.NONE
) -> Entry:
    return Entry(
        start_no=start_no,
        car=Car(
            make="Make",
            model=f"Model {start_no}",
            year=year,
            displacement_cc=cc,
            category=category,
            history=history,
        ),
        crew=Crew(driver=f"Driver {start_no}"),
    )


OM_1927 = car(1, 1927, 1991, CarCategory.SPORT)  # OM 665 Superba: 1 + 0.60 + (0.20 - 0) = 1.80 [GZ]
FIAT_1957 = car(2, 1957, 747, CarCategory.GRAN_TURISMO)  # 750 GT Zagato: 1 + 0.25 + (0.10 - 0.10) = 1.25 [GZ]


def replace_at(passages: list, control: str, hms: str, line: str = "") -> list:
    return [
        dataclasses.replace(x, instant_us=at(hms)) if (x.control, x.line) == (control, line) else x
        for x in passages
    ]


def test_the_coefficient_is_built_from_the_cars_parts():
    assert coefficient_for(MM, 1, OM_1927.car) == D("1.80")
    assert coefficient_for(MM, 2, FIAT_1957.car) == D("1.25")
    # a 1938 1100 cc touring car that raced in a historic Mille Miglia: 1 + 0.45 + (0.15 - 0.20) + 0.10 = 1.50
    raced = car(3, 1938, 1089, CarCategory.TOURING, RaceHistory.RACED)
    assert coefficient_for(MM, 3, raced.car) == D("1.50")
    # entered but did not start: bonus 0.05
    entered = car(4, 1938, 1089, CarCategory.TOURING, RaceHistory.ENTERED)
    assert coefficient_for(MM, 4, entered.car) == D("1.45")
    assert coefficient_for(MM, 4, entered.car, {4: D("1.72")}) == D("1.72")  # a published per-car value wins


def test_a_car_without_its_parts_is_refused_naming_the_field():
    with pytest.raises(
        InvalidInput, match="entry 5: displacement_cc = None: needed for the coefficient's class"
    ):
        coefficient_for(MM, 5, Car(make="X", model="Y", year=1950, category=CarCategory.SPORT))
    with pytest.raises(InvalidInput, match="entry 5: category = None: needed for the coefficient"):
        coefficient_for(MM, 5, Car(make="X", model="Y", year=1950, displacement_cc=1500))


def test_points_from_the_table_and_beyond_it():
    table = MM.points
    assert table is not None
    assert [table.points(D(k)) for k in (0, 1, 2, 11)] == [D(420), D(395), D(380), D(331)]
    # past the table (12 values): 1 point less per hundredth: 12 -> 330, 37 -> 331 - 26 = 305, 300 -> 42
    assert [table.points(D(k)) for k in (12, 37, 300)] == [D(330), D(305), D(42)]


def test_two_cars_scored_and_ranked_by_points():
    # Car 1 (1.80): PT1 in 21.00 s exactly, on time everywhere: 420 x 1.80 = 756.00.
    # Car 2 (1.25): PT1 in 21.02 s (2 hundredths: 380 points), TC1 2 minutes late (200 penalty points):
    #   380 x 1.25 - 200 = 475 - 200 = 275.00.
    passages = on_time_run(1, 0) + replace_at(
        replace_at(on_time_run(2, 1), "PT1", "09:31:21.02", "finish"), "TC1", "10:26:30"
    )
    board = score_event(event(), [OM_1927, FIAT_1957], MM, passages)
    one, two = board.result(1), board.result(2)
    assert (one.trial_points["PT1"], one.points, one.score) == (D(420), D(420), D("756.00"))
    assert (two.line("PT1").penalty, two.trial_points["PT1"], two.line("TC1").penalty) == (2, D(380), 200)
    assert (two.penalty, two.points, two.score) == (202, D(380), D("275.00"))  # penalty: before conversion
    assert [(s.position, s.start_no) for s in board.overall().standings] == [(1, 1), (2, 2)]


def test_a_missed_trial_earns_nothing_and_costs_no_penalty_on_top():
    passages = [x for x in on_time_run(1, 0) if x.control != "PT1"]
    result = score_event(event(), [OM_1927], MM, passages, closed=None).result(1)
    line = result.line("PT1")
    assert (line.status, line.penalty, result.trial_points["PT1"]) == (Status.MISSED, 300, D(0))
    assert result.score == D("0.00")  # 0 points x 1.80; the trial's 300 are not deducted as well


def test_a_neutralised_trial_gives_no_points_to_anyone():
    from miglia.domain.corrections import EVERY_CAR, Correction, CorrectionKind

    board = score_event(event(), [OM_1927], MM, on_time_run(1, 0))
    board.add_correction(
        Correction(
            id="n",
            kind=CorrectionKind.NEUTRALISE,
            start_no=EVERY_CAR,
            control="PT1",
            by="c",
            at_us=0,
            why="w",
        )
    )
    result = board.result(1)
    assert (result.trial_points.get("PT1"), result.points, result.score) == (None, D(0), D("0.00"))


def test_the_worst_trials_may_be_dropped():
    # Two trials: PT1 exact (420), PT2 0.40 s off (40 hundredths: 331 - 29 = 302). Dropping the worst one
    # leaves 420 x 1.80 = 756.00; counting both, (420 + 302) x 1.80 = 1299.60.
    ev = event()
    day = ev.days[0]
    pt2 = Control(name="PT2", kind=ControlKind.TIMED_TRIAL, km=D(60), end_km=D("60.4"), target=D("30.00"))
    controls = (*day.controls[:5], pt2, *day.controls[5:])
    ev = dataclasses.replace(ev, days=(dataclasses.replace(day, controls=controls),))
    passages = [*on_time_run(1, 0), p(1, "PT2", "10:50:00"), p(1, "PT2", "10:50:30.40", line="finish")]
    counted = score_event(ev, [OM_1927], MM, passages).result(1)
    assert (counted.trial_points["PT2"], counted.score) == (D(302), D("1299.60"))
    drop_one = rules("mille-miglia", points={"drop_worst": 1})
    dropped = score_event(ev, [OM_1927], drop_one, passages).result(1)
    assert (dropped.dropped, dropped.points, dropped.score) == (frozenset({"PT2"}), D(420), D("756.00"))
    assert dropped.line("PT2").reason.endswith("; not counted: one of the car's 1 worst")
