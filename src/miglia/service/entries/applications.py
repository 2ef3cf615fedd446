"""The applicant's use cases: apply (the form, its photos, eligibility at once), see and change the
application through the secret link until the deadline, withdraw, answer an offered place; and the
outbox where the e-mails Miglia would send are kept (SMTP delivery is still to come).

The secret token is given once (in the answer and the e-mail); only its SHA-256 is stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath

from miglia.domain import applications as rules
from miglia.domain.applications import Answer, ApplicationPhoto, Settings, Status, StoredApplication
from miglia.domain.errors import MigliaError
from miglia.domain.event import Event
from miglia.formats.photo_file import CheckedPhoto, PhotoFileError, check_photo
from miglia.service.clock import now_us
from miglia.service.entries import selection
from miglia.service.entries.common import deadline_us, send, settings
from miglia.service.event import events
from miglia.store.db import Database
from miglia.store.records import EventRecord
from miglia.store.unit_of_work import UnitOfWork

MAX_PHOTO_BYTES = 8 * 1024 * 1024
"""An application's photo: at most 8 MB (a phone's photo is 2-6 MB; the whole form may be 20 MB)."""
PHOTOS_FIELD = "photos"


class FormErrors(MigliaError):
    """The form refused: a message per field (shown next to it); nothing was stored."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(self.errors.values()))


@dataclass(frozen=True)
class Upload:
    name: str
    data: bytes


@dataclass(frozen=True)
class Applied:
    application_id: int
    token: str


@dataclass(frozen=True)
class View:
    """An application as its applicant (or the organiser) sees it."""

    application: StoredApplication
    status: Status
    reason: str
    photos: list[ApplicationPhoto]
    open_offer: rules.Offer | None
    offer_id: int | None
    deadline: dt.date
    changeable: bool
    waitlist_place: int | None
    fee: str
    history: list[rules.Decision] = field(default_factory=list)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# -- settings ----------------------------------------------------------------------------------------


def save_settings(db: Database, deadline: str, places: int, offer_hours: int, by: str) -> Settings:
    try:
        day = dt.date.fromisoformat(deadline.strip())
    except ValueError:
        raise FormErrors({"deadline": f"Deadline: {deadline!r} is not a date (YYYY-MM-DD)"}) from None
    errors = {}
    if not 0 <= places <= 10_000:
        errors["places"] = f"Places: {places}; give a number from 0 to 10000"
    if not 1 <= offer_hours <= 24 * 30:
        errors["offer_hours"] = f"Hours to answer an offer: {offer_hours}; give 1 to 720"
    if errors:
        raise FormErrors(errors)
    with db.unit_of_work() as uow:
        row = events.event_row(uow)
        saved = Settings(day.isoformat(), places, offer_hours, by, now_us())
        uow.applications.set_settings(row.id, saved)
        selection.advance_offers(uow, row, events.event_of(row), now_us(), "")
    return saved


# -- applying ----------------------------------------------------------------------------------------


def _checked_photos(uploads: Sequence[Upload], already: int) -> list[tuple[str, bytes, CheckedPhoto]]:
    """Each upload checked and re-encoded; raises FormErrors naming the photos field."""
    uploads = [u for u in uploads if u.data or u.name]
    if already + len(uploads) > rules.MAX_PHOTOS:
        raise FormErrors(
            {
                PHOTOS_FIELD: f"Photos: at most {rules.MAX_PHOTOS} per application "
                f"({already + len(uploads)} given)"
            }
        )
    out = []
    for u in uploads:
        name = PurePath(u.name.replace("\\", "/")).name[:300] or "photo"
        if len(u.data) > MAX_PHOTO_BYTES:
            raise FormErrors(
                {PHOTOS_FIELD: f"{name}: {len(u.data) / 2**20:.1f} MB; at most {MAX_PHOTO_BYTES // 2**20} MB"}
            )
        try:
            checked = check_photo(name, u.data)
        except PhotoFileError as exc:
            raise FormErrors({PHOTOS_FIELD: str(exc)}) from None
        out.append((name, u.data, checked))
    return out


def _store_photos(
    db: Database, uow: UnitOfWork, application_id: int, photos: list[tuple[str, bytes, CheckedPhoto]]
) -> None:
    for name, data, checked in photos:
        sha = hashlib.sha256(data).hexdigest()
        db.media.put(sha, checked.format, data, checked.renditions)
        uow.applications.add_photo(application_id, sha, name, now_us())


def _check(form: Mapping[str, str], event: Event) -> rules.Checked:
    checked = rules.check_form(form, event.eligibility)
    if not checked.ok:
        raise FormErrors(checked.errors)
    return checked


def apply(db: Database, form: Mapping[str, str], uploads: Sequence[Upload], base_url: str = "") -> Applied:
    """A new application: every field checked, eligibility at once, the photos checked and re-encoded;
    on any problem nothing is stored and FormErrors says what, field by field."""
    with db.unit_of_work() as uow:
        row = events.event_row(uow)
        event = events.event_of(row)
        if now_us() > deadline_us(dt.date.fromisoformat(settings(uow, row, event).deadline), event):
            raise FormErrors({"form": "Applications are closed: the deadline has passed."})
    checked = _check(form, event)
    photos = _checked_photos(uploads, 0)
    token = secrets.token_urlsafe(24)
    with db.unit_of_work() as uow:
        row = events.event_row(uow)
        application_id = uow.applications.add(row.id, hash_token(token), now_us(), checked.values)
        uow.applications.decide(application_id, Status.APPLIED, "application received", "applicant", now_us())
        _store_photos(db, uow, application_id, photos)
        deadline = settings(uow, row, event).deadline
        values = checked.values
        send(
            uow,
            row.id,
            _to(values),
            f"{event.name}: your application for the {_car(values)}",
            f"Dear {values['driver_name']},\n\nthank you for applying to {event.name} "
            f"with your {_car(values)}."
            f"\n\nSee or change your application until {deadline} at:\n{base_url}/apply/{token}\n\n"
            "Keep this link to yourself: whoever has it can change the application.\n",
        )
    return Applied(application_id, token)


