"""Live ingest under rally load: 450 cars posting positions to a real uvicorn server, SQLite then PostgreSQL.

`python benchmarks/ingest.py [--quick]`. For each database: a fresh database with an event of 450 cars
and its route; a uvicorn server in a subprocess on a free loopback port; one SSE client on /live/stream;
450 concurrent car clients (httpx, asyncio) replaying their positions faster than real time, each request
a batch of fixes as Traccar Client sends when it catches up (OsmAnd JSON). Measured: sustained
positions/s stored, and p50/p99 latency from the start of the POST to the `position` SSE event reaching
the client. Baseline, same run, same database: a bare SQLAlchemy INSERT loop of the same rows in the
same batches (one transaction per batch), i.e. storage alone with no HTTP, no JSON, no raw record.
Goal: >= 5,000 positions/s and p99 <= 250 ms. Bounded: a fixed number of positions and a time limit.
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
GOAL_RATE = 5_000
GOAL_P99_MS = 250
T0 = 1_749_974_400  # 2025-06-15 08:00 UTC, the benchmark event's day
PG_ADMIN = os.environ.get("MIGLIA_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def serve(port: int, url: str) -> None:
    """The server subprocess: the ingest and live routers on `url`."""
    import uvicorn
    from fastapi import FastAPI

    from miglia.store.db import Database
    from miglia.web import ingest, live

    app = FastAPI()
    app.state.db = Database(url, migrate=False)
    app.include_router(ingest.router)
    app.include_router(live.router)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def prepare(url: str) -> None:
    """Schema, and an event of 450 cars on a 100 km route."""
    import datetime as dt
    from decimal import Decimal

    from miglia.domain.event import Control, ControlKind, Day, Event
    from miglia.service import event_codec
    from miglia.store.db import Database
    from miglia.store.models import EntryRow, EventRow, RouteRow

    db = Database(url)
    event = Event(
        "bench",
        "Benchmark Rally",
        "UTC",
        "tour",
        (
            Day(
                1,
                dt.date(2025, 6, 15),
                "Day 1",
                "r.gpx",
                dt.time(8),
                30,
                (
                    Control("START", ControlKind.START, km=Decimal(0)),
                    Control("TC1", ControlKind.TIME_CONTROL, km=Decimal(90), average_kmh=Decimal(50)),
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
            for n in range(1, CARS + 1)
        )
    db.dispose()


def fixes(car: int, batch_no: int) -> list[dict[str, Any]]:
    """A batch of a car's 1 Hz fixes at ~60 km/h north along the route."""
    out = []
    for k in range(BATCH):
        second = batch_no * BATCH + k
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


async def load(base: str, batches: int, limit_s: float) -> dict[str, float]:
    sent: dict[tuple[str, int], float] = {}
    latencies: list[float] = []
    expected = CARS * batches * BATCH
    events = CARS * batches  # one position event per request: the car's newest fix
    done = asyncio.Event()

    async def listen(ready: asyncio.Event) -> None:
        async with (
            httpx.AsyncClient(base_url=base, timeout=None) as client,
            client.stream("GET", "/live/stream") as r,
        ):
            kind = ""
            async for line in r.aiter_lines():
                if line.startswith("event: "):
                    kind = line[7:]
                    if kind == "snapshot":
                        ready.set()
                elif line.startswith("data: ") and kind == "position":
                    now = time.perf_counter()
                    car = json.loads(line[6:])
                    start = sent.pop((car["device_id"], car["instant_us"]), None)
                    if start is not None:
                        latencies.append(now - start)
                    if len(latencies) >= events:
                        done.set()
                        return

    async def car(client: httpx.AsyncClient, n: int) -> None:
        for b in range(batches):
            body = {"device_id": f"car-{n}", "location": fixes(n, b)}
            started = time.perf_counter()
            sent[(f"car-{n}", (T0 + n * 30 + b * BATCH + BATCH - 1) * 1_000_000)] = started  # newest fix
            answer = await client.post("/ingest/osmand", json=body)
            answer.raise_for_status()

    ready = asyncio.Event()
    listener = asyncio.create_task(listen(ready))
    await asyncio.wait_for(ready.wait(), 10)
    limits = httpx.Limits(max_connections=CARS, max_keepalive_connections=CARS)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        started = time.perf_counter()
        await asyncio.wait_for(asyncio.gather(*(car(client, n) for n in range(1, CARS + 1))), limit_s)
        elapsed = time.perf_counter() - started
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(done.wait(), 30)
    listener.cancel()
    latencies.sort()
    return {
        "rate": expected / elapsed,
        "p50": 1000 * statistics.median(latencies) if latencies else float("nan"),
        "p99": 1000 * latencies[int(0.99 * (len(latencies) - 1))] if latencies else float("nan"),
        "seen": len(latencies) / events,
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


def run(name: str, url: str, batches: int) -> None:
    prepare(url)
    port = free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port), url])
    try:
        for _ in range(200):
            try:
                httpx.get(f"http://127.0.0.1:{port}/live/cars", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.05)
        result = asyncio.run(load(f"http://127.0.0.1:{port}", batches, limit_s=120))
    finally:
        server.terminate()
        server.wait(10)
    base = baseline(url, batches)
    print(f"{name}: {CARS} cars x {batches} requests x {BATCH} fixes = {CARS * batches * BATCH:,} positions")
    print(
        f"  sustained ingest   {result['rate']:9,.0f} positions/s   goal >= {GOAL_RATE:,}   "
        f"baseline (bare INSERT loop, same batches) {base:9,.0f}/s   ratio {result['rate'] / base:.2f}"
    )
    print(
        f"  POST -> SSE event  p50 {result['p50']:6.1f} ms   p99 {result['p99']:6.1f} ms"
        f"   goal p99 <= {GOAL_P99_MS} ms   ({100 * result['seen']:.1f} % of requests seen on the stream)",
        flush=True,
    )


def main(argv: list[str]) -> int:
    if argv[:1] == ["--serve"]:
        serve(int(argv[1]), argv[2])
        return 0
    batches = 3 if "--quick" in argv else 12
    with tempfile.TemporaryDirectory() as folder:
        run("SQLite", f"sqlite:///{Path(folder) / 'bench.db'}", batches)
    import psycopg

    name = f"miglia_bench_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        print(f"PostgreSQL: skipped, not reachable at {PG_ADMIN} ({exc})")
        return 0
    try:
        run("PostgreSQL", f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}", batches)
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
