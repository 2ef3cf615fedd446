"""Time-speed-distance: the ideal instant of an average-speed schedule and the car's actual instant.

Ideal instants are exact to the microsecond: the time of each constant-speed stretch is
distance x 3.6e6 / speed_kmh µs, summed in float64 (relative error 1e-16, i.e. < 1 µs over days) and rounded
once to the nearest multiple of `resolution_us` (default 1 µs; pass `HUNDREDTH_US` for hundredths).
Actual instants follow the crossing rule: linear interpolation between fixes, rounded to the hundredth.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, overload

import numpy as np
from numpy.typing import ArrayLike

from .chainage import ChainageResult
from .common import HUNDREDTH_US, NO_TIME, FloatArray, GeoError, IntArray, round_us


@dataclass(frozen=True)
class Schedule:
    """A leg leaving `start_chainage_m` at `start_us`; `changes` are (chainage_m, speed_kmh) in increasing
    chainage, the first at the start chainage: each speed holds until the next change."""

    start_us: int
    start_chainage_m: float
    changes: tuple[tuple[float, float], ...]

    def __post_init__(self) -> None:
        changes = tuple((float(c), float(v)) for c, v in self.changes)
        object.__setattr__(self, "changes", changes)
        if not changes:
            raise GeoError("a schedule needs at least one (chainage_m, speed_kmh) change")
        if changes[0][0] != float(self.start_chainage_m):
            raise GeoError(
                f"the first speed change is at chainage {changes[0][0]!r} m, not at the start "
                f"chainage {self.start_chainage_m!r} m"
            )
        for k, (c, v) in enumerate(changes):
            if not (np.isfinite(v) and v > 0):
                raise GeoError(f"speed change {k}: speed_kmh = {v!r} must be a positive number")
            if k and not c > changes[k - 1][0]:
                raise GeoError(f"speed change {k}: chainage {c!r} m does not increase")

    @classmethod
    def of(cls, start_us: int, start_chainage_m: float, changes: Sequence[tuple[float, float]]) -> Schedule:
        return cls(int(start_us), float(start_chainage_m), tuple(changes))

    def _tables(self) -> tuple[FloatArray, FloatArray, FloatArray]:
        c = np.array([ch[0] for ch in self.changes])
        us_per_m = 3.6e6 / np.array([ch[1] for ch in self.changes])  # µs per metre
        at = np.zeros(c.size)  # µs since the start at each change
        np.cumsum(np.diff(c) * us_per_m[:-1], out=at[1:])
        return c, us_per_m, at

    @overload
    def ideal_instant_us(self, chainage_m: float, resolution_us: int = 1) -> int: ...
    @overload
    def ideal_instant_us(self, chainage_m: ArrayLike, resolution_us: int = 1) -> Any: ...
    def ideal_instant_us(self, chainage_m: ArrayLike, resolution_us: int = 1) -> Any:
        """Ideal instant (µs) at each chainage (scalar or array)."""
        c = np.asarray(chainage_m, dtype=np.float64)
        if (~(c >= self.start_chainage_m)).any():
            raise GeoError(
                f"chainage {float(c.min())!r} m is before the start of the leg ({self.start_chainage_m} m)"
            )
        cc, us_per_m, at = self._tables()
        k = np.searchsorted(cc, c, side="right") - 1
        t = round_us(at[k] + (c - cc[k]) * us_per_m[k], resolution_us) + self.start_us
        return int(t) if c.ndim == 0 else t


def actual_instant_us(result: ChainageResult, chainage_m: ArrayLike) -> IntArray:
    """Instant (µs, hundredths) at which the car's chainage first reaches each value: linear interpolation
    between the last located fix before and the first at or beyond it.  `NO_TIME` when the track never
    reaches it, or when its first located fix is already beyond it."""
    c = np.atleast_1d(np.asarray(chainage_m, dtype=np.float64))
    ok = np.isfinite(result.chainage_m)
    cv, tv = result.chainage_m[ok], result.track.t_us[ok]
    out = np.full(c.size, NO_TIME, dtype=np.int64)
    if cv.size == 0:
        return out
    reached = np.maximum.accumulate(cv)
    j = np.searchsorted(reached, c, side="left")
    at_first = (j == 0) & (cv[0] == c)
    out[at_first] = tv[0]
    inner = (j > 0) & (j < cv.size)
    jj = j[inner]
    f = (c[inner] - cv[jj - 1]) / (cv[jj] - cv[jj - 1])
    out[inner] = round_us(tv[jj - 1] + f * (tv[jj] - tv[jj - 1]).astype(np.float64), HUNDREDTH_US)
    return out


def deviation_us(schedule: Schedule, result: ChainageResult, chainage_m: ArrayLike) -> IntArray:
    """actual - ideal (µs) at each chainage; `NO_TIME` where the actual instant is unknown.  The ideal is
    taken to the microsecond, so the deviation is what the timekeeper then rounds by the rules."""
    actual = actual_instant_us(result, chainage_m)
    ideal = np.atleast_1d(schedule.ideal_instant_us(np.asarray(chainage_m, dtype=np.float64)))
    return np.where(actual == NO_TIME, NO_TIME, actual - ideal)
