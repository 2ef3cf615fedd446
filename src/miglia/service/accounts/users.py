"""User accounts: who may do what at the event (the roles: domain/accounts.py). Passwords are stored
only as argon2id hashes.

Sessions: each login makes a `user_sessions` row; the browser holds a random id whose SHA-256 is kept in
the row. A session counts until it is ended (logout, a new password) or is older than its lifetime.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from miglia.domain.accounts import ROLES, User
from miglia.domain.errors import InvalidInput
from miglia.domain.instants import US_PER_S
from miglia.service.clock import now_us
from miglia.store.db import Database
from miglia.store.unit_of_work import UnitOfWork

MIN_PASSWORD = 8
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when the username is unknown, so a wrong name costs as much as a wrong password."""
    return _hasher.hash("miglia: no such user")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _check_role(role: str, start_no: int | None, where: str) -> None:
    if role not in ROLES:
        raise InvalidInput(where, "role", role, f"expected one of {', '.join(ROLES)}")
    if role == "crew" and (start_no is None or start_no < 1):
        raise InvalidInput(where, "start_no", start_no, "a crew account needs the start number of its car")


def _check_password(password: str, where: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(where, "password", "…", f"too short: at least {MIN_PASSWORD} characters")


def add_user(db: Database, username: str, role: str, password: str, start_no: int | None = None) -> User:
    """Create an account; bad input raises an error naming the field and changes nothing."""
    username = username.strip()
    where = f"user {username!r}"
    if not _USERNAME.match(username):
        raise InvalidInput(
            "user", "username", username, "letters, digits and . _ @ - only, starting with a letter or digit"
        )
    _check_role(role, start_no, where)
    _check_password(password, where)
    with db.unit_of_work() as uow:
        if uow.users.by_name(username) is not None:
            raise InvalidInput("user", "username", username, "already taken")
        return uow.users.add(
            username=username,
            password_hash=hash_password(password),
            role=role,
            start_no=start_no if role == "crew" else None,
        )


def set_role(db: Database, user_id: int, role: str, start_no: int | None = None) -> User:
    """Change a user's role (and car, for crew). The last organiser cannot stop being one."""
    with db.unit_of_work() as uow:
        user = uow.users.get(user_id)
        if user is None:
            raise InvalidInput("user", "id", user_id, "no such user")
        where = f"user {user.username!r}"
        _check_role(role, start_no, where)
        if user.role == "organiser" and role != "organiser" and uow.users.count_with_role("organiser") == 1:
            raise InvalidInput(
                where, "role", role, "this is the only organiser; make someone else organiser first"
            )
        return uow.users.set_role(user_id, role, start_no if role == "crew" else None)


def set_password(db: Database, user_id: int, password: str) -> User:
    """A new password, which also ends every session of the user: the way to shut out a lost phone."""
    with db.unit_of_work() as uow:
        user = uow.users.get(user_id)
        if user is None:
            raise InvalidInput("user", "id", user_id, "no such user")
        _check_password(password, f"user {user.username!r}")
        uow.users.set_password_hash(user_id, hash_password(password))
        uow.user_sessions.end_all_of(user_id, now_us())
        return user


def authenticate(db: Database, username: str, password: str) -> User | None:
    """The user if the password is right, else None (the same answer for an unknown name)."""
    with db.unit_of_work() as uow:
        found = uow.users.by_name(username.strip())
        try:
            _hasher.verify(found[1] if found else _dummy_hash(), password)
        except (VerificationError, InvalidHashError):
            return None
        if found is None:
            return None
        user, password_hash = found
        if _hasher.check_needs_rehash(password_hash):
            uow.users.set_password_hash(user.id, hash_password(password))
        return user


def get(uow: UnitOfWork, user_id: int) -> User | None:
    return uow.users.get(user_id)


def all_users(uow: UnitOfWork) -> list[User]:
    return uow.users.all()


# ---------------------------------------------------------------------------------------------- sessions

_TOUCH_EVERY_US = 5 * 60 * US_PER_S


def _hash_of(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start_session(db: Database, user_id: int, replacing: str | None = None) -> str:
    """A new session for the user; returns its id, for the cookie only (the table keeps its hash).

    `replacing`: the session the browser held before this login, ended so it cannot be used again."""
    session_id = secrets.token_urlsafe(32)
    now = now_us()
    with db.unit_of_work() as uow:
        if replacing:
            uow.user_sessions.end(_hash_of(replacing), now)
        uow.user_sessions.add(id_hash=_hash_of(session_id), user_id=user_id, now_us=now)
    return session_id


def session_user(db: Database, session_id: str, max_age_s: int) -> User | None:
    """The user of a session that is neither ended nor older than `max_age_s`; None otherwise (also for a
    deleted account). One query reads both, since every signed-in request asks."""
    now = now_us()
    with db.unit_of_work() as uow:
        found = uow.user_sessions.open_user(_hash_of(session_id), now - max_age_s * US_PER_S)
        if found is None:
            return None
        user, row_id, last_seen_us = found
        if last_seen_us is None or now - last_seen_us > _TOUCH_EVERY_US:
            uow.user_sessions.seen(row_id, now)
        return user


def end_session(db: Database, session_id: str) -> None:
    """Log out: the session's id no longer opens anything, wherever the cookie was copied to."""
    with db.unit_of_work() as uow:
        uow.user_sessions.end(_hash_of(session_id), now_us())
