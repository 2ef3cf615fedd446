"""The event as declared: kinds of control and stop, eligibility, finding a control by name."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from miglia.domain.event import Control, ControlKind, Day, Eligibility, Event, StopKind


def test_control_kinds_have_labels_and_the_timed_ones_a_due_time() -> None:
    assert [k.label for k in ControlKind] == [
        "Start",
        "Time control",
        "Passage control",
        "Timed trial",
        "Secret check",
        "Finish",
    ]
    assert [k for k in ControlKind if k.is_timed] == [
        ControlKind.START,
        ControlKind.TIME_CONTROL,
        ControlKind.FINISH,
    ]
    assert [k.label for k in StopKind] == ["Lunch", "Fuel", "Hotel", "Car show"]


def test_eligibility_by_default_is_cars_built_in_1957_or_before() -> None:
    assert Eligibility().refusal(1957) is None
    assert Eligibility().refusal(1900) is None
    assert Eligibility().refusal(1958) == "built in 1958, after 1957, the latest year this event accepts"
    window = Eligibility(latest_year=1939, earliest_year=1927)
    assert window.refusal(1927) is None and window.refusal(1939) is None
    assert window.refusal(1926) == "built in 1926, before 1927, the earliest year this event accepts"


def day(number: int, *names: str) -> Day:
    return Day(
        number=number,
        date=dt.date(2026, 4, 25 + number),
        title=f"Day {number}",
        route=f"day{number}.gpx",
        first_start=dt.time(8, 0),
        start_interval_s=60,
        controls=tuple(
            Control(name=n, kind=ControlKind.PASSAGE_CONTROL, km=Decimal(i)) for i, n in enumerate(names)
        ),
    )


def test_a_control_is_found_by_name_with_its_day() -> None:
    event = Event(
        slug="cm",
        name="California Mille",
        timezone="America/Los_Angeles",
        rules="tour",
        days=(day(1, "S1", "PC1"), day(2, "S2", "PC2")),
    )
    found_day, control = event.control("PC2")
    assert (found_day.number, control.name, control.km) == (2, "PC2", Decimal(1))
    assert event.control_names == ["S1", "PC1", "S2", "PC2"]
    with pytest.raises(KeyError):
        event.control("PC9")
    assert event.eligibility == Eligibility()
