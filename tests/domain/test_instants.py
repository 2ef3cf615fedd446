"""Time in microseconds UTC: the constants, datetimes, local times of day, durations, naive times refused."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from miglia.domain.errors import InvalidInput
from miglia.domain.instants import (
    EPOCH,
    NO_ZONE,
    US_PER_HOUR,
    US_PER_MIN,
    US_PER_S,
    datetime_to_us,
    format_duration,
    format_local,
    is_naive,
    local_to_utc_us,
    seconds_to_us,
    us_to_datetime,
    us_to_local,
    zone,
)

# 2027-05-01T06:31:04Z, worked out apart from Miglia: 1_809_153_064 s after the epoch.
MAY_DAY_US = 1_809_153_064 * 1_000_000


def test_the_units() -> None:
    assert (US_PER_S, US_PER_MIN, US_PER_HOUR) == (1_000_000, 60_000_000, 3_600_000_000)
    assert dt.datetime(1970, 1, 1, tzinfo=dt.UTC) == EPOCH


def test_an_aware_datetime_is_its_exact_microseconds_whatever_its_zone() -> None:
    assert datetime_to_us(dt.datetime(2027, 5, 1, 6, 31, 4, 250_000, tzinfo=dt.UTC)) == MAY_DAY_US + 250_000
    rome = dt.timezone(dt.timedelta(hours=2))
    assert datetime_to_us(dt.datetime(2027, 5, 1, 8, 31, 4, 250_000, tzinfo=rome)) == MAY_DAY_US + 250_000
    assert datetime_to_us(dt.datetime(1969, 12, 31, 23, 59, 59, 999_999, tzinfo=dt.UTC)) == -1
    assert datetime_to_us(EPOCH) == 0


def test_a_naive_datetime_is_refused_naming_the_field() -> None:
    naive = dt.datetime(2027, 5, 1, 8, 31, 4)
    assert is_naive(naive) and not is_naive(naive.replace(tzinfo=dt.UTC))
    with pytest.raises(InvalidInput) as info:
        datetime_to_us(naive)
    assert str(info.value) == f"time: datetime = '2027-05-01T08:31:04': {NO_ZONE}"
    with pytest.raises(InvalidInput) as info:
        datetime_to_us(naive, where="passage 7", field="taken_at")
    assert (info.value.where, info.value.field, info.value.problem) == ("passage 7", "taken_at", NO_ZONE)
    assert NO_ZONE == "a time without a zone is ambiguous; add Z or an offset"


@given(st.integers(min_value=-62_135_596_800 * 10**6, max_value=253_402_300_799_999_999))  # years 1 to 9999
def test_microseconds_to_datetime_and_back_is_exact(instant_us: int) -> None:
    moment = us_to_datetime(instant_us)
    assert moment.utcoffset() == dt.timedelta(0)
    assert datetime_to_us(moment) == instant_us


@given(
    st.datetimes(max_value=dt.datetime(9999, 12, 30), timezones=st.just(dt.timezone(dt.timedelta(hours=-7))))
)
def test_a_datetime_to_microseconds_and_back_is_the_same_instant(moment: dt.datetime) -> None:
    assert us_to_datetime(datetime_to_us(moment)) == moment


def test_seconds_are_rounded_half_up_to_the_microsecond() -> None:
    assert seconds_to_us(Decimal("21.00")) == 21_000_000
    assert seconds_to_us(Decimal("3600")) == 3_600_000_000
    assert seconds_to_us(Decimal("0.0000005")) == 1
    assert seconds_to_us(Decimal("0.0000004999")) == 0


def test_an_unknown_time_zone_is_refused_naming_the_event_field() -> None:
    assert zone("Europe/Rome").key == "Europe/Rome"
    with pytest.raises(InvalidInput) as info:
        zone("Mars/Olympus_Mons")
    assert str(info.value) == (
        "event: timezone = 'Mars/Olympus_Mons': unknown time zone; use an IANA name such as Europe/Rome"
    )


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


def test_a_local_time_repeated_when_clocks_go_back_is_its_first_occurrence() -> None:
    # 2027-10-31 in Rome: 02:30 happens twice; the first is still summer time (+02:00): 00:30Z.
    assert local_to_utc_us(dt.date(2027, 10, 31), dt.time(2, 30), "Europe/Rome") == 1_824_942_600 * US_PER_S


def test_an_instant_as_the_local_time_crews_read() -> None:
    instant = MAY_DAY_US + 259_999  # 06:31:04.259999Z, 08:31:04.259999 in Rome
    local = us_to_local(instant, "Europe/Rome")
    assert (local.hour, local.minute, local.second, local.microsecond) == (8, 31, 4, 259_999)
    assert local.utcoffset() == dt.timedelta(hours=2)
    assert format_local(instant, "Europe/Rome") == "08:31:04.25"  # truncated, never rounded up
    assert format_local(instant, "Europe/Rome", places=0) == "08:31:04"
    assert format_local(instant, "America/Los_Angeles", places=3) == "23:31:04.259"


@pytest.mark.parametrize(
    ("us", "places", "text"),
    [
        (370_000, 2, "0.37 s"),
        (-370_000, 2, "-0.37 s"),
        (379_999, 2, "0.37 s"),
        (65_200_000, 2, "1 min 05.20 s"),
        (120_000_000, 2, "2 min 00.00 s"),
        (65_200_000, 0, "1 min 05 s"),
        (1_234_567, 6, "1.234567 s"),
        (0, 2, "0.00 s"),
    ],
)
def test_durations_for_a_person_are_truncated(us: int, places: int, text: str) -> None:
    assert format_duration(us, places) == text
