"""The organiser's selection: every application with its photos, filters and notes; accept, waitlist or
decline (each with a reason, who and when); the ordered waitlist and the offers of freed places; start
numbers by age or by hand; the entry fee's status.

Accepted applications become entries through the entry list's repository, so every other part of Miglia
(the entry list, timing, the live map) sees them as it sees the imported ones; an imported entry is never
touched. A withdrawn car stays in the list, refused with the reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from miglia.domain import applications as rules
from miglia.domain.applications import (
    Answer,
    ApplicationPhoto,
    Fee,
    FeeStatus,
    Note,
    Status,
    StoredApplication,
)
from miglia.domain.entries import Car, CarCategory, Crew, Entry, EntryStatus, RaceHistory, judge
from miglia.domain.errors import MigliaError
from miglia.domain.event import Event
from miglia.domain.instants import format_local, us_to_local
from miglia.service import news
from miglia.service.clock import now_us
from miglia.service.entries import common
from miglia.service.event import events
from miglia.store.db import Database
from miglia.store.records import EventRecord
from miglia.store.unit_of_work import UnitOfWork

SYSTEM = "miglia"
"""Who an automatic step (an offer expiring, the next offer) is recorded as."""


class Refused(MigliaError):
    pass


@dataclass(frozen=True)
class Row:
    """One application on the organiser's page."""

    application: StoredApplication
    status: Status
    decision: rules.Decision | None
    history: list[rules.Decision]
    photos: list[ApplicationPhoto]
    notes: list[Note]
    fees: list[Fee]
    waitlist_place: int | None
    offer: rules.Offer | None
    eligibility: str | None
    """Why the car is not eligible (None: it is)."""

    @property
    def year(self) -> int:
        try:
            return int(self.application.form.get("year", "0"))
        except ValueError:
            return 0

    @property
    def fee(self) -> str:
        return (
            self.fees[-1].status
            if self.fees
            else FeeStatus.DUE.value
            if self.status is Status.ACCEPTED
            else ""
        )


@dataclass(frozen=True)
class Filters:
    status: str = ""
    make: str = ""
    year_from: int | None = None
    year_to: int | None = None

    def keep(self, row: Row) -> bool:
        if self.status and row.status.value != self.status:
            return False
        if self.make and self.make.lower() not in row.application.form.get("make", "").lower():
            return False
        if self.year_from is not None and row.year < self.year_from:
            return False
        return not (self.year_to is not None and row.year > self.year_to)


@dataclass(frozen=True)
class Overview:
    rows: list[Row]
    places: int
    accepted: int
    waitlist: list[int]
    counts: dict[str, int] = field(default_factory=dict)
    makes: list[str] = field(default_factory=list)


def overview(uow: UnitOfWork, filters: Filters = Filters()) -> Overview:
    row = events.event_row(uow)
    event = events.event_of(row)
    decisions = uow.applications.decisions(row.id)
    now = current_status(decisions)
    waiting = rules.waitlist(decisions)
    photos = uow.applications.photos(row.id)
    notes = uow.applications.notes(row.id)
    fees = uow.applications.fees(row.id)
    instant = now_us()
    open_offers = {
        o.offer.application_id: o.offer for o in uow.applications.offers(row.id) if o.offer.open_at(instant)
    }
    rows = []
    for a in uow.applications.all(row.id):
        history = [d for d in decisions if d.application_id == a.id]
        status = now.get(a.id, Status.APPLIED)
        try:
            eligibility = event.eligibility.refusal(int(a.form.get("year", "0")))
        except ValueError:
            eligibility = "no year of construction"
        rows.append(
            Row(
                application=a,
                status=status,
                decision=history[-1] if history else None,
                history=history,
                photos=photos.get(a.id, []),
                notes=notes.get(a.id, []),
                fees=fees.get(a.id, []),
                waitlist_place=waiting.index(a.id) + 1 if a.id in waiting else None,
                offer=open_offers.get(a.id),
                eligibility=eligibility,
            )
        )
    counts = {s.value: sum(1 for r in rows if r.status is s) for s in Status}
    makes = sorted({r.application.form.get("make", "") for r in rows} - {""})
    order = {a: i for i, a in enumerate(waiting)}
    shown = sorted(
        (r for r in rows if filters.keep(r)),
        key=lambda r: (list(Status).index(r.status), order.get(r.application.id, 0), r.application.id),
    )
    return Overview(
        rows=shown,
        places=common.settings(uow, row, event).places,
        accepted=_accepted(uow, row.id),
        waitlist=waiting,
        counts=counts,
        makes=makes,
    )


