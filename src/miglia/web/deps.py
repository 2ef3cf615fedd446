"""Request-scoped access to the database for route handlers."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from sqlalchemy.orm import Session

from miglia.store.db import Database


def database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def session(request: Request) -> Iterator[Session]:
    with database(request).sessions() as s:
        yield s
