"""Where a car is along the day's route: chainage (metres from the start) and offset (metres off it).

This is the one place live tracking measures along a route. It uses a local equirectangular projection
(good to well under 1 % over a rally day) so that it runs before the `miglia.geo` kernel exists; when
`miglia.geo` provides chainage, swap the body of `RouteLine.locate` for it and nothing else changes.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

EARTH_RADIUS_M = 6_371_008.8
_SAME_PLACE_M = 30.0
"""Where the route passes the same place twice, candidates this close to the nearest one are ties."""
_CELLS = 1 << 21
"""Points x segments computed at once by `RouteLine.candidates` (bounds its memory: ~16 MB an array)."""

Candidates = tuple[float, float, tuple[tuple[float, float], ...] | None]
"""A point's (chainage, offset) on its nearest segment, and, where other segments are about as near
(`_SAME_PLACE_M`), every such (chainage, offset) in route order, for the car's previous chainage to choose."""


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class RouteLine:
    x: NDArray[np.float64]
    y: NDArray[np.float64]
    cum: NDArray[np.float64]
    lat0: float
    lon0: float
    cos0: float

    @classmethod
    def from_coordinates(cls, coordinates: Sequence[Sequence[float]]) -> RouteLine:
        """From [[lat, lon], ...] in driving order (at least two points)."""
        pts = np.asarray(coordinates, dtype=np.float64)
        if pts.ndim != 2 or pts.shape[0] < 2:
            raise ValueError("a route needs at least two points")
        lat0, lon0 = float(pts[:, 0].mean()), float(pts[:, 1].mean())
        cos0 = math.cos(math.radians(lat0))
        x = np.radians(pts[:, 1] - lon0) * EARTH_RADIUS_M * cos0
        y = np.radians(pts[:, 0] - lat0) * EARTH_RADIUS_M
        cum = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(x), np.diff(y)))])
        return cls(x, y, cum, lat0, lon0, cos0)

    @property
    def length_m(self) -> float:
        return float(self.cum[-1])

    @functools.cached_property
    def _segments(self) -> tuple[NDArray[np.float64], ...]:
        x0, y0, dx, dy = self.x[:-1], self.y[:-1], np.diff(self.x), np.diff(self.y)
        seg2 = dx * dx + dy * dy
        return x0, y0, dx, dy, seg2, np.where(seg2 > 0, seg2, 1.0), np.sqrt(seg2), self.cum[:-1]

    def candidates(self, lat: NDArray[np.float64], lon: NDArray[np.float64]) -> list[Candidates]:
        """`locate` for many points at once, before the hint: computed with the very operations of
        `locate`, so `pick(candidates(...)[i], hint)` equals `locate(lat[i], lon[i], hint)` exactly."""
        x0, y0, dx, dy, seg2, safe2, length, cum = self._segments
        rows = max(1, _CELLS // max(1, x0.size))
        out: list[Candidates] = []
        for start in range(0, lat.size, rows):
            px = (np.radians(lon[start : start + rows] - self.lon0) * EARTH_RADIUS_M * self.cos0)[:, None]
            py = (np.radians(lat[start : start + rows] - self.lat0) * EARTH_RADIUS_M)[:, None]
            t = np.where(seg2 > 0, ((px - x0) * dx + (py - y0) * dy) / safe2, 0.0)
            np.clip(t, 0.0, 1.0, out=t)
            dist = np.hypot(x0 + t * dx - px, y0 + t * dy - py)
            chain = cum + t * length
            best = np.argmin(dist, axis=1)
            rows_at = np.arange(best.size)
            best_dist = dist[rows_at, best]
            near = dist <= (best_dist + _SAME_PLACE_M)[:, None]
            many = np.count_nonzero(near, axis=1) > 1
            best_chain = chain[rows_at, best]
            for r, (c, d, m) in enumerate(
                zip(best_chain.tolist(), best_dist.tolist(), many.tolist(), strict=True)
            ):
                if m:
                    k = np.flatnonzero(near[r])
                    out.append((c, d, tuple(zip(chain[r, k].tolist(), dist[r, k].tolist(), strict=True))))
                else:
                    out.append((c, d, None))
        return out

    def locate(self, lat: float, lon: float, hint_m: float | None = None) -> tuple[float, float]:
        """(chainage, offset) in metres of the route's point nearest to (lat, lon).

        Where the route passes near the same place more than once, the candidate nearest to `hint_m`
        (the car's previous chainage) wins, so a car is not sent back to an earlier pass.
        """
        px = math.radians(lon - self.lon0) * EARTH_RADIUS_M * self.cos0
        py = math.radians(lat - self.lat0) * EARTH_RADIUS_M
        x0, y0, dx, dy = self.x[:-1], self.y[:-1], np.diff(self.x), np.diff(self.y)
        seg2 = dx * dx + dy * dy
        t = np.where(seg2 > 0, ((px - x0) * dx + (py - y0) * dy) / np.where(seg2 > 0, seg2, 1.0), 0.0)
        t = np.clip(t, 0.0, 1.0)
        dist = np.hypot(x0 + t * dx - px, y0 + t * dy - py)
        chain = self.cum[:-1] + t * np.sqrt(seg2)
        best = int(np.argmin(dist))
        if hint_m is not None:
            near = np.flatnonzero(dist <= dist[best] + _SAME_PLACE_M)
            best = int(near[np.argmin(np.abs(chain[near] - hint_m))])
        return float(chain[best]), float(dist[best])


def pick(candidates: Candidates, hint_m: float | None) -> tuple[float, float]:
    """(chainage, offset) of a point from its `RouteLine.candidates`, as `RouteLine.locate` chooses."""
    chain, dist, near = candidates
    if hint_m is None or near is None:
        return chain, dist
    best = near[0]
    best_gap = abs(best[0] - hint_m)
    for candidate in near[1:]:
        gap = abs(candidate[0] - hint_m)
        if gap < best_gap:
            best, best_gap = candidate, gap
    return best
