"""Use cases for the event and its entries: check, import, read back."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from miglia.domain.entries import Car, Crew, Entry, EntryStatus
from miglia.domain.errors import MigliaError
from miglia.domain.event import Event
from miglia.formats import event_codec
from miglia.formats.entries_csv import read_entries
from miglia.formats.event_file import EventFileError, load_event
from miglia.rules import shipped
from miglia.service import news
from miglia.service.clock import now_us
from miglia.service.event.routes import DayRoute, place_event
from miglia.service.raw import store_raw
from miglia.store.db import Database
from miglia.store.models import AlertRow, EntryRow, EventRow, PassageRow, RouteRow, UserRow


class NotFound(MigliaError):
    pass


@dataclass(frozen=True)
class CheckedEvent:
    event: Event
    routes: dict[int, DayRoute]
    source_text: str


def check_event(path: Path) -> CheckedEvent:
    """The event file read, its routes read, and every control placed on its route; or an error."""
    event = load_event(path, known_rules=set(shipped()))
    try:
        placed, routes = place_event(event)
    except MigliaError as exc:
        raise EventFileError([f"{path}: {exc}"]) from None
    return CheckedEvent(placed, routes, path.read_text(encoding="utf-8"))


def import_event(db: Database, path: Path) -> Event:
    """Store the event (replacing an earlier import of the same slug's definition, keeping its entries)."""
    checked = check_event(path)
    event = checked.event
    with db.transaction() as session:
        row = session.scalar(select(EventRow).where(EventRow.slug == event.slug))
        if row is None:
            row = EventRow(slug=event.slug, results_published=False)
            session.add(row)
        row.name = event.name
        row.timezone = event.timezone
        row.rules = event.rules
        row.source_name = str(path)
        row.source_text = checked.source_text
        row.definition = event_codec.to_json(event)
        row.imported_us = now_us()
        session.flush()
        event_id = row.id
        store_raw(session, row.id, "event_file", str(path), "application/toml", checked.source_text)
        for day in event.days:
            route_file = Path(day.route)
            store_raw(
                session, row.id, "route_file", str(route_file), _media_type(route_file), _text(route_file)
            )
        session.execute(delete(RouteRow).where(RouteRow.event_id == row.id))
        for number, route in checked.routes.items():
            session.add(
                RouteRow(
                    event_id=row.id,
                    day_number=number,
                    source_name=route.source_name,
                    length_m=route.length_m,
                    coordinates=route.coordinates,
                )
            )
    news.event_changed(event_id)
    return event


def _media_type(path: Path) -> str:
    return {
        ".gpx": "application/gpx+xml",
        ".geojson": "application/geo+json",
        ".json": "application/json",
    }.get(path.suffix.lower(), "text/plain")


def _text(path: Path) -> str:
    """A route file as received; bytes that are not UTF-8 are kept as escapes rather than refused."""
    return path.read_bytes().decode("utf-8", errors="backslashreplace")


def event_row(session: Session, slug: str | None = None) -> EventRow:
    """The event by slug, or the only (latest) event when no slug is given."""
    query = select(EventRow).order_by(EventRow.id.desc())
    if slug:
        query = query.where(EventRow.slug == slug)
    row = session.scalars(query).first()
    if row is None:
        raise NotFound(
            f"no event {slug!r} in the database" if slug else "no event in the database; import one"
        )
    return row


def publish_results(db: Database, published: bool, slug: str | None = None) -> None:
    """Show the results to the public, or hide them again (timekeepers always see them)."""
    with db.transaction() as session:
        row = event_row(session, slug)
        row.results_published = published
        event_id = row.id
    news.results_changed(event_id)


def counts(session: Session, event_id: int | None) -> dict[str, int]:
    """What the organiser's console shows at a glance."""

    def count(table: type, *where: Any) -> int:
        return int(session.scalar(select(func.count()).select_from(table).where(*where)) or 0)

    figures = {"users": count(UserRow)}
    if event_id is not None:
        figures |= {
            "accepted": count(EntryRow, EntryRow.event_id == event_id, EntryRow.status == "accepted"),
            "refused": count(EntryRow, EntryRow.event_id == event_id, EntryRow.status != "accepted"),
            "passages": count(PassageRow, PassageRow.event_id == event_id),
            "open_alerts": count(AlertRow, AlertRow.event_id == event_id, AlertRow.resolved_us.is_(None)),
        }
    return figures


def results_published(session: Session) -> bool:
    """Whether the latest event's results are public (False while there is no event)."""
    published = session.scalars(select(EventRow.results_published).order_by(EventRow.id.desc())).first()
    return bool(published)


def latest_tile_url(db: Database) -> str:
    """The map tile URL the latest event's file names ("" when it names none, or there is no event): the
    web's Content-Security-Policy lets the map load its images from there."""
    with db.sessions() as s:
        definition = s.scalars(select(EventRow.definition).order_by(EventRow.id.desc())).first()
    return str((definition or {}).get("tile_url", "") or "")


def load(session: Session, slug: str | None = None) -> Event:
    return event_codec.from_json(event_row(session, slug).definition)


def import_entries(db: Database, path: Path, slug: str | None = None) -> list[Entry]:
    """Store the entry list of the event; every row is checked first and nothing is stored on error.

    Importing again replaces the list (the file is the organiser's master copy); the raw file is kept.
    """
    with db.transaction() as session:
        row = event_row(session, slug)
        entries = read_entries(path, load(session, row.slug).eligibility)
        store_raw(
            session, row.id, "entries_file", str(path), "text/csv", path.read_text(encoding="utf-8-sig")
        )
        session.execute(delete(EntryRow).where(EntryRow.event_id == row.id))
        session.add_all(_entry_row(row.id, e) for e in entries)
        event_id = row.id
    news.event_changed(event_id)
    return entries


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
        class_name=entry.class_name,
        device_id=entry.device_id,
        team=entry.team,
        status=entry.status.value,
        refusal_reason=entry.refusal_reason,
    )


def entries(session: Session, event_id: int) -> list[Entry]:
    rows = session.scalars(select(EntryRow).where(EntryRow.event_id == event_id).order_by(EntryRow.start_no))
    return [
        Entry(
            start_no=r.start_no,
            car=Car(make=r.make, model=r.model, year=r.year, chassis=r.chassis),
            crew=Crew(driver=r.driver, co_driver=r.co_driver, ladies=r.ladies),
            class_name=r.class_name,
            device_id=r.device_id,
            team=r.team,
            status=EntryStatus(r.status),
            refusal_reason=r.refusal_reason,
        )
        for r in rows
    ]


def routes(session: Session, event_id: int) -> dict[int, RouteRow]:
    return {r.day_number: r for r in session.scalars(select(RouteRow).where(RouteRow.event_id == event_id))}
