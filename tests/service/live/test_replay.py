"""The live demo's replay: a day's stored tracks sent again through /ingest/osmand on an accelerated clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from miglia.domain.errors import InvalidInput
from miglia.service.clock import local_instant
from miglia.service.event import events
from miglia.service.live.replay import DayTracks, Replay, load_day, osmand_batch, speed_and_course
from miglia.service.live.tracker import Tracker
from miglia.store.db import Database
from miglia.store.models import AlertRow, PositionRow, RawInputRow
from miglia.tracking import osmand
from miglia.tracking.broadcast import Broadcaster
from miglia.tracking.fix import Fix
from miglia.web.app import create_app
from tests.tracking.helpers import token

MINUTE_US = 60_000_000


def route_point(db: Database, km: float) -> tuple[float, float]:
    """A point of the small event's route about `km` along it."""
    with db.unit_of_work() as uow:
        coords = events.routes(uow, events.event_row(uow).id)[1].coordinates
    lat = np.array([c[0] for c in coords])
    lon = np.array([c[1] for c in coords])
    step = np.hypot(np.diff(lat) * 111_195, np.diff(lon) * 111_195 * np.cos(np.radians(lat[1:])))
    along = np.concatenate([[0.0], np.cumsum(step)])
    i = int(np.searchsorted(along, km * 1000))
    return float(lat[i]), float(lon[i])


@pytest.fixture
def stored(small_db: Database) -> Iterator[tuple[Database, TestClient]]:
    """Car 1 (dev-1) drives from 07:59 local, then stands by the road at km 4 for 12 minutes;
    car 2 (dev-2) has two fixes; all stored as a phone would send them."""
    client = TestClient(create_app(small_db, tile_url=""))
    start = local_instant(dt.date(2026, 4, 26), dt.time(7, 59), "America/Los_Angeles")
    lat, lon = route_point(small_db, 4.0)
    car1 = [Fix("dev-1", start + i * 30_000_000, lat - 0.0005 * (10 - i), lon) for i in range(10)]
    car1 += [Fix("dev-1", start + (10 + i) * 30_000_000, lat, lon) for i in range(25)]
    car2 = [Fix("dev-2", start + MINUTE_US * (2 + i), lat - 0.01, lon) for i in range(2)]
    for fixes in (car1, car2):
        sent = client.post(
            "/ingest/osmand", json=osmand_batch(fixes), params={"token": token(fixes[0].device_id)}
        )
        assert sent.json()["stored"] == len(fixes)
    yield small_db, client


def count(db: Database, model: Any) -> int:
    with db.unit_of_work() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def test_speed_and_course_from_consecutive_fixes() -> None:
    t = np.array([0, 10, 20, 30], dtype=np.int64) * 1_000_000
    lat = np.array([38.0, 38.001, 38.002, 38.002])  # 111 m north every 10 uow, then still
    lon = np.array([-122.0, -122.0, -122.0, -122.0])
    speed, course = speed_and_course(t, lat, lon)
    assert speed.tolist() == [40.0, 40.0, 40.0, 0.0]
    assert course.tolist()[:3] == [0.0, 0.0, 0.0]


def test_osmand_batch_is_read_back_as_the_same_fixes() -> None:
    fixes = [
        Fix("dev-9", 1_777_300_000_000_000 + i * 10_000_000, 38.5 + i / 1000, -122.5, 54.0, 90.0)
        for i in range(3)
    ]
    read = osmand.decode_json(__import__("json").dumps(osmand_batch(fixes)), 0)
    assert [(f.device_id, f.instant_us, f.lat, f.lon) for f in read] == [
        (f.device_id, f.instant_us, f.lat, f.lon) for f in fixes
    ]
    assert [round(f.speed_kmh or 0, 1) for f in read] == [54.0] * 3
    assert [f.course for f in read] == [90.0] * 3


def test_load_day_reads_each_cars_stored_positions(stored: tuple[Database, TestClient]) -> None:
    db, _ = stored
    day = load_day(db, 1)
    assert [(t.start_no, t.device_id, len(t)) for t in day.tracks] == [(1, "dev-1", 35), (2, "dev-2", 2)]
    assert day.first_start_us == local_instant(dt.date(2026, 4, 26), dt.time(8), "America/Los_Angeles")
    assert np.all(np.diff(day.tracks[0].t_us) > 0)
    with pytest.raises(InvalidInput, match="day = 5"):
        load_day(db, 5)


def test_replay_moves_the_live_state_and_raises_the_alert_without_storing_twice(
    stored: tuple[Database, TestClient],
) -> None:
    db, client = stored
    positions, raws = count(db, PositionRow), count(db, RawInputRow)
    day = load_day(db, 1)
    tracker = Tracker(db, Broadcaster())  # a fresh live state, as `miglia demo` gives its app
    answers: list[dict[str, Any]] = []

    def send(body: dict[str, object]) -> dict[str, object]:
        device = str(body["device_id"])
        answer: dict[str, Any] = client.post(
            "/ingest/osmand", json=body, params={"token": token(device)}
        ).json()
        answers.append(answer)
        return answer

    replay = Replay(day, send, speed=60, lead_s=60, follow=tracker.follow)
    try:
        assert replay.start_us == day.first_start_us - MINUTE_US
        assert replay.clock_us(1.0) == replay.start_us + MINUTE_US  # one second is a minute at 60x
        # Fixes before the replay's start (07:59) are not sent: car 1's first fix is at 07:59 itself.
        assert replay.step(replay.start_us + 4 * MINUTE_US) == 9 + 2
        assert {s.start_no: s.instant_us for s in tracker.states.values()} == {
            1: replay.start_us + 4 * MINUTE_US,
            2: replay.start_us + 3 * MINUTE_US,
        }
        assert replay.step(replay.start_us + 4 * MINUTE_US) == 0  # nothing new
        assert replay.step(replay.start_us + 60 * MINUTE_US) == 26
        assert replay.done and replay.requests == 3 and replay.errors == 0
        state = tracker.states["dev-1"]
        assert state.to_json()["stopped_s"] == 12 * 60
        assert all(a["stored"] == 0 for a in answers)  # every fix was a repeat
        assert count(db, PositionRow) == positions  # nothing stored twice ...
        assert count(db, RawInputRow) == raws + 3  # ... but each request kept as received
        with db.unit_of_work() as uow:
            alerts = uow.session.execute(select(AlertRow.start_no, AlertRow.kind)).all()
        assert (1, "stopped") in alerts
    finally:
        tracker.close()


def test_replay_refuses_a_speed_of_zero() -> None:
    with pytest.raises(InvalidInput, match="speed"):
        Replay(DayTracks(1, 0, []), lambda body: {}, speed=0)


def test_replay_counts_a_failed_request_and_goes_on(stored: tuple[Database, TestClient]) -> None:
    db, _ = stored
    day = load_day(db, 1)

    def down(body: dict[str, object]) -> dict[str, object]:
        raise ConnectionError("server gone")

    replay = Replay(day, down, speed=60, lead_s=60)
    assert replay.step(replay.start_us + 60 * MINUTE_US) == 0
    assert replay.errors == 2 and replay.done
