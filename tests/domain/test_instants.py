"""Time in microseconds UTC: the constants, datetimes, local times of day, durations, naive times refused."""

from __future__ import annotations

import datetime as dt

import pytest

from miglia.domain.errors import InvalidInput
from miglia.domain.instants import local_to_utc_us


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
