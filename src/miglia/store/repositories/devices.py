"""Trackers as stored: devices and their token hashes, which car carries which on which day, and the
event's live-tracking settings."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from miglia.store.models import AssignmentRow, DeviceRow, EntryRow, TrackingSettingsRow
from miglia.store.records import AssignmentRecord


class DeviceRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def token_hash(self, device_id: str) -> str | None:
        """The device's token hash ("" for none), or None when it is not registered."""
        return self._s.execute(
            select(DeviceRow.token_hash).where(DeviceRow.device_id == device_id)
        ).scalar_one_or_none()

    def token_hashes(self, device_ids: Iterable[str] | None = None) -> dict[str, str]:
        """Registered device -> token hash; all of them, or those among `device_ids` (at most a few
        hundred: one IN list)."""
        query = select(DeviceRow.device_id, DeviceRow.token_hash)
        if device_ids is not None:
            query = query.where(DeviceRow.device_id.in_(list(device_ids)))
        return {device: token_hash for device, token_hash in self._s.execute(query)}

    def save(self, device_id: str, token_hash: str, label: str) -> None:
        """Register the device, or give it a new token (and the label, unless `label` is empty)."""
        row = self._s.scalar(select(DeviceRow).where(DeviceRow.device_id == device_id))
        if row is None:
            row = DeviceRow(device_id=device_id, label="")
            self._s.add(row)
        row.token_hash = token_hash
        row.label = label or row.label or ""


class AssignmentRepository:
    """Which car carries which device on which day: rows are added, never edited (the history)."""

    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, event_id: int, assignment: AssignmentRecord) -> None:
        self._s.add(
            AssignmentRow(
                event_id=event_id,
                device_id=assignment.device_id,
                start_no=assignment.start_no,
                day_number=assignment.day_number,
                assigned_by=assignment.assigned_by,
                assigned_us=assignment.assigned_us,
            )
        )

    def history(self, event_id: int) -> list[AssignmentRecord]:
        """Every assignment of the event in the order made."""
        rows = self._s.scalars(
            select(AssignmentRow).where(AssignmentRow.event_id == event_id).order_by(AssignmentRow.id)
        )
        return [
            AssignmentRecord(
                device_id=r.device_id,
                start_no=r.start_no,
                day_number=r.day_number,
                assigned_by=r.assigned_by,
                assigned_us=r.assigned_us,
            )
            for r in rows
        ]

    def entry_devices(self, event_id: int) -> list[tuple[str, int]]:
        """(device, start number) of the entries that name a device, any status."""
        rows = self._s.execute(
            select(EntryRow.device_id, EntryRow.start_no).where(
                EntryRow.event_id == event_id, EntryRow.device_id != ""
            )
        )
        return [(device, start_no) for device, start_no in rows]


class TrackingSettingsRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def get(self, event_id: int) -> tuple[bool, dict[str, Any]] | None:
        """(accept unregistered devices, the settings JSON) of the event, or None if never set."""
        row = self._s.get(TrackingSettingsRow, event_id)
        return None if row is None else (row.accept_unregistered, dict(row.settings or {}))

    def save(self, event_id: int, accept_unregistered: bool, settings: dict[str, Any]) -> None:
        row = self._s.get(TrackingSettingsRow, event_id)
        if row is None:
            row = TrackingSettingsRow(event_id=event_id)
            self._s.add(row)
        row.accept_unregistered = accept_unregistered
        row.settings = settings
