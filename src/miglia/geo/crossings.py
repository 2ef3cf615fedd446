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

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .common import (
    HUNDREDTH_US,
    NO_TIME,
    BoolArray,
    FloatArray,
    GeoError,
    IntArray,
    m_per_deg_lat,
    m_per_deg_lon,
    round_us,
)
from .index import SparseGrid
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
        grid = SparseGrid.build(lat0, lon0, dlat, dlon, nx, ny, c % nx, c // nx, code)
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
    t, lat, lon, step = prep.track.t_us, prep.track.lat, prep.track.lon, prep.step_m
    fix_no: IntArray | None = None
    if prep.outlier.any():
        fix_no = np.flatnonzero(~prep.outlier)
        t, lat, lon = t[fix_no], lat[fix_no], lon[fix_no]
        # Reuse the prepared step lengths; only steps that bridge a removed spike are measured again.
        # (Both are over-estimates of the true length, which is all the long-step test needs.)
        step = step[fix_no[:-1]]
        bridge = np.flatnonzero(fix_no[1:] != fix_no[:-1] + 1)
        if bridge.size:
            step[bridge] = _bridge_lengths_m(lat, lon, bridge)
    if t.size < 2:
        return _empty()

    code = lineset.grid.lookup(lat[:-1], lon[:-1])
    long = step > lineset.long_step_m
    short_hot = np.flatnonzero((code != -1) & ~long)
    c = code[short_hot]
    one = c >= 0
    steps = [short_hot[one]]
    cands = [c[one].astype(np.int64)]
    if not one.all():
        rows = lineset.multi[-2 - c[~one].astype(np.int64)]
        width = rows.shape[1]
        steps.append(np.repeat(short_hot[~one], width))
        cands.append(rows.ravel())
    long_steps = np.flatnonzero(long)
    nl = len(lineset)
    steps.append(np.repeat(long_steps, nl))
    cands.append(np.tile(np.arange(nl), long_steps.size))
    i = np.concatenate(steps)
    k = np.concatenate(cands)
    valid = k >= 0
    i, k = i[valid], k[valid]
    found = _intersect(lineset, t, lat, lon, i, k)
    i, k, t_us, fwd = i[found[0]], k[found[0]], found[1], found[2]
    gap = t[i + 1] - t[i]
    if fix_no is not None:
        i = fix_no[i]
    order = np.lexsort((t_us, k))
    return Crossings(k[order], t_us[order], fwd[order], i[order], gap[order])


def _bridge_lengths_m(lat: FloatArray, lon: FloatArray, i: IntArray) -> FloatArray:
    """Lengths (m) of steps i -> i + 1, never shorter than the true length (as `step_lengths_m`, with the
    scales of each step's own latitudes)."""
    la, lb = np.abs(lat[i]), np.abs(lat[i + 1])
    ky = m_per_deg_lat(np.maximum(la, lb))
    kx = m_per_deg_lon(np.minimum(la, lb))
    return np.asarray(np.hypot((lat[i + 1] - lat[i]) * ky, (lon[i + 1] - lon[i]) * kx), dtype=np.float64)


def _intersect(
    ls: LineSet, t: IntArray, lat: FloatArray, lon: FloatArray, i: IntArray, k: IntArray
) -> tuple[BoolArray, IntArray, BoolArray]:
    """For pairs (step i -> i+1, line k), in line-local metres: (crosses, instants, forward)."""
    mlat, mlon, kx, ky, ux, uy = ls.mid_lat[k], ls.mid_lon[k], ls.kx[k], ls.ky[k], ls.ux[k], ls.uy[k]
    x0, y0 = (lon[i] - mlon) * kx, (lat[i] - mlat) * ky
    x1, y1 = (lon[i + 1] - mlon) * kx, (lat[i + 1] - mlat) * ky
    s0 = ux * y0 - uy * x0  # > 0: left of P1->P2
    s1 = ux * y1 - uy * x1
    left0, left1 = s0 > 0, s1 > 0
    cross = left0 != left1
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.where(cross, s0 / (s0 - s1), 0.0)
    along = ux * (x0 + f * (x1 - x0)) + uy * (y0 + f * (y1 - y0))
    hit = cross & (np.abs(along) <= ls.half_m[k])
    ti = t[i[hit]]
    t_us = round_us(ti + f[hit] * (t[i[hit] + 1] - ti).astype(np.float64), HUNDREDTH_US)
    return hit, t_us, left1[hit] & ~left0[hit]


def _empty() -> Crossings:
    z = np.zeros(0, dtype=np.int64)
    return Crossings(z, z, np.zeros(0, dtype=bool), z, z)


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
