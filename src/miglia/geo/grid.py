"""A sparse raster of int32 codes over a lat/lon box: the corridor of a route (`index.RouteIndex`) and the
surroundings of timing lines (`crossings.LineSet`) are both one.  `cell_code` reads one cell in compiled
loops; `SparseGrid.lookup` reads many."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .common import FloatArray, IntArray, jit

Int32Array = NDArray[np.int32]


@dataclass(frozen=True, eq=False)
class SparseGrid:
    """A raster of int32 codes (-1 = empty) over a lat/lon box, stored as blocks of 2**bits x 2**bits
    cells; a dense table maps each block to its storage (block 0 is all-empty and shared)."""

    lat0: float
    lon0: float
    inv_dlat: float  # cells per degree
    inv_dlon: float
    nx: int
    ny: int
    bits: int
    nbx: int
    blocks: Int32Array  # 4 bytes an entry: the table is the largest part, read once a block
    codes: Int32Array

    @classmethod
    def build(
        cls,
        lat0: float,
        lon0: float,
        dlat: float,
        dlon: float,
        nx: int,
        ny: int,
        ix: IntArray,
        iy: IntArray,
        code: IntArray,
        order: IntArray | None = None,
    ) -> SparseGrid:
        """The grid of the given cells and codes.  Blocks are stored by the lowest `order` of their cells
        (by position when not given): a route's segment numbers put the blocks a car meets one after the
        other next to each other in memory, where the cache's prefetching finds them."""
        bits = 3
        while ((nx >> bits) + 1) * ((ny >> bits) + 1) > (1 << 22) and bits < 10:
            bits += 1  # keep the dense block table under 4 M entries (32 MB)
        nbx, nby = (nx >> bits) + 1, (ny >> bits) + 1
        bkey = (iy >> bits) * nbx + (ix >> bits)
        used, inverse = np.unique(bkey, return_inverse=True)
        if order is not None:
            first = np.full(used.size, np.iinfo(np.int64).max)
            np.minimum.at(first, inverse, order)
            rank = np.empty(used.size, dtype=np.int64)
            rank[np.argsort(first, kind="stable")] = np.arange(used.size)
            inverse = rank[inverse]
            used = used[np.argsort(first, kind="stable")]
        blocks = np.zeros(nbx * nby, dtype=np.int32)
        blocks[used] = np.arange(1, used.size + 1)
        mask = (1 << bits) - 1
        codes = np.full((used.size + 1) << (2 * bits), -1, dtype=np.int32)
        cell = ((inverse + 1) << (2 * bits)) | ((iy & mask) << bits) | (ix & mask)
        codes[cell] = code
        return cls(lat0, lon0, 1.0 / dlat, 1.0 / dlon, nx, ny, bits, nbx, blocks, codes)

    @property
    def params(self) -> GridParams:
        """The box and layout as one tuple of numbers, for compiled loops (`cell_code`): a tuple is passed
        by value, so the loop keeps it in registers instead of reloading it for every fix."""
        last_x, last_y = self.nx - 1.0, self.ny - 1.0
        return (self.lat0, self.lon0, self.inv_dlat, self.inv_dlon, last_x, last_y, self.bits, self.nbx)

    def lookup(self, lat: FloatArray, lon: FloatArray) -> Int32Array:
        """Code of the cell of each point; points outside the box land on its (empty) border."""
        lat, lon = np.ascontiguousarray(lat), np.ascontiguousarray(lon)
        return _lookup(self.params, self.blocks, self.codes, lat, lon)


#: `SparseGrid.params`: lat0, lon0, cells per degree of lat and of lon, last column, last row, bits, nbx.
GridParams = tuple[float, float, float, float, float, float, int, int]


@jit
def cell_code(params: GridParams, blocks: Int32Array, codes: Int32Array, lat: float, lon: float) -> int:
    """Code of the cell of one point (`SparseGrid.lookup`)."""
    lat0, lon0, inv_dlat, inv_dlon, last_x, last_y, bits, nbx = params
    ix = int(min(max((lon - lon0) * inv_dlon, 0.0), last_x))
    iy = int(min(max((lat - lat0) * inv_dlat, 0.0), last_y))
    mask = (1 << bits) - 1
    blk = int(blocks[(iy >> bits) * nbx + (ix >> bits)])
    return int(codes[(blk << (2 * bits)) | ((iy & mask) << bits) | (ix & mask)])


@jit
def _lookup(
    params: GridParams, blocks: Int32Array, codes: Int32Array, lat: FloatArray, lon: FloatArray
) -> Int32Array:
    out = np.empty(lat.size, dtype=np.int32)
    for i in range(lat.size):
        out[i] = cell_code(params, blocks, codes, lat[i], lon[i])
    return out
