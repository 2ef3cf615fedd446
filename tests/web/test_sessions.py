"""Server-side sessions (service/users.py, web/security/): a cookie opens only a session still open in
the `user_sessions` table, so logging out or a new password shuts out every copy of it."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select, update

from miglia.domain.instants import US_PER_S
from miglia.service.accounts import users
from miglia.store.db import Database
from miglia.store.models import UserRow, UserSessionRow
from miglia.web.app import create_app
from miglia.web.security.sessions import SESSION_COOKIE, SESSION_MAX_AGE
from tests.web.helpers import login

Browser = Callable[[], TestClient]


@pytest.fixture
def browser(staff: Database) -> Browser:
    """Makes browsers of one server (one signing key), each with its own cookies."""
    app = create_app(staff, tile_url="")
    return lambda: TestClient(app)


def _user_id(db: Database, username: str) -> int:
    with db.unit_of_work() as uow:
        return next(u.id for u in users.all_users(uow) if u.username == username)


def _copy_of(client: TestClient, browser: Browser) -> TestClient:
    """Another browser holding the same cookie (stolen, or copied from the phone's storage)."""
    thief = browser()
    thief.cookies.set(SESSION_COOKIE, client.cookies[SESSION_COOKIE])
    return thief


def _signed_in(client: TestClient, path: str = "/marshal") -> bool:
    answer = client.get(path, follow_redirects=False)
    assert answer.status_code in (200, 303), answer.text
    return answer.status_code == 200


def _session_id(client: TestClient) -> str:
    _, data = URLSafeTimedSerializer("unused").loads_unsafe(client.cookies[SESSION_COOKIE])
    assert isinstance(data, dict)
    return str(data["i"])


def _sessions(db: Database) -> list[UserSessionRow]:
    with db.unit_of_work() as uow:
        return list(uow.session.scalars(select(UserSessionRow).order_by(UserSessionRow.id)))


def test_a_copied_cookie_no_longer_works_after_logout(staff: Database, browser: Browser) -> None:
    phone = browser()
    token = login(phone, "mario")
    copy = _copy_of(phone, browser)
    assert _signed_in(copy)
    assert phone.post("/logout", data={"csrf": token}, follow_redirects=False).status_code == 303
    assert not _signed_in(copy)
    # The copy still carries the CSRF token, which is no longer enough to write anything.
    answer = copy.post("/marshal/api/passages", json=[], headers={"X-CSRF-Token": token})
    assert answer.status_code == 401
    assert [row.ended_us is not None for row in _sessions(staff)] == [True]


def test_a_new_password_refuses_the_old_sessions_of_that_user_only(staff: Database, browser: Browser) -> None:
    lost_phone, new_phone, organiser = browser(), browser(), browser()
    login(lost_phone, "mario")
    login(organiser, "olga")
    users.set_password(staff, _user_id(staff, "mario"), "a-new-password")
    assert not _signed_in(lost_phone)
    assert _signed_in(organiser, "/organiser")
    login(new_phone, "mario", "a-new-password")
    assert _signed_in(new_phone)


def test_logging_out_on_one_client_leaves_the_other_signed_in(browser: Browser) -> None:
    first, second = browser(), browser()
    first_token = login(first, "mario")
    login(second, "mario")
    assert first.post("/logout", data={"csrf": first_token}, follow_redirects=False).status_code == 303
    assert not _signed_in(first)
    assert _signed_in(second)


def test_signing_in_again_ends_the_session_the_browser_held(browser: Browser) -> None:
    shared_laptop = browser()
    login(shared_laptop, "mario")
    copy = _copy_of(shared_laptop, browser)
    login(shared_laptop, "tim")
    assert not _signed_in(copy)
    assert _signed_in(shared_laptop, "/organiser/timing")


def test_the_table_keeps_only_a_hash_of_the_session_id(staff: Database, browser: Browser) -> None:
    client = browser()
    login(client, "mario")
    session_id = _session_id(client)
    [row] = _sessions(staff)
    assert row.id_hash == hashlib.sha256(session_id.encode()).hexdigest() != session_id
    assert row.user_id == _user_id(staff, "mario") and row.created_us == row.last_seen_us
    assert users.session_user(staff, session_id + "x", SESSION_MAX_AGE) is None


def test_a_demoted_or_deleted_account_is_refused_at_once(staff: Database, browser: Browser) -> None:
    marshal, timekeeper = browser(), browser()
    login(marshal, "mario")
    login(timekeeper, "tim")
    users.set_role(staff, _user_id(staff, "mario"), "mechanic")
    assert marshal.get("/marshal", follow_redirects=False).status_code == 403
    with staff.unit_of_work() as uow:
        uow.session.delete(uow.session.get(UserRow, _user_id(staff, "tim")))
    assert not _signed_in(timekeeper, "/organiser/timing")
    assert {row.user_id for row in _sessions(staff)} == {_user_id(staff, "mario")}  # tim's went with him


def test_a_session_ends_when_its_lifetime_is_over(staff: Database, browser: Browser) -> None:
    client = browser()
    login(client, "mario")
    with staff.unit_of_work() as uow:
        uow.session.execute(
            update(UserSessionRow).values(created_us=UserSessionRow.created_us - SESSION_MAX_AGE * US_PER_S)
        )
    assert not _signed_in(client)


def test_last_seen_is_refreshed_only_every_few_minutes(staff: Database, browser: Browser) -> None:
    client = browser()
    login(client, "mario")
    [fresh] = _sessions(staff)
    assert _signed_in(client)
    assert _sessions(staff)[0].last_seen_us == fresh.last_seen_us  # no write for every page
    with staff.unit_of_work() as uow:
        uow.session.execute(
            update(UserSessionRow).values(last_seen_us=UserSessionRow.last_seen_us - 3600 * US_PER_S)
        )
    assert _signed_in(client)
    assert (_sessions(staff)[0].last_seen_us or 0) >= (fresh.last_seen_us or 0)
