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

Live tracking measures one fix, or a small batch of several cars' fixes, at a time (`nearest`, `Gauge`):
each point gets the route's point nearest to it, at any distance, with the same projection on the same
segment table; where other passes of the route are about as near (`TIE_M`), the car's previous chainage
chooses among them (`Nearest.pick`), as the ground distance does in `locate`.
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .common import BoolArray, FloatArray, GeoError, IntArray, as_float_array, check_lat_lon, jit
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


# -- live tracking: one fix, or a small batch, at a time ------------------------------------------------

TIE_M = 30.0
"""Passes of the route within this distance of the nearest one are about as near (`Nearest.pick`)."""


@dataclass(frozen=True, eq=False)
class Nearest:
    """Per point (`nearest`): the route's point nearest to it, and the other passes about as near.

    `chainage_m[i]`, `offset_m[i]`: the foot on the nearest pass, at any distance (never NaN: live
    tracking measures a car off the route too).  Where other passes of the route are within `TIE_M` of
    the nearest one (out-and-back, loop, figure of eight), the candidates of point i, in route order, are
    `pass_chainage_m[first[i]:first[i + 1]]` with their `pass_offset_m`; elsewhere that range is empty."""

    chainage_m: FloatArray
    offset_m: FloatArray
    first: IntArray
    pass_chainage_m: FloatArray
    pass_offset_m: FloatArray

    def pick(self, i: int, hint_m: float | None = None) -> tuple[float, float]:
        """(chainage_m, offset_m) of point i: of its candidate passes, the one whose chainage is nearest
        `hint_m` (the car's previous chainage, so that a car is not sent back to an earlier pass; the
        first of equals), and the nearest pass when there is no hint or no other pass."""
        a, b = int(self.first[i]), int(self.first[i + 1])
        if hint_m is None or a == b:
            return float(self.chainage_m[i]), float(self.offset_m[i])
        k = a + int(np.argmin(np.abs(self.pass_chainage_m[a:b] - hint_m)))
        return float(self.pass_chainage_m[k]), float(self.pass_offset_m[k])


def nearest(route: Route | RouteIndex, lat: ArrayLike, lon: ArrayLike, tie_m: float = TIE_M) -> Nearest:
    """The route's point nearest to each point (lat, lon), and the passes about as near (`Nearest`).

    Each point on its own, unlike `locate` (which follows a track): the same projection on the same
    segment table, through the corridor raster for points well within `reach_m` of one pass (nearly all;
    the foot there is `locate`'s, to the bit), else over every segment of the route, where a pass is a run
    of consecutive segments within `tie_m` of the nearest and its point is the nearest of the run."""
    index = index_of(route) if isinstance(route, Route) else route
    la = as_float_array("lat", lat)
    lo = as_float_array("lon", lon)
    check_lat_lon(la, lo, "nearest")
    if not tie_m >= 0:
        raise GeoError(f"tie_m must be 0 or more, got {tie_m!r}")
    grid = index.grid
    chain, offset, first, pass_c, pass_o = _nearest_points(
        index.table, index.multi, grid.params, grid.blocks, grid.codes, index.reach_m, float(tie_m), la, lo
    )
    return Nearest(chain, offset, first, pass_c, pass_o)


@dataclass(frozen=True, eq=False)
class Gauge:
    """A day's route as live tracking measures cars against it, a batch of fixes at a time (`nearest`):
    what `miglia.domain.live.Gauge` describes.  The route's index (`index_of`) is built on first use."""

    route: Route
    tie_m: float = TIE_M

    @property
    def length_m(self) -> float:
        return self.route.length_m

    def measure(self, lat: ArrayLike, lon: ArrayLike) -> Nearest:
        return nearest(self.route, lat, lon, self.tie_m)


