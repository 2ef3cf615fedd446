"""The SSE feed over a real HTTP server: a fix posted reaches a subscribed client as a `position` event."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from miglia.store.db import Database
from tests.tracking.helpers import add_event, app_for


@pytest.fixture
def server(sqlite_url: str) -> Iterator[str]:
    db = Database(sqlite_url)
    add_event(db, {7: "car7"})
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(app_for(db), host="127.0.0.1", port=port, log_level="warning")
    web = uvicorn.Server(config)
    thread = threading.Thread(target=web.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not web.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    web.should_exit = True
    thread.join(10)
    db.dispose()


def events(lines: Iterator[str]) -> Iterator[tuple[str, str]]:
    kind = ""
    for line in lines:
        if line.startswith("event: "):
            kind = line[7:]
        elif line.startswith("data: "):
            yield kind, line[6:]


def test_a_posted_fix_reaches_the_stream(server: str) -> None:
    with httpx.Client(base_url=server, timeout=10) as client:
        client.get("/ingest/osmand?id=car7&lat=45.01&lon=9.0&timestamp=1749974400")
        # The answer follows the commit; the live state follows it a moment later.
        deadline = time.monotonic() + 5
        while not client.get("/live/cars").json() and time.monotonic() < deadline:
            time.sleep(0.01)
        with client.stream("GET", "/live/stream") as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            received = events(stream.iter_lines())
            kind, data = next(received)
            assert kind == "snapshot" and json.loads(data)[0]["start_no"] == 7
            answer = httpx.get(
                f"{server}/ingest/osmand?id=car7&lat=45.02&lon=9.0&timestamp=1749974460&speed=30"
            )
            assert answer.status_code == 200
            kind, data = next(received)
        car = json.loads(data)
        assert kind == "position"
        assert (car["start_no"], car["lat"], car["next_control"]) == (7, 45.02, "TC1")
        assert car["chainage_m"] == pytest.approx(2224, abs=2)
        assert client.get("/live/cars").json()[0]["instant_us"] == 1_749_974_460_000_000
        assert client.get("/live/alerts").json() == []