def current_status(decisions: Sequence[rules.Decision]) -> dict[int, Status]:
    return {a: d.status for a, d in rules.current(decisions).items()}


def _accepted(uow: UnitOfWork, event_id: int) -> int:
    return sum(1 for e in uow.entries.all(event_id) if e.accepted)


def _get(uow: UnitOfWork, row: EventRecord, application_id: int) -> StoredApplication:
    found = uow.applications.get(row.id, application_id)
    if found is None:
        raise events.NotFound(f"application {application_id}: there is no such application")
    return found


# -- decisions ---------------------------------------------------------------------------------------


def decide(
    db: Database, application_id: int, status: Status, reason: str, by: str, base_url: str = ""
) -> Status:
    """Accept, waitlist, decline or withdraw one application (a new decision; the earlier ones stay).

    Accepting needs a free place (places minus accepted cars minus an open offer) and an eligible car;
    a withdrawal of an accepted car frees its place, which is offered to the first waiting car."""
    reason = reason.strip()
    if len(reason) > 1000:
        raise Refused(f"reason: {len(reason)} characters; at most 1000")
    with db.unit_of_work() as uow:
        row = events.event_row(uow)
        event = events.event_of(row)
        settings = common.settings(uow, row, event, lock=True)
        found = _get(uow, row, application_id)
        decisions = uow.applications.decisions(row.id)
        now = current_status(decisions).get(application_id, Status.APPLIED)
        try:
            year = int(found.form.get("year", "0"))
        except ValueError:
            year = 0
        try:
            rules.check_decision(now, status, reason, event.eligibility.refusal(year))
        except rules.Refused as exc:
            raise Refused(f"application {application_id} ({_title(found)}): {exc}") from None
        offers = uow.applications.offers(row.id)
        open_offers = [o for o in offers if o.offer.open_at(now_us())]
        if status is Status.ACCEPTED:
            own = [o for o in open_offers if o.offer.application_id == application_id]
            others = len(open_offers) - len(own)
            if rules.free_places(settings.places, _accepted(uow, row.id), others) <= 0:
                raise Refused(
                    f"application {application_id} ({_title(found)}): all {settings.places} places are "
                    "taken (or offered): raise the places in the settings, or waitlist the car"
                )
            for o in own:  # the organiser accepts the car offered the place: the offer is answered
                uow.applications.answer_offer(o.id, Answer.ACCEPTED, now_us())
        if status in (Status.WITHDRAWN, Status.DECLINED, Status.WAITLISTED):
            for o in open_offers:
                if o.offer.application_id == application_id:
                    uow.applications.answer_offer(o.id, Answer.DECLINED, now_us())
        before = application_numbers(uow, row.id)
        uow.applications.decide(application_id, status, reason, by, now_us())
        if status is Status.ACCEPTED:
            number_new(uow, row, application_id)
        elif status in (Status.WAITLISTED, Status.DECLINED) and found.start_no is not None:
            uow.applications.set_number(application_id, None, "")
        sync_entries(uow, row, before)
        _tell(uow, row, event, found, status, reason, base_url)
        advance_offers(uow, row, event, now_us(), base_url)
    news.event_changed(row.id)
    return status


def _title(a: StoredApplication) -> str:
    f = a.form
    return f"{f.get('year', '')} {f.get('make', '')} {f.get('model', '')}".strip()


_TELL = {
    Status.ACCEPTED: "your application is accepted",
    Status.WAITLISTED: "your application is on the waitlist",
    Status.DECLINED: "your application is declined",
    Status.WITHDRAWN: "your withdrawal is recorded",
}


def _tell(
    uow: UnitOfWork,
    row: EventRecord,
    event: Event,
    a: StoredApplication,
    status: Status,
    reason: str,
    base_url: str,
) -> None:
    if status not in _TELL:
        return
    common.send(
        uow,
        row.id,
        ", ".join(v for v in (a.form.get("driver_email", ""), a.form.get("co_email", "")) if v),
        f"{event.name}: {_TELL[status]} ({_title(a)})",
        f"Dear {a.form.get('driver_name', '')},\n\n{event.name}: {_TELL[status]} ({_title(a)}).\n"
        f"Reason: {reason}\n\nYour application stays at the link of your first e-mail.\n",
    )


