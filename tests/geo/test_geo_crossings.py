import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from miglia.formats.trackfiles import read_route, read_track
from miglia.geo import NO_TIME, GeoError, Route, Track
from miglia.geo.chainage import locate
from miglia.geo.common import m_per_deg_lat
from miglia.geo.crossings import LineSet, TimingLine, find_crossings, find_crossings_many, passages
from miglia.geo.pipeline import time_track
from miglia.geo.tsd import actual_instant_us
from tests.geo.geo_synth import (
    LAT0,
    LON0,
    T0,
    drive,
    figure_eight,
    out_and_back,
    real_file,
    route_xy,
    to_latlon,
)

# A car driving north along a meridian at 0.0001 degree of latitude per second (~11.1 m/s).
V_DEG_S = 1e-4


def north_track(n: int = 100, dt_s: float = 1.0, t0: int = T0) -> Track:
    t = t0 + np.round(np.arange(n) * dt_s * 1e6).astype(np.int64)
    return Track(t, LAT0 + V_DEG_S * dt_s * np.arange(n), np.full(n, LON0))


def east_west_line(lat: float, direction: int = 0) -> TimingLine:
    """P1 west, P2 east: a car going north crosses it forward (P1 on the driver's left)."""
    return TimingLine(lat, LON0 - 0.0003, lat, LON0 + 0.0003, direction)


def test_crossing_instant_to_the_hundredth():
    # Line at 12.34567 s of travel: between fixes 12 and 13, rounded to 12.35 s.
    line = east_west_line(LAT0 + V_DEG_S * 12.34567)
    found = find_crossings(north_track(), [line])
    assert found.t_us.tolist() == [T0 + 12_350_000]
    assert found.forward.tolist() == [True]
    assert found.fix.tolist() == [12] and found.gap_us.tolist() == [1_000_000]
    # 12.344 s rounds down, 12.345 s (a half) up.
    assert find_crossings(north_track(), [east_west_line(LAT0 + V_DEG_S * 12.344)]).t_us[0] == T0 + 12_340_000


def test_direction_convention_and_reversed_track():
    lat = LAT0 + V_DEG_S * 40.5
    fwd, back, either = east_west_line(lat, 1), east_west_line(lat, -1), east_west_line(lat, 0)
    tr = north_track()
    assert passages(find_crossings(tr, [fwd, back, either]), [fwd, back, either]).tolist() == [
        T0 + 40_500_000,
        NO_TIME,
        T0 + 40_500_000,
    ]
    rev = tr.reversed_in_space()  # drives south: 99 - 40.5 = 58.5 s after the start
    assert passages(find_crossings(rev, [fwd, back, either]), [fwd, back, either]).tolist() == [
        NO_TIME,
        T0 + 58_500_000,
        T0 + 58_500_000,
    ]


def test_across_route_points_left_then_right_and_takes_route_direction():
    r = route_xy(np.zeros(3), np.array([0.0, 500.0, 1000.0]))  # northwards
    line = TimingLine.across_route(r, 250.0, half_width_m=25.0)
    assert line.direction == 1
    assert line.lon1 < LON0 < line.lon2  # P1 west = driver's left
    assert line.lat1 == pytest.approx(line.lat2, abs=1e-9)
    lat_mid = r.point_at(250.0)[0]
    assert 0.5 * (line.lat1 + line.lat2) == pytest.approx(lat_mid, abs=1e-9)
    width = (line.lon2 - line.lon1) * 78846.8  # m per degree of longitude at 45 N
    assert width == pytest.approx(50.0, abs=0.05)
    reverse = TimingLine(line.lat2, line.lon2, line.lat1, line.lon1)
    assert reverse.with_route_direction(r).direction == -1
    assert line.with_route_direction(r).direction == 1
    with pytest.raises(GeoError, match="does not cross the route"):
        east_west_line(LAT0 + 1.0).with_route_direction(r)


def test_jitter_back_and_forth_keeps_all_crossings_and_first_forward_passage():
    # Creeping to the line, over it, back, over again (a car stopped on the line with GPS jitter).
    y = np.array([-20, -10, -2, 1.5, -1.0, 2.0, -0.5, 3.0, 10.0, 20.0])
    lat, lon = to_latlon(np.zeros(y.size), y)
    tr = Track(T0 + np.arange(y.size) * 1_000_000, lat, lon)
    line = TimingLine(LAT0, LON0 - 0.0003, LAT0, LON0 + 0.0003, 1)
    found = find_crossings(tr, [line])
    assert found.forward.tolist() == [True, False, True, False, True]
    assert found.fix.tolist() == [2, 3, 4, 5, 6]
    # First forward: between fix 2 (-2 m) and 3 (+1.5 m): 2 + 2/3.5 s = 2.571 s -> 2.57 s.
    assert passages(found, [line]).tolist() == [T0 + 2_570_000]


