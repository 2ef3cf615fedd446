"""The live demo: one day of the demo's GPS tracks sent again to the running site, as the cars' phones
would, on an accelerated clock, so the live map moves and its alerts go off while a visitor watches.

How it works
- The tracks are the day's stored positions of every car (the devices the cars carried that day), read
  once from the database; speed and heading are worked out from consecutive fixes, as a phone reports them.
- A background thread keeps a replay clock: `start_us + (real seconds since start) x speed`, starting
  `lead_s` before the day's first start. Every `tick_s` of real time, each car whose track has fixes up
  to the replay clock sends them in one request to `/ingest/osmand` (OsmAnd JSON, Traccar Client's
  batch form: `{"device_id", "location": [...]}`): the real HTTP endpoint, raw input stored first.
  At the default 40x, a second of real time is 40 s of the rally: the replay starts at 07:58 on day 2
  (first start 08:00); car 3 stops by the road at km ~52 at about 09:05 and its "stopped" alert goes off
  at about 09:15, under two minutes after the server starts. `miglia demo --speed 30` for a calmer map.

Why re-send day 2 rather than hold a day back
- The demo build stores all four days (tracks, GPS passages, published results), so the entry list, the
  car pages and the results are complete the moment the site opens. Day 2 is replayed because it holds the
  breakdown (car 3, ~40 min by the road), the incident the live map is there to show.
- The positions the replay sends are therefore already stored: the ingest is idempotent on (device,
  instant), so nothing is stored twice (only each request's raw input is kept, as for any phone), and no
  GPS passage is timed twice. The Tracker follows only newly stored positions, so the replay hands the
  repeats to `follow` itself (`follow`, when given): `observe` ignores a fix that is not newer than the
  car's live state and alerts are raised once, so following a repeat is harmless.
- The live state must start empty for the replayed day: `miglia demo` gives the app a Tracker without
  `load_live` (which would put every car at the end of day 4, newer than every day-2 fix).
- When the replay has sent the whole day it stops; the cars stay where day 2 ended (Ukiah).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
import numpy as np

from miglia.domain.errors import InvalidInput
from miglia.domain.instants import US_PER_S, us_to_datetime
from miglia.service.clock import local_instant
from miglia.service.event import events
from miglia.service.live import enrolment
from miglia.service.live.devices import accepts_unregistered, cars_by_device
from miglia.store.db import Database
from miglia.tracking.fix import Fix

log = logging.getLogger(__name__)

DEFAULT_SPEED = 40.0
DEFAULT_DAY = 2
LEAD_S = 120.0
"""Rally seconds before the day's first start at which the replay clock starts."""


@dataclass(frozen=True)
class CarTrack:
    device_id: str
    start_no: int
    t_us: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    speed_kmh: np.ndarray
    course: np.ndarray

    def __len__(self) -> int:
        return int(self.t_us.size)

    def fixes(self, begin: int, end: int) -> list[Fix]:
        """The fixes with index in [begin, end)."""
        return [
            Fix(
                self.device_id,
                int(self.t_us[i]),
                float(self.lat[i]),
                float(self.lon[i]),
                speed_kmh=float(self.speed_kmh[i]),
                course=float(self.course[i]),
            )
            for i in range(begin, end)
        ]


@dataclass(frozen=True)
class DayTracks:
    day: int
    first_start_us: int
    tracks: list[CarTrack]


def load_day(db: Database, day: int) -> DayTracks:
    """Every car's stored positions of `day` (local midnight to midnight), in time order."""
    with db.unit_of_work() as uow:
        row = events.event_row(uow)
        event = events.event_of(row)
        found = [d for d in event.days if d.number == day]
        if not found:
            raise InvalidInput("replay", "day", day, f"the event's days are {[d.number for d in event.days]}")
        the_day = found[0]
        begin = local_instant(the_day.date, dt.time(0), event.timezone)
        end = local_instant(the_day.date + dt.timedelta(days=1), dt.time(0), event.timezone)
        devices = cars_by_device(uow, row.id, day)
        rows = uow.positions.by_device((list(devices), begin, end), accepts_unregistered(uow, row.id))
    by_device: dict[str, list[tuple[int, float, float]]] = {}
    for device, t, lat, lon in rows:
        by_device.setdefault(device, []).append((t, lat, lon))
    tracks = [
        _track(device, devices[device], points) for device, points in sorted(by_device.items()) if points
    ]
    first_start = local_instant(the_day.date, the_day.first_start, event.timezone)
    return DayTracks(day, first_start, sorted(tracks, key=lambda t: t.start_no))


