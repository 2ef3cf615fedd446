"""A GPS track (fixes with integer-µs instants) and its cleaning: order, duplicates, multipath spikes."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .common import (
    BoolArray,
    FloatArray,
    GeoError,
    IntArray,
    as_float_array,
    check_lat_lon,
    jit,
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
    #: The smallest and largest |lat|, found while checking the coordinates (for `PreparedTrack`).
    abs_lat_range: tuple[float, float] = field(init=False, repr=False, compare=False)

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
        abs_lat = np.abs(lat)
        span = (float(abs_lat.min()), float(abs_lat.max())) if lat.size else (0.0, 0.0)
        object.__setattr__(self, "abs_lat_range", span)

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


@jit
def _steps_and_spikes(
    t: IntArray, lat: FloatArray, lon: FloatArray, ky: float, kx: float, m_per_us: float
) -> tuple[bool, FloatArray, BoolArray]:
    """(instants strictly increasing, step lengths, spikes) in one pass; the arrays are complete only
    when the instants increase (`PreparedTrack` cleans the track first otherwise).

    Step i runs from fix i to fix i + 1; its length uses the scales `ky`, `kx` (metres per degree), which
    over-estimate it.  A spike is a fix reached AND left faster than `m_per_us`; the first (last) fix is
    one when it is left (reached) too fast while the next (previous) step is plausible.  A burst of two or
    more wrong fixes close together is not caught by speed alone."""
    n = t.size
    step = np.empty(max(n - 1, 0))
    spike = np.zeros(n, dtype=np.bool_)
    fast_before = False
    for i in range(n - 1):
        dt = t[i + 1] - t[i]
        if dt <= 0:
            return False, step, spike
        dy = (lat[i + 1] - lat[i]) * ky
        dx = (lon[i + 1] - lon[i]) * kx
        step[i] = math.sqrt(dx * dx + dy * dy)
        fast = step[i] > float(dt) * m_per_us
        spike[i] = fast_before and fast
        fast_before = fast
    if n >= 3:
        first_fast = step[0] > float(t[1] - t[0]) * m_per_us
        second_fast = step[1] > float(t[2] - t[1]) * m_per_us
        before_last_fast = step[n - 3] > float(t[n - 2] - t[n - 3]) * m_per_us
        spike[0] = first_fast and not second_fast
        spike[n - 1] = fast_before and not before_last_fast
    return True, step, spike


@dataclass(frozen=True, eq=False)
class PreparedTrack:
    """A cleaned track with what every kernel needs of it: step lengths and the multipath spikes."""

    track: Track
    step_m: FloatArray
    outlier: BoolArray

    @classmethod
    def of(cls, track: Track, max_speed_kmh: float = MAX_SPEED_KMH) -> PreparedTrack:
        m_per_us = max_speed_kmh / 3.6e6
        # One scale per axis for the whole track, each over-estimating its axis (M grows towards the poles,
        # cos(lat) shrinks): east-west distances come out 6 % long over 4 degrees at 40 N, which is safe for
        # "this step is long" and "this fix is a spike", and costs no trigonometry per fix.
        lo, hi = track.abs_lat_range
        ky, kx = float(m_per_deg_lat(hi)), float(m_per_deg_lon(lo))
        clean = track
        increasing, step, spike = _steps_and_spikes(track.t_us, track.lat, track.lon, ky, kx, m_per_us)
        if not increasing:  # out of order or duplicate instants: clean, then measure again
            clean = track.cleaned()
            _, step, spike = _steps_and_spikes(clean.t_us, clean.lat, clean.lon, ky, kx, m_per_us)
        return cls(clean, step, spike)
