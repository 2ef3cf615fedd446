"""The demo's photographers and their pictures, drawn with Pillow on the cars' simulated tracks.

- Ansel Reyes carries a camera with GPS and a good clock: day 1 along the route (each photo where and when
  a car passed), lunch at the day's restaurant, and the car show on the last day.
- Dorothea Lange's camera has no GPS and runs 3 min 20 s fast: she stands at one bend of day 3 and
  photographs the cars that pass; her spot is chosen on the map and her clock's offset is found from the
  tracks.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from miglia.domain.event import Event, StopKind
from miglia.domain.instants import US_PER_S, local_to_utc_us, us_to_local
from miglia.formats.photo_file import make_photo
from miglia.geo.track import Track

FAST_S = 200.0
"""Dorothea's camera is this many seconds fast."""
COLOURS = ((170, 30, 30), (25, 70, 140), (30, 110, 60), (200, 160, 40), (90, 90, 95), (235, 230, 215))
WIDTH, HEIGHT = 1280, 853


@dataclass(frozen=True)
class Shot:
    file: str
    start_no: int | None
    """The car drawn in the picture (the one a person would confirm)."""


@dataclass(frozen=True)
class DemoPhotos:
    ansel: Path
    dorothea: Path
    spot_day: int
    spot: tuple[float, float]
    shots: tuple[Shot, ...]


def write_demo_photos(
    folder: Path, event: Event, tracks: dict[tuple[int, int], Track], seed: int = 1927
) -> DemoPhotos:
    rng = random.Random(seed)
    ansel, dorothea = folder / "ansel-reyes", folder / "dorothea-lange"
    for f in (ansel, dorothea):
        f.mkdir(parents=True, exist_ok=True)
    shots = [*_along_day_one(ansel, event, tracks, rng), *_at_stops(ansel, event, tracks, rng)]
    spot_day = 3 if len(event.days) >= 3 else 1
    spot, bend = _dorothea(dorothea, event, tracks, spot_day, rng)
    return DemoPhotos(ansel, dorothea, spot_day, spot, tuple(shots + bend))


def _along_day_one(
    folder: Path, event: Event, tracks: dict[tuple[int, int], Track], rng: random.Random
) -> list[Shot]:
    """Twelve cars, each where it was at some moment of its day 1 (the camera's GPS and clock are right)."""
    cars = sorted(n for n, d in tracks if d == 1)
    shots: list[Shot] = []
    for i, car in enumerate(rng.sample(cars, min(12, len(cars)))):
        track = tracks[(car, 1)]
        k = _on_the_road(track, event, 1, 0.15 + 0.6 * i / 12)
        name = f"AR-D1-{i + 1:02d}.jpg"
        _write(folder / name, event, int(track.t_us[k]), float(track.lat[k]), float(track.lon[k]), car, rng)
        shots.append(Shot(name, car))
    return shots


def _at_stops(
    folder: Path, event: Event, tracks: dict[tuple[int, int], Track], rng: random.Random
) -> list[Shot]:
    """Day 1's lunch while the cars are parked there, and the car show on the last day."""
    shots: list[Shot] = []
    day1, last = event.days[0], event.days[-1]
    lunch = next((s for s in day1.stops if s.kind is StopKind.LUNCH and s.lat is not None), None)
    if lunch is not None and lunch.lat is not None and lunch.lon is not None:
        noon = _instant(event, day1.date, dt.time(12, 40))
        for i, car in enumerate(rng.sample(sorted(n for n, d in tracks if d == 1), 3)):
            name = f"AR-lunch-{i + 1}.jpg"
            _write(folder / name, event, noon + i * 95 * US_PER_S, lunch.lat, lunch.lon, car, rng)
            shots.append(Shot(name, car))
    show = next((s for s in last.stops if s.kind is StopKind.CAR_SHOW and s.lat is not None), None)
    if show is not None and show.lat is not None and show.lon is not None:
        afternoon = _instant(event, last.date, dt.time(16, 10))
        for i, car in enumerate(rng.sample(sorted(n for n, _ in tracks), 4)):
            name = f"AR-show-{i + 1}.jpg"
            _write(folder / name, event, afternoon + i * 420 * US_PER_S, show.lat, show.lon, car, rng)
            shots.append(Shot(name, car))
    return shots


def _dorothea(
    folder: Path, event: Event, tracks: dict[tuple[int, int], Track], day: int, rng: random.Random
) -> tuple[tuple[float, float], list[Shot]]:
    """A spot a third of the way into the day: the cars with a fix within 15 m of it, photographed at
    that fix's time, on a camera FAST_S fast and without GPS."""
    cars = sorted(n for n, d in tracks if d == day)
    first = tracks[(cars[0], day)]
    k = _on_the_road(first, event, day, 1 / 3)
    spot = (float(first.lat[k]), float(first.lon[k]))
    shots: list[Shot] = []
    for car in cars:
        track = tracks[(car, day)]
        north = (track.lat - spot[0]) * 111_132.0
        east = (track.lon - spot[1]) * 111_320.0 * math.cos(math.radians(spot[0]))
        near = np.hypot(north, east)
        j = int(np.argmin(near))
        if near[j] > 15.0 or len(shots) >= 10:
            continue
        name = f"DL-{len(shots) + 1:03d}.jpg"
        camera_us = int(track.t_us[j]) + round(FAST_S * US_PER_S)
        _write(folder / name, event, camera_us, None, None, car, rng)
        shots.append(Shot(name, car))
    return spot, shots


def _on_the_road(track: Track, event: Event, day: int, share: float) -> int:
    """The first fix from `share` of the track on where the car is moving and far from the day's stops
    (a photo of the road, not of a car park)."""
    stops = [(s.lat, s.lon) for d in event.days if d.number == day for s in d.stops if s.lat is not None]
    lat, lon = track.lat, track.lon
    step = np.hypot(
        np.diff(lat) * 111_132.0, np.diff(lon) * 111_320.0 * math.cos(math.radians(float(lat[0])))
    )
    for k in range(int(len(track) * share), len(track) - 1):
        far = all(
            math.hypot((lat[k] - a) * 111_132.0, (lon[k] - b) * 111_320.0 * math.cos(math.radians(a))) > 1000
            for a, b in stops
            if a is not None and b is not None
        )
        if far and step[k] > 50.0:
            return k
    return int(len(track) * share)


def _write(
    path: Path,
    event: Event,
    instant_us: int,
    lat: float | None,
    lon: float | None,
    car: int,
    rng: random.Random,
) -> None:
    local = us_to_local(instant_us, event.timezone)
    path.write_bytes(
        make_photo(
            width=WIDTH,
            height=HEIGHT,
            taken_local=local.replace(tzinfo=None, microsecond=0),
            utc_offset_min=None,
            lat=lat,
            lon=lon,
            camera="Demo Camera",
            start_no=car,
            colour=COLOURS[car % len(COLOURS)],
            seed=rng.randrange(10**6),
        )
    )


def _instant(event: Event, date: dt.date, time: dt.time) -> int:
    return local_to_utc_us(date, time, event.timezone)
