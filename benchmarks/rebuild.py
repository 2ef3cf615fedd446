"""Re-timing a day from stored positions (`miglia timing rebuild`), end to end: read every car's positions,
time them, store the GPS passages; printed beside the time to read the same positions alone (the floor),
on SQLite and PostgreSQL. Goal: within 3x of that floor.

`python benchmarks/rebuild.py [--quick] [--cars N] [--hours H]`: by default 450 cars x 10 h at 1 Hz
(16.2 M positions, as a 1000 Miglia day); --quick 45 cars x 1 h.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import ingest as setup  # noqa: E402  (the ingest benchmark's event: 450 cars on a 100 km route)

GOAL_RATIO = 3.0
PG_ADMIN = os.environ.get("MIGLIA_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
CHUNK_S = 600


def store_positions(url: str, cars: int, seconds: int) -> int:
    """Every car's 1 Hz positions, north along the route at ~60 km/h, trusted; a raw input per car."""
    from miglia.store.db import Database

    db = Database(url, migrate=False)
    stored = 0
    for car in range(1, cars + 1):
        with db.unit_of_work() as uow:
            [raw_id] = uow.positions.add_raws(
                [(1, "device_file", f"bench:car-{car}", 0, "text/csv", "", True, "")]
            )
            for start in range(0, seconds, CHUNK_S):
                rows = [
                    (
                        raw_id,
                        f"car-{car}",
                        (setup.T0 + car * 30 + s) * 1_000_000,
                        45.0 + s * 0.00015,
                        9.0 + car * 1e-6,
                        60.0,
                        0.0,
                        100.0,
                        5.0,
                        80.0,
                        True,
                    )
                    for s in range(start, min(start + CHUNK_S, seconds))
                ]
                stored += len(uow.positions.add(rows))
    db.dispose()
    return stored


def read_floor(url: str) -> tuple[float, int]:
    """Seconds to read every car's day of positions as the rebuild reads them, and how many."""
    from miglia.service.live.alerts import load_watch
    from miglia.service.live.live_timing import car_day_span
    from miglia.store.db import Database

    db = Database(url, migrate=False)
    started = time.perf_counter()
    count = 0
    with db.unit_of_work() as uow:
        watch = load_watch(uow)
        for car in sorted(set(watch.cars[1].values())):
            span = car_day_span(watch, watch.timezone, car, 1)
            if span is not None:
                count += len(uow.positions.points(span, watch.accept_unregistered))
    elapsed = time.perf_counter() - started
    db.dispose()
    return elapsed, count


def run(name: str, url: str, cars: int, seconds: int) -> None:
    from miglia.service.live.rebuild import rebuild
    from miglia.store.db import Database

    setup.prepare(url)
    started = time.perf_counter()
    stored = store_positions(url, cars, seconds)
    print(
        f"{name}: stored {stored:,} positions of {cars} cars in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    floor_s, read = read_floor(url)
    db = Database(url, migrate=False)
    started = time.perf_counter()
    done = rebuild(db)
    rebuild_s = time.perf_counter() - started
    db.dispose()
    ratio = rebuild_s / floor_s
    verdict = "OK" if ratio <= GOAL_RATIO else "MISSED"
    print(
        f"  rebuild (read, time, store)  {rebuild_s:8.2f} s  {done.positions / rebuild_s:12,.0f} positions/s"
        f"  ({len(done.stored)} passages)\n"
        f"  baseline (read alone)        {floor_s:8.2f} s  {read / floor_s:12,.0f} positions/s\n"
        f"  rebuild / baseline = {ratio:.2f} (goal <= {GOAL_RATIO:g}) {verdict}",
        flush=True,
    )


def main(argv: list[str]) -> int:
    cars, hours = (45, 1.0) if "--quick" in argv else (450, 10.0)
    if "--cars" in argv:
        cars = int(argv[argv.index("--cars") + 1])
    if "--hours" in argv:
        hours = float(argv[argv.index("--hours") + 1])
    setup.CARS = cars
    seconds = int(hours * 3600)
    print(f"re-timing {cars} cars x {hours:g} h at 1 Hz ({cars * seconds:,} positions)", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        run("SQLite", f"sqlite:///{Path(folder) / 'bench.db'}", cars, seconds)
    import psycopg

    name = f"miglia_bench_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        print(f"PostgreSQL: skipped, not reachable at {PG_ADMIN} ({exc})")
        return 0
    try:
        run("PostgreSQL", f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}", cars, seconds)
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
