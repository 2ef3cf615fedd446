"""The photographer's use cases: open an upload session, set the camera's offset and the spot, add the
photos (each checked and re-encoded, the original kept private), match them to the cars.

An upload goes file by file (the browser shows its progress) and is matched once the files are in
(`match_session`): a day's fleet is built once for all of them, not once a file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path, PurePath

import numpy as np

from miglia.domain.errors import InvalidInput, MigliaError
from miglia.domain.event import Event
from miglia.domain.instants import format_local
from miglia.domain.photos import PhotoStatus, camera_instant_us, check_offset, corrected_us, day_of
from miglia.formats.photo_file import PhotoFileError, check_photo
from miglia.geo.chainage import nearest
from miglia.service.clock import now_us
from miglia.service.event import events
from miglia.service.event.routes import DayRoute
from miglia.service.photos import matching
from miglia.store.db import Database
from miglia.store.records import NewPhoto, PhotoMatch, PhotoSession, StoredPhoto
from miglia.store.unit_of_work import UnitOfWork

MAX_NAME = 300
"""Characters of a file name kept (the column's width)."""
OFFSET_HOW = {
    "typed": "typed by the photographer",
    "car": "from a photo of a known car",
    "proposed": "from the tracks",
}


@dataclass(frozen=True)
class Added:
    """One file of an upload: stored (its photo id), already there, or refused (the message says why)."""

    name: str
    photo_id: int | None
    message: str
    ok: bool


@dataclass(frozen=True)
class Matched:
    photos: int
    tagged: int
    review: int
    unmatched: int
    no_spot: int


def open_session(db: Database, photographer: str, offset_s: float = 0.0) -> PhotoSession:
    """A new upload session for `photographer` (the name credited), with the camera's offset if known."""
    name = photographer.strip()
    if not name or len(name) > 100:
        raise InvalidInput(
            "upload", "photographer", photographer, "give the name to credit (1-100 characters)"
        )
    check_offset(offset_s)
    with db.unit_of_work() as uow:
        row = events.event_row(uow)
        session = uow.photos.add_session(row.id, name, now_us())
        if offset_s:
            uow.photos.set_offset(session.id, offset_s, "typed", name, now_us())
            session = replace(session, offset_s=offset_s, offset_how="typed", offset_by=name)
    return session


def session_of(uow: UnitOfWork, session_id: int) -> PhotoSession:
    found = uow.photos.session(events.event_row(uow).id, session_id)
    if found is None:
        raise events.NotFound(f"upload session {session_id}: there is no such session")
    return found


def add_file(db: Database, session_id: int, name: str, data: bytes) -> Added:
    """Check, re-encode and store one file of the session, not matched yet; a bad file is refused with a
    message naming it and the rest of the upload goes on."""
    name = PurePath(name.replace("\\", "/")).name[:MAX_NAME] or "photo"  # a folder upload sends its path
    try:
        checked = check_photo(name, data)
    except PhotoFileError as exc:
        return Added(name, None, str(exc), False)
    sha = hashlib.sha256(data).hexdigest()
    with db.unit_of_work() as uow:
        row = events.event_row(uow)
        event = events.event_of(row)
        session = session_of(uow, session_id)
        known = uow.photos.id_of_file(row.id, sha)
        if known is not None:
            return Added(name, known, f"{name}: already uploaded (photo {known}), kept once", True)
        exif = checked.exif
        if exif.taken_local is None:
            return Added(name, None, f"{name}: no time in its EXIF; Miglia needs the camera's time", False)
        camera_us = camera_instant_us(exif.taken_local, exif.utc_offset_min, event.timezone)
        time_us = corrected_us(camera_us, session.offset_s)
        try:
            day = day_of(event, time_us, name)
        except MigliaError as exc:
            return Added(name, None, str(exc), False)
        db.media.put(sha, checked.format, data, checked.renditions)
        photo = NewPhoto(
            session_id=session.id,
            file_name=name,
            photographer=session.photographer,
            sha256=sha,
            media_type=checked.format,
            width=checked.width,
            height=checked.height,
            size_bytes=len(data),
            camera=exif.camera[:200],
            exif_time=_exif_time(exif.taken_local.isoformat(sep=" "), exif.utc_offset_min),
            camera_us=camera_us,
            exif_lat=exif.lat,
            exif_lon=exif.lon,
            uploaded_us=now_us(),
        )
        pending = PhotoMatch(
            time_us=time_us,
            day=day,
            lat=exif.lat,
            lon=exif.lon,
            spot="",
            stop=None,
            status=PhotoStatus.PENDING.value,
        )
        photo_id = uow.photos.add(row.id, photo, pending)
    when = format_local(time_us, event.timezone, 0)
    where = "its GPS position" if exif.lat is not None else "the session's spot"
    return Added(name, photo_id, f"{name}: day {day}, {when}, placed by {where}", True)


def add_files(
    db: Database,
    session_id: int,
    files: Iterable[tuple[str, bytes]],
    progress: Callable[[Added], None] | None = None,
) -> list[Added]:
    """Every file of an upload, then the session matched once."""
    added = []
    for name, data in files:
        result = add_file(db, session_id, name, data)
        added.append(result)
        if progress is not None:
            progress(result)
    match_session(db, session_id)
    return added


def match_session(db: Database, session_id: int) -> Matched:
    with db.unit_of_work() as uow:
        row = events.event_row(uow)
        session = session_of(uow, session_id)
        photos = uow.photos.all(row.id, session_id=session_id)
        return _rematch(uow, row.id, events.event_of(row), photos, {session.id: session})


def match_all(db: Database, day: int | None = None) -> list[StoredPhoto]:
    """Match every photo of the event (or of one day) again; the photos as matched."""
    with db.unit_of_work() as uow:
        row = events.event_row(uow)
        sessions = {s.id: s for s in uow.photos.sessions(row.id)}
        photos = uow.photos.all(row.id, day=day)
        _rematch(uow, row.id, events.event_of(row), photos, sessions)
        return uow.photos.all(row.id, day=day)


def _rematch(
    uow: UnitOfWork, event_id: int, event: Event, photos: list[StoredPhoto], sessions: dict[int, PhotoSession]
) -> Matched:
    placed = [matching.place(event, p, sessions[p.session_id]) for p in photos]
    results = matching.match(uow, event_id, event, placed)
    for photo_id, found in results.items():
        uow.photos.set_match(photo_id, found)
    statuses = [r.status for r in results.values()]
    return Matched(
        photos=len(statuses),
        tagged=statuses.count(PhotoStatus.TAGGED.value),
        review=statuses.count(PhotoStatus.REVIEW.value),
        unmatched=statuses.count(PhotoStatus.UNMATCHED.value),
        no_spot=statuses.count(PhotoStatus.NO_SPOT.value),
    )


def set_offset(db: Database, session_id: int, offset_s: float, how: str, by: str) -> Matched:
    """The camera's offset for the session (typed, from a known car, or the proposal accepted); the
    session's photos are matched again with it."""
    if how not in OFFSET_HOW:
        raise InvalidInput("upload session", "how", how, f"expected one of {', '.join(OFFSET_HOW)}")
    check_offset(offset_s)
    with db.unit_of_work() as uow:
        session_of(uow, session_id)
        uow.photos.set_offset(session_id, offset_s, how, by, now_us())
    return match_session(db, session_id)


def offset_from_car(db: Database, session_id: int, photo_id: int, start_no: int, by: str) -> float:
    """Set the session's offset so that the photo shows car `start_no` as it passed the spot."""
    with db.unit_of_work() as uow:
        row = events.event_row(uow)
        session = session_of(uow, session_id)
        photo = uow.photos.get(row.id, photo_id)
        if photo is None or photo.session_id != session_id:
            raise InvalidInput("upload session", "photo", photo_id, "not a photo of this session")
        offset = matching.offset_from_car(uow, row.id, events.event_of(row), photo, session, start_no)
    set_offset(db, session_id, offset, "car", by)
    return offset


def proposal(db: Database, session_id: int) -> tuple[float, int] | None:
    """The offset the tracks propose for the session's camera, and how many photos agree (to confirm)."""
    with db.unit_of_work() as uow:
        row = events.event_row(uow)
        session = session_of(uow, session_id)
        photos = uow.photos.all(row.id, session_id=session_id)
        return matching.proposed_offset(uow, row.id, events.event_of(row), photos, session)


def set_spot(db: Database, session_id: int, day: int, lat: float, lon: float) -> tuple[float, float, float]:
    """The session's spot for photos without a position: the click snapped to the day's route (by
    chainage, the geo kernel's projection); (km, lat, lon) as stored. The photos are matched again."""
    with db.unit_of_work() as uow:
        row = events.event_row(uow)
        session_of(uow, session_id)
        stored = events.routes(uow, row.id).get(day)
        if stored is None:
            raise InvalidInput("upload session", "day", day, "this day has no route to place the spot on")
        route = DayRoute(stored.source_name, stored.length_m, stored.coordinates).geometry()
        chainage = float(nearest(route, np.asarray([lat]), np.asarray([lon])).chainage_m[0])
        snapped = route.point_at(chainage)
        s_lat, s_lon = round(float(snapped[0]), 6), round(float(snapped[1]), 6)
        km = round(chainage / 1000, 2)
        uow.photos.set_spot(session_id, day, km, s_lat, s_lon)
    match_session(db, session_id)
    return km, s_lat, s_lon


def import_folder(
    db: Database,
    folder: Path,
    by: str,
    offset_s: float = 0.0,
    progress: Callable[[Added], None] | None = None,
) -> tuple[PhotoSession, list[Added]]:
    """`miglia photos import DIR`: every file of the folder (not its sub-folders), in name order."""
    if not folder.is_dir():
        raise InvalidInput("photos import", "folder", str(folder), "not a folder")
    session = open_session(db, by, offset_s)
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    added = add_files(db, session.id, ((p.name, p.read_bytes()) for p in files), progress)
    return session, added


def _exif_time(local: str, offset_min: int | None) -> str:
    if offset_min is None:
        return local
    sign = "+" if offset_min >= 0 else "-"
    hours, minutes = divmod(abs(offset_min), 60)
    return f"{local}{sign}{hours:02d}:{minutes:02d}"