def test_multipath_spike_across_the_line_makes_no_crossing():
    tr = north_track(60)
    lat = tr.lat.copy()
    lat[20] += 0.003  # one fix 330 m ahead, beyond the line, then back
    line = east_west_line(LAT0 + V_DEG_S * 40.25, 1)
    found = find_crossings(Track(tr.t_us, lat, tr.lon), [line])
    assert found.t_us.tolist() == [T0 + 40_250_000]


def test_sparse_15_s_sampling_same_answer_as_1_hz():
    line = east_west_line(LAT0 + V_DEG_S * 123.456, 1)
    dense = find_crossings(north_track(400), [line])
    sparse = find_crossings(north_track(27, dt_s=15.0), [line])
    assert dense.t_us.tolist() == sparse.t_us.tolist() == [T0 + 123_460_000]
    assert sparse.gap_us.tolist() == [15_000_000]


def test_out_and_back_line_crossed_twice_in_opposite_directions():
    r = out_and_back(2000.0, gap_m=8.0)
    c = np.linspace(0, r.length_m, 801)  # ~5 m per second
    tr = drive(r, c)
    line = TimingLine.across_route(r, 500.0, half_width_m=15.0)  # spans both carriageways
    found = find_crossings(tr, [line])
    assert found.forward.tolist() == [True, False]
    # The way back crosses at chainage L - 500 (the line is perpendicular at x = 500 m).
    second = actual_instant_us(locate(r, tr), [r.length_m - 500.0])[0]
    assert abs(found.t_us[1] - second) <= 10_000
    assert passages(found, [line])[0] == found.t_us[0]


def test_figure_eight_line_at_the_crossing_point():
    r = figure_eight()
    tr = drive(r, np.linspace(0, r.length_m, 600))
    line = TimingLine.across_route(r, r.length_m / 2 - 1.0)  # just before the middle of the eight
    found = find_crossings(tr, [line])
    assert found.forward[0] and len(found) >= 1
    assert passages(found, [line])[0] == actual_instant_us(locate(r, tr), [r.length_m / 2 - 1.0])[0]


def test_batch_of_lines_equals_one_by_one_and_many_tracks():
    r = route_xy(np.linspace(0, 5000, 51), 200 * np.sin(np.linspace(0, 3, 51)))
    rng = np.random.default_rng(1)
    lines = [TimingLine.across_route(r, float(c)) for c in np.sort(rng.uniform(10, r.length_m - 10, 40))]
    tracks = [drive(r, np.linspace(0, r.length_m, n)) for n in (300, 700, 90)]
    together = find_crossings_many(tracks, LineSet.build(lines))
    for tr, res in zip(tracks, together, strict=True):
        alone = [find_crossings(tr, [ln]).t_us.tolist() for ln in lines]
        assert [res.t_us[res.line == k].tolist() for k in range(len(lines))] == alone
        assert (passages(res, lines) != NO_TIME).all()


