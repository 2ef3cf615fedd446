"""Chainage of every fix of a track, with continuity where the route passes the same place twice.

Rules (see docs/gps.md):
* A fix within `reach_m` of the route gets a chainage; beyond it, `chainage_m` is NaN and `offset_m` is its
  distance to the route (approximate far away, see `RouteIndex.far_offsets`).
* Where several passes of the route are within reach (out-and-back, loop, figure of eight), the fix takes
  the candidate whose chainage advance from the previous located fix best matches the ground distance
  travelled: argmin |c - c_prev - step|.  The first located fix takes the lowest chainage.  This greedy
  sequential choice is one compiled loop over the fixes in time order (`common.jit`), which also does the
  raster lookup and the projection: one pass, no temporary arrays.
* Multipath spikes (`track.PreparedTrack.outlier`) get no chainage and are flagged in `outlier`.
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass

import numpy as np

from .common import BoolArray, FloatArray, IntArray, jit
from .grid import GridParams, Int32Array, cell_code
from .index import RouteIndex
from .route import Route
from .segments import KX, KY, project, walk_nearer
from .track import MAX_SPEED_KMH, PreparedTrack, Track, require_fixes


@dataclass(frozen=True, eq=False)
class ChainageResult:
    """Per fix of `track` (the cleaned track: sorted, duplicate instants removed)."""

    track: Track
    chainage_m: FloatArray  # NaN when off route (beyond reach) or an outlier
    offset_m: FloatArray  # distance to the route, metres
    outlier: BoolArray  # multipath spike

    @property
    def on_route(self) -> BoolArray:
        return np.isfinite(self.chainage_m)


_INDEXES: weakref.WeakKeyDictionary[Route, RouteIndex] = weakref.WeakKeyDictionary()


def index_of(route: Route) -> RouteIndex:
    """The route's spatial index with default parameters, built on first use and kept while the route
    lives (the route itself does not know the index: the index is built on the route)."""
    found = _INDEXES.get(route)
    if found is None:
        found = _INDEXES[route] = RouteIndex.build(route)
    return found


def locate(
    route: Route | RouteIndex,
    track: Track | PreparedTrack,
    *,
    max_speed_kmh: float = MAX_SPEED_KMH,
) -> ChainageResult:
    """Chainage and distance off route of every fix of `track` (see module doc)."""
    index = index_of(route) if isinstance(route, Route) else route
    prep = track if isinstance(track, PreparedTrack) else PreparedTrack.of(track, max_speed_kmh)
    require_fixes(prep.track, 1, "chainage")
    lat, lon = prep.track.lat, prep.track.lon
    grid = index.grid
    chain, offset = _locate_fixes(
        index.table, index.multi, grid.params, grid.blocks, grid.codes, index.reach_m, lat, lon, prep.outlier
    )
    far = np.flatnonzero(np.isnan(offset))
    if far.size:
        offset[far] = index.far_offsets(lat[far], lon[far])
    return ChainageResult(prep.track, chain, offset, prep.outlier)


@jit
def _locate_fixes(
    table: FloatArray,
    multi: IntArray,
    grid_params: GridParams,
    blocks: Int32Array,
    codes: Int32Array,
    reach_m: float,
    lat: FloatArray,
    lon: FloatArray,
    outlier: BoolArray,
) -> tuple[FloatArray, FloatArray]:
    """(chainage_m, offset_m) of every fix, in one pass in time order (module doc).  Fixes outside the
    corridor raster get NaN for both: the caller measures their offset."""
    n = lat.size
    chain = np.empty(n)
    offset = np.empty(n)
    prev = -1  # the last located fix
    for i in range(n):
        la, lo = lat[i], lon[i]
        code = cell_code(grid_params, blocks, codes, la, lo)
        if code >= 0:  # one pass of the route near: the hot path, kept inline
            c, o, t = project(table, code, la, lo)
            if t == 1.0 or t == 0.0:
                c, o = walk_nearer(table, code, la, lo, c, o, t)
            offset[i] = o
            if o <= reach_m and not outlier[i]:
                chain[i] = c
                prev = i
            else:
                chain[i] = np.nan
        elif code == -1:
            chain[i] = offset[i] = np.nan
        else:
            prev_c = chain[prev] if prev >= 0 else np.nan
            c, o = _on_passes(table, multi, -2 - code, reach_m, lat, lon, i, prev, prev_c, outlier[i])
            chain[i], offset[i] = c, o
            if c == c:  # not NaN
                prev = i
    return chain, offset


@jit
def _on_passes(
    table: FloatArray,
    multi: IntArray,
    row: int,
    reach_m: float,
    lat: FloatArray,
    lon: FloatArray,
    i: int,
    prev: int,
    prev_c: float,
    outlier: bool,
) -> tuple[float, float]:
    """(chainage_m, offset_m) of fix i in a cell near several passes `multi[row]` of the route (-1: none):
    of the passes within reach, the one whose advance from the previous located fix `prev` (at `prev_c`)
    best matches the ground distance, or the lowest chainage when there is no previous fix (first of
    equals).  (NaN, nearest offset) when no pass is within reach or the fix is a spike."""
    la, lo = lat[i], lon[i]
    step = 0.0
    if prev >= 0:  # ground distance from the previous located fix, in the route's local scales here
        dx = (lo - lon[prev]) * table[multi[row, 0], KX]
        dy = (la - lat[prev]) * table[multi[row, 0], KY]
        step = math.sqrt(dx * dx + dy * dy)
    nearest = best_cost = np.inf
    best_c = best_o = np.nan
    for q in range(multi.shape[1]):
        seg = multi[row, q]
        if seg < 0:
            continue
        c, o, t = project(table, seg, la, lo)
        if t == 1.0 or t == 0.0:
            c, o = walk_nearer(table, seg, la, lo, c, o, t)
        nearest = min(nearest, o)
        if o > reach_m:
            continue
        cost = abs(c - prev_c - step) if prev >= 0 else c
        if cost < best_cost:
            best_cost, best_c, best_o = cost, c, o
    if nearest > reach_m or outlier:
        return np.nan, nearest
    return best_c, best_o
