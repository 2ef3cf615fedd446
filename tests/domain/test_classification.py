"""Classifications: overall, by class, by era, ladies' cup and teams; tie-breaks; a tour ranks nobody."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from miglia.domain.classification import Classification, classify, ordered, standings
from miglia.domain.rules import ClassificationRules, Order, TieBreak
from miglia.domain.scoreboard import score_event
from miglia.domain.scoring import CarResult
from miglia.rules import load_rules
from tests.domain.scoring_factory import entry, event, on_time_run, p, rules

D = Decimal


def classify_event(entries, passages, **kw) -> Classification:
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
    c = classify_event(entries, passages)
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
    c = classify_event(entries, passages, classification={"team_best": 1})
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
    c = classify_event(entries[:2], passages, coefficient={"applies_to": "none"})
    assert [(s.position, s.start_no, s.score) for s in c.overall.standings] == [
        (1, 1, D("10.00")),
        (2, 2, D("10.00")),
    ]
    # Same clean trials: the older car first; equal on everything but the start number: start number decides.
    c = classify_event(
        [entry(1, 1950), entry(2, 1930)],
        on_time_run(1, 0) + on_time_run(2, 1),
        coefficient={"applies_to": "none"},
    )
    assert [s.start_no for s in c.overall.standings] == [2, 1]
    c = classify_event(
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


# -- the ranking itself, on results made by hand -----------------------------------------------------------


def result(start_no: int, score: str, *, excluded: bool = False, clean: int = 0, penalty: str | None = None):
    return CarResult(
        start_no=start_no,
        lines=(),
        penalty=D(penalty or score),
        coefficient_penalty=D(0),
        coefficient=D(1),
        score=D(score),
        clean_trials=clean,
        excluded=excluded,
        exclusion="missed TC1" if excluded else "",
        conflicts=(),
    )


def classification_rules(**changes: object) -> ClassificationRules:
    values: dict[str, object] = dict(
        ranked=True,
        order=Order.LOWEST,
        tie_breaks=(TieBreak.START_NO,),
        by_class=False,
        eras=(),
        ladies_cup=False,
        team_best=None,
        decimals=2,
    )
    values.update(changes)
    return ClassificationRules(**values)  # type: ignore[arg-type]


ENTRIES = {n: entry(n, 1930 + n, team="Brescia" if n <= 3 else "Roma") for n in range(1, 7)}


def table(results: list[CarResult], rules: ClassificationRules) -> list[tuple[int | None, int, str]]:
    return [(s.position, s.start_no, s.note) for s in standings(ordered(results, rules, ENTRIES), rules)]


def test_equal_cars_share_a_place_and_the_next_place_counts_them_and_the_excluded_come_last():
    rules = classification_rules(tie_breaks=())
    results = [result(1, "5"), result(2, "3", excluded=True), result(3, "3"), result(4, "3"), result(5, "9")]
    assert table(results, rules) == [
        (1, 3, ""),
        (1, 4, ""),
        (3, 1, ""),
        (4, 5, ""),
        (None, 2, "missed TC1"),
    ]


def test_highest_score_first_when_the_rule_set_says_so_and_lower_penalty_as_a_tie_break():
    rules = classification_rules(order=Order.HIGHEST, tie_breaks=(TieBreak.LOWER_PENALTY,))
    results = [result(1, "10", penalty="4"), result(2, "12"), result(3, "10", penalty="2")]
    assert table(results, rules) == [(1, 2, ""), (2, 3, ""), (3, 1, "")]


def test_a_rule_set_that_does_not_rank_lists_every_car_in_start_number_order():
    rules = classification_rules(ranked=False)
    results = [result(3, "1"), result(1, "50", excluded=True), result(2, "7")]
    assert table(results, rules) == [(None, 1, "missed TC1"), (None, 2, ""), (None, 3, "")]


def test_a_team_counts_its_best_classified_members_and_without_enough_it_is_not_ranked():
    rules = classification_rules(team_best=2)
    by_no = {
        1: result(1, "10"),
        2: result(2, "1", excluded=True),
        3: result(3, "20"),  # Brescia: 10 + 20 = 30 (car 2 is excluded)
        4: result(4, "5"),
        5: result(5, "25"),  # Roma: 5 + 25 = 30, ties Brescia: its best member (car 4) is placed higher
        6: result(6, "40"),
    }
    teams = classify(by_no, ENTRIES, rules).teams
    assert [(t.position, t.team, t.score, t.counted, t.members) for t in teams] == [
        (1, "Roma", D(30), (4, 5), (4, 5, 6)),
        (2, "Brescia", D(30), (1, 3), (1, 2, 3)),
    ]
    lonely = classify({1: by_no[1], 2: by_no[2], 4: by_no[4]}, ENTRIES, rules).teams
    assert [(t.position, t.team, t.score, t.counted) for t in lonely] == [
        (None, "Brescia", None, ()),
        (None, "Roma", None, ()),
    ]


def test_a_ranking_gives_the_place_of_a_car_or_refuses_a_stranger():
    ranking = classify({1: result(1, "2"), 2: result(2, "1")}, ENTRIES, classification_rules()).overall
    assert (ranking.position_of(2), ranking.position_of(1)) == (1, 2)
    with pytest.raises(KeyError):
        ranking.position_of(9)


@given(st.lists(st.tuples(st.integers(0, 5), st.booleans(), st.integers(0, 2)), min_size=1, max_size=6))
def test_a_place_is_one_more_than_the_cars_strictly_better_and_the_excluded_have_none(rows):
    results = {
        n: result(n, str(score), excluded=excluded, clean=clean)
        for n, (score, excluded, clean) in enumerate(rows, start=1)
    }
    rules = classification_rules(tie_breaks=(TieBreak.CLEAN_TRIALS,))
    listed = standings(ordered(results.values(), rules, ENTRIES), rules)
    assert sorted(s.start_no for s in listed) == sorted(results)
    assert [s.excluded for s in listed] == sorted(s.excluded for s in listed)  # the excluded last

    def key(r: CarResult) -> tuple[Decimal, int]:
        return (r.score, -r.clean_trials)

    for s in listed:
        mine = results[s.start_no]
        if mine.excluded:
            assert s.position is None
        else:
            better = [r for r in results.values() if not r.excluded and key(r) < key(mine)]
            assert s.position == len(better) + 1
