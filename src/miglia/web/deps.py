"""Request-scoped access to storage for route handlers: one unit of work a request, for the service
functions the handler calls (web/ itself never writes SQL)."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request

from miglia.store.db import Database
from miglia.store.unit_of_work import UnitOfWork


def database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def unit_of_work(request: Request) -> Iterator[UnitOfWork]:
    with database(request).unit_of_work() as uow:
        yield uow
