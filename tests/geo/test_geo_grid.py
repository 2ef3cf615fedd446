"""The sparse raster: what a point reads does not depend on how the blocks are stored."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from miglia.geo.grid import SparseGrid


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), cells=st.integers(1, 400), size=st.sampled_from([20, 300, 5_000]))
def test_lookup_is_the_same_whatever_the_storage_order(seed: int, cells: int, size: int) -> None:
    rng = np.random.default_rng(seed)
    ix, iy = rng.integers(0, size, cells), rng.integers(0, size, cells)
    cell = np.unique(iy * size + ix)  # one code a cell
    ix, iy = cell % size, cell // size
    code = rng.integers(-5, 1000, cell.size)
    plain = SparseGrid.build(45.0, 9.0, 1e-3, 1e-3, size, size, ix, iy, code)
    ordered = SparseGrid.build(
        45.0, 9.0, 1e-3, 1e-3, size, size, ix, iy, code, order=rng.permutation(cell.size)
    )
    # Every stored cell and points all over the box (and outside it, which read the empty border).
    lat = np.concatenate([45.0 + (iy + 0.5) * 1e-3, rng.uniform(44.9, 45.0 + size * 1e-3 + 0.1, 500)])
    lon = np.concatenate([9.0 + (ix + 0.5) * 1e-3, rng.uniform(8.9, 9.0 + size * 1e-3 + 0.1, 500)])
    got = ordered.lookup(lat, lon)
    np.testing.assert_array_equal(got, plain.lookup(lat, lon))
    np.testing.assert_array_equal(got[: cell.size], code)
