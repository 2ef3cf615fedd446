"""What people see of the photos: the public galleries (per day, per stop, per car), the review queue,
the organiser's hiding, and a crew's ZIP of its car's photos.

The public sees only the re-encoded copies (no EXIF, no position) of photos not hidden; each is credited
to its photographer.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass

from miglia.domain.errors import InvalidInput
from miglia.domain.event import Event
from miglia.domain.instants import us_to_local
from miglia.domain.photos import PhotoStatus
from miglia.service.clock import now_us
from miglia.service.event import events
from miglia.store.db import Database
from miglia.store.records import StoredPhoto
from miglia.store.unit_of_work import UnitOfWork

MAX_WHY = 500
REVIEWED = (PhotoStatus.REVIEW.value, PhotoStatus.NO_SPOT.value)
"""The statuses a person still has to decide."""


@dataclass(frozen=True)
class StopGallery:
    day: int
    index: int
    """The stop's place in its day's list: its address is /photos/day-{day}/stop-{index}."""
    name: str
    kind: str
    photos: tuple[StoredPhoto, ...]


def public(photos: Iterable[StoredPhoto]) -> list[StoredPhoto]:
    return [p for p in photos if p.hidden is None and p.status != PhotoStatus.PENDING.value]


def photo(uow: UnitOfWork, photo_id: int, *, staff: bool = False) -> StoredPhoto:
    """One photo; hidden ones only for staff (to the public a hidden photo does not exist)."""
    found = uow.photos.get(events.event_row(uow).id, photo_id)
    if found is None or (not staff and found.hidden is not None):
        raise events.NotFound(f"photo {photo_id}: there is no such photo")
    return found


def day_photos(uow: UnitOfWork, day: int) -> list[StoredPhoto]:
    return public(uow.photos.all(events.event_row(uow).id, day=day))


def car_photos(uow: UnitOfWork, start_no: int) -> list[StoredPhoto]:
    return [p for p in public(uow.photos.all(events.event_row(uow).id)) if start_no in p.cars]


def first_photo_of_each_car(uow: UnitOfWork) -> dict[int, StoredPhoto]:
    """Each car's first public photo (in the order taken): its picture in lists of cars."""
    out: dict[int, StoredPhoto] = {}
    for p in public(uow.photos.all(events.event_row(uow).id)):
        for n in p.cars:
            out.setdefault(n, p)
    return out


def stops(uow: UnitOfWork, event: Event) -> list[StopGallery]:
    """Every stop of the event with the public photos taken there."""
    photos = public(uow.photos.all(events.event_row(uow).id))
    return [
        StopGallery(
            day=day.number,
            index=i,
            name=stop.name,
            kind=stop.kind.label,
            photos=tuple(p for p in photos if p.day == day.number and p.stop == stop.name),
        )
        for day in event.days
        for i, stop in enumerate(day.stops)
    ]


def review_queue(uow: UnitOfWork, session_id: int | None = None) -> list[StoredPhoto]:
    """The photos waiting for a person (doubtful, at a stop with cars near, or with no place), oldest
    first."""
    found = uow.photos.all(events.event_row(uow).id, session_id=session_id)
    return [p for p in found if p.status in REVIEWED and p.reviewed_us is None]


def example_of(uow: UnitOfWork, start_nos: Iterable[int]) -> dict[int, StoredPhoto]:
    """For each car, a photo already tagged with it alone (so the reviewer sees what the car looks like)."""
    wanted = set(start_nos)
    out: dict[int, StoredPhoto] = {}
    for p in public(uow.photos.all(events.event_row(uow).id)):
        if len(p.cars) == 1 and p.cars[0] in wanted and p.cars[0] not in out:
            out[p.cars[0]] = p
    return out


def review(db: Database, photo_id: int, cars: Iterable[int], by: str) -> StoredPhoto:
    """A person's choice of the cars a photo shows (none is a choice too); replaces an earlier choice."""
    chosen = sorted(set(cars))
    with db.unit_of_work() as uow:
        row = events.event_row(uow)
        known = {e.start_no for e in events.entries(uow, row.id)}
        unknown = [n for n in chosen if n not in known]
        if unknown:
            raise InvalidInput(f"photo {photo_id}", "car", unknown[0], "no entry has this start number")
        photo(uow, photo_id, staff=True)
        uow.photos.review(photo_id, chosen, by, now_us(), PhotoStatus.CONFIRMED.value)
        return photo(uow, photo_id, staff=True)


def hide(db: Database, photo_id: int, by: str, why: str) -> None:
    """Take a photo off the public pages, saying why (kept, with who and when)."""
    reason = why.strip()
    if not reason or len(reason) > MAX_WHY:
        raise InvalidInput(f"photo {photo_id}", "why", why, f"say why it is hidden (1-{MAX_WHY} characters)")
    with db.unit_of_work() as uow:
        if photo(uow, photo_id, staff=True).hidden is not None:
            raise InvalidInput(f"photo {photo_id}", "hidden", True, "the photo is hidden already")
        uow.photos.hide(photo_id, by, now_us(), reason)


def show(db: Database, photo_id: int, by: str) -> None:
    with db.unit_of_work() as uow:
        photo(uow, photo_id, staff=True)
        if not uow.photos.show(photo_id, by, now_us()):
            raise InvalidInput(f"photo {photo_id}", "hidden", False, "the photo is not hidden")


def car_zip(db: Database, start_no: int) -> bytes:
    """Every public photo of a car, full size and without metadata, in one ZIP (named by day, time,
    photographer)."""
    with db.unit_of_work() as uow:
        photos = car_photos(uow, start_no)
        timezone = events.event_of(events.event_row(uow)).timezone
    if not photos:
        raise events.NotFound(f"car {start_no}: no photos of this car yet")
    buffer = io.BytesIO()
    # JPEGs do not shrink: stored, not deflated, so a crew's ZIP is made at disk speed.
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for p in photos:
            local = us_to_local(p.time_us, timezone)
            credit = "".join(c if c.isalnum() else "-" for c in p.photographer).strip("-")
            name = f"car{start_no}-day{p.day}-{local:%H%M%S}-{credit}-{p.id}.jpg"
            archive.write(db.media.copy_path(p.sha256, "full"), name)
    return buffer.getvalue()
