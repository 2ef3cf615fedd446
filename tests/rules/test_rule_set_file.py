"""Reading a rule-set file's dict: the defaults, the durations, and every problem named by key and value."""

from __future__ import annotations

from decimal import Decimal

import pytest

from miglia.domain.errors import InvalidInput
from miglia.domain.event import ControlKind
from miglia.domain.rules import (
    EXCLUDE,
    CoefficientOperation,
    CoefficientTarget,
    Order,
    Reference,
    Rounding,
    Source,
    TieBreak,
)
from miglia.rules.rule_set_file import format_duration_us, parse_duration_us, rule_set_from_dict
from tests.domain.scoring_factory import rules

D = Decimal


@pytest.mark.parametrize(
    ("text", "us"),
    [
        ("0.01s", 10_000),
        ("1s", 1_000_000),
        (" 1.5 s ", 1_500_000),
        ("0.01min", 600_000),
        ("1min", 60_000_000),
        ("30min", 1_800_000_000),
        ("2h", 7_200_000_000),
        ("0.000001s", 1),
    ],
)
def test_durations_are_read_with_their_unit_as_whole_microseconds(text: str, us: int) -> None:
    assert parse_duration_us(text, "k") == us


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (1, "expected a duration with its unit"),
        ("1", "expected a duration with its unit"),
        ("1 sec", "expected a duration with its unit"),
        ("-1s", "expected a duration with its unit"),
        ("0s", "must be more than zero and a whole number of microseconds"),
        ("0.0000001s", "must be more than zero and a whole number of microseconds"),
    ],
)
def test_bad_durations_name_the_key_and_the_value(value: object, problem: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_duration_us(value, "timed_trial.unit")
    assert str(info.value) == f"rule set: timed_trial.unit = {value!r}: {problem}" + (
        ', e.g. "0.01s", "1s" or "1min"' if problem.startswith("expected") else ""
    )


@pytest.mark.parametrize(
    ("us", "text"), [(10_000, "0.01s"), (1_000_000, "1s"), (60_000_000, "1min"), (90_000_000, "90s")]
)
def test_durations_are_written_as_a_rule_set_spells_them(us: int, text: str) -> None:
    assert format_duration_us(us) == text
    assert parse_duration_us(text, "k") == us


def test_a_rule_set_of_only_a_name_takes_every_default() -> None:
    r = rule_set_from_dict({"rule_set": {"name": "Minimal"}})
    assert (r.name, r.version, r.description) == ("Minimal", "", "")
    trial = r.timed_trial
    assert (trial.resolution_us, trial.rounding, trial.unit_us) == (10_000, Rounding.TRUNCATE, 10_000)
    assert (trial.early_points, trial.late_points, trial.early_cap, trial.late_cap) == (1, 1, None, None)
    assert not trial.early_allowed
    assert (r.secret_check.measure.unit_us, r.secret_check.reference) == (1_000_000, Reference.ACTUAL)
    tc = r.time_control
    assert (tc.measure.resolution_us, tc.measure.unit_us) == (1_000_000, 60_000_000)
    assert (tc.minute_convention, tc.reference, tc.out_of_time_us, tc.out_of_time) == (
        True,
        Reference.DUE,
        None,
        EXCLUDE,
    )
    assert r.missed == {kind: 0 for kind in ControlKind}
    assert r.passages.precedence == (Source.DEVICE, Source.GPS, Source.MARSHAL)
    assert r.passages.tolerance_us(Source.GPS, Source.DEVICE) == 500_000
    assert r.passages.tolerance_us(Source.MARSHAL, Source.GPS) == 60_000_000
    c = r.coefficient
    assert (c.applies_to, c.operation, c.kinds, c.bands, c.default) == (
        CoefficientTarget.NONE,
        CoefficientOperation.MULTIPLY,
        frozenset({ControlKind.TIMED_TRIAL}),
        (),
        None,
    )
    k = r.classification
    assert (k.ranked, k.order, k.by_class, k.eras, k.ladies_cup, k.team_best, k.decimals) == (
        True,
        Order.LOWEST,
        True,
        (),
        True,
        None,
        2,
    )
    assert k.tie_breaks == (TieBreak.CLEAN_TRIALS, TieBreak.OLDER_CAR, TieBreak.START_NO)


def test_points_and_cap_set_both_sides_unless_one_side_is_given() -> None:
    r = rule_set_from_dict(
        {"rule_set": {"name": "x"}, "timed_trial": {"points": 2, "cap": 50, "late_points": "3.5"}}
    )
    assert (r.timed_trial.early_points, r.timed_trial.late_points) == (D(2), D("3.5"))
    assert (r.timed_trial.early_cap, r.timed_trial.late_cap) == (D(50), D(50))


def test_bands_eras_and_precedence_by_kind_and_control_are_read() -> None:
    r = rule_set_from_dict(
        {
            "rule_set": {"name": "x", "version": 2027},
            "coefficient": {
                "applies_to": "total",
                "bands": [{"from": 1920, "to": 1939, "value": "1.5"}, {"from": 1940, "to": 1957, "value": 1}],
            },
            "classification": {"eras": [{"name": "pre-war", "to": 1939}, {"name": "post-war", "from": 1946}]},
            "passages": {
                "by_kind": {"timed_trial": {"precedence": ["device"]}},
                "by_control": {"TC1": {"precedence": ["marshal", "gps"]}},
            },
        }
    )
    assert r.version == "2027"
    assert [(b.first_year, b.last_year, b.value) for b in r.coefficient.bands] == [
        (1920, 1939, D("1.5")),
        (1940, 1957, D(1)),
    ]
    assert [(e.name, e.first_year, e.last_year) for e in r.classification.eras] == [
        ("pre-war", None, 1939),
        ("post-war", 1946, None),
    ]
    assert r.passages.by_kind == {ControlKind.TIMED_TRIAL: (Source.DEVICE,)}
    assert r.passages.by_control == {"TC1": (Source.MARSHAL, Source.GPS)}


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


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"rule_set": {"name": "x"}, "colour": "red"}, "rule set: colour = 'red': unknown key"),
        ({"rule_set": {"name": "x"}, "timed_trial": 3}, "rule set: timed_trial = 3: expected a table"),
        (
            {"rule_set": {"name": "x"}, "passages": {"precedence": ["gps", "gps"]}},
            "rule set: passages.precedence = ['gps', 'gps']: a source is listed twice",
        ),
        (
            {"rule_set": {"name": "x"}, "passages": {"tolerance": {"gps/gps": "1s"}}},
            "rule set: passages.tolerance.gps/gps = '1s': expected a pair of sources such as \"device/gps\"",
        ),
        (
            {"rule_set": {"name": "x"}, "coefficient": {"applies_to": "trials"}},
            "rule set: coefficient.bands = []: a coefficient needs bands, parts or a default",
        ),
        (
            {"rule_set": {"name": "x"}, "points": {"table": [420, 395]}},
            "rule set: classification.order = 'lowest': the points method ranks the highest total first",
        ),
        (
            {
                "rule_set": {"name": "x"},
                "classification": {"order": "highest"},
                "points": {"table": [395, 420]},
            },
            "rule set: points.table[1] = 420: the table must not increase",
        ),
        (
            {"rule_set": {"name": "x"}, "classification": {"order": "highest"}, "points": {"table": []}},
            "rule set: points.table = []: expected the points for a penalty of 0, 1, 2, ...",
        ),
        (
            {
                "rule_set": {"name": "x"},
                "classification": {"order": "highest"},
                "points": {"table": [420, 10], "floor": 20},
            },
            "rule set: points.floor = '20': must not be above the table's last value",
        ),
        (
            {
                "rule_set": {"name": "x"},
                "coefficient": {
                    "applies_to": "trials",
                    "parts": {
                        "periods": [{"from": 1927, "to": 1957, "value": "0.5"}],
                        "classes": [{"value": 1}, {"up_to_cc": 750, "value": 1}],
                    },
                },
            },
            "rule set: coefficient.parts.classes[1].up_to_cc = 750: classes go from the smallest up",
        ),
        (
            {
                "rule_set": {"name": "x"},
                "coefficient": {
                    "applies_to": "trials",
                    "parts": {
                        "periods": [{"from": 1927, "to": 1957, "value": "0.5"}],
                        "classes": [{"value": 1}],
                        "categories": {"saloon": "0.2"},
                    },
                },
            },
            "rule set: coefficient.parts.categories = 'saloon': expected one of sport, gran_turismo, touring",
        ),
        (
            {
                "rule_set": {"name": "x"},
                "coefficient": {
                    "default": 1,
                    "bands": [{"from": 1920, "to": 1939, "value": 2}, {"from": 1930, "to": 1950, "value": 1}],
                },
            },
            "rule set: coefficient.bands[1].from = 1930: overlaps the band 1920-1939",
        ),
        (
            {"rule_set": {"name": "x"}, "coefficient": {"default": "0"}},
            "rule set: coefficient.default = '0': must be at least 0.01",
        ),
        (
            {"rule_set": {"name": "x"}, "classification": {"team_best": 0}},
            "rule set: classification.team_best = 0: expected a whole number, at least 1",
        ),
        (
            {"rule_set": {"name": "x"}, "time_control": {"out_of_time": "many"}},
            "rule set: time_control.out_of_time = 'many': "
            'expected points (a number, at least 0) or "exclude"',
        ),
        (
            {"rule_set": {"name": "x"}, "classification": {"ranked": "yes"}},
            "rule set: classification.ranked = 'yes': expected true or false",
        ),
    ],
)
def test_the_message_names_the_key_as_written_and_the_value(data: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInput) as info:
        rule_set_from_dict(data)
    assert str(info.value).startswith(message)


def test_rule_set_needs_a_name():
    with pytest.raises(InvalidInput) as info:
        rule_set_from_dict({})
    assert str(info.value) == "rule set: rule_set.name = None: required: the rule set's name"
    with pytest.raises(InvalidInput, match=r"rule_set\.name = .*: required: the rule set's name"):
        rule_set_from_dict({"rule_set": {"name": ""}})
