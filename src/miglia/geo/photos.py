"""Which cars a photo shows: the cars whose tracks pass the photo's spot around the photo's time.

Every car's fixes of a day go into one `Fleet`, bucketed by place (cells of `CELL_M`, no smaller than the
search radius, so a spot's 3 x 3 cells hold every fix within reach) and by time inside each cell. A photo
then looks only at the fixes of its 9 cells inside its time window: one compiled pass over all the photos
(`sightings`), not a loop per photo and car.

For each photo and car the sighting is the car's closest approach to the spot within `radius_m` and the
time window (the moment it passed): the car that was there when the shutter clicked is the one whose
passing time is nearest the photo's, the smallest |delta|. A photo is
clear (`Sightings.clear`) when one car is nearest in time by `CLEAR_S` or more; two cars passing within
seconds of each other leave it for a person to decide, never to a guess.

Camera clocks are often minutes off: `clock_offset` finds the offset on which most of a photographer's
photos agree (each photo votes for the offsets that would put a car at its spot at its time).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .common import BoolArray, FloatArray, GeoError, IntArray, jit, m_per_deg_lat, m_per_deg_lon

CELL_M = 50.0
RADIUS_M = 40.0
WINDOW_S = 60.0
CLEAR_S = 3.0
"""The nearest car in time is clearly the one shown when the next is at least this much further in time."""
US_PER_S = 1_000_000


@dataclass(frozen=True, eq=False)
class Fleet:
    """Every car's fixes of a day, sorted by cell then time: cell `keys[k]` holds fixes
    `starts[k]:starts[k + 1]`."""

    lat0: float
    lon0: float
    dlat: float
    dlon: float
    nx: int
    keys: IntArray
    starts: IntArray
    car_ids: IntArray
    """The cars' numbers; a fix's `car` is an index into it."""
    car: IntArray
    t_us: IntArray
    lat: FloatArray
    lon: FloatArray

    @classmethod
    def build(
        cls, tracks: Sequence[tuple[int, IntArray, FloatArray, FloatArray]], cell_m: float = CELL_M
    ) -> Fleet:
        """From (car, t_us, lat, lon) per car (a car may come more than once: several devices or files)."""
        if not tracks:
            raise GeoError("a fleet needs at least one car's track")
        car_ids = np.unique(np.asarray([c for c, _, _, _ in tracks], dtype=np.int64))
        index = {int(c): i for i, c in enumerate(car_ids)}
        car = np.concatenate([np.full(len(t), index[int(c)], dtype=np.int64) for c, t, _, _ in tracks])
        t_us = np.concatenate([np.asarray(t, dtype=np.int64) for _, t, _, _ in tracks])
        lat = np.concatenate([np.asarray(a, dtype=np.float64) for _, _, a, _ in tracks])
        lon = np.concatenate([np.asarray(b, dtype=np.float64) for _, _, _, b in tracks])
        if t_us.size == 0:
            raise GeoError("a fleet needs at least one fix")
        middle = float(np.median(lat))
        dlat = cell_m / float(m_per_deg_lat(middle))
        # cells at least cell_m wide everywhere in the box: measure east-west at its latitude nearest a pole
        dlon = cell_m / float(m_per_deg_lon(min(float(np.abs(lat).max()), 89.0)))
        lat0, lon0 = float(lat.min()) - dlat, float(lon.min()) - dlon
        nx = int((float(lon.max()) - lon0) / dlon) + 2
        cell = np.floor((lat - lat0) / dlat).astype(np.int64) * nx + np.floor((lon - lon0) / dlon).astype(
            np.int64
        )
        order = _by_cell_then_time(cell, t_us)
        cell = cell[order]
        starts = np.flatnonzero(np.diff(cell)) + 1
        starts = np.concatenate(([0], starts, [cell.size])).astype(np.int64)
        return cls(
            lat0=lat0,
            lon0=lon0,
            dlat=dlat,
            dlon=dlon,
            nx=nx,
            keys=cell[starts[:-1]],
            starts=starts,
            car_ids=car_ids,
            car=car[order],
            t_us=t_us[order],
            lat=lat[order],
            lon=lon[order],
        )


def _by_cell_then_time(cell: IntArray, t_us: IntArray) -> IntArray:
    """The order of the fixes by cell, then time. One sort of a combined key (cell in the high bits, the
    time since the first fix in the low) when both fit 63 bits, as they do for any day: a lexsort of
    two keys costs twice as much."""
    t_rel = t_us - t_us.min()
    time_bits = int(t_rel.max()).bit_length()
    if int(cell.max()).bit_length() + time_bits <= 62:
        return np.argsort((cell << time_bits) | t_rel).astype(np.int64)
    return np.lexsort((t_us, cell)).astype(np.int64)


@dataclass(frozen=True, eq=False)
class Sightings:
    """Per photo i, its candidate cars `car[first[i]:first[i + 1]]`, nearest in time first, with the
    distance (m) of the car's fix from the spot and its time minus the photo's (s)."""

    first: IntArray
    car: IntArray
    distance_m: FloatArray
    delta_s: FloatArray

    def best(self) -> tuple[IntArray, BoolArray]:
        """Per photo: the car nearest in time (-1: none), and whether it is clearly the one shown."""
        n = self.first.size - 1
        count = np.diff(self.first)
        has = count > 0
        best = np.full(n, -1, dtype=np.int64)
        best[has] = self.car[self.first[:-1][has]]
        clear = count == 1
        two = count >= 2
        gap = np.abs(self.delta_s[self.first[:-1][two] + 1]) - np.abs(self.delta_s[self.first[:-1][two]])
        clear[two] = gap >= CLEAR_S
        return best, clear


def sightings(
    fleet: Fleet,
    t_us: IntArray,
    lat: FloatArray,
    lon: FloatArray,
    radius_m: float = RADIUS_M,
    window_s: float = WINDOW_S,
) -> Sightings:
    """The cars seen from each photo (taken at t_us, at lat/lon): see the module's description."""
    t_us = np.asarray(t_us, dtype=np.int64)
    lat = np.asarray(lat, dtype=np.float64)
    lon = np.asarray(lon, dtype=np.float64)
    if not (t_us.shape == lat.shape == lon.shape):
        raise GeoError("photos need as many times as positions")
    if radius_m > fleet.dlat * float(m_per_deg_lat(fleet.lat0)) * 1.0001:
        raise GeoError(
            f"radius {radius_m} m is larger than the fleet's cells: build it with cell_m >= radius"
        )
    window_us = int(window_s * US_PER_S)
    grid = (fleet.lat0, fleet.lon0, fleet.dlat, fleet.dlon, fleet.nx)
    m_lat = np.asarray(m_per_deg_lat(lat), dtype=np.float64)
    m_lon = np.asarray(m_per_deg_lon(lat), dtype=np.float64)
    seen_by, slot = (
        np.full(fleet.car_ids.size, -1, dtype=np.int64),
        np.zeros(fleet.car_ids.size, dtype=np.int64),
    )

    def run(car: IntArray, dist: FloatArray, delta: IntArray, fill: bool) -> IntArray:
        seen_by[:] = -1
        return _hits(
            fleet.keys, fleet.starts, fleet.car, fleet.t_us, fleet.lat, fleet.lon, grid,
            t_us, lat, lon, m_lat, m_lon, radius_m, window_us, seen_by, slot, car, dist, delta, fill,
        )  # fmt: skip

    counts = run(np.empty(0, dtype=np.int64), np.empty(0), np.empty(0, dtype=np.int64), False)
    photo = np.repeat(np.arange(t_us.size, dtype=np.int64), counts)
    car = np.empty_like(photo)
    dist = np.empty(photo.size)
    delta = np.empty(photo.size, dtype=np.int64)
    run(car, dist, delta, True)
    car = fleet.car_ids[car]
    order = np.lexsort((delta, dist, np.abs(delta), photo))  # of two as near in time, the earlier first
    photo, car, dist, delta = photo[order], car[order], dist[order], delta[order]
    first = np.searchsorted(photo, np.arange(t_us.size + 1)).astype(np.int64)
    return Sightings(first=first, car=car, distance_m=dist, delta_s=delta / US_PER_S)


