"""Timing lines and the instants a track crosses them.

Direction convention: a line runs from P1 to P2 *as seen by the driver*: P1 on the driver's left, P2 on the
right.  Crossing *forward* means moving from the right side of the vector P1->P2 to its left side.
`TimingLine.direction`: +1 counts forward crossings only, -1 backward only, 0 either.  A line made across a
route (`TimingLine.across_route`) or aligned on one (`with_route_direction`) has the route's direction.

Crossing instant: the track is a straight segment between consecutive fixes, travelled at constant speed;
the instant is interpolated linearly between the two fixes that straddle the line and rounded to the
nearest hundredth of a second (halves up).  A point exactly on the line counts as on its right side.
The passage of a car at a line is its FIRST crossing in the line's direction; all crossings are returned.
Multipath spikes are removed before (they would create false crossings).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .common import (
    HUNDREDTH_US,
    NO_TIME,
    BoolArray,
    FloatArray,
    GeoError,
    IntArray,
    jit,
    m_per_deg_lat,
    m_per_deg_lon,
)
from .grid import GridParams, Int32Array, SparseGrid, cell_code
from .route import GEOD, Route
from .track import MAX_SPEED_KMH, PreparedTrack, Track, require_fixes


@dataclass(frozen=True)
class TimingLine:
    """A segment P1-P2 (degrees) with a direction (module doc)."""

    lat1: float
    lon1: float
    lat2: float
    lon2: float
    direction: int = 0

    def __post_init__(self) -> None:
        for name in ("lat1", "lon1", "lat2", "lon2"):
            v = getattr(self, name)
            limit = 90.0 if name.startswith("lat") else 180.0
            if not (isinstance(v, int | float) and np.isfinite(v) and abs(v) <= limit):
                raise GeoError(f"timing line {name} = {v!r} is not a coordinate in [-{limit}, {limit}]")
        if (self.lat1, self.lon1) == (self.lat2, self.lon2):
            raise GeoError(f"timing line has two equal points ({self.lat1}, {self.lon1})")
        if self.direction not in (-1, 0, 1):
            raise GeoError(f"timing line direction must be -1, 0 or 1, got {self.direction!r}")

    @classmethod
    def across_route(cls, route: Route, chainage_m: float, half_width_m: float = 25.0) -> TimingLine:
        """The line perpendicular to the route at `chainage_m` (to the segment there; at a vertex, to the
        segment that starts there), `half_width_m` each side, in the route's direction."""
        if not half_width_m > 0:
            raise GeoError(f"half_width_m must be positive, got {half_width_m!r}")
        lat, lon = route.point_at(float(chainage_m))
        az = route.bearing_at(float(chainage_m))
        lon1, lat1, _ = GEOD.fwd(lon, lat, az - 90.0, half_width_m)
        lon2, lat2, _ = GEOD.fwd(lon, lat, az + 90.0, half_width_m)
        return cls(float(lat1), float(lon1), float(lat2), float(lon2), 1)

    def with_route_direction(self, route: Route) -> TimingLine:
        """This line with the direction in which the route first crosses it (GeoError if it never does)."""
        fake = Track(np.round(route.chainage_m * 1000).astype(np.int64), route.lat, route.lon, "route")
        found = find_crossings(fake, [self], max_speed_kmh=np.inf)
        if found.t_us.size == 0:
            raise GeoError(
                f"timing line ({self.lat1}, {self.lon1}) - ({self.lat2}, {self.lon2}) "
                "does not cross the route"
            )
        return TimingLine(self.lat1, self.lon1, self.lat2, self.lon2, 1 if found.forward[0] else -1)


