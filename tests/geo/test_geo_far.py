"""Distance to the route of fixes beyond the corridor: the bucket search against brute force and shapely."""

import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer

from miglia.geo.buckets import SegmentBuckets
from miglia.geo.chainage import index_of
from miglia.geo.segments import offsets
from tests.geo.geo_synth import route_xy, to_latlon


def brute_force(table: np.ndarray, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """The distance to every segment, the least of them: the same geometry as the search, no index."""
    nseg = table.shape[0]
    seg = np.tile(np.arange(nseg), lat.size)
    d = offsets(table, seg, np.repeat(lat, nseg), np.repeat(lon, nseg))
    return d.reshape(lat.size, nseg).min(axis=1)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    vertices=st.integers(2, 60),
    spread_m=st.sampled_from([300.0, 3_000.0, 40_000.0]),
)
def test_bucket_search_is_the_brute_force_minimum(seed: int, vertices: int, spread_m: float) -> None:
    rng = np.random.default_rng(seed)
    x, y = (
        np.cumsum(rng.normal(0, spread_m / 10, vertices)),
        np.cumsum(rng.normal(0, spread_m / 10, vertices)),
    )
    route = route_xy(x, y)
    index = index_of(route)
    near = rng.integers(0, vertices, 200)  # points around the vertices, up to 8 km away
    lat, lon = to_latlon(x[near] + rng.uniform(-8_000, 8_000, 200), y[near] + rng.uniform(-8_000, 8_000, 200))
    got = SegmentBuckets.build(route.lat, route.lon).distances(index.table, lat, lon)
    want = brute_force(index.table, lat, lon)
    found = ~np.isnan(got)
    # Same geometry, same segment: equal to the last bit wherever the search answers ...
    np.testing.assert_array_equal(got[found], want[found])
    # ... and it answers every point within 4 km (10 rings of 500 m cells, with room for the cells' shape).
    assert found[want < 4_000].all()


def test_far_offsets_agree_with_shapely_near_and_beyond_the_bucket_grid() -> None:
    s = np.linspace(0, 1, 400)
    route = route_xy(30_000 * s, 2_000 * np.sin(7 * s))
    rng = np.random.default_rng(3)
    along = rng.uniform(0, 30_000, 300)
    away = np.concatenate([rng.uniform(120, 5_000, 200), rng.uniform(6_000, 60_000, 100)])  # both methods
    lat, lon = to_latlon(along, 2_000 * np.sin(7 * along / 30_000) + away * rng.choice([-1, 1], 300))
    got = index_of(route).far_offsets(lat, lon)
    aeqd = f"+proj=aeqd +lat_0={route.lat.mean()} +lon_0={route.lon.mean()} +ellps=WGS84"
    t = Transformer.from_crs("EPSG:4326", aeqd, always_xy=True)
    line = shapely.linestrings(*t.transform(route.lon, route.lat))
    want = shapely.distance(line, shapely.points(*t.transform(lon, lat)))
    np.testing.assert_allclose(got, want, rtol=0.002)
    assert (got > 100).all()
