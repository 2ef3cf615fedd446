"""The applications' rules: the form's checks, decisions, the waitlist and its offers, start numbers by
age. Worked examples, then properties over any sequence of actions (hypothesis)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from miglia.domain import applications as rules
from miglia.domain.applications import Answer, Decision, Offer, Status, ToNumber
from miglia.domain.event import Eligibility

GOOD = {
    "make": "Lancia",
    "model": "Aurelia B20 GT",
    "year": "1953",
    "displacement_cc": "1991",
    "category": "gran_turismo",
    "chassis": "B20-1234",
    "driver_name": "Paola Neri",
    "driver_email": "paola@example.org",
    "driver_phone": "+39 055 123 4567",
    "driver_licence": "FI1234567",
    "driver_emergency": "Marco Neri +39 055 765 4321",
    "consent": "on",
}


def test_a_good_form_passes_cleaned() -> None:
    checked = rules.check_form({**GOOD, "make": "  Lancia "}, Eligibility())
    assert checked.ok and checked.values["make"] == "Lancia" and checked.values["consent"] == "yes"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"year": "1958"},
            "year",
            "Not eligible: built in 1958, after 1957, the latest year this event accepts",
        ),
        ({"year": "53"}, "year", "Year of construction: '53' is not a year (four digits, e.g. 1954)"),
        ({"year": "1850"}, "year", "Year of construction: 1850 is before the first motor car (1885)"),
        ({"year": "1953" * 30}, "year", "is not a year"),
        ({"make": ""}, "make", "Make: required"),
        ({"consent": ""}, "consent", "Please agree to apply."),
        ({"driver_phone": "call me"}, "driver_phone", "Driver: phone: 'call me' is not a phone number"),
        ({"driver_size": "XXXXL"}, "driver_size", "Driver: T-shirt size: 'XXXXL'; choose one of XS, S"),
        ({"displacement_cc": "2 litres"}, "displacement_cc", "give the cubic centimetres, 50 to 20000"),
        ({"category": "rally"}, "category", "choose one of Sport, Gran Turismo, Touring"),
        ({"story": "x" * 1501}, "story", "at most 1500 characters (1501 given)"),
        ({"co_name": "Giulia"}, "co_email", "Co-driver: e-mail: required when there is a co-driver"),
    ],
)
def test_each_bad_field_gets_its_own_message(changes: dict[str, str], field: str, message: str) -> None:
    checked = rules.check_form({**GOOD, **changes}, Eligibility())
    assert not checked.ok and message in checked.errors[field]


def test_the_event_s_earliest_year_is_checked_too() -> None:
    checked = rules.check_form({**GOOD, "year": "1925"}, Eligibility(latest_year=1957, earliest_year=1927))
    assert checked.errors == {
        "year": "Not eligible: built in 1925, before 1927, the earliest year this event accepts"
    }


def test_the_default_deadline_is_two_weeks_before_the_first_day() -> None:
    assert rules.default_deadline(dt.date(2026, 4, 26)) == dt.date(2026, 4, 12)


def _d(app: int, status: Status, seq: int) -> Decision:
    return Decision(app, status, "why", "olga", seq * 1000, seq)


def test_decisions_need_a_reason_follow_the_allowed_steps_and_never_accept_an_ineligible_car() -> None:
    rules.check_decision(Status.APPLIED, Status.ACCEPTED, "fine", None)
    with pytest.raises(rules.Refused, match="give the reason it is declined"):
        rules.check_decision(Status.APPLIED, Status.DECLINED, "  ", None)
    with pytest.raises(rules.Refused, match="an application withdrawn cannot be accepted"):
        rules.check_decision(Status.WITHDRAWN, Status.ACCEPTED, "again", None)
    with pytest.raises(rules.Refused, match="not eligible: built in 1961"):
        rules.check_decision(Status.APPLIED, Status.ACCEPTED, "fine", "built in 1961")


def test_worked_example_the_waitlist_and_a_freed_place() -> None:
    """Cars 1-5 apply; 1 and 2 accepted, 3, 4, 5 waitlisted in that order, then 4 waitlisted again
    (moved to the end). Car 1 withdraws (one place free): car 3, the first waiting, is offered it for 72 h;
    nothing more while its offer is open; it declines (withdrawn): car 5 is next, then car 4."""
    decisions = [_d(1, Status.ACCEPTED, 1), _d(2, Status.ACCEPTED, 2)]
    decisions += [_d(3, Status.WAITLISTED, 3), _d(4, Status.WAITLISTED, 4), _d(5, Status.WAITLISTED, 5)]
    decisions += [_d(4, Status.WAITLISTED, 6)]
    assert rules.waitlist(decisions) == [3, 5, 4]
    hours = 72 * 3_600_000_000
    step = rules.advance(rules.waitlist(decisions), [], rules.free_places(2, 1, 0), 10_000)
    assert step == rules.Step((), 3)
    offers = [Offer(3, 10_000, 10_000 + hours)]
    assert (
        rules.advance(rules.waitlist(decisions), offers, rules.free_places(2, 1, 1), 20_000).offer_to is None
    )
    decisions.append(_d(3, Status.WITHDRAWN, 7))
    offers = [Offer(3, 10_000, 10_000 + hours, Answer.DECLINED, 30_000)]
    assert rules.advance(rules.waitlist(decisions), offers, rules.free_places(2, 1, 0), 30_000).offer_to == 5
    # Car 5 does not answer: at the deadline its offer expires and car 4 is offered the place.
    offers.append(Offer(5, 30_000, 30_000 + hours))
    late = 30_000 + hours + 1
    step = rules.advance(rules.waitlist(decisions), offers, rules.free_places(2, 1, 0), late)
    assert step == rules.Step((5,), 4)


def test_worked_example_start_numbers_by_age() -> None:
    """Imported entries hold 1-70; a car numbered 72 by hand. Three accepted cars, built 1957, 1931 and
    1949 (applications 10, 11, 12) get 71, 73, 74: the 1931 car first, number 72 skipped."""
    cars = [ToNumber(10, 1957), ToNumber(11, 1931), ToNumber(12, 1949)]
    assert rules.numbers_by_age(cars, [*range(1, 71), 72], 71) == {11: 71, 12: 73, 10: 74}
    assert rules.numbers_by_age([ToNumber(2, 1950), ToNumber(1, 1950)], [], 1) == {1: 1, 2: 2}


def test_a_start_number_by_hand_is_checked() -> None:
    with pytest.raises(rules.Refused, match="start number 7 is already Anna Rossi's"):
        rules.check_number(7, {7: "Anna Rossi"})
    with pytest.raises(rules.Refused, match="give a number from 1 to 9999"):
        rules.check_number(0, {})
    rules.check_number(8, {7: "Anna Rossi"})


# -- properties ---------------------------------------------------------------------------------------

ACTIONS = st.lists(
    st.tuples(st.integers(1, 8), st.sampled_from([Status.ACCEPTED, Status.WAITLISTED, Status.DECLINED])),
    max_size=40,
)


@given(ACTIONS)
def test_the_waitlist_keeps_the_order_cars_were_put_on_it(actions: list[tuple[int, Status]]) -> None:
    decisions = [_d(app, status, seq) for seq, (app, status) in enumerate(actions)]
    waiting = rules.waitlist(decisions)
    assert len(waiting) == len(set(waiting))
    last_put = {app: seq for seq, (app, status) in enumerate(actions) if status is Status.WAITLISTED}
    still = [a for a in waiting]
    assert still == sorted(still, key=lambda a: last_put[a])
    # Another car's decision never reorders the others.
    extra = [*decisions, _d(99, Status.WAITLISTED, len(actions) + 1)]
    assert rules.waitlist(extra) == [*waiting, 99]
    for app in waiting:
        rest = [d for d in decisions if d.application_id != app]
        assert rules.waitlist(rest) == [a for a in waiting if a != app]


@settings(max_examples=200)
@given(
    st.lists(st.integers(1, 30), min_size=0, max_size=12, unique=True),
    st.lists(st.sampled_from(["accept", "decline", "wait", "free", "lose"]), max_size=40),
    st.integers(0, 3),
)
def test_an_offer_goes_to_exactly_one_car_at_a_time(waiting: list[int], steps: list[str], free: int) -> None:
    """Whatever happens (answers, deadlines passing, places freed or filled), at most one offer is open,
    it goes to a waiting car, and a car is offered a place again only after its offer was answered."""
    hours = 1000
    now = 0
    offers: list[Offer] = []
    queue = list(waiting)
    for step in steps:
        now += 400
        result = rules.advance(queue, offers, free, now)
        offers = [
            Offer(o.application_id, o.made_us, o.deadline_us, Answer.EXPIRED, now)
            if o.application_id in result.expired and o.answer is Answer.OPEN
            else o
            for o in offers
        ]
        queue = [a for a in queue if a not in result.expired]
        if result.offer_to is not None:
            assert result.offer_to in queue
            assert not any(o.open_at(now) for o in offers)
            offers.append(Offer(result.offer_to, now, now + hours))
        open_now = [o for o in offers if o.open_at(now)]
        assert len(open_now) <= 1
        if open_now and step in ("accept", "decline"):
            o = open_now[0]
            offers[offers.index(o)] = Offer(
                o.application_id,
                o.made_us,
                o.deadline_us,
                Answer.ACCEPTED if step == "accept" else Answer.DECLINED,
                now,
            )
            queue.remove(o.application_id)
            if step == "accept":
                free = max(0, free - 1)
        elif step == "free":
            free += 1
        elif step == "lose":
            free = max(0, free - 1)
    assert sum(1 for o in offers if o.open_at(now)) <= 1


@given(
    st.lists(st.tuples(st.integers(1, 500), st.integers(1885, 1957)), max_size=30, unique_by=lambda t: t[0]),
    st.sets(st.integers(1, 80), max_size=40),
    st.integers(1, 90),
)
def test_start_numbers_are_unique_free_and_by_age(
    cars: list[tuple[int, int]], taken: set[int], first: int
) -> None:
    numbers = rules.numbers_by_age([ToNumber(a, y) for a, y in cars], taken, first)
    assert set(numbers) == {a for a, _ in cars}
    assert len(set(numbers.values())) == len(numbers)
    assert not set(numbers.values()) & taken and all(n >= first for n in numbers.values())
    by_number = sorted(numbers, key=lambda a: numbers[a])
    years = dict(cars)
    assert [years[a] for a in by_number] == sorted(years[a] for a in by_number)
