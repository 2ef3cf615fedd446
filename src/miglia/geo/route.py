"""The route a day drives: a polyline with geodesic chainage (distance along the route, metres)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, overload

import numpy as np
from numpy.typing import ArrayLike
from pyproj import Geod

from .common import FloatArray, GeoError, IntArray, as_float_array, check_lat_lon

GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True, eq=False)
class Route:
    """Vertices (`lat`, `lon`, degrees) with `chainage_m` at each vertex (geodesic, cumulative, from 0)
    and `azimuth_deg`, the forward geodesic azimuth at the start of each segment (clockwise from north).

    Build it with `Route.from_latlon` or `Route.from_segments`.  Consecutive repeated vertices are dropped.
    Between vertices, positions are interpolated linearly in lat/lon and chainage linearly in length: for
    road segments (< a few km) the difference from the geodesic is far below GPS accuracy."""

    lat: FloatArray
    lon: FloatArray
    chainage_m: FloatArray
    azimuth_deg: FloatArray

    @classmethod
    def from_latlon(cls, lat: ArrayLike, lon: ArrayLike) -> Route:
        la = as_float_array("route lat", lat)
        lo = as_float_array("route lon", lon)
        check_lat_lon(la, lo, "route")
        keep = np.ones(la.size, dtype=bool)
        keep[1:] = (la[1:] != la[:-1]) | (lo[1:] != lo[:-1])
        la, lo = la[keep], lo[keep]
        if la.size < 2:
            raise GeoError(f"a route needs at least 2 distinct points, got {la.size}")
        az, _, dist = GEOD.inv(lo[:-1], la[:-1], lo[1:], la[1:])
        chain = np.zeros(la.size)
        np.cumsum(dist, out=chain[1:])
        return cls(la, lo, chain, np.asarray(az, dtype=np.float64) % 360.0)

    @classmethod
    def from_segments(cls, segments: Sequence[tuple[ArrayLike, ArrayLike]]) -> Route:
        """Concatenate (lat, lon) pieces in order (e.g. GPX segments); each join is a straight connector
        whose length counts in the chainage."""
        if not segments:
            raise GeoError("a route needs at least one segment, got none")
        lat = np.concatenate([as_float_array(f"route segment {k} lat", s[0]) for k, s in enumerate(segments)])
        lon = np.concatenate([as_float_array(f"route segment {k} lon", s[1]) for k, s in enumerate(segments)])
        return cls.from_latlon(lat, lon)

    @property
    def length_m(self) -> float:
        return float(self.chainage_m[-1])

    @property
    def n_segments(self) -> int:
        return int(self.lat.size - 1)

    def segment_at(self, chainage_m: ArrayLike) -> IntArray:
        """Index of the segment holding each chainage (the later segment at a vertex; the last at the end)."""
        c = self._check_chainage(chainage_m)
        seg = np.searchsorted(self.chainage_m, c, side="right") - 1
        return np.clip(seg, 0, self.n_segments - 1).astype(np.int64)

    @overload
    def point_at(self, chainage_m: float) -> tuple[float, float]: ...
    @overload
    def point_at(self, chainage_m: ArrayLike) -> tuple[Any, Any]: ...
    def point_at(self, chainage_m: ArrayLike) -> tuple[Any, Any]:
        """(lat, lon) at a chainage (scalar or array)."""
        c = self._check_chainage(chainage_m)
        seg = self.segment_at(c)
        c0 = self.chainage_m[seg]
        f = (c - c0) / (self.chainage_m[seg + 1] - c0)
        lat = self.lat[seg] + f * (self.lat[seg + 1] - self.lat[seg])
        lon = self.lon[seg] + f * (self.lon[seg + 1] - self.lon[seg])
        if np.ndim(chainage_m) == 0:
            return float(lat), float(lon)
        return lat, lon

    @overload
    def bearing_at(self, chainage_m: float) -> float: ...
    @overload
    def bearing_at(self, chainage_m: ArrayLike) -> Any: ...
    def bearing_at(self, chainage_m: ArrayLike) -> Any:
        """Direction of travel (degrees clockwise from north, [0, 360)) of the segment at a chainage."""
        az = self.azimuth_deg[self.segment_at(chainage_m)]
        return float(az) if np.ndim(chainage_m) == 0 else az

    def _check_chainage(self, chainage_m: ArrayLike) -> FloatArray:
        c = np.asarray(chainage_m, dtype=np.float64)
        tol = 1e-6
        bad = ~((c >= -tol) & (c <= self.length_m + tol))
        if bad.any():
            value = float(c[bad].flat[0])
            raise GeoError(f"chainage {value!r} m is outside the route [0, {self.length_m:.3f}] m")
        return np.clip(c, 0.0, self.length_m)
