"""User accounts and their signed-in sessions as stored."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, insert, select, update
from sqlalchemy.orm import Session

from miglia.domain.accounts import User
from miglia.store.models import UserRow, UserSessionRow


def _user(row: UserRow) -> User:
    return User(row.id, row.username, row.role, row.start_no)


class UserRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, *, username: str, password_hash: str, role: str, start_no: int | None) -> User:
        row = UserRow(username=username, password_hash=password_hash, role=role, start_no=start_no)
        self._s.add(row)
        self._s.flush()
        return _user(row)

    def get(self, user_id: int) -> User | None:
        row = self._s.get(UserRow, user_id)
        return None if row is None else _user(row)

    def by_name(self, username: str) -> tuple[User, str] | None:
        """The user whose name matches whatever the case, and their password hash."""
        row = self._s.scalar(select(UserRow).where(func.lower(UserRow.username) == username.lower()))
        return None if row is None else (_user(row), row.password_hash)

    def all(self) -> list[User]:
        return [_user(r) for r in self._s.scalars(select(UserRow).order_by(UserRow.role, UserRow.username))]

    def set_role(self, user_id: int, role: str, start_no: int | None) -> User:
        row = self._s.get(UserRow, user_id)
        assert row is not None, user_id
        row.role = role
        row.start_no = start_no
        return _user(row)

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        self._s.execute(update(UserRow).where(UserRow.id == user_id).values(password_hash=password_hash))

    def count_with_role(self, role: str) -> int:
        return int(self._s.scalar(select(func.count()).select_from(UserRow).where(UserRow.role == role)) or 0)


class UserSessionRepository:
    """Signed-in browsers, by the SHA-256 of their session id (the table never holds the id itself)."""

    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, *, id_hash: str, user_id: int, now_us: int) -> None:
        self._s.execute(
            insert(UserSessionRow),
            {"id_hash": id_hash, "user_id": user_id, "created_us": now_us, "last_seen_us": now_us},
        )

    def open_user(self, id_hash: str, created_after_us: int) -> tuple[User, int, int | None] | None:
        """The user of an open session started after `created_after_us`, the session's row id and when it
        was last seen; one query, since every signed-in request asks."""
        found = self._s.execute(
            select(UserRow, UserSessionRow.id, UserSessionRow.last_seen_us)
            .join(UserSessionRow, UserSessionRow.user_id == UserRow.id)
            .where(
                UserSessionRow.id_hash == id_hash,
                UserSessionRow.ended_us.is_(None),
                UserSessionRow.created_us > created_after_us,
            )
        ).first()
        if found is None:
            return None
        row, row_id, last_seen_us = found
        return _user(row), row_id, last_seen_us

    def seen(self, row_id: int, now_us: int) -> None:
        self._s.execute(update(UserSessionRow).where(UserSessionRow.id == row_id).values(last_seen_us=now_us))

    def end(self, id_hash: str, now_us: int) -> None:
        self._end(UserSessionRow.id_hash == id_hash, now_us)

    def end_all_of(self, user_id: int, now_us: int) -> None:
        self._end(UserSessionRow.user_id == user_id, now_us)

    def _end(self, which: ColumnElement[bool], now_us: int) -> None:
        self._s.execute(
            update(UserSessionRow).where(which, UserSessionRow.ended_us.is_(None)).values(ended_us=now_us)
        )