@dataclass(frozen=True, eq=False)
class LineSet:
    """Timing lines prepared for `find_crossings`: local frames and a sparse raster of their surroundings.

    A step of the track no longer than `long_step_m` can cross a line only if its first fix lies within
    `long_step_m` of it: such fixes are found by one raster lookup; longer steps are tested against every
    line (rare at 1 Hz; all of them at 15 s sampling, which has few fixes)."""

    lines: tuple[TimingLine, ...]
    mid_lat: FloatArray
    mid_lon: FloatArray
    kx: FloatArray
    ky: FloatArray
    ux: FloatArray  # unit vector P1->P2 in local metres
    uy: FloatArray
    half_m: FloatArray
    long_step_m: float
    grid: SparseGrid
    multi: IntArray

    @classmethod
    def build(cls, lines: Sequence[TimingLine], long_step_m: float = 100.0) -> LineSet:
        if not lines:
            raise GeoError("no timing line given")
        a = np.array([[ln.lat1, ln.lon1, ln.lat2, ln.lon2] for ln in lines], dtype=np.float64)
        mid_lat, mid_lon = 0.5 * (a[:, 0] + a[:, 2]), 0.5 * (a[:, 1] + a[:, 3])
        kx, ky = m_per_deg_lon(mid_lat), m_per_deg_lat(mid_lat)
        vx, vy = (a[:, 3] - a[:, 1]) * kx, (a[:, 2] - a[:, 0]) * ky
        length = np.hypot(vx, vy)
        cell_m = 0.5 * long_step_m
        latc = 0.5 * (float(mid_lat.min()) + float(mid_lat.max()))
        dlat, dlon = cell_m / float(m_per_deg_lat(latc)), cell_m / float(m_per_deg_lon(latc))
        radius = long_step_m + 0.5 * length + 0.5 * np.hypot(dlon * kx, dlat * ky) * 1.001
        rx, ry = radius / (kx * dlon), radius / (ky * dlat)
        pad_x, pad_y = float(rx.max()) + 3, float(ry.max()) + 3
        lon0, lat0 = float(mid_lon.min()) - pad_x * dlon, float(mid_lat.min()) - pad_y * dlat
        nx = int((float(mid_lon.max()) - lon0) / dlon + pad_x) + 1
        ny = int((float(mid_lat.max()) - lat0) / dlat + pad_y) + 1
        ix_l, iy_l, line_l = [], [], []
        for k in range(len(lines)):  # lines are few; each marks the cells of a disc around its middle
            cx, cy = (mid_lon[k] - lon0) / dlon - 0.5, (mid_lat[k] - lat0) / dlat - 0.5
            xs = np.arange(int(np.floor(cx - rx[k])), int(np.ceil(cx + rx[k])) + 1)
            ys = np.arange(int(np.floor(cy - ry[k])), int(np.ceil(cy + ry[k])) + 1)
            gx, gy = np.meshgrid(xs, ys)
            inside = np.hypot((gx - cx) * dlon * kx[k], (gy - cy) * dlat * ky[k]) <= radius[k]
            ix_l.append(gx[inside])
            iy_l.append(gy[inside])
            line_l.append(np.full(int(inside.sum()), k))
        ix, iy, line = np.concatenate(ix_l), np.concatenate(iy_l), np.concatenate(line_l)
        cell = iy * nx + ix
        order = np.lexsort((line, cell))
        cell, line = cell[order], line[order]
        new = np.ones(cell.size, dtype=bool)
        new[1:] = cell[1:] != cell[:-1]
        start = np.flatnonzero(new)
        count = np.diff(np.append(start, cell.size))
        code = line[start].copy()
        many = np.flatnonzero(count > 1)
        multi = np.full((many.size, int(count.max())), -1, dtype=np.int64)
        for j in range(multi.shape[1]):
            rows = many[count[many] > j]
            multi[np.searchsorted(many, rows), j] = line[start[rows] + j]
        code[many] = -2 - np.arange(many.size)
        c = cell[start]
        # Blocks in the order of the lines they hold: lines are usually given along the route.
        grid = SparseGrid.build(lat0, lon0, dlat, dlon, nx, ny, c % nx, c // nx, code, order=line[start])
        return cls(
            tuple(lines),
            mid_lat,
            mid_lon,
            kx,
            ky,
            vx / length,
            vy / length,
            0.5 * length,
            float(long_step_m),
            grid,
            multi,
        )

    def __len__(self) -> int:
        return len(self.lines)


@dataclass(frozen=True, eq=False)
class Crossings:
    """All crossings of one track, sorted by line then instant.  `fix` indexes the cleaned track (the fix
    before the crossing); `gap_us` is the time between the two straddling fixes."""

    line: IntArray
    t_us: IntArray
    forward: BoolArray
    fix: IntArray
    gap_us: IntArray

    def __len__(self) -> int:
        return int(self.t_us.size)


def find_crossings(
    track: Track | PreparedTrack,
    lines: LineSet | Sequence[TimingLine],
    *,
    max_speed_kmh: float = MAX_SPEED_KMH,
) -> Crossings:
    """Every crossing of every line by the track (module doc for the conventions)."""
    lineset = lines if isinstance(lines, LineSet) else LineSet.build(lines)
    prep = track if isinstance(track, PreparedTrack) else PreparedTrack.of(track, max_speed_kmh)
    require_fixes(prep.track, 2, "crossings")
    tr, ls, grid = prep.track, lineset, lineset.grid
    line, t_us, forward, fix, gap = _cross_steps(
        tr.t_us, tr.lat, tr.lon, prep.step_m, prep.outlier, ls.long_step_m,
        grid.params, grid.blocks, grid.codes, ls.multi,
        ls.mid_lat, ls.mid_lon, ls.kx, ls.ky, ls.ux, ls.uy, ls.half_m,
    )  # fmt: skip
    order = np.lexsort((fix, t_us, line))
    return Crossings(line[order], t_us[order], forward[order], fix[order], gap[order])


@jit
def _cross_steps(
    t: IntArray,
    lat: FloatArray,
    lon: FloatArray,
    step_m: FloatArray,
    outlier: BoolArray,
    long_step_m: float,
    grid_params: GridParams,
    blocks: Int32Array,
    codes: Int32Array,
    multi: IntArray,
    mid_lat: FloatArray,
    mid_lon: FloatArray,
    kx: FloatArray,
    ky: FloatArray,
    ux: FloatArray,
    uy: FloatArray,
    half_m: FloatArray,
) -> tuple[IntArray, IntArray, BoolArray, IntArray, IntArray]:
    """Every crossing, in step order: (line, instant, forward, fix before, gap).  Spikes are skipped: the
    step over one joins the fixes around it, and its length is the path through the spike (`step_m` holds
    the steps between neighbours, over-estimated: the long-step test needs no more)."""
    line = np.empty(64, dtype=np.int64)
    t_us = np.empty(64, dtype=np.int64)
    forward = np.empty(64, dtype=np.bool_)
    fix = np.empty(64, dtype=np.int64)
    gap = np.empty(64, dtype=np.int64)
    n = 0
    a = -1  # the fix the current step starts from
    for b in range(t.size):
        if outlier[b]:
            continue
        if a < 0:
            a = b
            continue
        # The lines this step may cross: all of them (a long step), those near its start, or none.
        row = -1
        length = step_m[a] if b == a + 1 else _path_m(step_m, a, b)
        if length > long_step_m:
            first, stop = 0, mid_lat.size
        else:
            code = cell_code(grid_params, blocks, codes, lat[a], lon[a])
            if code >= 0:
                first, stop = code, code + 1
            elif code <= -2:
                first, stop, row = 0, multi.shape[1], -2 - code
            else:
                first, stop = 0, 0
        for j in range(first, stop):
            k = j if row < 0 else multi[row, j]
            if k < 0:
                continue
            f, fwd = _crossing(
                lat[a], lon[a], lat[b], lon[b], mid_lat[k], mid_lon[k], kx[k], ky[k], ux[k], uy[k], half_m[k]
            )
            if f < 0:
                continue
            if n == line.size:
                line, t_us, forward = _grow(line), _grow(t_us), _grow(forward)
                fix, gap = _grow(fix), _grow(gap)
            x = (t[a] + f * float(t[b] - t[a])) / HUNDREDTH_US
            line[n], t_us[n], forward[n] = k, math.floor(x + 0.5) * HUNDREDTH_US, fwd
            fix[n], gap[n] = a, t[b] - t[a]
            n += 1
        a = b
    return line[:n], t_us[:n], forward[:n], fix[:n], gap[:n]


@jit
def _crossing(
    lat0: float,
    lon0: float,
    lat1: float,
    lon1: float,
    mid_lat: float,
    mid_lon: float,
    kx: float,
    ky: float,
    ux: float,
    uy: float,
    half_m: float,
) -> tuple[float, bool]:
    """Where the step (lat0, lon0) -> (lat1, lon1) crosses a line, in the line's local metres: (fraction
    of the step, forward); fraction -1 when it does not."""
    x0, y0 = (lon0 - mid_lon) * kx, (lat0 - mid_lat) * ky
    x1, y1 = (lon1 - mid_lon) * kx, (lat1 - mid_lat) * ky
    s0 = ux * y0 - uy * x0  # > 0: left of P1->P2
    s1 = ux * y1 - uy * x1
    left0, left1 = s0 > 0, s1 > 0
    if left0 == left1:
        return -1.0, False
    f = s0 / (s0 - s1)
    along = ux * (x0 + f * (x1 - x0)) + uy * (y0 + f * (y1 - y0))
    if not abs(along) <= half_m:
        return -1.0, False
    return f, left1


@jit
def _grow(a: NDArray[Any]) -> NDArray[Any]:
    bigger = np.empty(2 * a.size, dtype=a.dtype)
    bigger[: a.size] = a
    return bigger


@jit
def _path_m(step_m: FloatArray, a: int, b: int) -> float:
    """Length (m) of the path a -> b through the fixes between (spikes removed): never shorter than the
    straight step a -> b, which is all the long-step test needs."""
    total = 0.0
    for i in range(a, b):
        total += step_m[i]
    return total


def passages(crossings: Crossings, lines: LineSet | Sequence[TimingLine]) -> IntArray:
    """Per line, the instant of the first crossing in the line's direction (either for direction 0);
    `NO_TIME` where there is none."""
    seq = lines.lines if isinstance(lines, LineSet) else tuple(lines)
    direction = np.array([ln.direction for ln in seq], dtype=np.int64)
    d = direction[crossings.line]
    ok = (d == 0) | ((d == 1) & crossings.forward) | ((d == -1) & ~crossings.forward)
    out = np.full(len(seq), NO_TIME, dtype=np.int64)
    line, t = crossings.line[ok], crossings.t_us[ok]
    # Sorted by line then instant: the first of each line is its passage.
    first = np.ones(line.size, dtype=bool)
    first[1:] = line[1:] != line[:-1]
    out[line[first]] = t[first]
    return out


def find_crossings_many(
    tracks: Sequence[Track | PreparedTrack],
    lines: LineSet | Sequence[TimingLine],
    *,
    max_speed_kmh: float = MAX_SPEED_KMH,
) -> list[Crossings]:
    """`find_crossings` for several tracks sharing one prepared `LineSet`."""
    lineset = lines if isinstance(lines, LineSet) else LineSet.build(lines)
    return [find_crossings(tr, lineset, max_speed_kmh=max_speed_kmh) for tr in tracks]
