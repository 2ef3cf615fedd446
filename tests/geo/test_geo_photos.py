"""Which cars a photo shows, from the cars' tracks: worked example, generated rallies, camera clocks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from miglia.geo.common import GeoError, m_per_deg_lat, m_per_deg_lon
from miglia.geo.photos import Fleet, clock_offset, sightings

LAT0, LON0 = 38.3, -122.5
S = 1_000_000


def road(
    starts_s: list[float], speeds: list[float], seconds: int = 900
) -> list[tuple[int, np.ndarray, np.ndarray, np.ndarray]]:
    """Cars 1, 2, ... driving north on one road from its start, each from its start time, one fix a second."""
    t = np.arange(seconds)
    return [
        (
            car,
            t * S,
            LAT0 + np.clip((t - start) * speed, 0, None) / m_per_deg_lat(LAT0),
            np.full(seconds, LON0),
        )
        for car, (start, speed) in enumerate(zip(starts_s, speeds, strict=True), start=1)
    ]


def spot(north_m: float, east_m: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    return np.array([LAT0 + north_m / m_per_deg_lat(LAT0)]), np.array([LON0 + east_m / m_per_deg_lon(LAT0)])


def test_the_car_at_the_spot_when_the_shutter_clicked_is_the_one_shown() -> None:
    """Five cars 30 s apart at 20 m/s; a photo 5 m beside the road at 2,800 m, at 200 s: car 3 is there
    ((200 - 60) x 20 = 2,800 m); cars 2 and 4 pass the spot 30 s earlier and later, cars 1 and 5 60 s (each
    with a fix abreast of the spot, 5 m away)."""
    fleet = Fleet.build(road([0, 30, 60, 90, 120], [20.0] * 5))
    lat, lon = spot(2800.0, 5.0)
    seen = sightings(fleet, np.array([200 * S]), lat, lon)
    assert seen.first.tolist() == [0, 5]
    assert seen.car.tolist() == [3, 2, 4, 1, 5]
    assert seen.distance_m.round(2).tolist() == [5.0] * 5
    assert seen.delta_s.tolist() == [0.0, -30.0, 30.0, -60.0, 60.0]
    best, clear = seen.best()
    assert best.tolist() == [3] and clear.tolist() == [True]


def test_a_photo_where_no_car_passed_sees_none() -> None:
    fleet = Fleet.build(road([0], [20.0]))
    lat, lon = spot(500.0, 200.0)  # 200 m off the road
    seen = sightings(fleet, np.array([30 * S]), lat, lon)
    assert seen.first.tolist() == [0, 0]
    best, clear = seen.best()
    assert best.tolist() == [-1] and clear.tolist() == [False]


@st.composite
def rallies(draw: st.DrawFn) -> tuple[list[float], list[float], int, float, float]:
    n = draw(st.integers(2, 8))
    gaps = [draw(st.floats(10.0, 60.0)) for _ in range(n)]
    starts = list(np.cumsum(gaps) - gaps[0])
    speeds = [draw(st.floats(10.0, 30.0)) for _ in range(n)]
    car = draw(st.integers(1, n))
    at_s = draw(st.floats(starts[car - 1] + 5, 800.0))
    beside = draw(st.floats(-15.0, 15.0))
    return starts, speeds, car, at_s, beside


@given(rallies())
@settings(max_examples=80, deadline=None)
def test_a_photo_placed_on_a_cars_track_at_its_time_is_matched_to_that_car(
    rally: tuple[list[float], list[float], int, float, float],
) -> None:
    starts, speeds, car, at_s, beside = rally
    fleet = Fleet.build(road(starts, speeds))
    t = round(at_s) * S  # a fix's second: the car's position there is exact
    north = (t / S - starts[car - 1]) * speeds[car - 1]
    lat, lon = spot(north, beside)
    best, clear = sightings(fleet, np.array([t]), lat, lon).best()
    # never the wrong car as clear; the right one clear unless another was within seconds of it there
    assert best[0] == car or not clear[0]
    others = [
        (north / speeds[k] + starts[k])
        for k in range(len(starts))
        if k != car - 1 and north / speeds[k] + starts[k] < 900
    ]
    if all(abs(o - t / S) >= 5.0 for o in others):
        assert best[0] == car and clear[0]


def test_two_cars_passing_within_a_second_go_to_review_not_to_a_guess() -> None:
    fleet = Fleet.build(road([0, 1], [20.0, 20.0]))
    lat, lon = spot(1000.0)
    best, clear = sightings(fleet, np.array([50 * S]), lat, lon).best()
    assert best[0] in (1, 2) and not clear[0]


@given(st.integers(-600, 600), st.integers(0, 2**32 - 1))
@settings(max_examples=25, deadline=None)
def test_a_camera_clock_offset_is_recovered_within_2_s_from_20_photos(offset_s: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    starts = list(np.arange(40) * 30.0)
    speeds = rng.uniform(17.0, 23.0, 40)  # each crew drives its own pace around the set average
    fleet = Fleet.build(road(starts, list(speeds), seconds=3600))
    cars = rng.integers(0, 40, 20)
    times = np.array([starts[c] for c in cars]) + rng.uniform(30, 2000, 20).round()
    norths = (times - np.array([starts[c] for c in cars])) * speeds[cars]
    lat = LAT0 + norths / m_per_deg_lat(LAT0)
    lon = np.full(20, LON0)
    camera = ((times - offset_s) * S).astype(np.int64)  # the camera's clock is offset_s behind
    found, agreeing = clock_offset(fleet, camera, lat, lon, search_s=900.0)
    assert found is not None and abs(found - offset_s) <= 2.0
    assert agreeing == 20


def test_a_fleet_driving_one_schedule_cannot_tell_offsets_a_start_interval_apart_and_takes_the_smallest() -> (
    None
):
    fleet = Fleet.build(road(list(np.arange(20) * 30.0), [20.0] * 20, seconds=1200))
    times = np.array([100.0, 250.0, 400.0])
    lat = LAT0 + (times * 20.0) / m_per_deg_lat(LAT0)  # car 1's spots, at car 1's times, taken 40 s late
    found, agreeing = clock_offset(fleet, ((times + 40.0) * S).astype(np.int64), lat, np.full(3, LON0))
    assert (found, agreeing) == (-10.0, 3)  # car 2 was at each spot 30 s after car 1: -40 + 30 wins


def test_bad_input_is_refused_with_what_is_wrong() -> None:
    with pytest.raises(GeoError, match="at least one car"):
        Fleet.build([])
    fleet = Fleet.build(road([0], [20.0]))
    with pytest.raises(GeoError, match="as many times as positions"):
        sightings(fleet, np.array([1, 2]), np.array([LAT0]), np.array([LON0]))
    with pytest.raises(GeoError, match="larger than the fleet's cells"):
        sightings(fleet, np.array([1]), np.array([LAT0]), np.array([LON0]), radius_m=80.0)


@settings(max_examples=60, deadline=None)
@given(
    cells=st.lists(st.integers(0, 2**20), min_size=1, max_size=300),
    seed=st.integers(0, 2**32 - 1),
    span_bits=st.sampled_from([1, 20, 36, 45]),
)
def test_fixes_are_ordered_by_cell_then_time_whichever_sort_is_used(
    cells: list[int], seed: int, span_bits: int
) -> None:
    """The combined key (and the lexsort it falls back to when cell and time do not fit 63 bits) orders
    the fixes by cell, then time."""
    from miglia.geo.photos import _by_cell_then_time

    cell = np.asarray(cells, dtype=np.int64)
    t_us = 1_778_000_000_000_000 + np.random.default_rng(seed).integers(0, 2**span_bits, cell.size)
    order = _by_cell_then_time(cell, t_us)
    assert sorted(order.tolist()) == list(range(cell.size))
    pairs = list(zip(cell[order].tolist(), t_us[order].tolist(), strict=True))
    assert pairs == sorted(pairs)
