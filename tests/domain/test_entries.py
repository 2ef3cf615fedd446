"""Entries: a car and its crew, accepted or refused by the event's eligibility with the reason kept."""

from __future__ import annotations

from miglia.domain.entries import Car, Crew, Entry, EntryStatus, judge
from miglia.domain.event import Eligibility


def entry(year: int) -> Entry:
    return Entry(
        start_no=7,
        car=Car(make="Alfa Romeo", model="8C 2300 Monza", year=year, chassis="2211130"),
        crew=Crew(driver="Tazio", co_driver="Decimo", ladies=False),
    )


def test_a_car_is_named_by_year_make_and_model() -> None:
    assert entry(1933).car.title == "1933 Alfa Romeo 8C 2300 Monza"


def test_an_entry_is_accepted_unless_refused() -> None:
    assert entry(1933).status is EntryStatus.ACCEPTED and entry(1933).accepted
    refused = Entry(
        start_no=8,
        car=Car(make="Fiat", model="500", year=1960),
        crew=Crew(driver="Ada"),
        status=EntryStatus.REFUSED,
    )
    assert not refused.accepted


def test_judging_keeps_an_eligible_entry_and_refuses_the_others_with_the_reason() -> None:
    eligible = entry(1957)
    assert judge(eligible, Eligibility()) is eligible
    late = judge(entry(1958), Eligibility())
    assert (late.status, late.refusal_reason) == (
        EntryStatus.REFUSED,
        "built in 1958, after 1957, the latest year this event accepts",
    )
    assert late.car == entry(1958).car and late.crew == entry(1958).crew  # nothing else changed
    early = judge(entry(1910), Eligibility(latest_year=1940, earliest_year=1919))
    assert early.refusal_reason == "built in 1910, before 1919, the earliest year this event accepts"
