"""What the photo tests share: the small event with cars driven along its day-1 route (positions stored
as the live path stores them, trusted), and photos taken on those tracks."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from miglia.domain.instants import US_PER_S, us_to_local
from miglia.formats.photo_file import make_photo
from miglia.geo.route import Route
from miglia.service.event import events
from miglia.service.event.routes import DayRoute
from miglia.service.live import devices
from miglia.store.db import Database
from tests.web.helpers import SMALL

TZ = "America/Los_Angeles"
T0 = 1_777_215_600_000_000  # 2026-04-26 08:00:00 PDT in µs UTC
SPEED = 10.0
"""m/s, every car."""
STARTS = {1: 0, 2: 60, 3: 62}
"""Seconds after T0 each car starts: car 3 follows car 2 two seconds behind (a doubtful photo)."""


@dataclass(frozen=True)
class Driven:
    db: Database
    route: Route

    def where(self, car: int, at_m: float) -> tuple[int, float, float]:
        """(instant µs, lat, lon) of `car` at `at_m` along the route."""
        lat, lon = self.route.point_at(at_m)
        return T0 + round((STARTS[car] + at_m / SPEED) * US_PER_S), float(lat), float(lon)


def drive_cars(db: Database) -> Driven:
    """The small event in `db`, its devices registered, cars 1-3 driven along day 1 at 1 Hz."""
    events.import_event(db, SMALL / "event.toml")
    events.import_entries(db, SMALL / "entries.csv")
    with db.unit_of_work() as uow:
        row = events.event_row(uow)
        stored = events.routes(uow, row.id)[1]
        route = DayRoute(stored.source_name, stored.length_m, stored.coordinates).geometry()
        event_id = row.id
    for car in STARTS:
        devices.register(db, f"dev-{car}", token=f"token-{car}")
    rows = []
    with db.unit_of_work() as uow:
        (raw,) = uow.positions.add_raws([(event_id, "position", "test", T0, "text/plain", "", True, "")])
        for car, start in STARTS.items():
            seconds = np.arange(0.0, route.length_m / SPEED, 1.0)
            lat, lon = route.point_at(seconds * SPEED)
            for s, a, b in zip(seconds, lat, lon, strict=True):
                t = T0 + round((start + s) * US_PER_S)
                rows.append((raw, f"dev-{car}", t, float(a), float(b), 36.0, 0.0, None, 5.0, None, True))
        uow.positions.add(rows)
    return Driven(db, route)


def photo_at(
    instant_us: int,
    lat: float | None,
    lon: float | None,
    *,
    camera_off_s: float = 0.0,
    seed: int = 0,
    start_no: int | None = None,
) -> bytes:
    """A JPEG taken at `instant_us` (its camera `camera_off_s` fast), at lat/lon when given (its GPS)."""
    local = us_to_local(instant_us + round(camera_off_s * US_PER_S), TZ).replace(tzinfo=None)
    return make_photo(
        width=800,
        height=533,
        taken_local=local.replace(microsecond=0),
        lat=lat,
        lon=lon,
        camera="Test Camera",
        start_no=start_no,
        seed=seed,
    )
