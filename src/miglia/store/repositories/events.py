"""The event, its routes and its entry list as stored."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from miglia.domain.entries import Car, CarCategory, Crew, Entry, EntryStatus, RaceHistory
from miglia.store.models import AlertRow, CorrectionRow, EntryRow, EventRow, PassageRow, RouteRow, UserRow
from miglia.store.records import EventImport, EventRecord, StoredRoute


def _record(row: EventRow) -> EventRecord:
    return EventRecord(
        id=row.id,
        slug=row.slug,
        name=row.name,
        timezone=row.timezone,
        rules=row.rules,
        imported_us=row.imported_us,
        results_published=row.results_published,
        definition=row.definition,
        source_name=row.source_name,
        source_text=row.source_text,
        results_published_us=row.results_published_us,
        results_final_us=row.results_final_us,
        results_final_by=row.results_final_by or "",
    )


class EventRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def find(self, slug: str | None = None) -> EventRecord | None:
        """The event by slug, or the latest imported one when no slug is given."""
        query = select(EventRow).order_by(EventRow.id.desc())
        if slug:
            query = query.where(EventRow.slug == slug)
        row = self._s.scalars(query).first()
        return None if row is None else _record(row)

    def get(self, event_id: int) -> EventRecord | None:
        row = self._s.get(EventRow, event_id)
        return None if row is None else _record(row)

    def fingerprint(self, event_id: int) -> tuple[Any, ...]:
        """Changes when passages or corrections of the event are added, or the event or its entries are
        imported again (by anyone, in any process): what a cache of its scores depends on."""
        imported = self._s.execute(select(EventRow.imported_us).where(EventRow.id == event_id)).scalar()
        entries_now = self._s.execute(
            select(func.count(), func.max(EntryRow.id)).where(EntryRow.event_id == event_id)
        ).one()
        passages_now = self._s.execute(
            select(func.count(), func.max(PassageRow.id)).where(PassageRow.event_id == event_id)
        ).one()
        corrections_now = self._s.execute(
            select(func.count(), func.max(CorrectionRow.id)).where(CorrectionRow.event_id == event_id)
        ).one()
        return (imported, *entries_now, *passages_now, *corrections_now)

    def save(self, event: EventImport) -> int:
        """Insert the event or replace the definition of the one with its slug (entries and results stay)."""
        row = self._s.scalar(select(EventRow).where(EventRow.slug == event.slug))
        if row is None:
            row = EventRow(slug=event.slug, results_published=False)
            self._s.add(row)
        row.name = event.name
        row.timezone = event.timezone
        row.rules = event.rules
        row.source_name = event.source_name
        row.source_text = event.source_text
        row.definition = event.definition
        row.imported_us = event.imported_us
        self._s.flush()
        return row.id

    def set_published(self, event_id: int, published: bool, at_us: int | None = None) -> None:
        """Publish (provisional: the protest window runs from `at_us`) or hide the results; either way
        they are no longer final."""
        row = self._s.get(EventRow, event_id)
        assert row is not None, event_id
        row.results_published = published
        row.results_published_us = at_us if published else None
        row.results_final_us, row.results_final_by = None, ""

    def declare_final(self, event_id: int, at_us: int, by: str) -> None:
        row = self._s.get(EventRow, event_id)
        assert row is not None, event_id
        row.results_final_us, row.results_final_by = at_us, by

    def last_change(self, event_id: int) -> int | None:
        """When a passage or a correction of the event was last stored (None: never)."""
        passages = self._s.scalar(
            select(func.max(PassageRow.recorded_us)).where(PassageRow.event_id == event_id)
        )
        corrections = self._s.scalar(
            select(func.max(CorrectionRow.at_us)).where(CorrectionRow.event_id == event_id)
        )
        found = [t for t in (passages, corrections) if t is not None]
        return max(found) if found else None

    def replace_routes(self, event_id: int, routes: Iterable[StoredRoute]) -> None:
        self._s.execute(delete(RouteRow).where(RouteRow.event_id == event_id))
        self._s.add_all(
            RouteRow(
                event_id=event_id,
                day_number=r.day_number,
                source_name=r.source_name,
                length_m=r.length_m,
                coordinates=r.coordinates,
            )
            for r in routes
        )

    def routes(self, event_id: int) -> dict[int, StoredRoute]:
        """Day number -> the day's route."""
        rows = self._s.scalars(select(RouteRow).where(RouteRow.event_id == event_id))
        return {
            r.day_number: StoredRoute(
                day_number=r.day_number,
                source_name=r.source_name,
                length_m=r.length_m,
                coordinates=r.coordinates,
            )
            for r in rows
        }

    def counts(self, event_id: int | None) -> dict[str, int]:
        """What the organiser's console shows at a glance."""

        def count(table: type, *where: Any) -> int:
            return int(self._s.scalar(select(func.count()).select_from(table).where(*where)) or 0)

        figures = {"users": count(UserRow)}
        if event_id is not None:
            figures |= {
                "accepted": count(EntryRow, EntryRow.event_id == event_id, EntryRow.status == "accepted"),
                "refused": count(EntryRow, EntryRow.event_id == event_id, EntryRow.status != "accepted"),
                "passages": count(PassageRow, PassageRow.event_id == event_id),
                "open_alerts": count(AlertRow, AlertRow.event_id == event_id, AlertRow.resolved_us.is_(None)),
            }
        return figures


class EntryRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def replace(self, event_id: int, entries: Iterable[Entry]) -> None:
        """The entry list is the organiser's master copy: importing again replaces it whole."""
        self._s.execute(delete(EntryRow).where(EntryRow.event_id == event_id))
        self._s.add_all(_entry_row(event_id, e) for e in entries)

    def all(self, event_id: int) -> list[Entry]:
        """Every entry, accepted or not, by start number."""
        rows = self._s.scalars(
            select(EntryRow).where(EntryRow.event_id == event_id).order_by(EntryRow.start_no)
        )
        return [
            Entry(
                start_no=r.start_no,
                car=Car(
                    make=r.make,
                    model=r.model,
                    year=r.year,
                    chassis=r.chassis,
                    displacement_cc=r.displacement_cc,
                    category=CarCategory(r.category) if r.category else None,
                    history=RaceHistory(r.mm_history),
                    story=r.story,
                ),
                crew=Crew(driver=r.driver, co_driver=r.co_driver, ladies=r.ladies),
                class_name=r.class_name,
                device_id=r.device_id,
                team=r.team,
                status=EntryStatus(r.status),
                refusal_reason=r.refusal_reason,
            )
            for r in rows
        ]

    def statuses(self, event_id: int) -> dict[int, str]:
        """Start number -> entry status ("accepted", "refused", ...)."""
        rows = self._s.execute(
            select(EntryRow.start_no, EntryRow.status).where(EntryRow.event_id == event_id)
        )
        return {start_no: status for start_no, status in rows}


def _entry_row(event_id: int, entry: Entry) -> EntryRow:
    return EntryRow(
        event_id=event_id,
        start_no=entry.start_no,
        driver=entry.crew.driver,
        co_driver=entry.crew.co_driver,
        ladies=entry.crew.ladies,
        make=entry.car.make,
        model=entry.car.model,
        year=entry.car.year,
        chassis=entry.car.chassis,
        displacement_cc=entry.car.displacement_cc,
        category=entry.car.category.value if entry.car.category is not None else "",
        mm_history=entry.car.history.value,
        story=entry.car.story,
        class_name=entry.class_name,
        device_id=entry.device_id,
        team=entry.team,
        status=entry.status.value,
        refusal_reason=entry.refusal_reason,
    )
