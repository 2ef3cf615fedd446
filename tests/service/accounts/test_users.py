"""Accounts and sessions as use cases, on the in-memory store (the browser side: tests/web/test_auth.py,
tests/web/test_sessions.py)."""

from __future__ import annotations

import pytest

from miglia.domain.accounts import User
from miglia.domain.errors import InvalidInput
from miglia.domain.instants import US_PER_S
from miglia.service.accounts import users
from tests.fake_store import FakeDatabase
from tests.web.helpers import use_fast_hashes


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    use_fast_hashes(monkeypatch)


def test_names_are_unique_whatever_the_case(fake_db: FakeDatabase) -> None:
    ada = users.add_user(fake_db, " Ada ", "organiser", "long enough")
    assert ada == User(ada.id, "Ada", "organiser", None)
    with pytest.raises(InvalidInput, match="username = 'ADA': already taken"):
        users.add_user(fake_db, "ADA", "marshal", "long enough")
    with pytest.raises(InvalidInput, match="password"):
        users.add_user(fake_db, "bob", "marshal", "short")
    with pytest.raises(InvalidInput, match="start_no"):
        users.add_user(fake_db, "crew7", "crew", "long enough")
    assert [u.username for u, _ in fake_db.state.users] == ["Ada"]


def test_the_last_organiser_stays_one(fake_db: FakeDatabase) -> None:
    ada = users.add_user(fake_db, "ada", "organiser", "long enough")
    with pytest.raises(InvalidInput, match="the only organiser"):
        users.set_role(fake_db, ada.id, "marshal")
    bob = users.add_user(fake_db, "bob", "organiser", "long enough")
    assert users.set_role(fake_db, ada.id, "crew", 7) == User(ada.id, "ada", "crew", 7)
    assert users.set_role(fake_db, bob.id, "organiser", 7).start_no is None  # only crews have a car


def test_a_password_is_checked_and_a_new_one_ends_every_session(fake_db: FakeDatabase) -> None:
    ada = users.add_user(fake_db, "ada", "timekeeper", "long enough")
    assert users.authenticate(fake_db, "ADA", "long enough") == ada
    assert users.authenticate(fake_db, "ada", "wrong password") is None
    assert users.authenticate(fake_db, "nobody", "long enough") is None
    phone = users.start_session(fake_db, ada.id)
    laptop = users.start_session(fake_db, ada.id)
    assert users.session_user(fake_db, phone, 3600) == ada
    users.set_password(fake_db, ada.id, "another long one")
    assert users.session_user(fake_db, phone, 3600) is None
    assert users.session_user(fake_db, laptop, 3600) is None
    assert users.authenticate(fake_db, "ada", "another long one") == ada


def test_a_login_ends_the_session_it_replaces_and_old_sessions_expire(fake_db: FakeDatabase) -> None:
    ada = users.add_user(fake_db, "ada", "marshal", "long enough")
    before = users.start_session(fake_db, ada.id)
    after = users.start_session(fake_db, ada.id, replacing=before)
    assert users.session_user(fake_db, before, 3600) is None
    assert users.session_user(fake_db, after, 3600) == ada
    (row,) = [s for s in fake_db.state.sessions if s.ended_us is None]
    row.created_us -= 3601 * US_PER_S  # as if it began more than an hour ago
    assert users.session_user(fake_db, after, 3600) is None
    users.end_session(fake_db, after)
    assert all(s.ended_us is not None for s in fake_db.state.sessions[:1])