@jit
def _nearest_points(
    table: FloatArray,
    multi: IntArray,
    grid_params: GridParams,
    blocks: Int32Array,
    codes: Int32Array,
    reach_m: float,
    tie_m: float,
    lat: FloatArray,
    lon: FloatArray,
) -> tuple[FloatArray, FloatArray, IntArray, FloatArray, FloatArray]:
    """`nearest`'s arrays: (chainage_m, offset_m, first, pass_chainage_m, pass_offset_m)."""
    n, nseg = lat.size, table.shape[0]
    chain = np.empty(n)
    offset = np.empty(n)
    first = np.zeros(n + 1, dtype=np.int64)
    pass_c = np.empty(8)
    pass_o = np.empty(8)
    m = 0  # candidates written so far
    seg_c = np.empty(nseg)  # per segment, for a point measured against every segment
    seg_o = np.empty(nseg)
    cand_c = np.empty(max(nseg, multi.shape[1]))  # one point's candidates
    cand_o = np.empty(cand_c.size)
    for i in range(n):
        la, lo = lat[i], lon[i]
        code = cell_code(grid_params, blocks, codes, la, lo)
        k = 0
        if code >= 0:  # one pass within reach: the nearest unless another may be about as near
            c, o, t = project(table, code, la, lo)
            if t == 1.0 or t == 0.0:
                c, o = walk_nearer(table, code, la, lo, c, o, t)
            if o + tie_m < reach_m:
                chain[i], offset[i] = c, o
                first[i + 1] = m
                continue
        elif code <= -2:  # several passes within reach: all are listed
            row = -2 - code
            best = np.inf
            for q in range(multi.shape[1]):
                seg = multi[row, q]
                if seg < 0:
                    continue
                c, o, t = project(table, seg, la, lo)
                if t == 1.0 or t == 0.0:
                    c, o = walk_nearer(table, seg, la, lo, c, o, t)
                cand_c[k], cand_o[k] = c, o
                k += 1
                best = min(best, o)
            if best + tie_m >= reach_m:
                k = 0  # a pass not listed may be about as near: measure every segment
        if k == 0:
            k = _runs_near(table, la, lo, tie_m, seg_c, seg_o, cand_c, cand_o)
        best_c, best_o, near = _among(cand_c, cand_o, k, tie_m)
        chain[i], offset[i] = best_c, best_o
        if near > 1:
            if m + near > pass_c.size:
                grown = max(2 * pass_c.size, m + near)
                pass_c = _grow(pass_c, m, grown)
                pass_o = _grow(pass_o, m, grown)
            limit = best_o + tie_m
            for j in range(k):
                if cand_o[j] <= limit:
                    pass_c[m], pass_o[m] = cand_c[j], cand_o[j]
                    m += 1
        first[i + 1] = m
    return chain, offset, first, pass_c[:m].copy(), pass_o[:m].copy()


@jit
def _runs_near(
    table: FloatArray,
    lat: float,
    lon: float,
    tie_m: float,
    seg_c: FloatArray,
    seg_o: FloatArray,
    cand_c: FloatArray,
    cand_o: FloatArray,
) -> int:
    """A point measured against every segment: writes into `cand_c`, `cand_o` the nearest point of each
    run of consecutive segments within `tie_m` of the nearest segment (the first of equals), in route
    order; returns how many."""
    nseg = table.shape[0]
    best = np.inf
    for s in range(nseg):
        c, o, _ = project(table, s, lat, lon)
        seg_c[s], seg_o[s] = c, o
        best = min(best, o)
    limit = best + tie_m
    k = 0
    inside = False
    for s in range(nseg):
        if seg_o[s] <= limit:
            if not inside or seg_o[s] < cand_o[k - 1]:
                if not inside:
                    k += 1
                cand_c[k - 1], cand_o[k - 1] = seg_c[s], seg_o[s]
            inside = True
        else:
            inside = False
    return k


@jit
def _among(cand_c: FloatArray, cand_o: FloatArray, k: int, tie_m: float) -> tuple[float, float, int]:
    """(chainage, offset) of the nearest of k candidates (the first of equals), and how many are within
    `tie_m` of it."""
    best = 0
    for j in range(1, k):
        if cand_o[j] < cand_o[best]:
            best = j
    limit = cand_o[best] + tie_m
    near = 0
    for j in range(k):
        if cand_o[j] <= limit:
            near += 1
    return cand_c[best], cand_o[best], near


@jit
def _grow(a: FloatArray, used: int, size: int) -> FloatArray:
    out = np.empty(size)
    out[:used] = a[:used]
    return out