def clock_offset(
    fleet: Fleet,
    t_us: IntArray,
    lat: FloatArray,
    lon: FloatArray,
    search_s: float = 900.0,
    radius_m: float = RADIUS_M,
) -> tuple[float | None, int]:
    """The camera clock's offset (s, to add to the photos' times) on which most photos agree, and how many
    photos agree on it (within 2 s); (None, 0) when no photo sees any car within `search_s`. Among offsets
    with as many votes, the smallest (a fleet driving one schedule repeats itself every start interval)."""
    seen = sightings(fleet, t_us, lat, lon, radius_m, search_s)
    if seen.car.size == 0:
        return None, 0
    photo = np.repeat(np.arange(t_us.size), np.diff(seen.first))
    delta = seen.delta_s
    # votes: for each whole second, the photos with a sighting within 2 s of it (each photo once)
    low = int(np.floor(delta.min())) - 2
    bins = np.arange(low, int(np.ceil(delta.max())) + 3)
    votes = np.zeros(bins.size, dtype=np.int64)
    for shift in range(-2, 3):
        at = np.round(delta).astype(np.int64) + shift - low
        pairs = np.unique(at * (t_us.size + 1) + photo)
        np.add.at(votes, pairs // (t_us.size + 1), 1)
    # Cars that keep one schedule pass every spot one start interval apart, so several offsets may win
    # as many votes: the smallest is the likelier camera error.
    tops = bins[votes == votes.max()]
    peak = int(tops[np.argmin(np.abs(tops))])
    near = np.abs(delta - peak) <= 2.0
    agreeing = int(np.unique(photo[near]).size)
    return float(np.median(delta[near])), agreeing


@jit
def _hits(
    fleet_keys: IntArray,
    starts: IntArray,
    car: IntArray,
    fix_t: IntArray,
    fix_lat: FloatArray,
    fix_lon: FloatArray,
    grid: tuple[float, float, float, float, int],
    t_us: IntArray,
    lat: FloatArray,
    lon: FloatArray,
    m_lat: FloatArray,
    m_lon: FloatArray,
    radius_m: float,
    window_us: int,
    seen_by: IntArray,
    slot: IntArray,
    out_car: IntArray,
    out_dist: FloatArray,
    out_delta: IntArray,
    fill: bool,
) -> IntArray:
    """Per photo, the number of cars with a fix within reach; with `fill`, each car's closest approach
    (nearest fix, then nearest in time) written at the photo's rows. `seen_by[c]` is the last photo that
    saw car c, `slot[c]` its row: a car parked by the spot has hundreds of fixes there, kept as one."""
    lat0, lon0, dlat, dlon, nx = grid
    counts = np.zeros(t_us.size, dtype=np.int64)
    k = 0
    for i in range(t_us.size):
        cy = int(np.floor((lat[i] - lat0) / dlat))
        cx = int(np.floor((lon[i] - lon0) / dlon))
        for dy in range(-1, 2):
            for dx in range(-1, 2):
                key = (cy + dy) * nx + (cx + dx)
                c = np.searchsorted(fleet_keys, key)
                if c >= fleet_keys.size or fleet_keys[c] != key:
                    continue
                a, b = starts[c], starts[c + 1]
                j = a + np.searchsorted(fix_t[a:b], t_us[i] - window_us)
                end = a + np.searchsorted(fix_t[a:b], t_us[i] + window_us, side="right")
                while j < end:
                    north = (fix_lat[j] - lat[i]) * m_lat[i]
                    east = (fix_lon[j] - lon[i]) * m_lon[i]
                    d = np.sqrt(north * north + east * east)
                    if d <= radius_m:
                        who = car[j]
                        dt = fix_t[j] - t_us[i]
                        if seen_by[who] != i:
                            seen_by[who] = i
                            slot[who] = k
                            counts[i] += 1
                            if fill:
                                out_car[k], out_dist[k], out_delta[k] = who, d, dt
                            k += 1
                        elif fill:
                            r = slot[who]
                            if d < out_dist[r] or (d == out_dist[r] and abs(dt) < abs(out_delta[r])):
                                out_dist[r], out_delta[r] = d, dt
                    j += 1
    return counts
