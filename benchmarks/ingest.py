"""Live ingest under rally load: 450 cars posting positions to a real uvicorn server, SQLite then PostgreSQL.

`python benchmarks/ingest.py [--quick] [--cars N]` (450 cars unless told). For each database: a fresh
database with an event of that many cars and its route; the full app (`miglia.web.app.create_app`) under
uvicorn in a subprocess on a free loopback port; one SSE client on /live/stream. The load generator runs
in this (separate) process on plain keep-alive HTTP/1.1 connections (one per car, asyncio streams: cheap
enough not to be the bottleneck).

Three loads, each bounded in count and time:
- rally: what an event sends: every car posts one fix per request at 1 Hz (Traccar Client), 450 req/s.
- burst: the rally load, plus one logger's 10,000-fix batch posted a third of the way in (a phone
  catching up a whole day at once): the other cars' positions must keep flowing. Goal: p99 < 1 s;
  baseline: the rally load's p99 of the same run.
- catch-up: every car posts batches of 10 fixes (OsmAnd JSON, as Traccar Client does when it catches up
  after a tunnel) back to back, as fast as the server answers: the sustained throughput.

Every car's tracker is registered and sends its token, as an enrolled phone does.

Measured: requests/s and positions/s stored, and p50/p99 latency from the start of the POST to the
`position` SSE event of its newest fix reaching the client. Baseline, same run, same database: a bare
SQLAlchemy INSERT loop of the same rows in the same batches (one transaction per batch), i.e. storage
alone with no HTTP, no JSON, no raw record. Goal: >= 5,000 positions/s and p99 <= 250 ms.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

CARS = 450
BATCH = 10
BURST = 10_000
GOAL_BURST_P99_MS = 1000
GOAL_RATE = 5_000
GOAL_P99_MS = 250
T0 = 1_749_974_400  # 2025-06-15 08:00 UTC, the benchmark event's day
PG_ADMIN = os.environ.get("MIGLIA_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def serve(port: int, url: str) -> None:
    """The server subprocess: the ingest and live routers on `url`."""
    import uvicorn

    from miglia.store.db import Database
    from miglia.web.app import create_app

    app = create_app(Database(url, migrate=False), tile_url="")
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def prepare(url: str) -> None:
    """Schema, and an event of 450 cars on a 100 km route."""
    import datetime as dt
    from decimal import Decimal

    from miglia.domain.event import Control, ControlKind, Day, Event
    from miglia.formats import event_codec
    from miglia.store.db import Database
    from miglia.store.models import EntryRow, EventRow, RouteRow

    db = Database(url)
    event = Event(
        slug="bench",
        name="Benchmark Rally",
        timezone="UTC",
        rules="tour",
        days=(
            Day(
                number=1,
                date=dt.date(2025, 6, 15),
                title="Day 1",
                route="r.gpx",
                first_start=dt.time(8),
                start_interval_s=30,
                controls=(
                    Control(name="START", kind=ControlKind.START, km=Decimal(0)),
                    Control(
                        name="TC1", kind=ControlKind.TIME_CONTROL, km=Decimal(90), average_kmh=Decimal(50)
                    ),
                ),
            ),
        ),
    )
    with db.transaction() as s:
        row = EventRow(
            slug="bench",
            name="Benchmark",
            timezone="UTC",
            rules="tour",
            source_name="bench",
            source_text="",
            definition=event_codec.to_json(event),
            imported_us=0,
            results_published=False,
        )
        s.add(row)
        s.flush()
        s.add(
            RouteRow(
                event_id=row.id,
                day_number=1,
                source_name="r.gpx",
                length_m=100_000.0,
                coordinates=[[45.0 + i * 0.009, 9.0] for i in range(101)],
            )
        )
        s.add_all(
            EntryRow(
                event_id=row.id,
                start_no=n,
                driver=f"D{n}",
                co_driver="",
                ladies=False,
                make="Fiat",
                model="8V",
                year=1953,
                chassis="",
                class_name="",
                device_id=f"car-{n}",
                team="",
                status="accepted",
                refusal_reason="",
            )
            for n in range(1, CARS + 2)  # the last car carries the logger of the burst
        )
    from miglia.service.live.devices import register

    for n in range(1, CARS + 2):
        register(db, f"car-{n}", token=token(n))
    db.dispose()


def token(car: int) -> str:
    return f"bench-token-{car}"


def fixes(car: int, first_second: int, count: int) -> list[dict[str, Any]]:
    """`count` of a car's 1 Hz fixes from `first_second`, at ~60 km/h north along the route."""
    out = []
    for second in range(first_second, first_second + count):
        out.append(
            {
                "timestamp": f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(T0 + car * 30 + second))}Z",
                "coords": {
                    "latitude": 45.0 + second * 0.00015,
                    "longitude": 9.0 + car * 1e-6,
                    "speed": 16.7,
                    "heading": 0,
                    "accuracy": 5,
                    "altitude": 100,
                },
                "battery": {"level": 0.8},
            }
        )
    return out


