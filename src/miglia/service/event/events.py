"""Use cases for the event and its entries: check, import, read back."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from miglia.domain.entries import Entry
from miglia.domain.errors import MigliaError
from miglia.domain.event import Event
from miglia.domain.timecard import EventPlan
from miglia.formats import event_codec
from miglia.formats.entries_csv import read_entries
from miglia.formats.event_file import EventFileError, load_event
from miglia.formats.photo_file import PhotoFileError, check_photo
from miglia.rules import shipped
from miglia.service import news
from miglia.service.clock import now_us
from miglia.service.event.routes import DayRoute, place_event
from miglia.service.raw import store_raw
from miglia.store.db import Database
from miglia.store.records import EventImport, EventRecord, StoredRoute
from miglia.store.unit_of_work import UnitOfWork


class NotFound(MigliaError):
    pass


@dataclass(frozen=True)
class CheckedEvent:
    event: Event
    routes: dict[int, DayRoute]
    source_text: str
    logo: bytes | None = None
    """The logo re-encoded (formats/photo_file.py): checked like a photo, without its metadata."""


def check_event(path: Path) -> CheckedEvent:
    """The event file read, its routes read, and every control placed on its route; or an error."""
    event = load_event(path, known_rules=set(shipped()))
    try:
        placed, routes = place_event(event)
        EventPlan.build(placed)  # every leg has one schedule: refused here, not when the first car is scored
    except MigliaError as exc:
        raise EventFileError([f"{path}: {exc}"]) from None
    return CheckedEvent(placed, routes, path.read_text(encoding="utf-8"), _logo(path, event.logo))


def _logo(path: Path, logo: str) -> bytes | None:
    """The event's logo checked and re-encoded; a missing or bad file is refused, naming it."""
    if not logo:
        return None
    name = Path(logo).name
    try:
        data = Path(logo).read_bytes()
    except OSError as exc:
        raise EventFileError([f"{path}: logo = {name!r}: cannot read it ({exc.strerror})"]) from None
    try:
        return check_photo(name, data).renditions["screen"]
    except PhotoFileError as exc:
        raise EventFileError([f"{path}: logo = {name!r}: {exc.problem}"]) from None


def import_event(db: Database, path: Path) -> Event:
    """Store the event (replacing an earlier import of the same slug's definition, keeping its entries)."""
    checked = check_event(path)
    event = checked.event
    with db.unit_of_work() as uow:
        event_id = uow.events.save(
            EventImport(
                slug=event.slug,
                name=event.name,
                timezone=event.timezone,
                rules=event.rules,
                source_name=str(path),
                source_text=checked.source_text,
                definition=event_codec.to_json(event),
                imported_us=now_us(),
            )
        )
        store_raw(uow, event_id, "event_file", str(path), "application/toml", checked.source_text)
        if checked.logo is not None:
            db.media.put_logo(event.slug, checked.logo)
        for day in event.days:
            route_file = Path(day.route)
            store_raw(
                uow, event_id, "route_file", str(route_file), _media_type(route_file), _text(route_file)
            )
        uow.events.replace_routes(
            event_id,
            (
                StoredRoute(
                    day_number=number,
                    source_name=route.source_name,
                    length_m=route.length_m,
                    coordinates=route.coordinates,
                )
                for number, route in checked.routes.items()
            ),
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


def event_row(uow: UnitOfWork, slug: str | None = None) -> EventRecord:
    """The event by slug, or the only (latest) event when no slug is given."""
    found = uow.events.find(slug)
    if found is None:
        raise NotFound(
            f"no event {slug!r} in the database" if slug else "no event in the database; import one"
        )
    return found


def publish_results(db: Database, published: bool, slug: str | None = None) -> None:
    """Show the results to the public (provisional: the protest window starts now), or hide them again
    (timekeepers always see them)."""
    with db.unit_of_work() as uow:
        event_id = event_row(uow, slug).id
        uow.events.set_published(event_id, published, now_us())
    news.results_changed(event_id)


def results_published(uow: UnitOfWork) -> bool:
    """Whether the latest event's results are public (False while there is no event)."""
    found = uow.events.find()
    return found is not None and found.results_published


def latest_tile_url(db: Database) -> str:
    """The map tile URL the latest event's file names ("" when it names none, or there is no event): the
    web's Content-Security-Policy lets the map load its images from there."""
    with db.unit_of_work() as uow:
        found = uow.events.find()
    return str(((found.definition if found is not None else None) or {}).get("tile_url", "") or "")


def load(uow: UnitOfWork, slug: str | None = None) -> Event:
    return event_codec.from_json(event_row(uow, slug).definition)


def event_of(record: EventRecord) -> Event:
    return event_codec.from_json(record.definition)


def import_entries(db: Database, path: Path, slug: str | None = None) -> list[Entry]:
    """Store the entry list of the event; every row is checked first and nothing is stored on error.

    Importing again replaces the list (the file is the organiser's master copy); the raw file is kept.
    """
    with db.unit_of_work() as uow:
        row = event_row(uow, slug)
        entries = read_entries(path, event_of(row).eligibility)
        text = path.read_text(encoding="utf-8-sig")
        store_raw(uow, row.id, "entries_file", str(path), "text/csv", text)
        uow.entries.replace(row.id, entries)
    news.event_changed(row.id)
    return entries


def entries(uow: UnitOfWork, event_id: int) -> list[Entry]:
    """Every entry of the event, accepted or not, by start number."""
    return uow.entries.all(event_id)


def routes(uow: UnitOfWork, event_id: int) -> dict[int, StoredRoute]:
    """Day number -> the day's route as imported."""
    return uow.events.routes(event_id)


def counts(uow: UnitOfWork, event_id: int | None) -> dict[str, int]:
    """What the organiser's console shows at a glance."""
    return uow.events.counts(event_id)