# -- the waitlist's offers ---------------------------------------------------------------------------


def advance_offers(uow: UnitOfWork, row: EventRecord, event: Event, at_us: int, base_url: str) -> int | None:
    """Expire the offers past their deadline (the car declined: it did not answer), then offer a free
    place to the first waiting car; returns the application offered one now, if any."""
    settings = common.settings(uow, row, event, lock=True)
    for _ in range(100):  # each round expires offers or makes one; bounded for safety
        offers = uow.applications.offers(row.id)
        decisions = uow.applications.decisions(row.id)
        open_now = sum(1 for o in offers if o.offer.open_at(at_us))
        step = rules.advance(
            rules.waitlist(decisions),
            [o.offer for o in offers],
            rules.free_places(settings.places, _accepted(uow, row.id), open_now),
            at_us,
        )
        for o in offers:
            if o.offer.application_id in step.expired and o.offer.answer is Answer.OPEN:
                uow.applications.answer_offer(o.id, Answer.EXPIRED, at_us)
                uow.applications.decide(
                    o.offer.application_id,
                    Status.DECLINED,
                    "did not answer the offered place before its deadline",
                    SYSTEM,
                    at_us,
                )
        if step.offer_to is None:
            return None
        deadline = at_us + settings.offer_hours * 3_600_000_000
        uow.applications.add_offer(step.offer_to, at_us, deadline)
        found = _get(uow, row, step.offer_to)
        local = us_to_local(deadline, event.timezone)
        when = f"{local:%a %d %b %Y}, {format_local(deadline, event.timezone, 0)}"
        common.send(
            uow,
            row.id,
            ", ".join(v for v in (found.form.get("driver_email", ""), found.form.get("co_email", "")) if v),
            f"{event.name}: a place is free for your {_title(found)}",
            f"Dear {found.form.get('driver_name', '')},\n\na place in {event.name} is free and it is offered "
            f"to your {_title(found)}, the first car on the waitlist.\n\nPlease accept or decline it by "
            f"{when} ({event.timezone}) on your application's page (the link of your first e-mail). "
            "After that the place goes to the next car.\n",
        )
        return step.offer_to
    return None


def refresh(db: Database, base_url: str = "") -> None:
    """Expire the offers past their deadline and make the next ones (run when a page is opened)."""
    with db.unit_of_work() as uow:
        row = events.event_row(uow)
        advance_offers(uow, row, events.event_of(row), now_us(), base_url)


# -- start numbers -----------------------------------------------------------------------------------


def application_numbers(uow: UnitOfWork, event_id: int) -> set[int]:
    return {a.start_no for a in uow.applications.all(event_id) if a.start_no is not None}


def _taken(uow: UnitOfWork, row: EventRecord, but: int | None = None) -> dict[int, str]:
    """Start number -> whose it is: imported entries and numbered applications (except `but`)."""
    apps = uow.applications.all(row.id)
    mine = {a.start_no for a in apps if a.start_no is not None}
    taken = {e.start_no: e.crew.driver for e in uow.entries.all(row.id) if e.start_no not in mine}
    for a in apps:
        if a.start_no is not None and a.id != but:
            taken[a.start_no] = a.form.get("driver_name", f"application {a.id}")
    return taken


def number_new(uow: UnitOfWork, row: EventRecord, application_id: int) -> int:
    """A newly accepted car's provisional number: one after the highest in use."""
    found = _get(uow, row, application_id)
    if found.start_no is not None:
        return found.start_no
    number = rules.next_free(_taken(uow, row))
    uow.applications.set_number(application_id, number, "next")
    return number


def numbers_by_age(db: Database, by: str, first: int | None = None) -> dict[int, int]:
    """Every accepted application not numbered by hand gets a number, oldest car first, from `first`
    (default: one after the imported entries' highest), skipping the numbers in use."""
    with db.unit_of_work() as uow:
        row = events.event_row(uow)
        apps = uow.applications.all(row.id)
        status = current_status(uow.applications.decisions(row.id))
        before = application_numbers(uow, row.id)
        mine = {a.id for a in apps if status.get(a.id) is Status.ACCEPTED and a.number_how != "hand"}
        imported = {e.start_no for e in uow.entries.all(row.id) if e.start_no not in before}
        hand = {a.start_no for a in apps if a.id not in mine and a.start_no is not None}
        cars = [rules.ToNumber(a.id, int(a.form.get("year", "0") or 0)) for a in apps if a.id in mine]
        start = first if first is not None else max(imported, default=0) + 1
        numbers = rules.numbers_by_age(cars, imported | hand, start)
        for a in apps:
            if a.id in numbers:
                uow.applications.set_number(a.id, numbers[a.id], "age")
        sync_entries(uow, row, before)
    news.event_changed(row.id)
    return numbers


