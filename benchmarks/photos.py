"""Matching photos to cars by their tracks (`geo.photos`): 10,000 photos against a 450-car day at 1 Hz,
beside a per-photo shapely query (an STRtree of the fixes, each photo asking for those within the radius,
then its time window), measured on a sample of photos in the same run.

    .venv/bin/python benchmarks/photos.py [--quick]

Default: 450 cars x 10 h (16.2 M fixes); --quick: 45 cars x 1 h. Goal (issue 17): the fleet built and
10,000 photos matched in under 10 s.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import shapely

from miglia.geo.common import m_per_deg_lat, m_per_deg_lon
from miglia.geo.photos import RADIUS_M, WINDOW_S, Fleet, sightings

LAT0, LON0 = 38.3, -122.5
PHOTOS = 10_000
SAMPLE = 200


def day(cars: int, hours: int) -> list[tuple[int, np.ndarray, np.ndarray, np.ndarray]]:
    """Cars 30 s apart on a 400 km loop of a few roads (a wavy line), each at its own pace."""
    rng = np.random.default_rng(1)
    seconds = np.arange(hours * 3600)
    out = []
    for car in range(1, cars + 1):
        pace = rng.uniform(14.0, 20.0)
        along = np.clip(seconds - 30 * (car - 1), 0, None) * pace
        north = along * 0.7 + 300 * np.sin(along / 2000)
        east = along * 0.7 + 300 * np.cos(along / 1700)
        out.append(
            (car, seconds * 1_000_000, LAT0 + north / m_per_deg_lat(LAT0), LON0 + east / m_per_deg_lon(LAT0))
        )
    return out


def photos(tracks: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]], n: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(2)
    picks = rng.integers(0, len(tracks), n)
    t, lat, lon = [], [], []
    for k in picks:
        _, ts, la, lo = tracks[k]
        i = int(rng.integers(0, ts.size))
        t.append(ts[i])
        lat.append(la[i] + rng.normal(0, 5) / m_per_deg_lat(LAT0))
        lon.append(lo[i] + rng.normal(0, 5) / m_per_deg_lon(LAT0))
    return np.array(t), np.array(lat), np.array(lon)


def shapely_per_photo(fleet: Fleet, t: np.ndarray, lat: np.ndarray, lon: np.ndarray) -> float:
    """Seconds per photo for the baseline: the fixes near the spot from an STRtree, then the time window."""
    x = (fleet.lon - LON0) * m_per_deg_lon(LAT0)
    y = (fleet.lat - LAT0) * m_per_deg_lat(LAT0)
    tree = shapely.STRtree(shapely.points(x, y))
    px = (lon - LON0) * m_per_deg_lon(LAT0)
    py = (lat - LAT0) * m_per_deg_lat(LAT0)
    started = time.perf_counter()
    for i in range(t.size):
        near = tree.query(shapely.Point(px[i], py[i]), predicate="dwithin", distance=RADIUS_M)
        in_time = np.abs(fleet.t_us[near] - t[i]) <= WINDOW_S * 1_000_000
        np.unique(fleet.car[near[in_time]])
    return (time.perf_counter() - started) / t.size


def main(argv: list[str]) -> None:
    cars, hours = (45, 1) if "--quick" in argv else (450, 10)
    tracks = day(cars, hours)
    t, lat, lon = photos(tracks, PHOTOS)
    sightings(Fleet.build(tracks[:2]), t[:10], lat[:10], lon[:10])  # compile once, outside the timing
    started = time.perf_counter()
    fleet = Fleet.build(tracks)
    built = time.perf_counter() - started
    seen = sightings(fleet, t, lat, lon)
    best, clear = seen.best()
    total = time.perf_counter() - started
    per_photo = shapely_per_photo(fleet, t[:SAMPLE], lat[:SAMPLE], lon[:SAMPLE])
    print(f"photos: {PHOTOS:,} photos against {cars} cars x {hours} h at 1 Hz ({fleet.t_us.size:,} fixes)")
    print(f"  fleet built                  {built:8.2f} s")
    print(
        f"  built and matched            {total:8.2f} s   ({clear.sum():,} clear, {(best < 0).sum()} unseen)"
    )
    print(
        f"  shapely per-photo baseline   {per_photo * PHOTOS:8.2f} s   (from {SAMPLE} photos, x {PHOTOS:,})"
    )
    print(f"  baseline / ours              {per_photo * PHOTOS / total:8.1f} x")
    print(f"goal: under 10 s: {'met' if total < 10 else 'NOT met'}")


if __name__ == "__main__":
    main(sys.argv[1:])
