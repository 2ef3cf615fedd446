"""The photographers' upload sessions, their photos, the cars in them and the organiser's hidings."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import Select, delete, select
from sqlalchemy.orm import Session

from miglia.store.models import PhotoCarRow, PhotoHidingRow, PhotoRow, PhotoSessionRow
from miglia.store.records import Hiding, NewPhoto, PhotoMatch, PhotoSession, StoredPhoto

CANDIDATE, AUTO, HAND = "candidate", "auto", "hand"
"""The roles of a car in a photo: found near it, tagged from the tracks, chosen by a person."""

_SESSION_FIELDS = (
    "photographer",
    "created_us",
    "offset_s",
    "offset_how",
    "offset_by",
    "offset_us",
    "spot_day",
    "spot_km",
    "spot_lat",
    "spot_lon",
)
_NEW_FIELDS = tuple(NewPhoto.__dataclass_fields__)
_MATCH_FIELDS = ("time_us", "day", "lat", "lon", "spot", "stop", "status")


def _session(r: PhotoSessionRow) -> PhotoSession:
    return PhotoSession(id=r.id, **{f: getattr(r, f) for f in _SESSION_FIELDS})


class PhotoRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    # -- upload sessions ---------------------------------------------------------------------------------

    def add_session(self, event_id: int, photographer: str, at_us: int) -> PhotoSession:
        row = PhotoSessionRow(event_id=event_id, photographer=photographer, created_us=at_us)
        self._s.add(row)
        self._s.flush()
        return _session(row)

    def session(self, event_id: int, session_id: int) -> PhotoSession | None:
        row = self._s.get(PhotoSessionRow, session_id)
        return None if row is None or row.event_id != event_id else _session(row)

    def sessions(self, event_id: int) -> list[PhotoSession]:
        rows = self._s.scalars(
            select(PhotoSessionRow).where(PhotoSessionRow.event_id == event_id).order_by(PhotoSessionRow.id)
        )
        return [_session(r) for r in rows]

    def set_offset(self, session_id: int, offset_s: float, how: str, by: str, at_us: int) -> None:
        row = self._s.get_one(PhotoSessionRow, session_id)
        row.offset_s, row.offset_how, row.offset_by, row.offset_us = offset_s, how, by, at_us

    def set_spot(
        self, session_id: int, day: int | None, km: float | None, lat: float | None, lon: float | None
    ) -> None:
        row = self._s.get_one(PhotoSessionRow, session_id)
        row.spot_day, row.spot_km, row.spot_lat, row.spot_lon = day, km, lat, lon

    # -- photos ------------------------------------------------------------------------------------------

    def id_of_file(self, event_id: int, sha256: str) -> int | None:
        """The photo already stored with this content, if any (the same file uploaded twice is kept once)."""
        return self._s.scalar(
            select(PhotoRow.id).where(PhotoRow.event_id == event_id, PhotoRow.sha256 == sha256)
        )

    def add(self, event_id: int, photo: NewPhoto, match: PhotoMatch) -> int:
        row = PhotoRow(
            event_id=event_id,
            **{f: getattr(photo, f) for f in _NEW_FIELDS},
            **{f: getattr(match, f) for f in _MATCH_FIELDS},
        )
        self._s.add(row)
        self._s.flush()
        self._add_cars(row.id, match)
        return row.id

    def set_match(self, photo_id: int, match: PhotoMatch) -> None:
        """Replace what matching made of a photo; a person's choice is kept (and the status with it)."""
        row = self._s.get_one(PhotoRow, photo_id)
        for f in _MATCH_FIELDS:
            if f != "status" or row.reviewed_us is None:
                setattr(row, f, getattr(match, f))
        self._s.execute(
            delete(PhotoCarRow).where(
                PhotoCarRow.photo_id == photo_id, PhotoCarRow.role.in_((CANDIDATE, AUTO))
            )
        )
        self._add_cars(photo_id, match)

    def review(self, photo_id: int, cars: Iterable[int], by: str, at_us: int, status: str) -> None:
        """A person's choice of the cars a photo shows (perhaps none); an earlier choice is withdrawn."""
        row = self._s.get_one(PhotoRow, photo_id)
        for old in self._s.scalars(
            select(PhotoCarRow).where(
                PhotoCarRow.photo_id == photo_id, PhotoCarRow.role == HAND, PhotoCarRow.withdrawn_us.is_(None)
            )
        ):
            old.withdrawn_us = at_us
        self._s.add_all(
            PhotoCarRow(photo_id=photo_id, start_no=n, role=HAND, made_by=by, made_us=at_us) for n in cars
        )
        row.reviewed_by, row.reviewed_us, row.status = by, at_us, status

    def hide(self, photo_id: int, by: str, at_us: int, why: str) -> None:
        self._s.add(PhotoHidingRow(photo_id=photo_id, hidden_by=by, hidden_us=at_us, why=why))

    def show(self, photo_id: int, by: str, at_us: int) -> bool:
        """Put a hidden photo back on the public pages; False if it was not hidden."""
        live = self._s.scalars(
            select(PhotoHidingRow).where(
                PhotoHidingRow.photo_id == photo_id, PhotoHidingRow.shown_us.is_(None)
            )
        ).all()
        for h in live:
            h.shown_by, h.shown_us = by, at_us
        return bool(live)

    def get(self, event_id: int, photo_id: int) -> StoredPhoto | None:
        found = self._load(select(PhotoRow).where(PhotoRow.event_id == event_id, PhotoRow.id == photo_id))
        return found[0] if found else None

    def all(
        self, event_id: int, *, session_id: int | None = None, day: int | None = None
    ) -> list[StoredPhoto]:
        """The event's photos in the order they were taken (of one session or one day when asked)."""
        query = select(PhotoRow).where(PhotoRow.event_id == event_id)
        if session_id is not None:
            query = query.where(PhotoRow.session_id == session_id)
        if day is not None:
            query = query.where(PhotoRow.day == day)
        return self._load(query.order_by(PhotoRow.time_us, PhotoRow.id))

    def _add_cars(self, photo_id: int, match: PhotoMatch) -> None:
        self._s.add_all(
            PhotoCarRow(photo_id=photo_id, start_no=n, role=CANDIDATE, distance_m=d, delta_s=t)
            for n, d, t in match.candidates
        )
        self._s.add_all(PhotoCarRow(photo_id=photo_id, start_no=n, role=AUTO) for n in match.cars)

    def _load(self, query: Select[PhotoRow]) -> list[StoredPhoto]:
        rows = list(self._s.scalars(query))
        if not rows:
            return []
        ids = [r.id for r in rows]
        cars: dict[int, list[PhotoCarRow]] = defaultdict(list)
        for c in self._s.scalars(
            select(PhotoCarRow)
            .where(PhotoCarRow.photo_id.in_(ids), PhotoCarRow.withdrawn_us.is_(None))
            .order_by(PhotoCarRow.id)
        ):
            cars[c.photo_id].append(c)
        hidings: dict[int, list[Hiding]] = defaultdict(list)
        for h in self._s.scalars(
            select(PhotoHidingRow).where(PhotoHidingRow.photo_id.in_(ids)).order_by(PhotoHidingRow.id)
        ):
            hidings[h.photo_id].append(
                Hiding(
                    id=h.id,
                    hidden_by=h.hidden_by,
                    hidden_us=h.hidden_us,
                    why=h.why,
                    shown_by=h.shown_by,
                    shown_us=h.shown_us,
                )
            )
        return [_photo(r, cars[r.id], hidings[r.id]) for r in rows]


def _photo(r: PhotoRow, cars: list[PhotoCarRow], hidings: list[Hiding]) -> StoredPhoto:
    by_role: dict[str, list[PhotoCarRow]] = defaultdict(list)
    for c in cars:
        by_role[c.role].append(c)
    chosen = by_role[HAND] if r.reviewed_us is not None else by_role[AUTO]
    return StoredPhoto(
        id=r.id,
        **{f: getattr(r, f) for f in _NEW_FIELDS},
        **{f: getattr(r, f) for f in _MATCH_FIELDS},
        reviewed_by=r.reviewed_by,
        reviewed_us=r.reviewed_us,
        candidates=tuple((c.start_no, c.distance_m or 0.0, c.delta_s or 0.0) for c in by_role[CANDIDATE]),
        cars=tuple(sorted(c.start_no for c in chosen)),
        hidings=tuple(hidings),
    )