def set_number(db: Database, application_id: int, start_no: int, by: str) -> None:
    with db.unit_of_work() as uow:
        row = events.event_row(uow)
        found = _get(uow, row, application_id)
        if current_status(uow.applications.decisions(row.id)).get(application_id) is not Status.ACCEPTED:
            raise Refused(f"application {application_id}: only an accepted car gets a start number")
        try:
            rules.check_number(start_no, _taken(uow, row, but=found.id))
        except rules.Refused as exc:
            raise Refused(str(exc)) from None
        before = application_numbers(uow, row.id)
        uow.applications.set_number(application_id, start_no, "hand")
        sync_entries(uow, row, before)
    news.event_changed(row.id)


# -- the entries -------------------------------------------------------------------------------------


def entry_of(a: StoredApplication, status: Status, reason: str, event: Event) -> Entry:
    f = a.form
    entry = Entry(
        start_no=a.start_no or 0,
        car=Car(
            make=f.get("make", ""),
            model=f.get("model", ""),
            year=int(f.get("year", "0") or 0),
            chassis=f.get("chassis", ""),
            displacement_cc=int(f["displacement_cc"]) if f.get("displacement_cc", "").isdigit() else None,
            category=CarCategory(f["category"]) if f.get("category") in set(CarCategory) else None,
            history=RaceHistory(f.get("history", ""))
            if f.get("history", "") in set(RaceHistory)
            else RaceHistory.NONE,
            story=f.get("story", ""),
        ),
        crew=Crew(driver=f.get("driver_name", ""), co_driver=f.get("co_name", "")),
    )
    if status is Status.WITHDRAWN:
        return Entry(
            start_no=entry.start_no,
            car=entry.car,
            crew=entry.crew,
            status=EntryStatus.REFUSED,
            refusal_reason=f"withdrawn: {reason}",
        )
    return judge(entry, event.eligibility)


def sync_entries(uow: UnitOfWork, row: EventRecord, before: set[int]) -> None:
    """The entry list with the applications' cars as they stand: accepted ones in, withdrawn ones refused
    with the reason; the numbers in `before` (the applications' numbers before a change) freed. The
    imported entries are kept as they are; the list is written only when it changed."""
    event = events.event_of(row)
    apps = uow.applications.all(row.id)
    latest = rules.current(uow.applications.decisions(row.id))
    mine = before | {a.start_no for a in apps if a.start_no is not None}
    existing = uow.entries.all(row.id)
    entries = [e for e in existing if e.start_no not in mine]
    for a in apps:
        decision = latest.get(a.id)
        if a.start_no is None or decision is None:
            continue
        if decision.status in (Status.ACCEPTED, Status.WITHDRAWN):
            entries.append(entry_of(a, decision.status, decision.reason, event))
    entries.sort(key=lambda e: e.start_no)
    if entries != existing:
        uow.entries.replace(row.id, entries)


# -- notes and fees ----------------------------------------------------------------------------------


def add_note(db: Database, application_id: int, text: str, by: str) -> None:
    text = text.strip()
    if not text or len(text) > 2000:
        raise Refused("note: write 1 to 2000 characters")
    with db.unit_of_work() as uow:
        row = events.event_row(uow)
        _get(uow, row, application_id)
        uow.applications.add_note(application_id, text, by, now_us())


def set_fee(db: Database, application_id: int, status: str, note: str, by: str) -> None:
    try:
        fee = FeeStatus(status)
    except ValueError:
        raise Refused(f"fee status {status!r}: choose due, paid or refunded") from None
    with db.unit_of_work() as uow:
        row = events.event_row(uow)
        _get(uow, row, application_id)
        uow.applications.set_fee(application_id, fee.value, note.strip()[:500], by, now_us())


def deadline_text(day: dt.date) -> str:
    return f"{day:%a %d %b %Y}"
