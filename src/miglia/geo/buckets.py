"""Distance to the route of fixes beyond its corridor raster (`index.RouteIndex`): multipath spikes, a
wrong turn, a car parked off the road.

The route's segments are bucketed on a coarse grid (500 m cells; each cell lists the segments whose
bounding box meets it, as compressed rows).  A fix searches the rings of cells around its own, nearest
first, projecting on every segment listed (`index.project`, the same local-plane geometry as on the
corridor), and stops once the nearest segment found is nearer than any unsearched ring can be.  Beyond
`MAX_RINGS` rings (5 km) or outside the grid the caller falls back to a slower exact method.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .common import FloatArray, IntArray, jit, m_per_deg_lat, m_per_deg_lon
from .segments import project

CELL_M = 500.0
MAX_RINGS = 10

#: `SegmentBuckets.params`: lat0, lon0, cell height and width in degrees, columns, rows.
BucketParams = tuple[float, float, float, float, int, int]


@dataclass(frozen=True, eq=False)
class SegmentBuckets:
    """The segments of a route by coarse cell: those of cell c are `segs[start[c]:start[c + 1]]`."""

    params: BucketParams
    cell_min_m: float  # the shortest side of any cell, metres: ring r is at least (r - 1) cells away
    start: IntArray
    segs: IntArray

    @classmethod
    def build(cls, lat: FloatArray, lon: FloatArray, cell_m: float = CELL_M) -> SegmentBuckets:
        """Buckets of the segments of the polyline (lat, lon), covering its box and `MAX_RINGS` cells
        around it; cells grow beyond `cell_m` where needed to keep the grid under 4 M cells."""
        abs_lat = np.abs(lat)
        dlat = cell_m / float(m_per_deg_lat(float(abs_lat.min())))
        dlon = cell_m / float(m_per_deg_lon(min(float(abs_lat.max()) + 1.0, 89.0)))
        span_lat, span_lon = float(np.ptp(lat)), float(np.ptp(lon))
        cells = (span_lat / dlat + 2 * MAX_RINGS) * (span_lon / dlon + 2 * MAX_RINGS)
        grow = math.sqrt(max(cells / 4e6, 1.0))
        dlat, dlon = dlat * grow, dlon * grow
        lat0 = float(lat.min()) - MAX_RINGS * dlat
        lon0 = float(lon.min()) - MAX_RINGS * dlon
        nx = int(span_lon / dlon) + 2 * MAX_RINGS + 1
        ny = int(span_lat / dlat) + 2 * MAX_RINGS + 1
        # Metres shrink east-west towards the pole and north-south towards the equator: take the box's
        # extreme latitudes (0 m near a pole, and the search then falls back to the exact method).
        near_equator = max(float(abs_lat.min()) - (MAX_RINGS + 1) * dlat, 0.0)
        near_pole = min(float(abs_lat.max()) + (MAX_RINGS + 1) * dlat, 90.0)
        cell_min_m = min(dlat * float(m_per_deg_lat(near_equator)), dlon * float(m_per_deg_lon(near_pole)))

        x0 = np.floor((np.minimum(lon[:-1], lon[1:]) - lon0) / dlon).astype(np.int64)
        x1 = np.floor((np.maximum(lon[:-1], lon[1:]) - lon0) / dlon).astype(np.int64)
        y0 = np.floor((np.minimum(lat[:-1], lat[1:]) - lat0) / dlat).astype(np.int64)
        y1 = np.floor((np.maximum(lat[:-1], lat[1:]) - lat0) / dlat).astype(np.int64)
        wx = x1 - x0 + 1
        count = wx * (y1 - y0 + 1)
        seg = np.repeat(np.arange(count.size), count)
        k = np.arange(seg.size) - np.repeat(np.cumsum(count) - count, count)
        cell = (y0[seg] + k // wx[seg]) * nx + x0[seg] + k % wx[seg]
        order = np.argsort(cell, kind="stable")
        start = np.searchsorted(cell[order], np.arange(nx * ny + 1))
        return cls((lat0, lon0, dlat, dlon, nx, ny), cell_min_m, start.astype(np.int64), seg[order])

    def distances(self, table: FloatArray, lat: FloatArray, lon: FloatArray) -> FloatArray:
        """Distance (m) from each point to the segments of `table` (`index.RouteIndex.table`); NaN for
        points outside the grid or farther than `MAX_RINGS` cells."""
        return _distances(table, self.params, self.cell_min_m, self.start, self.segs, lat, lon)


@jit
def _distances(
    table: FloatArray,
    params: BucketParams,
    cell_min_m: float,
    start: IntArray,
    segs: IntArray,
    lat: FloatArray,
    lon: FloatArray,
) -> FloatArray:
    out = np.empty(lat.size)
    for i in range(lat.size):
        out[i] = _nearest(table, params, cell_min_m, start, segs, lat[i], lon[i])
    return out


@jit
def _nearest(
    table: FloatArray,
    params: BucketParams,
    cell_min_m: float,
    start: IntArray,
    segs: IntArray,
    lat: float,
    lon: float,
) -> float:
    lat0, lon0, dlat, dlon, nx, ny = params
    cx = math.floor((lon - lon0) / dlon)
    cy = math.floor((lat - lat0) / dlat)
    if cx < 0 or cy < 0 or cx >= nx or cy >= ny:
        return np.nan
    best = np.inf
    for r in range(MAX_RINGS + 1):
        for iy in range(max(cy - r, 0), min(cy + r, ny - 1) + 1):
            # The ring's first and last rows are whole; the rows between have only their two ends.
            step = 1 if (iy == cy - r or iy == cy + r) else 2 * r
            for ix in range(cx - r, cx + r + 1, step):
                if 0 <= ix < nx:
                    cell = iy * nx + ix
                    for j in range(start[cell], start[cell + 1]):
                        best = min(best, project(table, segs[j], lat, lon)[1])
        # Any segment not listed so far lies in rings beyond r: at least r whole cells away.
        if best <= r * cell_min_m:
            return best
    return np.nan
