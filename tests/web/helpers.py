"""What the web tests share: an app on a database, accounts and logging in, the small event with staff."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from miglia.service.accounts import users
from miglia.service.event import events
from miglia.store.db import Database
from miglia.web.app import create_app

SMALL = Path(__file__).resolve().parents[1] / "data" / "small"
_TOKEN = re.compile(r'name="csrf" value="([^"]+)"')


def client_for(db: Database, app: FastAPI | None = None) -> TestClient:
    return TestClient(app or create_app(db, tile_url=""))


def password_of(username: str) -> str:
    return f"{username}-secret-pw"


def make_user(db: Database, username: str, role: str, start_no: int | None = None) -> users.User:
    return users.add_user(db, username, role, password_of(username), start_no)


def csrf_from(client: TestClient, path: str = "/login") -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    found = _TOKEN.search(page.text) or re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert found, f"no CSRF token in {path}"
    return found.group(1)


def login(client: TestClient, username: str, password: str | None = None) -> str:
    """Log in through the form; returns the new session's CSRF token."""
    answer = client.post(
        "/login",
        data={"username": username, "password": password or password_of(username), "csrf": csrf_from(client)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return csrf_from(client)


def use_fast_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2id parameters for the tests (the real ones cost ~0.1 s a hash, by design)."""
    from argon2 import PasswordHasher

    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def with_event(db: Database) -> Database:
    """The small event and its entries in `db`."""
    events.import_event(db, SMALL / "event.toml")
    events.import_entries(db, SMALL / "entries.csv")
    return db


def with_staff(db: Database) -> Database:
    """The small event, one account of each role and two crews (cars 1 and 2)."""
    with_event(db)
    for name, role, car in [
        ("olga", "organiser", None),
        ("tim", "timekeeper", None),
        ("mario", "marshal", None),
        ("meg", "mechanic", None),
        ("crew1", "crew", 1),
        ("crew2", "crew", 2),
    ]:
        make_user(db, name, role, car)
    return db
