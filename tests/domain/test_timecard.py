"""Time cards: the ideal time of every control, and each car's due instants."""

from __future__ import annotations

from decimal import Decimal

from miglia.domain.timecard import travel_us

D = Decimal


def test_travel_time_at_an_average_speed_in_whole_microseconds():
    assert travel_us(D(40), D(40)) == 3_600_000_000
    assert travel_us(D("0.3"), D(54)) == 20_000_000
