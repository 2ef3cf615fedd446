"""Raw tracker messages and the positions read from them, as the live path stores and reads them.

The live path's statements run on the unit of work's connection (Core, not the ORM): thousands of
positions a second, written as multi-row VALUES (store/dialect.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, func, literal, select, true, union, union_all
from sqlalchemy.orm import Session

from miglia.store import dialect
from miglia.store.models import AssignmentRow, EntryRow, PositionRow
from miglia.store.records import PositionSpan

LATEST_COLUMNS = (
    "id",
    "device_id",
    "instant_us",
    "lat",
    "lon",
    "speed_kmh",
    "course",
    "altitude",
    "accuracy_m",
    "battery",
)


def counted(accept_unregistered: bool) -> ColumnElement[bool]:
    """The stored positions that move cars and make passages: trusted ones, or all in a casual tour."""
    return true() if accept_unregistered else PositionRow.trusted.is_(True)


class PositionRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add_raws(self, rows: list[tuple[Any, ...]]) -> list[int]:
        """Raw messages as tuples of dialect.RAW_COLUMNS; their ids in order."""
        return dialect.insert_raws(self._s.connection(), rows) if rows else []

    def add(self, rows: list[tuple[Any, ...]]) -> set[tuple[str, int]]:
        """Positions as tuples of dialect.POSITION_COLUMNS; the (device, instant) of those stored (a repeat
        is skipped, unless it is trusted and replaces an untrusted one)."""
        return dialect.insert_positions(self._s.connection(), rows) if rows else set()

    def points(
        self, span: PositionSpan, accept_unregistered: bool, last: int | None = None
    ) -> list[tuple[int, float, float, int]]:
        """(instant, lat, lon, raw id) of the counted positions in the span, in time order; with `last`,
        only the last so many."""
        query = self._span(span, accept_unregistered)
        if last is None:
            rows = self._s.execute(query.order_by(PositionRow.instant_us))
            return [(t, lat, lon, raw) for t, lat, lon, raw in rows]
        rows = self._s.execute(query.order_by(PositionRow.instant_us.desc()).limit(last))
        return sorted((t, lat, lon, raw) for t, lat, lon, raw in rows)

    def last_points(
        self, spans: Sequence[PositionSpan], accept_unregistered: bool, last: int
    ) -> list[list[tuple[int, float, float, int]]]:
        """`points(span, last=last)` for many spans in one statement per 200 (a UNION ALL of small
        indexed look-ups) instead of a round trip each; in the order of `spans`."""
        out: list[list[tuple[int, float, float, int]]] = [[] for _ in spans]
        for start in range(0, len(spans), 200):
            chunk = spans[start : start + 200]
            subqueries = [
                self._span(span, accept_unregistered)
                .order_by(PositionRow.instant_us.desc())
                .limit(last)
                .subquery()
                for span in chunk
            ]
            statement = union_all(*(select(literal(i).label("k"), *sq.c) for i, sq in enumerate(subqueries)))
            for k, t, lat, lon, raw in self._s.execute(statement):
                out[start + k].append((t, lat, lon, raw))
        return [sorted(points) for points in out]

    def by_device(self, span: PositionSpan, accept_unregistered: bool) -> list[tuple[str, int, float, float]]:
        """(device, instant, lat, lon) of the counted positions in the span, by device then time."""
        devices, first_us, end_us = span
        rows = self._s.execute(
            select(PositionRow.device_id, PositionRow.instant_us, PositionRow.lat, PositionRow.lon)
            .where(
                counted(accept_unregistered),
                PositionRow.device_id.in_(list(devices)),
                PositionRow.instant_us >= first_us,
                PositionRow.instant_us < end_us,
            )
            .order_by(PositionRow.device_id, PositionRow.instant_us)
        )
        return [(d, t, lat, lon) for d, t, lat, lon in rows]

    def first_trusted(self, devices: Sequence[str]) -> dict[str, int]:
        """Device -> the instant of its first trusted position (an enrolment confirmed)."""
        rows = self._s.execute(
            select(PositionRow.device_id, func.min(PositionRow.instant_us))
            .where(PositionRow.device_id.in_(list(devices)), PositionRow.trusted.is_(True))
            .group_by(PositionRow.device_id)
        )
        return {device: first for device, first in rows}

    def unknown_devices(self, event_id: int) -> list[tuple[str, int, int, int]]:
        """(device, positions, first, last) of devices no entry or assignment of the event knows."""
        return self._summary(PositionRow.device_id.not_in(select(self._known(event_id).c.device_id)))

    def untrusted_known_devices(self, event_id: int) -> list[tuple[str, int, int, int]]:
        """(device, positions, first, last) of the event's devices that sent positions without proof."""
        return self._summary(
            PositionRow.device_id.in_(select(self._known(event_id).c.device_id)),
            PositionRow.trusted.is_(False),
        )

    def latest(
        self, accept_unregistered: bool, first_us: int | None, last_us: int | None
    ) -> tuple[list[tuple[Any, ...]], int]:
        """Each device's latest counted position within [first_us, last_us], as LATEST_COLUMNS, and how
        many stored positions lie outside that window."""
        window = [counted(accept_unregistered)]
        if first_us is not None:
            window.append(PositionRow.instant_us >= first_us)
        if last_us is not None:
            window.append(PositionRow.instant_us <= last_us)
        latest = (
            select(PositionRow.device_id, func.max(PositionRow.instant_us).label("instant_us"))
            .where(*window)
            .group_by(PositionRow.device_id)
            .subquery()
        )
        rows = [
            tuple(row)
            for row in self._s.execute(
                select(*(getattr(PositionRow, c) for c in LATEST_COLUMNS)).join(
                    latest,
                    (PositionRow.device_id == latest.c.device_id)
                    & (PositionRow.instant_us == latest.c.instant_us),
                )
            )
        ]
        outside = (
            int(self._s.scalar(select(func.count()).select_from(PositionRow).where(~and_(*window[1:]))) or 0)
            if len(window) > 1
            else 0
        )
        return rows, outside

    def _span(self, span: PositionSpan, accept_unregistered: bool) -> Any:
        devices, first_us, end_us = span
        return select(PositionRow.instant_us, PositionRow.lat, PositionRow.lon, PositionRow.raw_id).where(
            counted(accept_unregistered),
            PositionRow.device_id.in_(list(devices)),
            PositionRow.instant_us >= first_us,
            PositionRow.instant_us < end_us,
        )

    @staticmethod
    def _known(event_id: int) -> Any:
        return union(
            select(EntryRow.device_id).where(EntryRow.event_id == event_id, EntryRow.device_id != ""),
            select(AssignmentRow.device_id).where(AssignmentRow.event_id == event_id),
        ).subquery()

    def _summary(self, *where: ColumnElement[bool]) -> list[tuple[str, int, int, int]]:
        rows = self._s.execute(
            select(
                PositionRow.device_id,
                func.count(),
                func.min(PositionRow.instant_us),
                func.max(PositionRow.instant_us),
            )
            .where(*where)
            .group_by(PositionRow.device_id)
        )
        return [(d, n, first, last) for d, n, first, last in rows]