def _track(device: str, start_no: int, points: Sequence[tuple[int, float, float]]) -> CarTrack:
    t = np.array([p[0] for p in points], dtype=np.int64)
    lat = np.array([p[1] for p in points], dtype=np.float64)
    lon = np.array([p[2] for p in points], dtype=np.float64)
    speed, course = speed_and_course(t, lat, lon)
    return CarTrack(device, start_no, t, lat, lon, speed, course)


def speed_and_course(t_us: np.ndarray, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Speed (km/h) and heading (degrees from north) of each fix from the previous one, as a phone
    reports them; the first fix takes the second's. Equirectangular over 10 s steps: metres, not more."""
    n = t_us.size
    speed = np.zeros(n)
    course = np.zeros(n)
    if n < 2:
        return speed, course
    k = np.pi / 180.0
    north = np.diff(lat) * 111_195.0
    east = np.diff(lon) * 111_195.0 * np.cos((lat[1:] + lat[:-1]) / 2 * k)
    seconds = np.maximum(np.diff(t_us) / US_PER_S, 1e-3)
    step = np.hypot(north, east)
    speed[1:] = np.where(step / seconds < 1.5, 0.0, step / seconds * 3.6)  # phone noise when standing still
    course[1:] = np.degrees(np.arctan2(east, north)) % 360.0
    speed[0], course[0] = speed[1], course[1]
    return np.round(speed, 1), np.round(course, 0)


def osmand_batch(fixes: Sequence[Fix]) -> dict[str, object]:
    """The OsmAnd JSON body Traccar Client sends for a batch of fixes of one device (speed in m/s)."""
    return {
        "device_id": fixes[0].device_id,
        "location": [
            {
                "timestamp": us_to_datetime(f.instant_us)
                .isoformat(timespec="milliseconds")
                .replace("+00:00", "Z"),
                "coords": {
                    "latitude": f.lat,
                    "longitude": f.lon,
                    "speed": None if f.speed_kmh is None else round(f.speed_kmh / 3.6, 2),
                    "heading": f.course,
                    "accuracy": 5.0,
                },
                "battery": {"level": 0.8},
            }
            for f in fixes
        ],
    }


Send = Callable[[dict[str, object]], dict[str, object]]
"""Post one OsmAnd JSON body; returns the endpoint's answer ({"stored": n, "duplicates": m})."""


class Replay:
    """Sends a day's tracks on an accelerated clock; `step(until_us)` does one tick (testable without
    threads or sleeping), `run()` loops until the day is sent or `stop()` is called."""

    def __init__(
        self,
        day: DayTracks,
        send: Send,
        speed: float = DEFAULT_SPEED,
        lead_s: float = LEAD_S,
        follow: Callable[[list[Fix]], None] | None = None,
        tick_s: float = 1.0,
        workers: int = 6,
    ) -> None:
        if speed <= 0:
            raise InvalidInput("replay", "speed", speed, "must be more than zero")
        self.day = day
        self.send = send
        self.speed = speed
        self.follow = follow
        self.tick_s = tick_s
        self.workers = workers
        self.start_us = day.first_start_us - int(lead_s * US_PER_S)
        self.end_us = max((int(t.t_us[-1]) for t in day.tracks if len(t)), default=self.start_us)
        self.sent = [int(np.searchsorted(t.t_us, self.start_us, side="left")) for t in day.tracks]
        """Per track: the index of the next fix to send (fixes before the replay's start are skipped)."""
        self.requests = 0
        self.fixes = 0
        self.errors = 0
        self._stop = threading.Event()

    @property
    def done(self) -> bool:
        return all(i >= len(t) for i, t in zip(self.sent, self.day.tracks, strict=True))

    def clock_us(self, real_elapsed_s: float) -> int:
        return self.start_us + int(real_elapsed_s * self.speed * US_PER_S)

    def step(self, until_us: int, pool: ThreadPoolExecutor | None = None) -> int:
        """Send every car's fixes up to `until_us` (one request per car); returns the fixes sent."""
        batches: list[list[Fix]] = []
        for k, track in enumerate(self.day.tracks):
            begin = self.sent[k]
            end = int(np.searchsorted(track.t_us, until_us, side="right"))
            if end > begin:
                batches.append(track.fixes(begin, end))
                self.sent[k] = end
        if not batches:
            return 0
        answers = list(pool.map(self._post, batches)) if pool else [self._post(b) for b in batches]
        return sum(answers)

    def _post(self, fixes: list[Fix]) -> int:
        try:
            answer = self.send(osmand_batch(fixes))
        except Exception as exc:  # the server going down, a timeout: count it and go on
            self.errors += 1
            log.debug("replay: %s not sent: %s", fixes[0].device_id, exc)
            return 0
        self.requests += 1
        self.fixes += len(fixes)
        if self.follow is not None and answer.get("duplicates"):
            self.follow(fixes)
        return len(fixes)

    def run(self, ready: Callable[[], bool] = lambda: True) -> None:
        deadline = time.monotonic() + 60
        while not ready():
            if self._stop.wait(0.5) or time.monotonic() > deadline:
                return
        started = time.monotonic()
        with ThreadPoolExecutor(self.workers, thread_name_prefix="miglia-replay") as pool:
            while not self._stop.is_set() and not self.done:
                self.step(self.clock_us(time.monotonic() - started), pool)
                self._stop.wait(self.tick_s)
        log.info(
            "replay of day %d: %d requests, %d fixes, %d errors",
            self.day.day,
            self.requests,
            self.fixes,
            self.errors,
        )

    def stop(self) -> None:
        self._stop.set()


def http_sender(
    base_url: str, tokens: Mapping[str, str] | None = None, timeout_s: float = 10.0
) -> tuple[Send, Callable[[], bool], httpx.Client]:
    """A sender posting to `base_url`/ingest/osmand with each device's token, as an enrolled phone does,
    and a check that the server answers."""
    client = httpx.Client(base_url=base_url, timeout=timeout_s)
    known = dict(tokens or {})

    def send(body: dict[str, object]) -> dict[str, object]:
        token = known.get(str(body.get("device_id", "")))
        response = client.post(
            "/ingest/osmand",
            params={"token": token} if token else None,
            content=json.dumps(body),
            headers={"Content-Type": "application/json"},
        )
        response.raise_for_status()
        answer: dict[str, object] = response.json()
        return answer

    def ready() -> bool:
        try:
            return client.get("/api/event").status_code == 200
        except httpx.HTTPError:
            return False

    return send, ready, client


def enrolled_tokens(db: Database, device_ids: Sequence[str]) -> dict[str, str]:
    """The enrolment tokens of these devices (the demo enrols its cars' trackers as an organiser would)."""
    with db.unit_of_work() as uow:
        key = enrolment.enrolment_key(uow, events.event_row(uow).id)
    return {device: enrolment.enrolment_token(key, device) for device in device_ids}


def start(
    db: Database,
    base_url: str,
    day: int = DEFAULT_DAY,
    speed: float = DEFAULT_SPEED,
    follow: Callable[[list[Fix]], None] | None = None,
    lead_s: float = LEAD_S,
) -> Replay:
    """Load the day's tracks and replay them to `base_url` in a daemon thread; `stop()` ends it."""
    tracks = load_day(db, day)
    send, ready, client = http_sender(base_url, enrolled_tokens(db, [t.device_id for t in tracks.tracks]))
    replay = Replay(tracks, send, speed=speed, lead_s=lead_s, follow=follow)

    def main() -> None:
        try:
            replay.run(ready)
        finally:
            client.close()

    threading.Thread(target=main, name="miglia-replay", daemon=True).start()
    return replay
