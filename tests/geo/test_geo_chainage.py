import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer

from miglia.formats.trackfiles import read_route, read_track
from miglia.geo import GeoError, Route, Track
from miglia.geo.chainage import locate
from tests.geo.geo_synth import T0, drive, figure_eight, loop, out_and_back, real_file, route_xy, to_latlon

STRAIGHT = route_xy(np.array([0.0, 1000.0, 2000.0]), np.zeros(3))


def test_parallel_track_gets_foot_chainage_and_offset():
    east = np.array([0.0, 250.0, 999.0, 1500.0, 2000.0])
    lat, lon = to_latlon(east, np.full(5, 10.0))
    res = locate(STRAIGHT, Track(T0 + np.arange(5) * 60 * 10**6, lat, lon))
    np.testing.assert_allclose(res.chainage_m, east * STRAIGHT.length_m / 2000.0, atol=0.01)
    np.testing.assert_allclose(res.offset_m, 10.0, atol=0.01)
    assert res.on_route.all() and not res.outlier.any()


def test_fix_beyond_reach_is_off_route_with_its_distance():
    lat, lon = to_latlon(np.array([100.0, 120.0, 1000.0]), np.array([0.0, 0.0, 1000.0]))
    res = locate(STRAIGHT, Track(T0 + np.arange(3) * 60 * 10**6, lat, lon))
    assert np.isnan(res.chainage_m[2]) and not res.on_route[2]
    assert res.offset_m[2] == pytest.approx(1000.0, rel=0.005)
    assert res.chainage_m[1] == pytest.approx(120.0, abs=0.05)


def test_out_and_back_follows_the_car_not_the_nearest_pass():
    r = out_and_back()
    c = np.linspace(0, r.length_m, 400)
    res = locate(r, drive(r, c))
    # Each fix is on the road it drives; a nearest-pass answer would jump between the two passes.
    np.testing.assert_allclose(res.chainage_m, c, atol=0.5)


def test_out_and_back_with_15_s_sampling_and_noise():
    r = out_and_back(length_m=6000.0)
    c = np.arange(0, r.length_m, 15 * 14.0)  # 50 km/h, one fix every 15 s
    tr = drive(r, c, dt_s=15.0)
    rng = np.random.default_rng(3)
    noisy = Track(tr.t_us, tr.lat + rng.normal(0, 3e-5, c.size), tr.lon + rng.normal(0, 4e-5, c.size))
    res = locate(r, noisy)
    assert np.abs(res.chainage_m - c).max() < 15.0


def test_figure_of_eight_through_the_crossing():
    r = figure_eight()
    c = np.linspace(0, r.length_m, 300)
    res = locate(r, drive(r, c))
    np.testing.assert_allclose(res.chainage_m, c, atol=0.5)
    assert (np.diff(res.chainage_m) > 0).all()


def test_loop_starts_at_zero_and_finishes_at_length():
    r = loop()
    c = np.concatenate([np.zeros(30), np.linspace(0, r.length_m, 300), np.full(30, r.length_m)])
    res = locate(r, drive(r, c))
    assert res.chainage_m[0] == pytest.approx(0.0, abs=0.5)
    assert res.chainage_m[-1] == pytest.approx(r.length_m, abs=0.5)
    np.testing.assert_allclose(res.chainage_m, c, atol=0.5)


def test_multipath_spike_is_flagged_and_makes_no_jump():
    c = np.linspace(0, 1000, 101)  # 10 m/s at 1 Hz
    tr = drive(STRAIGHT, c)
    lat = tr.lat.copy()
    lon = tr.lon.copy()
    lon[50] += 0.004  # ~315 m east along the road, then back: impossible speed
    res = locate(STRAIGHT, Track(tr.t_us, lat, lon))
    assert res.outlier.tolist() == [k == 50 for k in range(101)]
    assert np.isnan(res.chainage_m[50])
    ok = np.isfinite(res.chainage_m)
    assert (np.diff(res.chainage_m[ok]) < 25).all()


def test_out_of_order_and_duplicates_give_the_sorted_result():
    c = np.linspace(0, 1500, 50)
    tr = drive(STRAIGHT, c)
    rng = np.random.default_rng(0)
    order = rng.permutation(50)
    dup = np.concatenate([order, [7, 7]])
    lat = np.concatenate([tr.lat[order], [0.0, 0.0]])  # duplicates of fix 7 at another place: dropped
    shuffled = Track(tr.t_us[dup], lat, np.concatenate([tr.lon[order], [0.0, 0.0]]))
    res = locate(STRAIGHT, shuffled)
    np.testing.assert_array_equal(res.track.t_us, tr.t_us)
    np.testing.assert_allclose(res.chainage_m, locate(STRAIGHT, tr).chainage_m, atol=0)


