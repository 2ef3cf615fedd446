"""Classifications: overall, by class, by era, ladies' cup and teams; tie-breaks; a tour ranks nobody."""

from __future__ import annotations

from decimal import Decimal

from miglia.domain.classification import Classification
from miglia.domain.scoreboard import score_event
from miglia.rules import load_rules
from tests.domain.scoring_factory import entry, event, on_time_run, p, rules

D = Decimal


def classify(entries, passages, **kw) -> Classification:
    return score_event(event(), entries, rules(**kw), passages).classification()


def test_overall_class_era_ladies_and_teams():
    entries = [
        entry(1, 1927, class_name="A", team="Brescia", ladies=True),
        entry(2, 1955, class_name="B", team="Brescia"),
        entry(3, 1938, class_name="A", team="Roma"),
        entry(4, 1950, class_name="B"),
    ]
    passages = (
        on_time_run(1, 0, "21.37")  # 37 / 1.85 = 20.00
        + on_time_run(2, 1, "21.10")  # 10 / 1.00 = 10.00
        + on_time_run(3, 2, "21.20")  # 20 / 1.45 = 13.79
        + on_time_run(4, 3, "21.00")  # 0
    )
    c = classify(entries, passages)
    assert [(s.position, s.start_no, s.score) for s in c.overall.standings] == [
        (1, 4, D("0.00")),
        (2, 2, D("10.00")),
        (3, 3, D("13.79")),
        (4, 1, D("20.00")),
    ]
    assert [s.start_no for s in c.by_class["A"].standings] == [3, 1]
    assert [s.position for s in c.by_class["A"].standings] == [1, 2]
    assert [s.start_no for s in c.by_era["pre-war"].standings] == [3, 1]
    assert [s.start_no for s in c.by_era["post-war"].standings] == [4, 2]
    assert c.ladies is not None and [(s.position, s.start_no) for s in c.ladies.standings] == [(1, 1)]
    assert [(t.position, t.team, t.score) for t in c.teams] == [(None, "Brescia", None), (None, "Roma", None)]
    c = classify(entries, passages, classification={"team_best": 1})
    assert [(t.position, t.team, t.score, t.counted) for t in c.teams] == [
        (1, "Brescia", D("10.00"), (2,)),
        (2, "Roma", D("13.79"), (3,)),
    ]


def test_tie_breaks_clean_trials_then_older_car_then_start_number():
    entries = [entry(1, 1950), entry(2, 1950), entry(3, 1930, refused=False)]
    # Car 1: 0.10 s at PT1 (10 points), on time at SC1; car 2: 10 s late at SC1 (10 points), exact at PT1
    passages = (
        on_time_run(1, 0, "21.10")
        + [x for x in on_time_run(2, 1) if x.control != "SC1"]
        + [p(2, "SC1", "09:54:10")]
    )
    c = classify(entries[:2], passages, coefficient={"applies_to": "none"})
    assert [(s.position, s.start_no, s.score) for s in c.overall.standings] == [
        (1, 1, D("10.00")),
        (2, 2, D("10.00")),
    ]
    # Same clean trials: the older car first; equal on everything but the start number: start number decides.
    c = classify(
        [entry(1, 1950), entry(2, 1930)],
        on_time_run(1, 0) + on_time_run(2, 1),
        coefficient={"applies_to": "none"},
    )
    assert [s.start_no for s in c.overall.standings] == [2, 1]
    c = classify(
        [entry(1, 1950), entry(2, 1950)],
        on_time_run(1, 0) + on_time_run(2, 1),
        classification={"tie_breaks": ["clean_trials"]},
    )
    assert [s.position for s in c.overall.standings] == [1, 1]  # ex aequo


def test_tour_ranks_nobody_but_keeps_every_record():
    board = score_event(
        event(), [entry(2), entry(1)], load_rules("tour"), on_time_run(1, 0, "25.00") + on_time_run(2, 1)
    )
    c = board.classification()
    assert [(s.position, s.start_no) for s in c.overall.standings] == [(None, 1), (None, 2)]
    line = board.result(1).line("PT1")
    assert line.penalty == 0 and line.deviation_us == 4_000_000
    assert line.reason == "4.00 s late at timed trial PT1: 0 points"
