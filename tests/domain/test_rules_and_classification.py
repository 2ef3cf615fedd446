"""Rule sets as data, time helpers and classifications."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from miglia.domain.classification import Classification
from miglia.domain.errors import InvalidInput, MigliaError
from miglia.domain.instants import local_to_utc_us
from miglia.domain.rules import RuleSet, Source, TieBreak
from miglia.domain.scoreboard import Scoreboard, score_event
from miglia.domain.timecard import travel_us
from miglia.rules import load_rules, shipped
from tests.domain.scoring_factory import entry, event, on_time_run, p, rules

D = Decimal


def test_the_three_shipped_rule_sets_load():
    assert shipped() == ["mille-miglia", "tour", "tsd"]
    mm = load_rules("mille-miglia")
    assert (mm.timed_trial.unit_us, mm.timed_trial.late_points, mm.timed_trial.late_cap) == (10_000, 1, 300)
    assert (mm.time_control.measure.late_points, mm.time_control.measure.late_cap) == (100, 300)
    assert mm.coefficient.for_year(1927) == D("1.85")
    assert mm.coefficient.for_year(1957) == D("1.00")
    assert mm.passages.precedence == (Source.DEVICE, Source.GPS, Source.MARSHAL)
    assert mm.classification.tie_breaks == (TieBreak.CLEAN_TRIALS, TieBreak.OLDER_CAR, TieBreak.START_NO)
    tsd = load_rules("tsd")
    assert (tsd.secret_check.measure.unit_us, tsd.secret_check.measure.late_cap) == (600_000, 500)
    assert not load_rules("tour").ranked


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"timed_trial": {"unit": "a hundredth"}}, "timed_trial.unit = 'a hundredth'"),
        ({"timed_trial": {"cap": -1}}, "timed_trial.cap = -1"),
        ({"time_control": {"unit": "1s"}}, "time_control.unit = '1s': must be 1min with minute_convention"),
        (
            {"secret_check": {"reference": "gps"}},
            "secret_check.reference = 'gps': expected one of actual, due",
        ),
        ({"missed": {"timed_trial": "disqualify"}}, "missed.timed_trial = 'disqualify'"),
        ({"passages": {"precedence": ["device", "radio"]}}, "passages.precedence = 'radio'"),
        ({"classification": {"tie_breaks": ["coin"]}}, "classification.tie_breaks = 'coin'"),
        ({"classification": {"colour": "red"}}, "classification.colour = 'red': unknown key"),
        (
            {"coefficient": {"bands": [{"from": 1930, "to": 1920, "value": "1.5"}]}},
            "coefficient.bands[0].to = 1920",
        ),
    ],
)
def test_bad_rule_sets_name_the_key_and_the_value(change, message):
    with pytest.raises(InvalidInput) as info:
        rules(**change)
    assert message in str(info.value)


def test_rule_set_needs_a_name():
    with pytest.raises(InvalidInput, match=r"rule_set\.name"):
        RuleSet.from_dict({})


def test_load_rules_names_the_file(tmp_path: Path):
    path = tmp_path / "mine.toml"
    path.write_text('[rule_set]\nname = "x"\n[timed_trial]\npoints = "lots"\n')
    with pytest.raises(InvalidInput, match=r"mine.toml: timed_trial.points = 'lots'"):
        load_rules(path)
    with pytest.raises(MigliaError, match="no such rule set"):
        load_rules("nope")


def test_local_time_helper_is_exact_and_knows_summer_time():
    assert local_to_utc_us(dt.date(2027, 5, 1), dt.time(8, 31, 4, 250_000), "Europe/Rome") == (
        int(dt.datetime(2027, 5, 1, 6, 31, 4, tzinfo=dt.UTC).timestamp()) * 1_000_000 + 250_000
    )
    assert (
        local_to_utc_us(dt.date(2027, 1, 1), dt.time(8, 0), "Europe/Rome") % 86_400_000_000
        == 7 * 3_600_000_000
    )
    with pytest.raises(InvalidInput, match="does not exist"):
        local_to_utc_us(dt.date(2027, 3, 28), dt.time(2, 30), "Europe/Rome")
    assert travel_us(D(40), D(40)) == 3_600_000_000
    assert travel_us(D("0.3"), D(54)) == 20_000_000


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


def test_incremental_update_reports_the_moves():
    entries = [entry(1), entry(2)]
    board = Scoreboard(event(), entries, rules(), passages=on_time_run(1, 0) + on_time_run(2, 1))
    assert [s.start_no for s in board.overall().standings] == [1, 2]
    update = board.add_passage(p(1, "PC1", "10:40:00", "gps", id="late-gps"))
    assert update.rescored == (1,) and update.moves == ()
    update = board.add_correction(
        __import__("miglia.domain.corrections", fromlist=["Correction"]).Correction(
            "c1", "add_penalty", 1, "clerk", 0, "speeding", points=D(5)
        )
    )
    assert {(m.start_no, m.before, m.after) for m in update.moves} == {(1, 1, 2), (2, 2, 1)}
    assert board.classification().overall.position_of(2) == 1


def test_unknown_year_without_default_is_refused():
    with pytest.raises(InvalidInput, match="entry 1: year = 1899"):
        Scoreboard(event(), [entry(1, 1899)], rules(coefficient={"default": None}))
    board = Scoreboard(event(), [entry(1, 1899)], rules(), coefficients={1: D("2.10")})
    assert board.result(1).coefficient == D("2.10")
