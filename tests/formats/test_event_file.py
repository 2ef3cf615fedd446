"""The event file: a valid file gives the event; a broken one names file, line, field and value."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from miglia.domain.event import ControlKind, StopKind
from miglia.formats.event_file import EventFileError, load_event, parse_duration, parse_event

SMALL = Path(__file__).resolve().parents[1] / "data" / "small"


def small_text() -> str:
    return (SMALL / "event.toml").read_text()


def test_the_small_event_reads_with_every_field() -> None:
    event = load_event(SMALL / "event.toml")
    assert event.slug == "sonoma-test-run"
    assert event.timezone == "America/Los_Angeles"
    assert event.eligibility.latest_year == 1957
    (day,) = event.days
    assert day.first_start.isoformat() == "08:00:00"
    assert day.start_interval_s == 60
    assert day.route == str((SMALL / "day1.gpx").resolve())
    assert [c.kind for c in day.controls] == [
        ControlKind.START,
        ControlKind.TIMED_TRIAL,
        ControlKind.TIME_CONTROL,
        ControlKind.PASSAGE_CONTROL,
        ControlKind.SECRET_CHECK,
        ControlKind.FINISH,
    ]
    trial = day.controls[1]
    assert (trial.km, trial.end_km, trial.target) == (Decimal("2.0"), Decimal("2.3"), Decimal("21.00"))
    assert day.controls[2].target == Decimal(600)
    assert day.controls[5].average_kmh == Decimal(40)
    (stop,) = day.stops
    assert stop.kind is StopKind.LUNCH and stop.opens is not None and stop.opens.isoformat() == "11:30:00"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1:35:00", 5700),
        ("35:00", 2100),
        ("21.00", Decimal("21.00")),
        ("0:00:33.57", Decimal("33.57")),
        (90, 90),
    ],
)
def test_durations(text: object, seconds: object) -> None:
    assert parse_duration(text) == Decimal(str(seconds))


@pytest.mark.parametrize("text", ["", "abc", "1:2:3:4", "-5", "0", True])
def test_bad_durations(text: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def errors_of(text: str) -> list[str]:
    with pytest.raises(EventFileError) as caught:
        parse_event(text, Path("event.toml"), known_rules={"mille-miglia", "regularity", "tsd", "tour"})
    return caught.value.problems


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    count = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            count += 1
            if count == occurrence:
                return number
    raise AssertionError(needle)


def test_a_bad_km_names_file_line_field_and_value() -> None:
    text = small_text().replace("km = 6.0", 'km = "six"')
    line = line_of(text, 'km = "six"')
    assert errors_of(text) == [
        f"event.toml:{line}: days[0].controls[2].km = 'six': Input should be a valid decimal"
    ]


def test_a_bad_start_time_and_unknown_zone_are_both_reported() -> None:
    text = small_text().replace("first_start = 08:00:00", 'first_start = "25:00"')
    text = text.replace('"America/Los_Angeles"', '"America/Sonoma"')
    problems = errors_of(text)
    assert len(problems) == 2
    assert problems[0] == (
        f"event.toml:{line_of(text, 'timezone')}: event.timezone = 'America/Sonoma': "
        "unknown time zone; use an IANA name such as America/Los_Angeles"
    )
    assert problems[1] == (
        f"event.toml:{line_of(text, 'first_start')}: days[0].first_start = '25:00': "
        "expected a time of day such as 08:30 or 08:30:00"
    )


def test_a_misspelt_field_is_refused_with_its_line() -> None:
    text = small_text().replace("end_km = 2.3", "end_kms = 2.3")
    problems = errors_of(text)
    assert f"event.toml:{line_of(text, 'end_kms')}: days[0].controls[1].end_kms: unknown field" in problems[0]


def test_duplicate_control_names_and_km_out_of_order() -> None:
    text = small_text().replace('name = "D1-PC1"', 'name = "D1-TC1"').replace("km = 10.0", "km = 5.0")
    problems = errors_of(text)
    second, km = line_of(text, 'name = "D1-TC1"', 2), line_of(text, "km = 5.0")
    assert problems == [
        f"event.toml:{second}: days[0].controls[3].name: "
        "name = 'D1-TC1': used twice; control names are unique in the event",
        f"event.toml:{km}: days[0].controls[4].km: km = 5.0: before the previous control (8.0)",
    ]


def test_unknown_rule_set() -> None:
    text = small_text().replace('rules = "regularity"', 'rules = "rally-monte-carlo"')
    (problem,) = errors_of(text)
    assert problem.startswith(
        f"event.toml:{line_of(text, 'rules =')}: event.rules: rules = 'rally-monte-carlo'"
    )


def test_not_toml_at_all() -> None:
    (problem,) = errors_of("[event\nname = 1")
    assert problem.startswith("event.toml: not valid TOML:") and "line 1" in problem


def test_timed_trial_needs_its_finish_line() -> None:
    text = small_text().replace("end_km = 2.3\n", "")
    (problem,) = errors_of(text)
    assert "days[0].controls[1]: a timed trial needs end_km" in problem
