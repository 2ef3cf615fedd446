"""Fixtures of the web tests: cheap password hashes, the small event, and one account of each role."""

from __future__ import annotations

import pytest

from miglia.store.db import Database
from tests.web.helpers import use_fast_hashes, with_event, with_staff


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    use_fast_hashes(monkeypatch)


@pytest.fixture
def event_db(db: Database) -> Database:
    return with_event(db)


@pytest.fixture
def staff(db: Database) -> Database:
    return with_staff(db)
