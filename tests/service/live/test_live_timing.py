"""GPS passages timed live: a car's track replayed through /ingest/osmand of the full app, in order and
out of order, gives the passages `gps_passages` computes offline, and live results go out over SSE."""

from __future__ import annotations

import json
import random
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import numpy as np
import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import select

from miglia.geo.track import Track
from miglia.service.timing.gps_timing import gps_passages
from miglia.store.db import Database
from miglia.store.models import PassageRow, PositionRow
from miglia.web.app import create_app
from tests.service.timing.helpers import T0, batches, drive, small_lines
from tests.tracking.helpers import token

TOKEN = {"token": token("dev-1")}
WANTED = {("D1-START", ""), ("D1-PT1", ""), ("D1-PT1", "finish")}


def stored(db: Database) -> dict[tuple[str, str], tuple[int, str, str, int | None]]:
    with db.unit_of_work() as uow:
        rows = uow.session.scalars(select(PassageRow).where(PassageRow.source == "gps")).all()
        positions = {r.raw_id for r in uow.session.scalars(select(PositionRow))}
    assert all(r.raw_id in positions for r in rows)
    return {(r.control, r.line): (r.instant_us, r.source, r.recorded_by, r.start_no) for r in rows}


def expected(track: Track) -> dict[tuple[str, str], tuple[int, str, str, int | None]]:
    _, lines = small_lines()
    return {(p.control, p.line): (p.instant_us, "gps", "gps", 1) for p in gps_passages(lines, 1, track)}


def wait_for(check: Any, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return bool(check())


@pytest.mark.parametrize("order", ["in order", "pairs swapped", "shuffled"])
def test_replayed_track_gives_the_offline_passages(small_db: Database, order: str) -> None:
    _, lines = small_lines()
    track = drive(lines.route, T0, 10.0)
    requests = batches(track, "dev-1")
    if order == "pairs swapped":
        for i in range(0, len(requests) - 1, 2):
            requests[i], requests[i + 1] = requests[i + 1], requests[i]
    elif order == "shuffled":
        random.Random(5).shuffle(requests)
    with TestClient(create_app(small_db)) as client:
        for body in requests:
            answer = client.post("/ingest/osmand", json=body, params=TOKEN)
            assert answer.status_code == 200, answer.text
        want = expected(track)
        assert len(want) == len(lines.slots)
        assert wait_for(lambda: stored(small_db) == want), {
            k: (stored(small_db).get(k), v) for k, v in want.items() if stored(small_db).get(k) != v
        }
        # a repeat of the whole replay stores nothing more
        for body in requests[:5]:
            assert client.post("/ingest/osmand", json=body, params=TOKEN).json()["stored"] == 0
    assert stored(small_db) == want


@pytest.fixture
def server(small_db: Database) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    web = uvicorn.Server(
        uvicorn.Config(create_app(small_db), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=web.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not web.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    web.should_exit = True
    thread.join(10)


def test_a_results_event_reaches_the_stream(server: str, small_db: Database) -> None:
    """The public feed says only that the results changed; the passages are in the database."""
    _, lines = small_lines()
    track = drive(lines.route, T0, 10.0)
    requests = batches(track, "dev-1")
    with httpx.Client(base_url=server, timeout=10) as client, client.stream("GET", "/live/stream") as stream:
        kind = ""
        results: list[dict[str, Any]] = []
        lines_in = stream.iter_lines()
        for line in lines_in:
            if line.startswith("event: snapshot"):
                break
        for body in requests[:12]:  # past the start and the trial (km 2.3 at 10 m/s: 230 uow)
            assert httpx.post(f"{server}/ingest/osmand", json=body, params=TOKEN).status_code == 200
        for line in lines_in:
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: ") and kind == "results":
                results.append(json.loads(line[6:]))
                if set(stored(small_db)) >= WANTED:
                    break
    assert set(stored(small_db)) >= WANTED
    assert results and all(r == {"event_id": results[0]["event_id"]} for r in results)


def test_the_quick_test_never_skips_a_car_that_crosses() -> None:
    """`_near_lines` only spares `find_crossings` for windows in which it finds nothing."""
    import numpy as np

    from miglia.geo.crossings import find_crossings
    from miglia.service.live.live_timing import Points, _near_lines

    _, lines = small_lines()
    track = drive(lines.route, T0, 25.0)
    rng = np.random.default_rng(11)
    windows = []
    for _ in range(400):  # windows of a car along the route, some with spikes and gaps, some far off
        start, size = int(rng.integers(0, len(track) - 20)), int(rng.integers(1, 15))
        step = int(rng.choice([1, 1, 3, 20]))
        k = np.arange(start, min(start + size * step, len(track)), step)
        lat, lon = track.lat[k].copy(), track.lon[k].copy()
        if rng.random() < 0.2:
            lat[rng.integers(0, k.size)] += 0.01  # a multipath spike
        windows.append(Points(track.t_us[k].tolist(), lat.tolist(), lon.tolist(), list(range(k.size))))
    near = _near_lines(lines, windows)
    quiet = 0
    for window, hot in zip(windows, near, strict=True):
        if hot or len(window.t) < 2:
            continue
        quiet += 1
        found = find_crossings(
            Track(np.asarray(window.t, dtype=np.int64), np.asarray(window.lat), np.asarray(window.lon)),
            lines.lines,
        )
        assert len(found) == 0
    assert quiet > 50 and any(near)


def test_a_line_the_sparse_fixes_cut_past_is_timed_live_as_offline(small_db: Database) -> None:
    """Fixes 300 m apart, two of them pushed 100 m off the road beside D1-TC1's line: no chord crosses
    it, and the live timing, like the batch one, times it from the chainage."""
    _, lines = small_lines()
    chain = np.arange(0.0, lines.route.length_m, 300.0)
    lat, lon = lines.route.point_at(chain)
    lat = np.asarray(lat).copy()
    i = int(np.searchsorted(chain, 6000.0))
    lat[i - 1 : i + 1] += 100 / 111_000
    track = Track(T0 + (chain / 10.0 * 1e6).astype(np.int64), lat, np.asarray(lon), "x")
    assert ("D1-TC1", "") in expected(track)  # the batch timing finds it through the chainage
    with TestClient(create_app(small_db)) as client:
        for body in batches(track, "dev-1"):
            assert client.post("/ingest/osmand", json=body, params=TOKEN).status_code == 200
        want = expected(track)
        assert wait_for(lambda: stored(small_db) == want), {
            k: (stored(small_db).get(k), v) for k, v in want.items() if stored(small_db).get(k) != v
        }
