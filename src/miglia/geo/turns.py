"""Turning points of a route, for the roadbook: where the road changes direction, measured over distance.

The route is resampled every `STEP_M` metres of chainage. The heading in at a point is the bearing of
the chord from `FAR_M` to `NEAR_M` before it, the heading out that of the chord from `NEAR_M` to `FAR_M`
after it; their difference is the turn at that point. Measuring over chords, not vertex to vertex, is what
keeps noisy GPX (a few metres of jitter) and the many small vertices of a smooth bend from making false
turns: a bend of radius R changes the heading by about (NEAR_M + FAR_M) / R radians between the chords,
less than `MIN_TURN_DEG` for the gentle bends of an ordinary road, while a junction turns it all at once.

Where the turn stays above `MIN_TURN_DEG` (or the heading swings by `MIN_SWING_DEG` between the chords)
for a stretch, that stretch is one manoeuvre (stretches closer
than `MERGE_M` join: the bends into and out of a roundabout). Its point is the sharpest place; its net
turn is read from the chord in to the chord out, and the largest rotation each way inside it on the
unwrapped heading of the short chords, which is how a roundabout (the heading swings against the net
turn) and a hairpin (nearly 180 degrees one way) are told from a plain turn.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .common import FloatArray, GeoError, m_per_deg_lat, m_per_deg_lon
from .route import Route

STEP_M = 5.0
NEAR_M = 10.0
FAR_M = 50.0
MIN_TURN_DEG = 40.0
MIN_SWING_DEG = 100.0
"""...or where the heading of chords of `SWING_CHORD_M` swings this much within FAR_M either side,
whatever the net turn (a roundabout)."""
SWING_CHORD_M = 20.0
MIN_RUN_M = 15.0
"""A stretch above the threshold shorter than this is noise (a true corner holds it over 2 x NEAR_M)."""
MERGE_M = 30.0


@dataclass(frozen=True, eq=False)
class TurningPoints:
    """The route's manoeuvres in chainage order; every array has one value per manoeuvre."""

    chainage_m: FloatArray
    """Where the manoeuvre is sharpest."""
    start_m: FloatArray
    end_m: FloatArray
    """The stretch the manoeuvre spans (its turning, without the chords)."""
    heading_in_deg: FloatArray
    """Bearing of travel before the manoeuvre, [0, 360)."""
    heading_out_deg: FloatArray
    turn_deg: FloatArray
    """Net change of heading: positive to the right (clockwise), negative to the left; beyond 180 in
    magnitude when the road loops (a roundabout's fourth exit, a spiral)."""
    right_deg: FloatArray
    """The largest rotation to the right inside the manoeuvre (>= 0)."""
    left_deg: FloatArray
    """The largest rotation to the left inside the manoeuvre (>= 0)."""

    def __len__(self) -> int:
        return int(self.chainage_m.size)


def turning_points(route: Route) -> TurningPoints:
    """The manoeuvres of a route (see the module's description)."""
    if route.length_m < 2 * FAR_M:
        raise GeoError(
            f"a route of {route.length_m:.0f} m is too short for turning points (< {2 * FAR_M:.0f} m)"
        )
    s = np.arange(0.0, route.length_m, STEP_M)
    lat, lon = route.point_at(s)
    near, far = round(NEAR_M / STEP_M), round(FAR_M / STEP_M)
    # heading of the chord from sample i to sample i + (far - near), for every i that has one
    span = far - near
    chord = _bearing(lat[:-span], lon[:-span], lat[span:], lon[span:])
    # at sample k: in = chord from k - far to k - near (index k - far), out = k + near to k + far
    k = np.arange(far, s.size - far)
    heading_in = chord[k - far]
    heading_out = chord[k + near]
    turn = _wrap180(heading_out - heading_in)
    unwrapped = np.degrees(np.unwrap(np.radians(chord)))
    # The swing: how far the heading of short chords ranges around the point. A ring taken straight over
    # turns by nothing net, yet swings by half a circle (long chords, across the ring, would not show it).
    short = round(SWING_CHORD_M / STEP_M)
    swung = np.degrees(np.unwrap(np.radians(_bearing(lat[:-short], lon[:-short], lat[short:], lon[short:]))))
    window = np.lib.stride_tricks.sliding_window_view(swung, 2 * far - short + 1)
    swing = window.max(axis=1) - window.min(axis=1)
    turning = (np.abs(turn) >= MIN_TURN_DEG) | (swing[k - far] >= MIN_SWING_DEG)
    runs = _runs(turning, round(MIN_RUN_M / STEP_M), round(MERGE_M / STEP_M))
    rows = np.zeros((len(runs), 7))
    for r, (a, b) in enumerate(runs):
        first, last = int(k[a]), int(k[b])
        inside = swung[first - far : last + far - short + 1]  # the short chords of the whole manoeuvre
        rows[r] = (
            s[k[a + _sharpest(np.abs(turn[a : b + 1]))]],
            s[first],
            s[last],
            heading_in[a],
            heading_out[b],
            _largest_rise(inside),
            _largest_rise(-inside),
        )
    nets = np.array(
        [unwrapped[int(k[b]) + near] - unwrapped[int(k[a]) - far] for a, b in runs], dtype=np.float64
    )
    return TurningPoints(
        chainage_m=rows[:, 0],
        start_m=rows[:, 1],
        end_m=rows[:, 2],
        heading_in_deg=rows[:, 3],
        heading_out_deg=rows[:, 4],
        turn_deg=nets,
        right_deg=rows[:, 5],
        left_deg=rows[:, 6],
    )


def _sharpest(turn: FloatArray) -> int:
    """The middle of the stretch within 1 degree of the largest turn (a corner holds it for 2 x NEAR_M)."""
    top = np.flatnonzero(turn >= turn.max() - 1.0)
    return int(top[top.size // 2])


def _largest_rise(values: FloatArray) -> float:
    """The largest increase from an earlier value to a later one (0 if it only falls)."""
    if values.size < 2:
        return 0.0
    return float(max(0.0, np.max(values - np.minimum.accumulate(values))))


def _runs(mask: np.ndarray, min_len: int, merge_gap: int) -> list[tuple[int, int]]:
    """(first, last) of each run of True at least `min_len` long; runs closer than `merge_gap` join."""
    padded = np.concatenate(([False], mask, [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    starts, stops = edges[0::2], edges[1::2] - 1
    keep = (stops - starts + 1) >= min_len
    starts, stops = starts[keep], stops[keep]
    merged: list[tuple[int, int]] = []
    for a, b in zip(starts.tolist(), stops.tolist(), strict=True):
        if merged and a - merged[-1][1] <= merge_gap:
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


def _bearing(lat1: FloatArray, lon1: FloatArray, lat2: FloatArray, lon2: FloatArray) -> FloatArray:
    """Bearing (degrees clockwise from north) of short chords, on the local scale of their middle."""
    mid = (lat1 + lat2) / 2
    dy = (lat2 - lat1) * m_per_deg_lat(mid)
    dx = (lon2 - lon1) * m_per_deg_lon(mid)
    result: FloatArray = np.degrees(np.arctan2(dx, dy)) % 360.0
    return result


def _wrap180(deg: FloatArray) -> FloatArray:
    """Angles into (-180, 180]."""
    result: FloatArray = 180.0 - (180.0 - deg) % 360.0
    return result