def _car(values: Mapping[str, str]) -> str:
    return f"{values.get('year', '')} {values.get('make', '')} {values.get('model', '')}".strip()


def _to(values: Mapping[str, str]) -> str:
    return ", ".join(v for v in (values.get("driver_email", ""), values.get("co_email", "")) if v)


def find(uow: UnitOfWork, token: str) -> tuple[EventRecord, StoredApplication]:
    row = events.event_row(uow)
    application_id = uow.applications.id_by_token(row.id, hash_token(token)) if token else None
    found = uow.applications.get(row.id, application_id) if application_id else None
    if found is None:
        raise events.NotFound("no application with this link: check it, or apply again")
    return row, found


def view(uow: UnitOfWork, row: EventRecord, application: StoredApplication) -> View:
    event = events.event_of(row)
    decisions = [d for d in uow.applications.decisions(row.id) if d.application_id == application.id]
    latest = decisions[-1] if decisions else None
    waiting = rules.waitlist(uow.applications.decisions(row.id))
    offers = [o for o in uow.applications.offers(row.id) if o.offer.application_id == application.id]
    now = now_us()
    open_offer = next((o for o in offers if o.offer.open_at(now)), None)
    deadline = dt.date.fromisoformat(settings(uow, row, event).deadline)
    fees = uow.applications.fees(row.id).get(application.id, [])
    status = latest.status if latest else Status.APPLIED
    return View(
        application=application,
        status=status,
        reason=latest.reason if latest else "",
        photos=uow.applications.photos(row.id).get(application.id, []),
        open_offer=open_offer.offer if open_offer else None,
        offer_id=open_offer.id if open_offer else None,
        deadline=deadline,
        changeable=now <= deadline_us(deadline, event) and status is not Status.WITHDRAWN,
        waitlist_place=waiting.index(application.id) + 1 if application.id in waiting else None,
        fee=fees[-1].status if fees else "",
        history=decisions,
    )


def change(
    db: Database,
    token: str,
    form: Mapping[str, str],
    uploads: Sequence[Upload],
    remove: Sequence[int] = (),
) -> StoredApplication:
    """The applicant's change, kept as a new version; refused after the deadline or once withdrawn."""
    with db.unit_of_work() as uow:
        row, found = find(uow, token)
        event = events.event_of(row)
        current = view(uow, row, found)
        if not current.changeable:
            raise FormErrors(
                {"form": f"This application can no longer be changed (deadline {current.deadline})."}
            )
        keep = [p for p in current.photos if p.id not in set(remove)]
    checked = _check(form, event)
    photos = _checked_photos(uploads, len(keep))
    with db.unit_of_work() as uow:
        row, found = find(uow, token)
        for p in current.photos:
            if p.id in set(remove):
                uow.applications.remove_photo(p.id, now_us())
        _store_photos(db, uow, found.id, photos)
        if checked.values != found.form or photos or remove:
            uow.applications.add_version(found.id, now_us(), checked.values)
        selection.sync_entries(uow, row, set())
        return uow.applications.get(row.id, found.id) or found


def withdraw(db: Database, token: str, reason: str) -> None:
    with db.unit_of_work() as uow:
        _, found = find(uow, token)
    selection.decide(
        db, found.id, Status.WITHDRAWN, reason.strip() or "withdrawn by the applicant", "applicant"
    )


def answer_offer(db: Database, token: str, accept: bool) -> Status:
    """The applicant takes the offered place (accepted, numbered, an entry) or declines it (withdrawn;
    the place goes to the next waiting car)."""
    with db.unit_of_work() as uow:
        row, found = find(uow, token)
        event = events.event_of(row)
        selection.advance_offers(uow, row, event, now_us(), "")
        offer = next(
            (
                o
                for o in uow.applications.offers(row.id)
                if o.offer.application_id == found.id and o.offer.open_at(now_us())
            ),
            None,
        )
        if offer is None:
            raise MigliaError(
                "There is no open offer for this application (answered, or its deadline passed)."
            )
        uow.applications.answer_offer(offer.id, Answer.ACCEPTED if accept else Answer.DECLINED, now_us())
        if accept:
            before = selection.application_numbers(uow, row.id)
            uow.applications.decide(
                found.id, Status.ACCEPTED, "accepted the offered place", "applicant", now_us()
            )
            selection.number_new(uow, row, found.id)
            selection.sync_entries(uow, row, before)
            selection.advance_offers(uow, row, event, now_us(), "")  # another free place: the next car
            return Status.ACCEPTED
        uow.applications.decide(
            found.id, Status.WITHDRAWN, "declined the offered place", "applicant", now_us()
        )
        selection.advance_offers(uow, row, event, now_us(), "")
        return Status.WITHDRAWN


def outbox(uow: UnitOfWork) -> list[object]:
    return list(uow.applications.outbox(events.event_row(uow).id))
