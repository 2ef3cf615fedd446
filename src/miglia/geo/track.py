"""A GPS track (fixes with integer-µs instants) and its cleaning: order, duplicates, multipath spikes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .common import (
    BoolArray,
    FloatArray,
    GeoError,
    IntArray,
    as_float_array,
    check_lat_lon,
    m_per_deg_lat,
    m_per_deg_lon,
)

#: Default maximum plausible speed; a fix reached and left faster than this is a multipath spike.
MAX_SPEED_KMH = 250.0


@dataclass(frozen=True, eq=False)
class Track:
    """Fixes of one device: `t_us` int64 µs since the Unix epoch (UTC), `lat`/`lon` float64 degrees."""

    t_us: IntArray
    lat: FloatArray
    lon: FloatArray
    source: str = ""

    def __post_init__(self) -> None:
        t = np.ascontiguousarray(self.t_us)
        if t.ndim != 1 or not np.issubdtype(t.dtype, np.integer):
            raise GeoError(f"track {self.source!r}: t_us must be a 1-D integer array (µs), got {t.dtype}")
        lat = as_float_array("lat", self.lat)
        lon = as_float_array("lon", self.lon)
        check_lat_lon(lat, lon, f"track {self.source!r}")
        if t.shape != lat.shape:
            raise GeoError(f"track {self.source!r}: t_us and lat differ in length ({t.size} != {lat.size})")
        # Frozen dataclass: normalise the arrays once, here.
        object.__setattr__(self, "t_us", t.astype(np.int64, copy=False))
        object.__setattr__(self, "lat", lat)
        object.__setattr__(self, "lon", lon)

    def __len__(self) -> int:
        return int(self.t_us.size)

    @property
    def is_clean(self) -> bool:
        """True when instants are strictly increasing (sorted, no duplicates)."""
        return bool(self.t_us.size < 2 or (np.diff(self.t_us) > 0).all())

    def cleaned(self) -> Track:
        """Fixes sorted by time; of several fixes at the same instant the first one in input order is kept."""
        if self.is_clean:
            return self
        order = np.argsort(self.t_us, kind="stable")
        t = self.t_us[order]
        keep = np.ones(t.size, dtype=bool)
        keep[1:] = t[1:] != t[:-1]
        order = order[keep]
        return Track(self.t_us[order], self.lat[order], self.lon[order], self.source)

    def reversed_in_space(self) -> Track:
        """The same instants with the positions in reverse order (drives the path backwards)."""
        return Track(self.t_us, self.lat[::-1].copy(), self.lon[::-1].copy(), self.source)


def require_fixes(track: Track, minimum: int, what: str) -> None:
    """GeoError if the track has fewer than `minimum` fixes."""
    if len(track) < minimum:
        raise GeoError(
            f"track {track.source!r} has {len(track)} fix(es) after removing duplicate instants; "
            f"{what} needs at least {minimum}"
        )


def step_lengths_m(lat: FloatArray, lon: FloatArray) -> FloatArray:
    """Length (m) of each step between consecutive fixes, never shorter than the true length.

    One east-west scale for the whole track, taken at the latitude nearest the equator, over-estimates
    east-west distances elsewhere (by 6 % over 4 degrees of latitude at 40 N): safe for "this step is
    long" tests, and cheap (no trigonometry per fix)."""
    if lat.size < 2:
        return np.zeros(0)
    abs_lat = np.abs(lat)
    ky = float(m_per_deg_lat(float(abs_lat.max())))  # M grows towards the poles
    kx = float(m_per_deg_lon(float(abs_lat.min())))  # cos(lat) shrinks towards the poles
    dy = np.diff(lat)
    dy *= ky
    dx = np.diff(lon)
    dx *= kx
    dx *= dx
    dy *= dy
    dx += dy
    return np.sqrt(dx, out=dx)


def spike_outliers(t_us: IntArray, step_m: FloatArray, max_speed_kmh: float = MAX_SPEED_KMH) -> BoolArray:
    """Flag single-fix multipath spikes: a fix reached AND left faster than `max_speed_kmh`.

    `step_m[i]` is the length of the step from fix i to fix i + 1.

    The first (last) fix is a spike when it is left (reached) too fast while the next (previous) step is
    plausible.  A burst of two or more wrong fixes close together is not caught by speed alone."""
    n = t_us.size
    out = np.zeros(n, dtype=bool)
    if n < 3:
        return out
    limit = np.diff(t_us).astype(np.float64)
    limit *= max_speed_kmh / 3.6e6  # metres allowed in each step
    fast = step_m > limit
    out[1:-1] = fast[:-1] & fast[1:]
    out[0] = fast[0] and not fast[1]
    out[-1] = fast[-1] and not fast[-2]
    return out


@dataclass(frozen=True, eq=False)
class PreparedTrack:
    """A cleaned track with what every kernel needs of it: step lengths and the multipath spikes."""

    track: Track
    step_m: FloatArray
    outlier: BoolArray

    @classmethod
    def of(cls, track: Track, max_speed_kmh: float = MAX_SPEED_KMH) -> PreparedTrack:
        clean = track.cleaned()
        step = step_lengths_m(clean.lat, clean.lon)
        return cls(clean, step, spike_outliers(clean.t_us, step, max_speed_kmh))
