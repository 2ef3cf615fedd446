"""Chainage of every fix of a track, with continuity where the route passes the same place twice.

Rules (see docs/gps.md):
* A fix within `reach_m` of the route gets a chainage; beyond it, `chainage_m` is NaN and `offset_m` is its
  distance to the route (approximate far away, see `RouteIndex.far_offsets`).
* Where several passes of the route are within reach (out-and-back, loop, figure of eight), the fix takes
  the candidate whose chainage advance from the previous located fix best matches the ground distance
  travelled: argmin |c - c_prev - step|.  The first located fix takes the lowest chainage.  This greedy
  sequential choice is evaluated for all fixes at once by a parallel prefix composition of the per-fix
  choice functions (log2 n vectorised steps over the ambiguous fixes only).
* Multipath spikes (`track.spike_outliers`) get no chainage and are flagged in `outlier`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .common import BoolArray, FloatArray, IntArray, m_per_deg_lat, m_per_deg_lon
from .index import RouteIndex, project_nearest
from .route import Route
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


def locate(
    route: Route | RouteIndex,
    track: Track | PreparedTrack,
    *,
    max_speed_kmh: float = MAX_SPEED_KMH,
) -> ChainageResult:
    """Chainage and distance off route of every fix of `track` (see module doc)."""
    index = route.index if isinstance(route, Route) else route
    prep = track if isinstance(track, PreparedTrack) else PreparedTrack.of(track, max_speed_kmh)
    require_fixes(prep.track, 1, "chainage")
    lat, lon = prep.track.lat, prep.track.lon
    code = index.grid.lookup(lat, lon)
    chain, offset, _ = project_nearest(index.cols, lat, lon, np.maximum(code, 0), walk=code >= 0)

    far = np.flatnonzero(code == -1)
    if far.size:
        offset[far] = index.far_offsets(lat[far], lon[far])
    multi = np.flatnonzero(code <= -2)
    if multi.size:
        cand_c, cand_o = _candidates(index, lat[multi], lon[multi], code[multi].astype(np.int64))
        offset[multi] = cand_o.min(axis=1)
    bad = (offset > index.reach_m) | (code == -1) | prep.outlier
    chain[bad] = np.nan
    if multi.size:
        chain[multi] = np.nan
        ok = ~bad[multi]
        chosen, choff = _resolve(chain, lat, lon, multi[ok], cand_c[ok], cand_o[ok])
        chain[multi[ok]] = chosen
        offset[multi[ok]] = choff
    return ChainageResult(prep.track, chain, offset, prep.outlier)


def _candidates(
    index: RouteIndex, lat: FloatArray, lon: FloatArray, code: IntArray
) -> tuple[FloatArray, FloatArray]:
    """Chainage and offset on every pass of multi-pass cells; NaN chainage beyond reach or no pass."""
    segs = index.multi[-2 - code.astype(np.int64)]
    m, p = segs.shape
    valid = segs >= 0
    c, o, _ = project_nearest(
        index.cols, np.repeat(lat, p), np.repeat(lon, p), np.where(valid, segs, 0).ravel(), valid.ravel()
    )
    c, o = c.reshape(m, p), o.reshape(m, p)
    o[~valid] = np.inf
    c[~valid | (o > index.reach_m)] = np.nan
    return c, o


def _resolve(
    chain: FloatArray,
    lat: FloatArray,
    lon: FloatArray,
    amb: IntArray,
    cand_c: FloatArray,
    cand_o: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Choose one candidate per ambiguous fix by continuity (module doc).

    `chain` holds the chainage of unambiguous located fixes and NaN elsewhere; `amb` are the positions of
    the ambiguous located fixes.  Returns the chosen (chainage, offset) for each of `amb`."""
    if amb.size == 0:
        return np.zeros(0), np.zeros(0)
    located = np.isfinite(chain)
    located[amb] = True
    pos = np.flatnonzero(located)  # positions of the located fixes, in time order
    r = np.searchsorted(pos, amb)  # rank of each ambiguous fix among them (sorted, distinct)
    # The sequence to scan: the ambiguous fixes and the located fix just before each run of them, as
    # ranks.  Interleaving r - 1 and r gives a non-decreasing sequence: drop repeats and -1.
    both = np.stack([r - 1, r], axis=1).ravel()
    keep = np.ones(both.size, dtype=bool)
    keep[1:] = both[1:] != both[:-1]
    keep &= both >= 0
    k = both[keep]
    at = np.minimum(np.searchsorted(r, k), r.size - 1)
    amb_k = r[at] == k
    p = cand_c.shape[1]
    cands = np.full((k.size, p), np.nan)
    cands[amb_k] = cand_c[at[amb_k]]
    cands[~amb_k, 0] = chain[pos[k[~amb_k]]]

    # Ground distance from the previous located fix.
    cur, prev = pos[k], pos[np.maximum(k - 1, 0)]
    latm = 0.5 * (lat[cur] + lat[prev])
    dy = (lat[cur] - lat[prev]) * m_per_deg_lat(latm)
    dx = (lon[cur] - lon[prev]) * m_per_deg_lon(latm)
    step = np.hypot(dx, dy)

    # f[e, q]: slot chosen at element e if the previous element is in slot q.
    has_prev = np.zeros(k.size, dtype=bool)
    has_prev[1:] = k[1:] == k[:-1] + 1
    prev_c = np.full((k.size, p), np.nan)
    prev_c[1:] = cands[:-1]
    cost = np.abs(cands[:, None, :] - prev_c[:, :, None] - step[:, None, None])  # (e, q, j)
    cost = np.where(np.isnan(cost), np.inf, cost)
    f = np.argmin(cost, axis=2)
    lowest = np.argmin(np.where(np.isnan(cands), np.inf, cands), axis=1)
    start = amb_k & ~has_prev
    f[start] = lowest[start, None]
    f[~amb_k] = 0
    # A previous slot that holds no candidate cannot be the state; its entry never matters.
    g = _prefix_compose(f)
    slot = g[:, 0]
    e = np.flatnonzero(amb_k)
    rows = at[e]
    return cand_c[rows, slot[e]], cand_o[rows, slot[e]]


def _prefix_compose(f: IntArray) -> IntArray:
    """g[e] = f[e] o f[e-1] o ... o f[0] for maps of slots (rows of `f`), by recursive doubling."""
    g = f.copy()
    d = 1
    while d < g.shape[0]:
        g[d:] = np.take_along_axis(g[d:], g[:-d], axis=1)
        d *= 2
    return g
