"""`nearest`: live tracking's chainage, one fix or a small batch at a time, on the timing kernel's arrays."""

import numpy as np
import pytest

from miglia.geo import GeoError, Route, Track
from miglia.geo.chainage import TIE_M, Gauge, index_of, locate, nearest
from miglia.geo.index import RouteIndex
from miglia.geo.segments import project
from tests.geo.geo_synth import T0, drive, figure_eight, loop, out_and_back, route_xy, to_latlon

STRAIGHT = route_xy(np.array([0.0, 1000.0, 2000.0]), np.zeros(3))


def brute_force(route: Route, lat: float, lon: float) -> list[tuple[float, float]]:
    """Every segment's foot, the slow way: the reference for the nearest point and its runs."""
    table = index_of(route).table
    return [project(table, s, lat, lon)[:2] for s in range(table.shape[0])]


def test_on_one_pass_the_foot_is_the_timing_kernels_to_the_bit() -> None:
    s = np.linspace(0, 1, 300)
    r = route_xy(8000 * s, 600 * np.sin(9 * s) + 300 * np.sin(31 * s))
    rng = np.random.default_rng(5)
    tr = drive(r, np.sort(rng.uniform(0, r.length_m, 2000)))
    lat = tr.lat + rng.normal(0, 1e-4, tr.lat.size)  # ~11 m
    lon = tr.lon + rng.normal(0, 1.4e-4, tr.lon.size)
    timing = locate(r, Track(tr.t_us, lat, lon))
    live = nearest(r, lat, lon)
    fast = timing.offset_m + TIE_M < index_of(r).reach_m
    assert fast.mean() > 0.99
    np.testing.assert_array_equal(live.chainage_m[fast], timing.chainage_m[fast])
    np.testing.assert_array_equal(live.offset_m[fast], timing.offset_m[fast])


def test_far_from_the_route_the_nearest_point_of_every_segment() -> None:
    rng = np.random.default_rng(2)
    r = figure_eight()
    lat, lon = to_latlon(rng.uniform(-2000, 2000, 200), rng.uniform(-2000, 2000, 200))
    found = nearest(r, lat, lon)
    for i in range(lat.size):
        feet = brute_force(r, float(lat[i]), float(lon[i]))
        best = min(range(len(feet)), key=lambda s: feet[s][1])
        if found.offset_m[i] > index_of(r).reach_m:
            assert (found.chainage_m[i], found.offset_m[i]) == feet[best]
        assert found.offset_m[i] == pytest.approx(feet[best][1], abs=1e-9)
    beyond = found.offset_m > 200
    assert beyond.sum() > 100 and np.isfinite(found.chainage_m).all()
    far = index_of(r).far_offsets(lat[beyond], lon[beyond])  # what `locate` says of them
    np.testing.assert_allclose(found.offset_m[beyond], far, rtol=0, atol=1e-9)


def test_where_the_route_passes_twice_the_hint_chooses_the_pass() -> None:
    r = out_and_back(length_m=2000.0, gap_m=8.0)  # east along y = 0, back along y = 8
    lat, lon = to_latlon(np.array([500.0, 500.0, 1500.0]), np.array([4.0, 0.0, 4.0]))
    found = nearest(r, lat, lon)
    on_the_way_back = r.length_m - 500.0
    # Between the two roads: both passes are candidates, in route order.
    assert found.first.tolist()[:2] == [0, 2]
    assert found.pass_chainage_m[:2] == pytest.approx([500.0, on_the_way_back], abs=0.05)
    assert found.pick(0, 400.0)[0] == pytest.approx(500.0, abs=0.05)
    assert found.pick(0, on_the_way_back - 100)[0] == pytest.approx(on_the_way_back, abs=0.05)
    assert found.pick(0, 400.0)[1] == pytest.approx(4.0, abs=0.01)
    # On the outward road: the other road is 8 m away, within TIE_M, so it is a candidate too.
    assert found.pick(1) == pytest.approx((500.0, 0.0), abs=0.05)
    assert found.pick(1, on_the_way_back)[0] == pytest.approx(on_the_way_back, abs=0.05)
    # Without a hint, the nearest pass.
    assert found.pick(1, None) == (found.chainage_m[1], found.offset_m[1])


def test_one_pass_far_from_the_other_has_no_candidates_to_choose() -> None:
    r = out_and_back(length_m=2000.0, gap_m=200.0)
    lat, lon = to_latlon(np.array([500.0]), np.array([3.0]))
    found = nearest(r, lat, lon)
    assert found.first.tolist() == [0, 0]
    assert found.pick(0, r.length_m - 500.0) == pytest.approx((500.0, 3.0), abs=0.05)


def test_a_loop_s_start_is_its_finish_too() -> None:
    r = loop()
    lat, lon = to_latlon(np.array([0.0]), np.array([1.0]))
    found = nearest(r, lat, lon)
    assert found.pick(0, 10.0)[0] == pytest.approx(0.0, abs=0.05)
    assert found.pick(0, r.length_m - 10.0)[0] == pytest.approx(r.length_m, abs=0.05)


def test_dense_vertices_do_not_drag_the_car_back_to_its_hint() -> None:
    # A road with a vertex every 5 m: one pass, however many segments are within TIE_M of the fix.
    x = np.arange(0.0, 2001.0, 5.0)
    r = route_xy(x, np.zeros(x.size))
    lat, lon = to_latlon(np.array([1000.0, 1000.0]), np.array([10.0, 60.0]))
    found = nearest(r, lat, lon)
    assert found.first.tolist() == [0, 0, 0]  # both the fast path and the path over every segment
    for i, offset in enumerate((10.0, 60.0)):
        assert found.pick(i, 975.0) == pytest.approx((1000.0, offset), abs=0.05)


def test_a_batch_is_each_fix_on_its_own() -> None:
    r = figure_eight()
    rng = np.random.default_rng(9)
    lat, lon = to_latlon(rng.uniform(-400, 400, 500), rng.uniform(-200, 200, 500))
    batch = nearest(r, lat, lon)
    assert (np.diff(batch.first) > 0).any()  # near the crossing, candidates to choose from
    for i in range(lat.size):
        one = nearest(r, lat[i : i + 1], lon[i : i + 1])
        for hint in (None, 0.0, 700.0, r.length_m):
            assert batch.pick(i, hint) == one.pick(0, hint)


def test_gauge_and_reach() -> None:
    gauge = Gauge(STRAIGHT)
    assert gauge.length_m == STRAIGHT.length_m
    lat, lon = to_latlon(np.array([500.0]), np.array([25.0]))
    assert gauge.measure(lat.tolist(), lon.tolist()).pick(0) == nearest(STRAIGHT, lat, lon).pick(0)
    narrow = RouteIndex.build(STRAIGHT, reach_m=30.0)  # every fix beyond reach - TIE_M: over every segment
    assert nearest(narrow, lat, lon).pick(0) == pytest.approx((500.0 * STRAIGHT.length_m / 2000, 25.0))


def test_bad_input_is_refused_naming_it() -> None:
    with pytest.raises(GeoError, match=r"lat\[1\] is not a finite number"):
        nearest(STRAIGHT, [45.0, float("nan")], [7.0, 7.0])
    with pytest.raises(GeoError, match="lat and lon differ"):
        nearest(STRAIGHT, [45.0], [7.0, 7.0])
    with pytest.raises(GeoError, match="tie_m"):
        nearest(STRAIGHT, [45.0], [7.0], tie_m=-1.0)
    assert nearest(STRAIGHT, [], []).chainage_m.size == 0
    _ = T0
