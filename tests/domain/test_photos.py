"""The photo rules (domain/photos.py), worked by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from miglia.domain.errors import InvalidInput
from miglia.domain.event import Day, Event, Stop, StopKind
from miglia.domain.photos import (
    Candidate,
    PhotoStatus,
    camera_instant_us,
    check_offset,
    corrected_us,
    day_of,
    decide,
    stop_at,
)

TZ = "America/Los_Angeles"
LUNCH = Stop(kind=StopKind.LUNCH, name="Lunch", lat=38.5, lon=-122.5, km=Decimal(50))


def _event() -> Event:
    day = Day(
        number=1,
        date=dt.date(2026, 5, 14),
        title="D1",
        route="d1.gpx",
        first_start=dt.time(8),
        start_interval_s=60,
        stops=(LUNCH,),
    )
    day2 = Day(
        number=2,
        date=dt.date(2026, 5, 15),
        title="D2",
        route="d2.gpx",
        first_start=dt.time(8),
        start_interval_s=60,
    )
    return Event(slug="e", name="E", timezone=TZ, rules="tour", days=(day, day2))


def _c(n: int, t: float) -> Candidate:
    return Candidate(start_no=n, distance_m=3.0, delta_s=t)


def test_what_the_tracks_say() -> None:
    assert decide([_c(7, 0.4)], True, None, True).cars == (7,)
    assert decide([_c(7, 0.4), _c(8, 1.5)], False, None, True).status is PhotoStatus.REVIEW
    assert decide([], False, None, True).status is PhotoStatus.UNMATCHED
    assert decide([_c(7, 0.4)], True, None, False).status is PhotoStatus.NO_SPOT
    at_lunch = decide([_c(7, 0.4)], True, "Lunch", True)
    # at a stop even a clear car is left to a person
    assert (at_lunch.status, at_lunch.cars, at_lunch.stop) == (PhotoStatus.REVIEW, (), "Lunch")
    assert decide([], False, "Lunch", True).status is PhotoStatus.REVIEW


def test_the_cameras_time_in_its_own_zone_or_the_events() -> None:
    # 14 May 2026 10:00:00 in California (PDT, UTC-7) is 17:00:00 UTC
    utc_17 = 1_778_778_000_000_000
    assert camera_instant_us(dt.datetime(2026, 5, 14, 10), None, TZ) == utc_17
    assert camera_instant_us(dt.datetime(2026, 5, 14, 19), 120, TZ) == utc_17  # a camera set to Rome time
    assert corrected_us(utc_17, -200.5) == utc_17 - 200_500_000


def test_the_day_and_a_time_on_no_day_refused() -> None:
    event = _event()
    assert day_of(event, camera_instant_us(dt.datetime(2026, 5, 15, 23, 59), None, TZ), "a.jpg") == 2
    with pytest.raises(InvalidInput) as refused:
        day_of(event, camera_instant_us(dt.datetime(2019, 1, 1, 0, 0), None, TZ), "a.jpg")
    assert str(refused.value) == (
        "a.jpg: time = '2019-01-01 00:00:00': not on a day of the event (14 May 2026 to 15 May 2026); "
        "check the camera's date or give its clock offset"
    )


def test_offsets_and_stops() -> None:
    assert check_offset(-86_400) == -86_400
    with pytest.raises(InvalidInput, match="at most 24 h"):
        check_offset(86_401)
    event = _event()
    # 0.002 degrees of latitude is 222 m: inside the 250 m of a stop; 0.003 (333 m) is not
    assert stop_at(event, 1, 38.502, -122.5) == "Lunch"
    assert stop_at(event, 1, 38.503, -122.5) is None
    assert stop_at(event, 2, 38.5, -122.5) is None  # another day's stop