class Connection:
    """One keep-alive HTTP/1.1 connection: a request, then its whole answer."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        return cls(*await asyncio.open_connection("127.0.0.1", port))

    async def post(self, path: str, body: bytes) -> int:
        self.writer.write(
            f"POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        status = int((await self.reader.readline()).split()[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        self.writer.close()


async def load(
    port: int, seconds: int, batch: int, paced: bool, limit_s: float, burst: bool = False
) -> dict[str, float]:
    """Every car posts `seconds` of fixes, `batch` per request; paced: one request per `batch` s.
    With `burst`, one more car posts one batch of 10,000 fixes a third of the way in."""
    sent: dict[tuple[str, int], float] = {}
    latencies: list[float] = []
    requests = CARS * (seconds // batch)
    done = asyncio.Event()
    ready = asyncio.Event()

    async def listen() -> None:
        # the snapshot of 450 cars is one long line: well over asyncio's default 64 KiB line limit
        reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=2**24)
        writer.write(b"GET /live/stream HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n\r\n")
        kind = b""
        try:
            while line := await reader.readline():
                if line.startswith(b"event: "):
                    kind = line[7:].strip()
                    if kind == b"snapshot":
                        ready.set()
                elif line.startswith(b"data: ") and kind == b"position":
                    now = time.perf_counter()
                    car = json.loads(line[6:])
                    # The public feed names the car, not its tracker: car n carries device car-n.
                    start = sent.pop((f"car-{car['start_no']}", car["instant_us"]), None)
                    if start is not None:
                        latencies.append(now - start)
                        if len(latencies) >= requests:
                            done.set()
                            return
        finally:
            writer.close()

    failures = 0

    async def car(n: int, t0: float) -> None:
        nonlocal failures
        connection = await Connection.open(port)
        try:
            for k, first in enumerate(range(0, seconds - batch + 1, batch)):
                if paced:
                    await asyncio.sleep(max(0.0, t0 + k * batch + (n % 100) / 100 - time.perf_counter()))
                body = json.dumps({"device_id": f"car-{n}", "location": fixes(n, first, batch)}).encode()
                newest = (T0 + n * 30 + first + batch - 1) * 1_000_000
                sent[(f"car-{n}", newest)] = time.perf_counter()
                if await connection.post(f"/ingest/osmand?token={token(n)}", body) != 200:
                    failures += 1
        finally:
            connection.close()

    async def logger(t0: float) -> None:
        nonlocal failures
        await asyncio.sleep(max(0.0, t0 + seconds / 3 - time.perf_counter()))
        connection = await Connection.open(port)
        try:
            body = json.dumps(
                {"device_id": f"car-{CARS + 1}", "location": fixes(CARS + 1, 0, BURST)}
            ).encode()
            if await connection.post(f"/ingest/osmand?token={token(CARS + 1)}", body) != 200:
                failures += 1
        finally:
            connection.close()

    listener = asyncio.create_task(listen())
    await asyncio.wait_for(ready.wait(), 20)
    started = time.perf_counter()
    senders = [car(n, started) for n in range(1, CARS + 1)] + ([logger(started)] if burst else [])
    await asyncio.wait_for(asyncio.gather(*senders), limit_s)
    elapsed = time.perf_counter() - started
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(done.wait(), 30)
    listener.cancel()
    latencies.sort()
    return {
        "requests": requests / elapsed,
        "rate": requests * batch / elapsed,
        "p50": 1000 * statistics.median(latencies) if latencies else float("nan"),
        "p99": 1000 * latencies[int(0.99 * (len(latencies) - 1))] if latencies else float("nan"),
        "seen": len(latencies) / requests,
        "failures": failures,
    }


def baseline(url: str, batches: int) -> float:
    """Positions/s of a bare SQLAlchemy INSERT loop of the same rows, one transaction per batch."""
    from sqlalchemy import insert

    from miglia.store.db import Database
    from miglia.store.models import PositionRow, RawInputRow

    db = Database(url, migrate=False)
    with db.transaction() as s:
        raw_id = s.execute(
            insert(RawInputRow)
            .values(
                kind="bench",
                source="bench",
                received_us=0,
                content_type="",
                body="",
                accepted=True,
                problem="",
            )
            .returning(RawInputRow.id)
        ).scalar_one()
    rows = [
        [
            {
                "raw_id": raw_id,
                "device_id": f"base-{n}",
                "instant_us": (T0 + b * BATCH + k) * 1_000_000,
                "lat": 45.0,
                "lon": 9.0,
                "speed_kmh": 60.0,
                "course": 0.0,
                "altitude": 100.0,
                "accuracy_m": 5.0,
                "battery": 80.0,
            }
            for k in range(BATCH)
        ]
        for b in range(batches)
        for n in range(1, CARS + 1)
    ]
    started = time.perf_counter()
    for batch in rows:
        with db.transaction() as s:
            s.execute(insert(PositionRow), batch)
    elapsed = time.perf_counter() - started
    db.dispose()
    return sum(len(b) for b in rows) / elapsed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(name: str, url: str, seconds: int) -> None:
    global T0
    prepare(url)
    results = {}
    loads = (
        ("rally", 1, True, 0, False),
        ("burst", 1, True, seconds, True),
        ("catch-up", BATCH, False, seconds, False),
    )
    for label, batch, paced, offset, burst in loads:
        port = free_port()
        server = subprocess.Popen([sys.executable, __file__, "--serve", str(port), url])
        try:
            for _ in range(400):
                try:
                    httpx.get(f"http://127.0.0.1:{port}/live/cars", timeout=1)
                    break
                except httpx.HTTPError:
                    time.sleep(0.05)
            T0 += offset  # the second load drives on from where the first stopped: new positions
            results[label] = asyncio.run(load(port, seconds, batch, paced, limit_s=240, burst=burst))
        finally:
            server.terminate()
            server.wait(20)
    base = baseline(url, seconds // BATCH)
    print(f"{name}: {CARS} cars x {seconds} s of 1 Hz fixes, per load")
    for label, r in results.items():
        batch = BATCH if label == "catch-up" else 1
        print(
            f"  {label:8} ({batch:2} fix/req)  {r['requests']:7,.0f} req/s  {r['rate']:7,.0f} positions/s"
            f"   POST -> SSE p50 {r['p50']:7.1f} ms  p99 {r['p99']:7.1f} ms"
            f"   ({100 * r['seen']:.1f} % seen, {r['failures']:.0f} failed)"
        )
    rate = results["catch-up"]["rate"]
    burst, rally = results["burst"]["p99"], results["rally"]["p99"]
    print(
        f"  burst: one {BURST:,}-fix batch amid the rally: p99 {burst:.0f} ms"
        f" (goal < {GOAL_BURST_P99_MS} ms); baseline (the rally load without it, same run)"
        f" p99 {rally:.0f} ms; burst / baseline = {burst / rally:.2f}"
    )
    print(
        f"  goal >= {GOAL_RATE:,} positions/s and p99 <= {GOAL_P99_MS} ms;"
        f" baseline (bare INSERT loop, batches of {BATCH}) {base:9,.0f} positions/s;"
        f" catch-up / baseline = {rate / base:.2f}",
        flush=True,
    )


def main(argv: list[str]) -> int:
    if argv[:1] == ["--serve"]:
        serve(int(argv[1]), argv[2])
        return 0
    global CARS
    seconds = 20 if "--quick" in argv else 60
    if "--cars" in argv:  # fewer cars: where the machine cannot carry 450 at all, the burst's effect shows
        CARS = int(argv[argv.index("--cars") + 1])
    with tempfile.TemporaryDirectory() as folder:
        run("SQLite", f"sqlite:///{Path(folder) / 'bench.db'}", seconds)
    import psycopg

    name = f"miglia_bench_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        print(f"PostgreSQL: skipped, not reachable at {PG_ADMIN} ({exc})")
        return 0
    try:
        run("PostgreSQL", f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}", seconds)
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