def test_agrees_with_shapely_intersection():
    r = route_xy(np.linspace(0, 3000, 31), 150 * np.sin(np.linspace(0, 4, 31)))
    rng = np.random.default_rng(2)
    c = np.linspace(0, r.length_m, 250)
    tr = drive(r, c, dt_s=1.0)
    lat = tr.lat + rng.normal(0, 3e-5, c.size)
    lon = tr.lon + rng.normal(0, 4e-5, c.size)
    tr = Track(tr.t_us, lat, lon)
    lines = [TimingLine.across_route(r, float(x)) for x in np.linspace(100, r.length_m - 100, 25)]
    found = find_crossings(tr, lines)
    # Reference: shapely in a local plane (metres), each step against each line.
    ky, kx = m_per_deg_lat(LAT0), 78846.8
    px, py = (lon - LON0) * kx, (lat - LAT0) * ky
    steps = shapely.linestrings(
        np.stack([np.column_stack([px[:-1], py[:-1]]), np.column_stack([px[1:], py[1:]])], 1)
    )
    ref = []
    for k, ln in enumerate(lines):
        gate = shapely.linestrings(
            [[(ln.lon1 - LON0) * kx, (ln.lat1 - LAT0) * ky], [(ln.lon2 - LON0) * kx, (ln.lat2 - LAT0) * ky]]
        )
        hits = np.flatnonzero(shapely.intersects(steps, gate))
        for i in hits:
            p = shapely.intersection(steps[i], gate)
            f = np.hypot(shapely.get_x(p) - px[i], shapely.get_y(p) - py[i]) / np.hypot(
                px[i + 1] - px[i], py[i + 1] - py[i]
            )
            ref.append((k, round((tr.t_us[i] + f * 1e6) / 1e4) * 10_000))
    ours = list(zip(found.line.tolist(), found.t_us.tolist(), strict=True))
    assert len(ours) == len(ref) >= 25
    for (k1, t1), (k2, t2) in zip(ours, sorted(ref), strict=True):
        assert k1 == k2 and abs(t1 - t2) <= 10_000  # within one hundredth (rounding at a half)


def test_real_munich_drive_lines_at_known_chainages():
    path = real_file("munich-drive-x0001-015.json")
    track = read_track(path)
    route = read_route(path)  # the drive itself as the route
    assert len(track) == 80 and route.length_m > 5000
    at = np.array([500.0, 1234.5, 2000.0, 3333.3, route.length_m - 300])
    lines = [TimingLine.across_route(route, float(c), half_width_m=30.0) for c in at]
    got = passages(find_crossings(track, lines), lines)
    # The line passes through point_at(c), which lies on the step between the fixes around c.  Route
    # vertex v is the first of the fixes at one position (a stopped car repeats it): the step that
    # crosses leaves from the last of them.
    moved = np.ones(len(track), dtype=bool)
    moved[1:] = (np.diff(track.lat) != 0) | (np.diff(track.lon) != 0)
    first = np.flatnonzero(moved)
    assert track.is_clean and first.size == route.lat.size
    v = np.searchsorted(route.chainage_m, at, side="right") - 1
    f = (at - route.chainage_m[v]) / np.diff(route.chainage_m)[v]
    t0, t1 = track.t_us[first[v + 1] - 1], track.t_us[first[v + 1]]
    expected = np.floor((t0 + f * (t1 - t0)) / 1e4 + 0.5).astype(np.int64) * 10_000
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(actual_instant_us(locate(route, track), at), expected)


def test_time_track_pipeline_and_errors():
    r = route_xy(np.zeros(2), np.array([0.0, 2000.0]))
    ch, cr = time_track(r, [TimingLine.across_route(r, 1000.0)], north_track(150))
    assert np.isfinite(ch.chainage_m).all() and len(cr) == 1
    with pytest.raises(GeoError, match="needs at least 2"):
        find_crossings(north_track(1), [east_west_line(LAT0)])
    with pytest.raises(GeoError, match="no timing line"):
        LineSet.build([])
    with pytest.raises(GeoError, match="lat1 = 91"):
        TimingLine(91, 7, 45, 7)
    with pytest.raises(GeoError, match="two equal points"):
        TimingLine(45, 7, 45, 7)
    _ = Route


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.floats(-30, 30), min_size=3, max_size=30),
    st.lists(st.integers(1, 20_000_000), min_size=29, max_size=29),
)
def test_property_crossing_between_straddling_fixes_and_reversal_flips(north, gaps):
    y = np.array(north)
    lat, lon = to_latlon(np.linspace(-1, 1, y.size), y)
    t = T0 + np.concatenate([[0], np.cumsum(gaps[: y.size - 1])])
    tr = Track(t.astype(np.int64), lat, lon)
    line = TimingLine(LAT0, LON0 - 0.001, LAT0, LON0 + 0.001)
    found = find_crossings(tr, [line], max_speed_kmh=np.inf)
    i = found.fix
    assert ((found.t_us >= t[i] - 5_000) & (found.t_us <= t[i + 1] + 5_000)).all()
    assert (found.t_us % 10_000 == 0).all()
    left = lat > LAT0  # on the line counts as the right side
    expected_count = int(np.sum(left[:-1] != left[1:]))
    assert len(found) == expected_count
    rev = find_crossings(tr.reversed_in_space(), [line], max_speed_kmh=np.inf)
    assert sorted(rev.forward.tolist()) == sorted((~found.forward).tolist())
