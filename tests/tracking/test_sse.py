"""The SSE feed over a real HTTP server: a fix posted reaches a subscribed client as a `position` event;
a reconnect with Last-Event-ID gets what it missed; a client that stops reading is dropped."""

from __future__ import annotations

import json
import queue
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from miglia.store.db import Database
from miglia.tracking.broadcast import Broadcaster
from miglia.web.live.feed import tracker_for
from tests.tracking.helpers import add_event, app_for, token


@dataclass
class Served:
    url: str
    app: FastAPI

    def bus(self) -> Broadcaster:
        found = tracker_for(self.app).bus
        assert isinstance(found, Broadcaster)
        return found


@pytest.fixture
def served(sqlite_url: str) -> Iterator[Served]:
    db = Database(sqlite_url)
    add_event(db, {7: "car7"})
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = app_for(db)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    web = uvicorn.Server(config)
    thread = threading.Thread(target=web.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not web.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield Served(f"http://127.0.0.1:{port}", app)
    web.should_exit = True
    thread.join(10)
    db.dispose()


@pytest.fixture
def server(served: Served) -> str:
    return served.url


def events(lines: Iterator[str]) -> Iterator[tuple[str, str]]:
    kind = ""
    for line in lines:
        if line.startswith("event: "):
            kind = line[7:]
        elif line.startswith("data: "):
            yield kind, line[6:]


def frames(lines: Iterator[str]) -> Iterator[dict[str, Any]]:
    """Each SSE frame (fields up to a blank line) with `id` as an int and `data` decoded."""
    frame: dict[str, Any] = {}
    for line in lines:
        if not line:
            if frame:
                yield frame
            frame = {}
        elif not line.startswith((":", "retry:")):
            field, _, value = line.partition(": ")
            frame[field] = int(value) if field == "id" else json.loads(value) if field == "data" else value


def wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "waited 10 s"
        time.sleep(0.01)


def test_a_posted_fix_reaches_the_stream(server: str) -> None:
    with httpx.Client(base_url=server, timeout=10) as client:
        client.get(f"/ingest/osmand?id=car7&lat=45.01&lon=9.0&timestamp=1749974400&token={token('car7')}")
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
                f"{server}/ingest/osmand?id=car7&lat=45.02&lon=9.0&timestamp=1749974460&speed=30&token={token('car7')}"
            )
            assert answer.status_code == 200
            kind, data = next(received)
        car = json.loads(data)
        assert kind == "position"
        assert (car["start_no"], car["lat"], car["next_control"]) == (7, 45.02, "TC1")
        assert car["chainage_m"] == pytest.approx(2224, abs=2)
        assert client.get("/live/cars").json()[0]["instant_us"] == 1_749_974_460_000_000
        assert client.get("/live/alerts").json() == []


def test_a_reconnect_with_last_event_id_gets_the_missed_alerts_and_results(served: Served) -> None:
    bus = served.bus()
    with httpx.Client(base_url=served.url, timeout=10) as client:
        with client.stream("GET", "/live/stream") as stream:
            received = frames(stream.iter_lines())
            assert next(received) == {"event": "snapshot", "data": []}
            at = next(received)["id"]  # the newest event when it connected
            bus.publish("alert", {"id": 1})
            bus.publish("position", {"start_no": 7})
            seen = [next(received) for _ in range(2)]
        assert [f["id"] for f in seen] == [at + 1, at + 2]

        # while it is away
        bus.publish("results", {"event_id": 1})
        bus.publish("position", {"start_no": 7})
        bus.publish_many("alert", [{"id": 2}, {"id": 3}])

        with client.stream("GET", "/live/stream", headers={"Last-Event-ID": str(at + 2)}) as stream:
            received = frames(stream.iter_lines())
            assert next(received)["event"] == "snapshot"
            missed = [next(received) for _ in range(4)]
    assert missed == [
        {"id": at + 3, "event": "results", "data": {"event_id": 1}},
        {"id": at + 5, "event": "alert", "data": {"id": 2}},
        {"id": at + 6, "event": "alert", "data": {"id": 3}},
        {"id": at + 6},
    ]


def test_a_client_that_stops_reading_is_dropped_and_the_others_get_everything(served: Served) -> None:
    bus = served.bus()
    fast: queue.Queue[dict[str, Any]] = queue.Queue()

    def read_fast() -> None:
        with httpx.stream("GET", f"{served.url}/live/stream", timeout=30) as stream:
            for frame in frames(stream.iter_lines()):
                fast.put(frame)
                if frame.get("data") == {"n": -1}:
                    return

    reader = threading.Thread(target=read_fast, daemon=True)
    reader.start()
    host, port = served.url.removeprefix("http://").split(":")
    with socket.socket() as slow:
        slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        slow.connect((host, int(port)))
        slow.sendall(b"GET /live/stream HTTP/1.1\r\nHost: test\r\n\r\n")
        wait_until(lambda: bus.subscribers == 2)

        # In rounds the fast reader keeps up with, until the one that never reads is a full queue behind.
        pad = "x" * 16_000
        published = 0
        while bus.dropped == 0:
            assert published < 20_000, "the slow client was never dropped"
            for n in range(published, published + 50):
                bus.publish("position", {"n": n, "pad": pad})
            published += 50
            wait_until(lambda want=published + 2: fast.qsize() >= want)  # with the snapshot and its id
        assert (bus.dropped, bus.subscribers) == (1, 1)
        bus.publish("position", {"n": -1})
        reader.join(10)

        # Reading again, the slow client finds its stream ended (the last chunk of the response).
        slow.settimeout(10)
        tail = b""
        while not tail.endswith(b"\r\n0\r\n\r\n"):
            chunk = slow.recv(1 << 20)
            assert chunk, "closed without ending the stream"
            tail = (tail + chunk)[-16:]

    got = [fast.get_nowait() for _ in range(fast.qsize())]
    assert got[0]["event"] == "snapshot"
    first = got[1]["id"]
    assert [f["id"] for f in got[2:]] == list(range(first + 1, first + published + 2))
    assert [f["data"]["n"] for f in got[2:]] == [*range(published), -1]
