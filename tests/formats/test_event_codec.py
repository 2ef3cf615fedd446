"""Entries as JSON (the JSON API's form) and back: the car's coefficient parts, known or not."""

from __future__ import annotations

import json

from miglia.domain.entries import Car, CarCategory, Crew, Entry, EntryStatus, RaceHistory
from miglia.formats.event_codec import entry_from_json, to_json

BUGATTI = Entry(
    start_no=1,
    car=Car(
        make="Bugatti",
        model="Type 35B",
        year=1927,
        chassis="4871",
        displacement_cc=2262,
        category=CarCategory.SPORT,
        history=RaceHistory.RACED,
    ),
    crew=Crew(driver="Anna Rossi", co_driver="Bea Conti", ladies=True),
    class_name="Pre-war",
    device_id="dev-1",
    team="Cats",
)
UNKNOWN = Entry(
    start_no=4,
    car=Car(make="Chevrolet", model="Corvette", year=1959),
    crew=Crew(driver="Gus Lind"),
    status=EntryStatus.REFUSED,
    refusal_reason="built in 1959, after 1957",
)


def test_the_coefficient_parts_go_to_json_as_plain_values() -> None:
    car = to_json(BUGATTI)["car"]
    assert (car["displacement_cc"], car["category"], car["history"]) == (2262, "sport", "raced")
    unknown = to_json(UNKNOWN)["car"]
    assert (unknown["displacement_cc"], unknown["category"], unknown["history"]) == (None, None, "")


def test_an_entry_comes_back_from_its_json_unchanged() -> None:
    for entry in (BUGATTI, UNKNOWN):
        assert entry_from_json(json.loads(json.dumps(to_json(entry)))) == entry


def test_json_without_the_coefficient_parts_means_not_known() -> None:
    d = to_json(BUGATTI)
    for key in ("displacement_cc", "category", "history"):
        del d["car"][key]
    car = entry_from_json(d).car
    assert (car.displacement_cc, car.category, car.history) == (None, None, RaceHistory.NONE)
