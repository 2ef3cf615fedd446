import numpy as np
import pytest
from pyproj import Geod

from miglia.geo import GeoError, Route
from tests.geo.geo_synth import route_xy, to_latlon

GEOD = Geod(ellps="WGS84")


def test_chainage_is_cumulative_geodesic_length():
    lat = np.array([45.0, 45.01, 45.01, 45.02])
    lon = np.array([7.0, 7.0, 7.02, 7.02])
    r = Route.from_latlon(lat, lon)
    _, _, d = GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    np.testing.assert_allclose(r.chainage_m, np.concatenate([[0], np.cumsum(d)]), rtol=0, atol=1e-9)
    assert r.length_m == pytest.approx(float(np.sum(d)), abs=1e-9)
    # 0.01 degree of latitude at 45 N is 1111.32 m along the meridian (WGS84).
    assert r.chainage_m[1] == pytest.approx(1111.319, abs=0.01)


def test_point_at_and_bearing_scalar_and_vector():
    r = Route.from_latlon([45.0, 45.01, 45.01], [7.0, 7.0, 7.02])
    assert r.point_at(0.0) == (45.0, 7.0)
    assert r.point_at(r.length_m) == pytest.approx((45.01, 7.02), abs=1e-12)
    lat, lon = r.point_at(r.chainage_m[1] / 2)
    assert (lat, lon) == pytest.approx((45.005, 7.0), abs=1e-12)
    lat_v, lon_v = r.point_at(np.array([0.0, r.chainage_m[1], r.length_m]))
    np.testing.assert_allclose(lon_v, [7.0, 7.0, 7.02], atol=1e-12)
    np.testing.assert_allclose(lat_v, [45.0, 45.01, 45.01], atol=1e-12)
    assert r.bearing_at(10.0) == pytest.approx(0.0, abs=1e-9)  # north
    assert r.bearing_at(r.chainage_m[1] + 1) == pytest.approx(90.0, abs=0.01)  # east
    np.testing.assert_allclose(r.bearing_at(np.array([10.0, r.length_m])), [0.0, 90.0], atol=0.01)


def test_from_segments_joins_with_a_connector_and_drops_repeats():
    a = ([45.0, 45.0, 45.001], [7.0, 7.0, 7.0])
    b = ([45.002, 45.003], [7.0, 7.0])
    r = Route.from_segments([a, b])
    assert r.lat.size == 4  # the repeated first vertex is dropped
    whole = Route.from_latlon([45.0, 45.001, 45.002, 45.003], [7.0] * 4)
    assert r.length_m == pytest.approx(whole.length_m, abs=1e-9)


@pytest.mark.parametrize(
    ("lat", "lon", "message"),
    [
        ([45.0], [7.0], "at least 2 distinct points"),
        ([45.0, 45.0], [7.0, 7.0], "at least 2 distinct points"),
        ([45.0, np.nan], [7.0, 7.1], "lat[1] is not a finite number"),
        ([45.0, 95.0], [7.0, 7.1], "lat[1] = 95.0 is outside"),
        ([45.0, 45.1], [7.0], "differ in length"),
    ],
)
def test_bad_routes_raise_geoerror(lat, lon, message):
    with pytest.raises(GeoError, match=message.replace("[", r"\[").replace("]", r"\]")):
        Route.from_latlon(lat, lon)


def test_chainage_out_of_route_raises():
    r = route_xy(np.array([0.0, 100.0]), np.zeros(2))
    with pytest.raises(GeoError, match=r"chainage 150\.0 m is outside the route"):
        r.point_at(150.0)


def test_long_route_local_scale_error_below_0_1_percent():
    """1,600 km north-south: the index's per-segment local planes keep chainage within 0.1 %."""
    from miglia.geo.chainage import locate
    from miglia.geo.track import Track

    lat = np.linspace(38.0, 52.0, 2001)
    lon = 7.0 + 3.0 * np.sin(np.linspace(0, 6, 2001))
    r = Route.from_latlon(lat, lon)
    assert r.length_m > 1_500_000
    c = np.linspace(0, r.length_m, 5001)
    plat, plon = r.point_at(c)
    res = locate(r, Track(np.arange(c.size, dtype=np.int64) * 10**9, plat, plon))
    err = np.abs(res.chainage_m - c)
    assert err.max() < 0.05  # metres: points on the route land on their own chainage
    assert res.offset_m.max() < 0.05
    # Against pyproj on the segments: equal at vertices by construction.
    np.testing.assert_allclose(res.chainage_m[:: 5000 // 5], c[:: 5000 // 5], atol=0.05)
    _ = to_latlon
