"""Matching photos to cars: each day's stored tracks in one `Fleet` (geo/photos.py) and one vectorised
pass over the day's photos, then the rules of domain/photos.py for each photo.

Matching is derived data: it runs again, from the stored photos, sessions and positions, whenever a
session's offset or spot changes or `miglia photos match` asks; a person's choice is never replaced.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from miglia.domain.errors import InvalidInput
from miglia.domain.event import Event
from miglia.domain.photos import Candidate, SpotSource, corrected_us, day_of, decide, stop_at
from miglia.geo.photos import Fleet, clock_offset, sightings
from miglia.service.clock import local_instant
from miglia.service.live.devices import accepts_unregistered, cars_by_device
from miglia.store.records import PhotoMatch, PhotoSession, StoredPhoto
from miglia.store.unit_of_work import UnitOfWork

MIN_AGREEING = 3
"""A proposed camera offset needs at least this many photos agreeing on it."""


@dataclass(frozen=True)
class Placed:
    """A photo's corrected time, day and spot: what matching starts from."""

    photo_id: int
    time_us: int
    day: int
    lat: float | None
    lon: float | None
    spot: SpotSource


def place(event: Event, photo: StoredPhoto, session: PhotoSession) -> Placed:
    """The photo's true time (camera time plus the session's offset), its day and its spot: the camera's
    own position, else the session's spot when it is on the photo's day."""
    time_us = corrected_us(photo.camera_us, session.offset_s)
    try:
        day = day_of(event, time_us, photo.file_name)
    except InvalidInput:
        day = photo.day  # an offset that moves it off the event keeps the day it had
    if photo.exif_lat is not None and photo.exif_lon is not None:
        return Placed(photo.id, time_us, day, photo.exif_lat, photo.exif_lon, SpotSource.EXIF)
    if session.spot_lat is not None and session.spot_lon is not None and session.spot_day in (None, day):
        return Placed(photo.id, time_us, day, session.spot_lat, session.spot_lon, SpotSource.SESSION)
    return Placed(photo.id, time_us, day, None, None, SpotSource.NONE)


def day_fleet(uow: UnitOfWork, event_id: int, event: Event, day: int) -> Fleet | None:
    """Every car's counted positions of the day (local midnight to midnight), as one fleet; None when no
    car has a position that day."""
    devices = cars_by_device(uow, event_id, day)
    if not devices:
        return None
    date = next(d.date for d in event.days if d.number == day)
    begin = local_instant(date, dt.time(0), event.timezone)
    end = local_instant(date + dt.timedelta(days=1), dt.time(0), event.timezone)
    rows = uow.positions.by_device((list(devices), begin, end), accepts_unregistered(uow, event_id))
    if not rows:
        return None
    by_car: dict[int, list[tuple[int, float, float]]] = defaultdict(list)
    for device, t, lat, lon in rows:
        by_car[devices[device]].append((t, lat, lon))
    tracks = []
    for car, fixes in by_car.items():
        arr = np.asarray(fixes, dtype=np.float64)
        tracks.append((car, np.asarray([f[0] for f in fixes], dtype=np.int64), arr[:, 1], arr[:, 2]))
    return Fleet.build(tracks)


def match(uow: UnitOfWork, event_id: int, event: Event, placed: Iterable[Placed]) -> dict[int, PhotoMatch]:
    """What the tracks say of each placed photo: one fleet and one pass per day."""
    by_day: dict[int, list[Placed]] = defaultdict(list)
    for p in placed:
        by_day[p.day].append(p)
    out: dict[int, PhotoMatch] = {}
    for day, photos in by_day.items():
        with_spot = [p for p in photos if p.lat is not None and p.lon is not None]
        found: dict[int, tuple[list[Candidate], bool]] = {}
        fleet = day_fleet(uow, event_id, event, day) if with_spot else None
        if fleet is not None:
            seen = sightings(
                fleet,
                np.asarray([p.time_us for p in with_spot], dtype=np.int64),
                np.asarray([p.lat for p in with_spot], dtype=np.float64),
                np.asarray([p.lon for p in with_spot], dtype=np.float64),
            )
            _, clear = seen.best()
            for i, p in enumerate(with_spot):
                a, b = int(seen.first[i]), int(seen.first[i + 1])
                candidates = [
                    Candidate(
                        start_no=int(seen.car[k]),
                        distance_m=round(float(seen.distance_m[k]), 1),
                        delta_s=round(float(seen.delta_s[k]), 2),
                    )
                    for k in range(a, b)
                ]
                found[p.photo_id] = (candidates, bool(clear[i]))
        for p in photos:
            candidates, clear_one = found.get(p.photo_id, ([], False))
            has_spot = p.lat is not None and p.lon is not None
            stop = stop_at(event, day, p.lat, p.lon) if p.lat is not None and p.lon is not None else None
            decision = decide(candidates, clear_one, stop, has_spot)
            out[p.photo_id] = PhotoMatch(
                time_us=p.time_us,
                day=day,
                lat=p.lat,
                lon=p.lon,
                spot=p.spot.value,
                stop=decision.stop,
                status=decision.status.value,
                candidates=tuple((c.start_no, c.distance_m, c.delta_s) for c in decision.candidates),
                cars=decision.cars,
            )
    return out


def proposed_offset(
    uow: UnitOfWork, event_id: int, event: Event, photos: list[StoredPhoto], session: PhotoSession
) -> tuple[float, int] | None:
    """The camera offset (s) on which most of the session's photos agree, from the tracks, and how many
    agree; None when fewer than MIN_AGREEING photos with a spot agree on any offset."""
    zero = PhotoSession(**{**session.__dict__, "offset_s": 0.0})
    by_day: dict[int, list[Placed]] = defaultdict(list)
    for photo in photos:
        p = place(event, photo, zero)
        if p.lat is not None:
            by_day[p.day].append(p)
    best: tuple[float, int] | None = None
    for day, placed in by_day.items():
        fleet = day_fleet(uow, event_id, event, day)
        if fleet is None:
            continue
        offset, agreeing = clock_offset(
            fleet,
            np.asarray([p.time_us for p in placed], dtype=np.int64),
            np.asarray([p.lat for p in placed], dtype=np.float64),
            np.asarray([p.lon for p in placed], dtype=np.float64),
        )
        if offset is not None and agreeing >= MIN_AGREEING and (best is None or agreeing > best[1]):
            best = (round(offset, 1), agreeing)
    return best


def offset_from_car(
    uow: UnitOfWork, event_id: int, event: Event, photo: StoredPhoto, session: PhotoSession, start_no: int
) -> float:
    """The camera offset that puts car `start_no` at the photo's spot at the photo's time (the
    photographer knows which car it is: say, the first car at a control)."""
    where = f"photo {photo.file_name}"
    p = place(event, photo, session)
    if p.lat is None or p.lon is None:
        raise InvalidInput(where, "spot", None, "the photo has no place: choose the session's spot first")
    fleet = day_fleet(uow, event_id, event, p.day)
    if fleet is None:
        raise InvalidInput(where, "day", p.day, "no car has a stored position that day")
    search_s = 3600.0
    seen = sightings(
        fleet,
        np.asarray([p.time_us], dtype=np.int64),
        np.asarray([p.lat]),
        np.asarray([p.lon]),
        window_s=search_s,
    )
    hits = [k for k in range(int(seen.first[0]), int(seen.first[1])) if int(seen.car[k]) == start_no]
    if not hits:
        raise InvalidInput(
            where, "car", start_no, "its track does not pass the photo's spot within an hour of its time"
        )
    return round(session.offset_s + float(seen.delta_s[hits[0]]), 1)
