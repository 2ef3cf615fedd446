"""Re-timing a day from stored positions (`miglia timing rebuild`), end to end: read every car's positions,
time them, store the GPS passages, rescore the event from what is stored; printed beside the time to read
the same positions alone (the floor, measured after a first, untimed read so that both find warm caches),
on SQLite and PostgreSQL. Goal: within 3x of that floor.

`python benchmarks/rebuild.py [--quick] [--cars N] [--hours H]`: by default 450 cars x 10 h at 1 Hz
(16.2 M positions, as a 1000 Miglia day); --quick 45 cars x 1 h. The positions are stored in bulk first
(COPY, or one SQLite transaction: minutes, not measured); the SQLite file and the PostgreSQL database are
dropped at the end.

Measured once at full size on the 2-core development machine (other work running beside it): SQLite,
setup 90 s, rebuild 34.8 s against a floor of 22.2 s (1.56x); PostgreSQL, setup 234 s, rebuild 51.7 s
against 31.6 s (1.64x); 900 passages, the rescore 0.03 s and 0.21 s of it. What the rebuild adds to the
read is mostly Python work per position (`live_timing.Points.add`, twice, and `Points.sorted`).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import ingest as setup  # noqa: E402  (the ingest benchmark's event: 450 cars on a 100 km route)

GOAL_RATIO = 3.0
PG_ADMIN = os.environ.get("MIGLIA_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def store_positions(url: str, cars: int, seconds: int) -> int:
    """Every car's 1 Hz positions, north along the route at ~60 km/h, trusted; a raw input per car.

    The setup, not what is measured: the rows go in as fast as each database takes them (PostgreSQL's
    COPY, SQLite's executemany in one transaction without a journal), not through the live path's
    INSERT ... ON CONFLICT (half an hour for 16.2 M rows in PostgreSQL); then the planner's statistics."""
    from miglia.store.db import Database

    db = Database(url, migrate=False)
    with db.unit_of_work() as uow:
        raw_ids = uow.positions.add_raws(
            [
                (1, "device_file", f"bench:car-{car}", 0, "text/csv", "", True, "")
                for car in range(1, cars + 1)
            ]
        )
    db.dispose()
    rows = _rows(dict(zip(range(1, cars + 1), raw_ids, strict=True)), seconds)
    if url.startswith("sqlite"):
        return _store_sqlite(url.removeprefix("sqlite:///"), rows)
    return _store_postgresql(url, rows)


def _rows(raw_ids: dict[int, int], seconds: int) -> Iterator[tuple[object, ...]]:
    """The positions, car by car (dialect.POSITION_COLUMNS), made as they are stored: never all at once."""
    for car, raw_id in raw_ids.items():
        device, lon, first_us = f"car-{car}", 9.0 + car * 1e-6, (setup.T0 + car * 30) * 1_000_000
        for s in range(seconds):
            yield (
                raw_id,
                device,
                first_us + s * 1_000_000,
                45.0 + s * 0.00015,
                lon,
                60.0,
                0.0,
                100.0,
                5.0,
                80.0,
                True,
            )


def _store_sqlite(path: str, rows: Iterator[tuple[object, ...]]) -> int:
    import sqlite3

    from miglia.store.dialect import POSITION_COLUMNS

    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=OFF")  # set back to WAL below, as the application has it
    connection.execute("PRAGMA synchronous=OFF")
    connection.execute("PRAGMA cache_size=-1000000")  # 1 GB of pages while the indexes grow
    marks = ", ".join("?" * len(POSITION_COLUMNS.split(", ")))
    with connection:
        cursor = connection.executemany(f"INSERT INTO positions ({POSITION_COLUMNS}) VALUES ({marks})", rows)
        stored = cursor.rowcount
    connection.execute("PRAGMA journal_mode=WAL")
    connection.close()
    return stored


def _store_postgresql(url: str, rows: Iterator[tuple[object, ...]]) -> int:
    import psycopg

    from miglia.store.dialect import POSITION_COLUMNS

    stored = 0
    with psycopg.connect(url) as connection:
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY positions ({POSITION_COLUMNS}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
                stored += 1
        connection.commit()
        connection.autocommit = True
        connection.execute("VACUUM ANALYZE positions")  # statistics and visibility, as autovacuum leaves them
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
    from miglia.service.timing.results import score
    from miglia.store.db import Database

    setup.prepare(url)
    started = time.perf_counter()
    stored = store_positions(url, cars, seconds)
    setup_s = time.perf_counter() - started
    print(f"{name}: stored {stored:,} positions of {cars} cars in {setup_s:.0f} s (setup)", flush=True)
    read_floor(url)  # a first read, not timed: the rebuild and the floor then both find warm caches
    floor_s, read = read_floor(url)
    db = Database(url, migrate=False)
    started = time.perf_counter()
    done = rebuild(db)
    rebuilt_s = time.perf_counter() - started
    with db.unit_of_work() as uow:
        score(uow).board.classification()
    rebuild_s = time.perf_counter() - started
    db.dispose()
    ratio = rebuild_s / floor_s
    verdict = "OK" if ratio <= GOAL_RATIO else "MISSED"
    rate, floor_rate = done.positions / rebuild_s, read / floor_s
    print(
        f"  rebuild (read, time, store, rescore) {rebuild_s:8.2f} s {rate:11,.0f} positions/s"
        f"  ({len(done.stored)} passages; rescore {rebuild_s - rebuilt_s:.2f} s)\n"
        f"  baseline (read alone)                {floor_s:8.2f} s {floor_rate:11,.0f} positions/s\n"
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
