"""The organiser's edits of the roadbooks and the street map of the side roads, as stored."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from miglia.roadbook.edits import Action, Edit
from miglia.store.models import RoadbookEditRow, StreetMapRow
from miglia.store.records import StoredStreetMap


def _stubs_text(stubs: tuple[int, ...] | None) -> str | None:
    return None if stubs is None else " ".join(str(s) for s in stubs)


def _edit(r: RoadbookEditRow) -> Edit:
    return Edit(
        id=r.id,
        day=r.day,
        action=Action(r.action),
        anchor_m=r.anchor_m,
        lat=r.lat,
        lon=r.lon,
        words=r.words,
        note=r.note,
        icon=r.icon,
        stubs=None if r.stubs is None else tuple(int(s) for s in r.stubs.split()),
        by=r.made_by,
        at_us=r.made_us,
        withdrawn_by=r.withdrawn_by,
        withdrawn_us=r.withdrawn_us,
    )


class RoadbookEditRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, event_id: int, edit: Edit) -> Edit:
        """Store `edit` (its id is given by the store)."""
        row = RoadbookEditRow(
            event_id=event_id,
            day=edit.day,
            action=edit.action.value,
            anchor_m=edit.anchor_m,
            lat=edit.lat,
            lon=edit.lon,
            words=edit.words,
            note=edit.note,
            icon=edit.icon,
            stubs=_stubs_text(edit.stubs),
            made_by=edit.by,
            made_us=edit.at_us,
            withdrawn_by="",
        )
        self._s.add(row)
        self._s.flush()
        return _edit(row)

    def all(self, event_id: int, day: int | None = None, *, withdrawn: bool = False) -> list[Edit]:
        """The edits in the order made; withdrawn ones only when asked for."""
        query = select(RoadbookEditRow).where(RoadbookEditRow.event_id == event_id)
        if day is not None:
            query = query.where(RoadbookEditRow.day == day)
        if not withdrawn:
            query = query.where(RoadbookEditRow.withdrawn_us.is_(None))
        return [
            _edit(r) for r in self._s.scalars(query.order_by(RoadbookEditRow.made_us, RoadbookEditRow.id))
        ]

    def withdraw(self, event_id: int, edit_id: int, *, by: str, at_us: int) -> Edit | None:
        """Withdraw a live edit of the event; None if there is no such live edit."""
        row = self._s.get(RoadbookEditRow, edit_id)
        if row is None or row.event_id != event_id or row.withdrawn_us is not None:
            return None
        row.withdrawn_by, row.withdrawn_us = by, at_us
        return _edit(row)


class StreetMapRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def save(self, event_id: int, street_map: StoredStreetMap) -> None:
        """Keep the event's street map, replacing the one it had."""
        row = self._s.get(StreetMapRow, event_id)
        if row is None:
            row = StreetMapRow(event_id=event_id)
            self._s.add(row)
        row.source_name, row.ways = street_map.source_name, street_map.ways
        row.stored_by, row.stored_us = street_map.stored_by, street_map.stored_us
        self._s.flush()

    def get(self, event_id: int) -> StoredStreetMap | None:
        row = self._s.get(StreetMapRow, event_id)
        if row is None:
            return None
        return StoredStreetMap(
            source_name=row.source_name, ways=row.ways, stored_by=row.stored_by, stored_us=row.stored_us
        )
