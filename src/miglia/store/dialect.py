"""The SQL that differs between SQLite and PostgreSQL, in one place (both are tested:
tests/store/test_repositories.py runs on each).

The live path writes raw messages and positions as multi-row VALUES written for the driver (no per-row
work in SQLAlchemy; each value its own parameter, so a body is sent as is); only the parameter mark
differs. GPS passages are inserted with each dialect's ON CONFLICT DO NOTHING.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import ReturningInsert

from miglia.store.models import AlertRow, PassageRow
from miglia.store.records import NewAlert

CHUNK = 2000
"""Rows per INSERT statement (SQLite allows 32,766 bound values; a position has 11)."""

RAW_COLUMNS = "event_id, kind, source, received_us, content_type, body, accepted, problem"
POSITION_COLUMNS = (
    "raw_id, device_id, instant_us, lat, lon, speed_kmh, course, altitude, accuracy_m, battery, trusted"
)
_REPLACE_UNTRUSTED = (
    " ON CONFLICT (device_id, instant_us) DO UPDATE SET "
    + ", ".join(
        f"{c} = excluded.{c}" for c in POSITION_COLUMNS.split(", ") if c not in ("device_id", "instant_us")
    )
    + " WHERE positions.trusted = false AND excluded.trusted = true"
)
"""A repeat is ignored, except that a trusted position replaces an untrusted one at the same instant."""


def _mark(connection: Connection) -> str:
    return "%s" if connection.dialect.name == "postgresql" else "?"


def insert_raws(connection: Connection, rows: list[tuple[Any, ...]]) -> list[int]:
    """Insert raw rows (RAW_COLUMNS); their ids in the order of `rows`. Ids come from the table's
    sequence in the order the rows are inserted, so the ids returned, sorted, are the rows' ids in order."""
    ids: list[int] = []
    mark = _mark(connection)
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        sql = f"INSERT INTO raw_inputs ({RAW_COLUMNS}) VALUES " + ",".join(
            [f"({','.join([mark] * 8)})"] * len(chunk)
        )
        result = connection.exec_driver_sql(sql + " RETURNING id", tuple(v for r in chunk for v in r))
        ids += sorted(row[0] for row in result)
    return ids


def insert_positions(connection: Connection, rows: list[tuple[Any, ...]]) -> set[tuple[str, int]]:
    """Insert positions (POSITION_COLUMNS); the (device_id, instant_us) of the rows actually stored (new,
    or replacing an untrusted one)."""
    stored: set[tuple[str, int]] = set()
    mark = _mark(connection)
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        sql = f"INSERT INTO positions ({POSITION_COLUMNS}) VALUES " + ",".join(
            [f"({','.join([mark] * 11)})"] * len(chunk)
        )
        result = connection.exec_driver_sql(
            sql + _REPLACE_UNTRUSTED + " RETURNING device_id, instant_us",
            tuple(v for r in chunk for v in r),
        )
        stored.update((device, instant) for device, instant in result)
    return stored


def insert_new_passages(connection: Connection, rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Insert passages, skipping any a unique index already holds (a car's first GPS crossing of a line,
    stored by another worker); (id, start_no, control, line, instant_us) of those inserted."""
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(PassageRow)
        .on_conflict_do_nothing()
        .returning(
            PassageRow.id, PassageRow.start_no, PassageRow.control, PassageRow.line, PassageRow.instant_us
        )
    )
    return [tuple(row) for row in connection.execute(statement, rows)]


def insert_alert(connection: Connection, event_id: int, alert: NewAlert) -> ReturningInsert[tuple[AlertRow]]:
    """The INSERT of an alert that does nothing when the car already has an open one of its kind and
    subject (the partial unique index); it returns the row stored, if any."""
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    return (
        insert(AlertRow)
        .values(
            event_id=event_id,
            start_no=alert.start_no,
            kind=alert.kind,
            subject=alert.subject,
            raised_us=alert.raised_us,
            lat=alert.lat,
            lon=alert.lon,
            message=alert.message,
            acknowledged_by="",
            resolved_by="",
        )
        .on_conflict_do_nothing()
        .returning(AlertRow)
    )
