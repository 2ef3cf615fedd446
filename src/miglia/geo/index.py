"""Spatial index of a route for fast projection of fixes: a sparse raster of the route's corridor.

Each cell (default 25 m) within `reach_m` of the route stores, for every *pass* of the route near it (a run
of consecutive segments; an out-and-back road has two passes), the segment nearest the cell centre.  A fix
looks up its cell (two gathers), projects on that segment and walks to the neighbouring segment while the
foot of the perpendicular falls beyond an end (a few fixes, a few steps).  Cells with one pass (nearly all)
take the fast path; cells with several are resolved by continuity in `chainage.py`.

Geometry: `segments.py`.  Fixes beyond the corridor get their distance to the route from `buckets.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from .buckets import SegmentBuckets
from .common import FloatArray, GeoError, IntArray, m_per_deg_lat, m_per_deg_lon
from .grid import SparseGrid
from .route import Route
from .segments import KX, KY, LAT, LON, UX, UY, offsets, segment_table


@dataclass(frozen=True, eq=False)
class RouteIndex:
    """Corridor raster of a route (see module doc).  `multi[k]` lists the segments of each pass of
    multi-pass cell `-2 - k` (padded with -1)."""

    route: Route
    reach_m: float
    cell_m: float
    grid: SparseGrid
    table: FloatArray  # one row per segment, columns LAT..GEOLEN
    multi: IntArray

    @classmethod
    def build(cls, route: Route, reach_m: float = 100.0, cell_m: float = 25.0) -> RouteIndex:
        if not (reach_m > 0 and cell_m > 0):
            raise GeoError(f"reach_m and cell_m must be positive, got {reach_m!r}, {cell_m!r}")
        table = segment_table(route)
        lat, lon = route.lat, route.lon
        latc = 0.5 * (float(lat.min()) + float(lat.max()))
        dlat = cell_m / float(m_per_deg_lat(latc))
        dlon = cell_m / float(m_per_deg_lon(latc))
        kx, ky = table[:, KX], table[:, KY]
        # A cell is kept for a segment when its centre is within reach + half its diagonal: then every
        # point of the cell within `reach_m` of the segment is covered.
        radius = reach_m + 0.5 * np.hypot(dlon * kx, dlat * ky) * 1.001
        rx, ry = radius / (kx * dlon), radius / (ky * dlat)  # in cells, per segment
        pad_x, pad_y = float(rx.max()) + 3, float(ry.max()) + 3
        lon0, lat0 = float(lon.min()) - pad_x * dlon, float(lat.min()) - pad_y * dlat
        nx = int((float(lon.max()) - lon0) / dlon + pad_x) + 1
        ny = int((float(lat.max()) - lat0) / dlat + pad_y) + 1
        cells, segs = _covered_cells(table, lat0, lon0, dlat, dlon, nx, rx, ry, radius, 2.0 * cell_m)
        ix, iy, code, multi = _passes(cells, segs, table, lat0, lon0, dlat, dlon, nx)
        along = code.copy()  # the (first) segment near each cell
        along[code <= -2] = multi[-2 - code[code <= -2], 0]
        grid = SparseGrid.build(lat0, lon0, dlat, dlon, nx, ny, ix, iy, code, order=along)
        return cls(route, float(reach_m), float(cell_m), grid, table, multi)

    @cached_property
    def _buckets(self) -> SegmentBuckets:
        return SegmentBuckets.build(self.route.lat, self.route.lon)

    @cached_property
    def _far(self) -> tuple[Any, Any]:
        """STRtree of the segments in an azimuthal equidistant plane centred on the route (lazy)."""
        import shapely
        from pyproj import Transformer

        lat, lon = self.route.lat, self.route.lon
        proj = f"+proj=aeqd +lat_0={float(lat.mean())} +lon_0={float(lon.mean())} +ellps=WGS84 +units=m"
        tr = Transformer.from_crs("EPSG:4326", proj, always_xy=True)
        x, y = tr.transform(lon, lat)
        pts = np.column_stack([x, y])
        lines = shapely.linestrings(np.stack([pts[:-1], pts[1:]], axis=1))
        return tr, shapely.STRtree(lines)

    def far_offsets(self, lat: FloatArray, lon: FloatArray) -> FloatArray:
        """Distance (m) to the route of points beyond `reach_m`: in the segments' local planes up to 5 km
        (`buckets.py`); farther, in an azimuthal equidistant projection centred on the route, exact to
        < 0.5 % within 1,000 km of its centre."""
        import shapely

        out = self._buckets.distances(self.table, np.ascontiguousarray(lat), np.ascontiguousarray(lon))
        rest = np.flatnonzero(np.isnan(out))
        if rest.size:
            tr, tree = self._far
            x, y = tr.transform(lon[rest], lat[rest])
            _, dist = tree.query_nearest(shapely.points(x, y), return_distance=True, all_matches=False)
            out[rest] = dist
        return out


def _covered_cells(
    table: FloatArray,
    lat0: float,
    lon0: float,
    dlat: float,
    dlon: float,
    nx: int,
    rx: FloatArray,
    ry: FloatArray,
    radius: FloatArray,
    piece_m: float,
) -> tuple[IntArray, IntArray]:
    """All (cell id, segment) pairs with the cell centre within `radius` of the segment.

    Segments are cut into pieces of <= `piece_m` so that a long straight segment enumerates only the cells
    of its corridor, not of its whole bounding box.  Work goes in chunks to bound memory."""
    nseg = table.shape[0]
    length = np.sqrt(table[:, UX] ** 2 + table[:, UY] ** 2)
    npieces = np.maximum(np.ceil(length / piece_m), 1).astype(np.int64)
    out_cells: list[IntArray] = []
    out_segs: list[IntArray] = []
    seg_of_piece = np.repeat(np.arange(nseg), npieces)
    j = np.arange(seg_of_piece.size) - np.repeat(np.cumsum(npieces) - npieces, npieces)
    f0 = j / npieces[seg_of_piece]
    f1 = (j + 1) / npieces[seg_of_piece]
    chunk = 4096
    for a in range(0, seg_of_piece.size, chunk):
        s = seg_of_piece[a : a + chunk]
        r = table[s]
        dlon_seg, dlat_seg = r[:, UX] / r[:, KX], r[:, UY] / r[:, KY]
        x0 = (r[:, LON] + f0[a : a + chunk] * dlon_seg - lon0) / dlon - 0.5
        x1 = (r[:, LON] + f1[a : a + chunk] * dlon_seg - lon0) / dlon - 0.5
        y0 = (r[:, LAT] + f0[a : a + chunk] * dlat_seg - lat0) / dlat - 0.5
        y1 = (r[:, LAT] + f1[a : a + chunk] * dlat_seg - lat0) / dlat - 0.5
        xmin = np.floor(np.minimum(x0, x1) - rx[s]).astype(np.int64)
        xmax = np.ceil(np.maximum(x0, x1) + rx[s]).astype(np.int64)
        ymin = np.floor(np.minimum(y0, y1) - ry[s]).astype(np.int64)
        ymax = np.ceil(np.maximum(y0, y1) + ry[s]).astype(np.int64)
        wx, wy = xmax - xmin + 1, ymax - ymin + 1
        count = wx * wy
        p = np.repeat(np.arange(s.size), count)
        q = np.arange(p.size) - np.repeat(np.cumsum(count) - count, count)
        ix = xmin[p] + q % wx[p]
        iy = ymin[p] + q // wx[p]
        sp = s[p]
        d = _centre_distance(table, sp, lat0 + (iy + 0.5) * dlat, lon0 + (ix + 0.5) * dlon)
        keep = d <= radius[sp]
        out_cells.append(iy[keep] * nx + ix[keep])
        out_segs.append(sp[keep])
    return np.concatenate(out_cells), np.concatenate(out_segs)


def _centre_distance(table: FloatArray, seg: IntArray, lat: FloatArray, lon: FloatArray) -> FloatArray:
    return offsets(table, np.ascontiguousarray(seg, dtype=np.int64), lat, lon)


def _passes(
    cells: IntArray,
    segs: IntArray,
    table: FloatArray,
    lat0: float,
    lon0: float,
    dlat: float,
    dlon: float,
    nx: int,
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Group each cell's segments into passes (runs of consecutive segments) and keep, per pass, the
    segment nearest the cell centre.  Returns (ix, iy, code, multi) for the grid."""
    nseg = table.shape[0]
    key = np.unique(cells * nseg + segs)
    cell, seg = key // nseg, key % nseg
    ix, iy = cell % nx, cell // nx
    dist = _centre_distance(table, seg, lat0 + (iy + 0.5) * dlat, lon0 + (ix + 0.5) * dlon)
    new_pass = np.ones(key.size, dtype=bool)
    new_pass[1:] = (cell[1:] != cell[:-1]) | (seg[1:] - seg[:-1] > 1)
    pass_id = np.cumsum(new_pass) - 1
    order = np.lexsort((dist, pass_id))
    first = np.ones(order.size, dtype=bool)
    first[1:] = pass_id[order[1:]] != pass_id[order[:-1]]
    best = order[first]  # one row per pass, in (cell, chainage) order
    p_cell, p_seg = cell[best], seg[best]
    new_cell = np.ones(p_cell.size, dtype=bool)
    new_cell[1:] = p_cell[1:] != p_cell[:-1]
    start = np.flatnonzero(new_cell)
    npass = np.diff(np.append(start, p_cell.size))
    code = p_seg[start].copy()
    many = np.flatnonzero(npass > 1)
    width = int(npass.max())
    multi = np.full((many.size, width), -1, dtype=np.int64)
    for k in range(width):  # width is small (passes of the route through one cell)
        rows = many[npass[many] > k]
        multi[np.searchsorted(many, rows), k] = p_seg[start[rows] + k]
    code[many] = -2 - np.arange(many.size)
    c = p_cell[start]
    return c % nx, c // nx, code, multi
