"""User accounts: who may do what at the event. Passwords are stored only as argon2id hashes.

Roles (the `role` column):
- organiser: everything.
- timekeeper: the timing review, corrections, every car's private data, the alerts board.
- marshal: records passages at controls (the marshal's phone page).
- mechanic: the alerts board (mechanics and the sweep go to cars in trouble).
- crew: its own car's private data only (the user's `start_no`).
The public has no account: it sees the public pages and, once published, the results.

Sessions: each login makes a `user_sessions` row; the browser holds a random id whose SHA-256 is kept in
the row. A session counts until it is ended (logout, a new password) or is older than its lifetime.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from miglia.domain.errors import InvalidInput
from miglia.domain.instants import US_PER_S
from miglia.service.clock import now_us
from miglia.store.db import Database
from miglia.store.models import UserRow, UserSessionRow

ROLES = ("organiser", "timekeeper", "marshal", "mechanic", "crew")
ROLE_LABELS = {
    "organiser": "Organiser",
    "timekeeper": "Timekeeper",
    "marshal": "Marshal",
    "mechanic": "Mechanic / sweep",
    "crew": "Crew",
}
MIN_PASSWORD = 8
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when the username is unknown, so a wrong name costs as much as a wrong password."""
    return _hasher.hash("miglia: no such user")


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: str
    start_no: int | None = None

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    def has_role(self, *roles: str) -> bool:
        """True if the user holds one of `roles`; the organiser holds every role."""
        return self.role == "organiser" or self.role in roles


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _user(row: UserRow) -> User:
    return User(row.id, row.username, row.role, row.start_no)


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
    with db.transaction() as s:
        if s.scalar(select(UserRow.id).where(func.lower(UserRow.username) == username.lower())) is not None:
            raise InvalidInput("user", "username", username, "already taken")
        row = UserRow(
            username=username,
            password_hash=hash_password(password),
            role=role,
            start_no=start_no if role == "crew" else None,
        )
        s.add(row)
        s.flush()
        return _user(row)


def set_role(db: Database, user_id: int, role: str, start_no: int | None = None) -> User:
    """Change a user's role (and car, for crew). The last organiser cannot stop being one."""
    with db.transaction() as s:
        row = s.get(UserRow, user_id)
        if row is None:
            raise InvalidInput("user", "id", user_id, "no such user")
        where = f"user {row.username!r}"
        _check_role(role, start_no, where)
        if row.role == "organiser" and role != "organiser" and _organisers(s) == 1:
            raise InvalidInput(
                where, "role", role, "this is the only organiser; make someone else organiser first"
            )
        row.role = role
        row.start_no = start_no if role == "crew" else None
        return _user(row)


def set_password(db: Database, user_id: int, password: str) -> User:
    """A new password, which also ends every session of the user: the way to shut out a lost phone."""
    with db.transaction() as s:
        row = s.get(UserRow, user_id)
        if row is None:
            raise InvalidInput("user", "id", user_id, "no such user")
        _check_password(password, f"user {row.username!r}")
        row.password_hash = hash_password(password)
        _end_sessions(s, UserSessionRow.user_id == user_id)
        return _user(row)


def _organisers(s: Session) -> int:
    return int(s.scalar(select(func.count()).select_from(UserRow).where(UserRow.role == "organiser")) or 0)


def authenticate(db: Database, username: str, password: str) -> User | None:
    """The user if the password is right, else None (the same answer for an unknown name)."""
    with db.transaction() as s:
        row = s.scalar(select(UserRow).where(func.lower(UserRow.username) == username.strip().lower()))
        try:
            _hasher.verify(row.password_hash if row else _dummy_hash(), password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None:
            return None
        if _hasher.check_needs_rehash(row.password_hash):
            row.password_hash = hash_password(password)
        return _user(row)


def get(session: Session, user_id: int) -> User | None:
    row = session.get(UserRow, user_id)
    return _user(row) if row else None


def all_users(session: Session) -> list[User]:
    return [_user(r) for r in session.scalars(select(UserRow).order_by(UserRow.role, UserRow.username))]


# ---------------------------------------------------------------------------------------------- sessions

_TOUCH_EVERY_US = 5 * 60 * US_PER_S


def _hash_of(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start_session(db: Database, user_id: int, replacing: str | None = None) -> str:
    """A new session for the user; returns its id, for the cookie only (the table keeps its hash).

    `replacing`: the session the browser held before this login, ended so it cannot be used again."""
    session_id = secrets.token_urlsafe(32)
    now = now_us()
    with db.transaction() as s:
        if replacing:
            _end_sessions(s, UserSessionRow.id_hash == _hash_of(replacing), now)
        s.add(UserSessionRow(id_hash=_hash_of(session_id), user_id=user_id, created_us=now, last_seen_us=now))
    return session_id


def session_user(db: Database, session_id: str, max_age_s: int) -> User | None:
    """The user of a session that is neither ended nor older than `max_age_s`; None otherwise (also for a
    deleted account). One query reads both, since every signed-in request asks."""
    now = now_us()
    query = (
        select(UserRow, UserSessionRow.id, UserSessionRow.last_seen_us)
        .join(UserSessionRow, UserSessionRow.user_id == UserRow.id)
        .where(
            UserSessionRow.id_hash == _hash_of(session_id),
            UserSessionRow.ended_us.is_(None),
            UserSessionRow.created_us > now - max_age_s * US_PER_S,
        )
    )
    with db.transaction() as s:
        found = s.execute(query).first()
        if found is None:
            return None
        row, row_id, last_seen_us = found
        if last_seen_us is None or now - last_seen_us > _TOUCH_EVERY_US:
            s.execute(update(UserSessionRow).where(UserSessionRow.id == row_id).values(last_seen_us=now))
        return _user(row)


def end_session(db: Database, session_id: str) -> None:
    """Log out: the session's id no longer opens anything, wherever the cookie was copied to."""
    with db.transaction() as s:
        _end_sessions(s, UserSessionRow.id_hash == _hash_of(session_id))


def _end_sessions(s: Session, which: ColumnElement[bool], now: int | None = None) -> None:
    s.execute(
        update(UserSessionRow)
        .where(which, UserSessionRow.ended_us.is_(None))
        .values(ended_us=now_us() if now is None else now)
    )
