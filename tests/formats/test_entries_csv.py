"""The entry list: every row checked, refused entries kept with their reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from miglia.domain.entries import CarCategory, EntryStatus, RaceHistory
from miglia.domain.event import Eligibility
from miglia.formats.entries_csv import EntriesFileError, parse_entries, read_entries

SMALL = Path(__file__).resolve().parents[1] / "data" / "small"
HEADER = "start_no,driver,co_driver,make,model,year,chassis,class,device_id\n"


def test_the_small_list_keeps_the_refused_car_with_its_reason() -> None:
    entries = read_entries(SMALL / "entries.csv", Eligibility())
    assert [e.start_no for e in entries] == [1, 2, 3, 4]
    assert [e.status for e in entries] == [EntryStatus.ACCEPTED] * 3 + [EntryStatus.REFUSED]
    assert entries[3].refusal_reason == "built in 1959, after 1957, the latest year this event accepts"
    assert entries[0].crew.ladies and not entries[1].crew.ladies
    assert entries[1].team == "Cats"
    assert entries[0].car.title == "1930 Alfa Romeo 6C 1750 Gran Sport"


def test_eligibility_is_a_rule_of_the_event() -> None:
    entries = read_entries(SMALL / "entries.csv", Eligibility(latest_year=1960, earliest_year=1940))
    assert [e.accepted for e in entries] == [False, True, True, True]
    assert entries[0].refusal_reason == "built in 1930, before 1940, the earliest year this event accepts"


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("x,A,B,Jaguar,XK120,1951,1,C,d", "f.csv:2: start_no = 'x': expected a whole number from 1 to 99999"),
        (
            "5,A,B,Jaguar,XK120,nineteen,1,C,d",
            "f.csv:2: year = 'nineteen': expected the year of construction",
        ),
        ("5,,B,Jaguar,XK120,1951,1,C,d", "f.csv:2: driver = '': required"),
        ("5,A,B,Jaguar,XK120,1951,1,C,d,extra", "f.csv:2: more cells than columns: ['extra']"),
    ],
)
def test_a_bad_row_names_its_line_field_and_value(row: str, problem: str) -> None:
    with pytest.raises(EntriesFileError) as caught:
        parse_entries(HEADER + row + "\n", "f.csv", Eligibility())
    assert caught.value.problems[0].startswith(problem)


def test_duplicate_start_numbers_and_devices_name_both_lines() -> None:
    text = HEADER + "5,A,B,Jaguar,XK120,1951,1,C,d1\n6,A,B,MG,TC,1947,2,C,d1\n5,A,B,MG,TD,1950,3,C,d3\n"
    with pytest.raises(EntriesFileError) as caught:
        parse_entries(text, "f.csv", Eligibility())
    assert caught.value.problems == [
        "f.csv:3: device_id = 'd1': already used on line 2",
        "f.csv:4: start_no = '5': already used on line 2",
    ]


def test_missing_and_unknown_columns() -> None:
    with pytest.raises(EntriesFileError) as caught:
        parse_entries("start_no,driver,colour\n1,A,red\n", "f.csv", Eligibility())
    assert "f.csv:1: missing column 'co_driver'" in caught.value.problems
    assert any("unknown column 'colour'" in p for p in caught.value.problems)


COEFFICIENT_HEADER = HEADER.rstrip("\n") + ",displacement_cc,category,mm_history\n"


def test_the_coefficient_columns_are_read_exactly() -> None:
    text = COEFFICIENT_HEADER + (
        "1,A,B,Bugatti,Type 35B,1927,4871,Pre-war,d1,2262,sport,raced\n"
        "2,A,B,Lancia,Aurelia B20 GT,1951,B20-1012,GT,d2,1991,gran_turismo,entered\n"
        "3,A,B,Lancia,Aprilia,1938,238-1234,Pre-war,d3,1352,touring,\n"
        "4,A,B,Jaguar,XK120,1951,660123,GT,d4, , ,\n"
    )
    cars = [e.car for e in parse_entries(text, "f.csv", Eligibility())]
    assert [(c.displacement_cc, c.category, c.history) for c in cars] == [
        (2262, CarCategory.SPORT, RaceHistory.RACED),
        (1991, CarCategory.GRAN_TURISMO, RaceHistory.ENTERED),
        (1352, CarCategory.TOURING, RaceHistory.NONE),
        (None, None, RaceHistory.NONE),
    ]


def test_without_the_coefficient_columns_the_parts_are_unknown() -> None:
    [entry] = parse_entries(HEADER + "5,A,B,Jaguar,XK120,1951,1,C,d\n", "f.csv", Eligibility())
    car = entry.car
    assert (car.displacement_cc, car.category, car.history) == (None, None, RaceHistory.NONE)


@pytest.mark.parametrize(
    ("cells", "problem"),
    [
        ("3.4 l,sport,", "f.csv:2: displacement_cc = '3.4 l': expected the nominal displacement in whole cc"),
        ("3442.5,sport,", "f.csv:2: displacement_cc = '3442.5': expected the nominal displacement"),
        ("0,sport,", "f.csv:2: displacement_cc = '0': expected the nominal displacement in whole cc, from 1"),
        ("20001,sport,", "f.csv:2: displacement_cc = '20001': expected"),
        ("-750,sport,", "f.csv:2: displacement_cc = '-750': expected"),
        ("3442,gt,", "f.csv:2: category = 'gt': expected one of sport, gran_turismo, touring, or empty"),
        ("3442,gran turismo,", "f.csv:2: category = 'gran turismo': expected one of sport, gran_turismo"),
        ("3442,Sport,", "f.csv:2: category = 'Sport': expected one of sport, gran_turismo, touring"),
        ("3442,sport,yes", "f.csv:2: mm_history = 'yes': expected entered or raced"),
        ("3442,sport,1952", "f.csv:2: mm_history = '1952': expected entered or raced"),
    ],
)
def test_a_bad_coefficient_part_names_its_line_column_and_value(cells: str, problem: str) -> None:
    text = COEFFICIENT_HEADER + "5,A,B,Jaguar,XK120,1951,1,C,d," + cells + "\n"
    with pytest.raises(EntriesFileError) as caught:
        parse_entries(text, "f.csv", Eligibility())
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith(problem), caught.value.problems


def test_a_cars_story_is_one_paragraph_of_at_most_600_characters() -> None:
    text = (
        HEADER.strip()
        + ",story\n"
        + '5,A,B,Jaguar,XK120,1951,1,C,d,"Raced at Sebring,\n  then forty years in a barn."\n'
    )
    [entry] = parse_entries(text, "f.csv", Eligibility())
    assert entry.car.story == "Raced at Sebring, then forty years in a barn."
    [plain] = parse_entries(HEADER + "5,A,B,Jaguar,XK120,1951,1,C,d\n", "f.csv", Eligibility())
    assert plain.car.story == ""
    with pytest.raises(EntriesFileError, match=r"f.csv:2: story = 'xxxx.*': 601 characters, at most 600"):
        parse_entries(
            HEADER.strip() + ",story\n5,A,B,Jaguar,XK120,1951,1,C,d," + "x" * 601 + "\n",
            "f.csv",
            Eligibility(),
        )
