"""Alerts as stored: at most one open alert per car, kind and subject (a partial unique index, so two
workers raising the same alert store it once)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from miglia.store import dialect
from miglia.store.models import AlertRow
from miglia.store.records import Alert, NewAlert


def _alert(r: AlertRow) -> Alert:
    return Alert(
        id=r.id,
        start_no=r.start_no,
        kind=r.kind,
        subject=r.subject,
        raised_us=r.raised_us,
        lat=r.lat,
        lon=r.lon,
        message=r.message,
        acknowledged_by=r.acknowledged_by,
        acknowledged_us=r.acknowledged_us,
        resolved_by=r.resolved_by,
        resolved_us=r.resolved_us,
    )


class AlertRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def raise_new(self, event_id: int, alert: NewAlert) -> Alert | None:
        """Store the alert unless the same car, kind and subject has one open; the stored alert or None."""
        row: AlertRow | None = self._s.scalars(
            dialect.insert_alert(self._s.connection(), event_id, alert)
        ).first()  # type: ignore[assignment]
        return None if row is None else _alert(row)

    def all(self, event_id: int, open_only: bool = False) -> list[Alert]:
        query = (
            select(AlertRow).where(AlertRow.event_id == event_id).order_by(AlertRow.raised_us, AlertRow.id)
        )
        if open_only:
            query = query.where(AlertRow.resolved_us.is_(None))
        return [_alert(r) for r in self._s.scalars(query)]

    def get(self, alert_id: int) -> Alert | None:
        row = self._s.get(AlertRow, alert_id)
        return None if row is None else _alert(row)

    def acknowledge(self, alert_id: int, by: str, at_us: int) -> Alert:
        """Someone is on it (the first to say so is kept)."""
        row = self._s.get(AlertRow, alert_id)
        assert row is not None, alert_id
        if row.acknowledged_us is None:
            row.acknowledged_by, row.acknowledged_us = by, at_us
        return _alert(row)

    def resolve(self, alert_id: int, by: str, at_us: int) -> Alert:
        """It is over (also acknowledged, by the same person, if nobody had)."""
        row = self._s.get(AlertRow, alert_id)
        assert row is not None, alert_id
        if row.resolved_us is None:
            row.resolved_by, row.resolved_us = by, at_us
            if row.acknowledged_us is None:
                row.acknowledged_by, row.acknowledged_us = by, at_us
        return _alert(row)
