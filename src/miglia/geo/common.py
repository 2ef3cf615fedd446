"""Shared definitions of the geo kernels: the error type, array aliases, WGS84 local scales, time rounding,
and `jit`, the compiler of the per-fix loops."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar, cast

import numba
import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

#: Sentinel instant (µs) meaning "no time" in int64 arrays (the car never reached / crossed).
NO_TIME: int = int(np.iinfo(np.int64).min)

#: Crossing instants are rounded to the nearest hundredth of a second.
HUNDREDTH_US: int = 10_000

_A = 6378137.0  # WGS84 semi-major axis (m)
_F = 1 / 298.257223563
_E2 = _F * (2 - _F)
_RAD = np.pi / 180.0


_P = ParamSpec("_P")
_R = TypeVar("_R")


def jit(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    """Compile a per-fix loop with numba: nopython, cached on disk (`__pycache__`, else numba's user cache),
    and without fast-math, so that its floating-point operations are those written, in that order."""
    return cast(Callable[_P, _R], numba.njit(cache=True, nogil=True)(fn))


class GeoError(ValueError):
    """Bad input to a geo kernel (empty or too short track/route, out-of-range chainage...)."""


def m_per_deg_lat(lat_deg: Any) -> Any:
    """Metres per degree of latitude at `lat_deg` (meridional radius of curvature M of WGS84)."""
    s = np.sin(np.asarray(lat_deg, dtype=np.float64) * _RAD)
    return _A * (1 - _E2) / (1 - _E2 * s * s) ** 1.5 * _RAD


def m_per_deg_lon(lat_deg: Any) -> Any:
    """Metres per degree of longitude at `lat_deg` (prime-vertical radius N times cos(lat) of WGS84)."""
    phi = np.asarray(lat_deg, dtype=np.float64) * _RAD
    s = np.sin(phi)
    return _A / np.sqrt(1 - _E2 * s * s) * np.cos(phi) * _RAD


def round_us(t_us: Any, resolution_us: int = HUNDREDTH_US) -> IntArray:
    """Round microseconds to the nearest multiple of `resolution_us`, halves up.

    Computed in float64, which holds every integer µs instant exactly until the year 2255."""
    x = np.asarray(t_us, dtype=np.float64) / resolution_us
    return (np.floor(x + 0.5).astype(np.int64)) * resolution_us


def as_float_array(name: str, values: Any) -> FloatArray:
    """1-D float64 copy-free view of `values`; GeoError naming `name` if not 1-D or not finite."""
    a = np.ascontiguousarray(values, dtype=np.float64)
    if a.ndim != 1:
        raise GeoError(f"{name} must be a 1-D array, got shape {a.shape}")
    if not np.isfinite(a).all():
        bad = int(np.flatnonzero(~np.isfinite(a))[0])
        raise GeoError(f"{name}[{bad}] is not a finite number: {float(a[bad])!r}")
    return a


def check_lat_lon(lat: FloatArray, lon: FloatArray, what: str) -> None:
    """GeoError if shapes differ or a coordinate is out of range."""
    if lat.shape != lon.shape:
        raise GeoError(f"{what}: lat and lon differ in length ({lat.size} != {lon.size})")
    if lat.size and (np.abs(lat).max() > 90.0):
        bad = int(np.flatnonzero(np.abs(lat) > 90.0)[0])
        raise GeoError(f"{what}: lat[{bad}] = {float(lat[bad])!r} is outside [-90, 90]")
    if lon.size and (np.abs(lon).max() > 180.0):
        bad = int(np.flatnonzero(np.abs(lon) > 180.0)[0])
        raise GeoError(f"{what}: lon[{bad}] = {float(lon[bad])!r} is outside [-180, 180]")
