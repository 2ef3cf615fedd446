"""How fast a classic car drives a road: slow in tight bends and in towns, faster on straights.

`road_speed` gives the speed (m/s) at each vertex of a route for a reference car: the bend speed
sqrt(a_lat * R) clipped to 30-95 km/h, 45 km/h through towns, then limited by how quickly a 1950s
car accelerates and brakes. A car's own speed is this times its skill factor.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from miglia.demo.roads import FloatArray, local_xy, metres_per_degree

KMH = 1 / 3.6
MIN_SPEED = 30.0 * KMH
MAX_SPEED = 95.0 * KMH
TOWN_SPEED = 45.0 * KMH
TOWN_RADIUS_M = 700.0
LATERAL_ACCEL = 2.2
ACCEL = 0.9
BRAKE = 1.6


def curvature(lat: FloatArray, lon: FloatArray, chainage_m: FloatArray) -> FloatArray:
    """|curvature| (1/m) at each vertex: change of heading per metre, smoothed over about 150 m."""
    x, y = local_xy(lat, lon)
    heading = np.unwrap(np.arctan2(np.diff(y), np.diff(x)))
    mid = 0.5 * (chainage_m[:-1] + chainage_m[1:])
    if heading.size < 3:
        return np.zeros(lat.size)
    k = np.abs(np.gradient(heading, mid))
    k = np.concatenate([[k[0]], 0.5 * (k[:-1] + k[1:]), [k[-1]]])
    width = 3
    kernel = np.ones(width) / width
    padded = np.pad(k, width // 2, mode="edge")
    return np.convolve(padded, kernel, mode="valid")


def near_points(
    lat: FloatArray, lon: FloatArray, points: Sequence[tuple[float, float]], radius_m: float
) -> FloatArray:
    """Boolean (as 0/1 floats) for each vertex: within `radius_m` of one of `points`."""
    near = np.zeros(lat.size, dtype=bool)
    ky, kx = metres_per_degree(float(np.mean(lat)))
    for plat, plon in points:
        box = (np.abs(lat - plat) * ky < radius_m) & (np.abs(lon - plon) * kx < radius_m)
        if box.any():
            d2 = ((lat[box] - plat) * ky) ** 2 + ((lon[box] - plon) * kx) ** 2
            idx = np.flatnonzero(box)
            near[idx[d2 < radius_m**2]] = True
    return near.astype(np.float64)


def road_speed(
    lat: FloatArray, lon: FloatArray, chainage_m: FloatArray, towns: Sequence[tuple[float, float]] = ()
) -> FloatArray:
    """Speed (m/s) of a reference car at each vertex."""
    k = curvature(lat, lon, chainage_m)
    v = np.sqrt(LATERAL_ACCEL / np.maximum(k, 1e-6))
    v = np.clip(v, MIN_SPEED, MAX_SPEED)
    if towns:
        v = np.where(near_points(lat, lon, towns, TOWN_RADIUS_M) > 0, np.minimum(v, TOWN_SPEED), v)
    ds = np.diff(chainage_m)
    # Acceleration and braking limits (a forward and a backward pass; cheap once per day).
    v2 = v * v
    for i in range(1, v2.size):
        cap = v2[i - 1] + 2.0 * ACCEL * ds[i - 1]
        if v2[i] > cap:
            v2[i] = cap
    for i in range(v2.size - 2, -1, -1):
        cap = v2[i + 1] + 2.0 * BRAKE * ds[i]
        if v2[i] > cap:
            v2[i] = cap
    return np.asarray(np.sqrt(v2), dtype=np.float64)


def segment_times(chainage_m: FloatArray, speed: FloatArray) -> FloatArray:
    """Seconds to drive each segment (vertex i to i + 1) at the mean of its end speeds."""
    return np.diff(chainage_m) / (0.5 * (speed[:-1] + speed[1:]))