@settings(max_examples=25, deadline=None)
@given(st.permutations(list(range(40))))
def test_permutation_of_fixes_does_not_change_chainage(perm):
    r = out_and_back(1000.0)
    c = np.linspace(0, r.length_m, 40)
    tr = drive(r, c, dt_s=3.0)
    p = np.array(perm)
    res = locate(r, Track(tr.t_us[p], tr.lat[p], tr.lon[p]))
    np.testing.assert_allclose(res.chainage_m, c, atol=0.5)


def test_empty_track_raises():
    with pytest.raises(GeoError, match="has 0 fix"):
        locate(STRAIGHT, Track(np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0), "empty.csv"))


def test_agrees_with_shapely_line_locate_point():
    """Winding, non-self-intersecting route: shapely in an azimuthal equidistant plane as the reference."""
    s = np.linspace(0, 1, 300)
    east, north = 8000 * s, 600 * np.sin(9 * s) + 300 * np.sin(31 * s)
    r = route_xy(east, north)
    rng = np.random.default_rng(5)
    c = np.sort(rng.uniform(0, r.length_m, 2000))
    tr = drive(r, c)
    lat = tr.lat + rng.normal(0, 1e-4, c.size)
    lon = tr.lon + rng.normal(0, 1.4e-4, c.size)
    res = locate(r, Track(tr.t_us, lat, lon))
    aeqd = f"+proj=aeqd +lat_0={r.lat.mean()} +lon_0={r.lon.mean()} +ellps=WGS84"
    t = Transformer.from_crs("EPSG:4326", aeqd, always_xy=True)
    line = shapely.linestrings(*t.transform(r.lon, r.lat))
    pts = shapely.points(*t.transform(lon, lat))
    ref_c = shapely.line_locate_point(line, pts)
    ref_o = shapely.distance(line, pts)
    ok = res.on_route
    assert ok.mean() > 0.99
    # Within 0.1 % of the chainage + 0.5 m (noise of 11 m may pick another foot on a tight bend: rare).
    good = np.abs(res.chainage_m[ok] - ref_c[ok]) <= 0.001 * ref_c[ok] + 0.5
    assert good.mean() > 0.995
    # Offsets agree to 0.1 m (on tight bends the walk to the nearest segment may stop at a local minimum).
    np.testing.assert_allclose(res.offset_m, ref_o, atol=0.1)
    assert np.median(np.abs(res.offset_m - ref_o)) < 0.001


def test_real_limerick_bus_decimated_and_perturbed():
    path = real_file("limerick-bus-304-2019-02-18.gpx")
    route = read_route(path)
    track = read_track(path)
    rng = np.random.default_rng(11)
    k = np.arange(0, len(track), 5)
    lat = track.lat[k] + rng.normal(0, 4e-5, k.size)  # ~4.5 m
    lon = track.lon[k] + rng.normal(0, 6e-5, k.size)
    res = locate(route, Track(track.t_us[k], lat, lon))
    c = res.chainage_m
    assert res.on_route.mean() > 0.99
    back = np.diff(c[res.on_route])
    # Monotone up to noise: the bus idles at stops, where the recorded route itself jitters.
    assert back.min() > -50.0
    assert (back < -10.0).mean() < 0.02
    assert np.nanpercentile(res.offset_m, 99) < 20.0
    assert c[res.on_route][-1] == pytest.approx(route.length_m, abs=60.0)
    # The route's own vertices lie on it; where the recorded route tangles at a stop the walk may stop at
    # a local nearest segment up to ~15 m off (documented limitation).
    exact = locate(route, track)
    assert (exact.offset_m < 1e-6).mean() > 0.95
    assert exact.offset_m.max() < 20.0


def test_route_index_reach_parameter():
    from miglia.geo.index import RouteIndex

    idx = RouteIndex.build(STRAIGHT, reach_m=30.0)
    lat, lon = to_latlon(np.array([500.0, 500.0]), np.array([25.0, 35.0]))
    res = locate(idx, Track(T0 + np.arange(2) * 10**9, lat, lon))
    assert res.on_route.tolist() == [True, False]
    assert res.offset_m == pytest.approx([25.0, 35.0], abs=0.05)
    _ = Route
