"""Shared fixtures: the database on SQLite and on a real PostgreSQL, and the real data folder.

Storage tests take `db` and run twice, once per database. PostgreSQL tests skip with a message
when no server answers, except in CI (CI=true), where they must run.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from miglia.store.db import Database

REPO = Path(__file__).resolve().parents[1]
REAL_DATA = REPO.parent / "shared" / "data" / "real"
PG_ADMIN_URL = os.environ.get("MIGLIA_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() == "true"


def need(condition: bool, message: str) -> None:
    """Skip when a service is missing on a developer's machine; fail in CI, where nothing may skip."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{message} (CI=true: this must run in CI)")
    pytest.skip(message)


@pytest.fixture(autouse=True)
def media_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test's photo files in its own folder (store/media.py), never in the working directory."""
    folder = tmp_path / "media"
    monkeypatch.setenv("MIGLIA_MEDIA", str(folder))
    return folder


@pytest.fixture(scope="session")
def real_data() -> Path:
    need(REAL_DATA.is_dir(), f"real recorded data not found at {REAL_DATA}; it lives in shared/data/real")
    return REAL_DATA


def _pg_available() -> str | None:
    import psycopg

    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return str(exc).strip()


@pytest.fixture(scope="session")
def pg_server() -> str:
    problem = _pg_available()
    need(
        problem is None,
        f"PostgreSQL not reachable at {PG_ADMIN_URL} ({problem}); start it with "
        "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` or set MIGLIA_TEST_PG",
    )
    return PG_ADMIN_URL


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    import psycopg

    name = f"miglia_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = pg_server.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'miglia.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def db_url(request: pytest.FixtureRequest) -> str:
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()


SMALL = Path(__file__).resolve().parent / "data" / "small"


@pytest.fixture
def small_db(sqlite_url: str) -> Iterator[Database]:
    """A SQLite database holding the small test event and its entries, whose devices are registered with
    the token `tests.tracking.helpers.token(device)` gives."""
    from miglia.service.event import events
    from miglia.service.live import devices
    from tests.tracking.helpers import token

    database = Database(sqlite_url)
    events.import_event(database, SMALL / "event.toml")
    entries = events.import_entries(database, SMALL / "entries.csv")
    for entry in entries:
        if entry.device_id:
            devices.register(database, entry.device_id, token=token(entry.device_id))
    yield database
    database.dispose()


@pytest.fixture(params=["fake", "sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def any_store(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The in-memory fake (tests/fake_store.py) and both real databases: the repositories' contract."""
    if request.param == "fake":
        from tests.fake_store import FakeDatabase

        yield FakeDatabase()
        return
    database = Database(str(request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")))
    yield database
    database.dispose()


@pytest.fixture
def fake_db() -> Any:
    """A use case's storage without a database (tests/fake_store.py)."""
    from tests.fake_store import FakeDatabase

    return FakeDatabase()
