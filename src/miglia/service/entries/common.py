"""What the applicant's and the organiser's use cases share: the applications' settings (or their
defaults), the deadline's instant, and the outbox where e-mails wait (SMTP delivery is still to come)."""

from __future__ import annotations

import datetime as dt

from miglia.domain import applications as rules
from miglia.domain.applications import Settings
from miglia.domain.event import Event
from miglia.domain.instants import local_to_utc_us
from miglia.service.clock import now_us
from miglia.store.records import EventRecord
from miglia.store.unit_of_work import UnitOfWork


def settings(uow: UnitOfWork, row: EventRecord, event: Event, lock: bool = False) -> Settings:
    """The organiser's settings, or the defaults: the deadline 14 days before the first day, as many
    places as accepted entries not from applications (the imported list is full), 72 h to answer."""
    found = uow.applications.settings(row.id, lock)
    if found is not None:
        return found
    numbered = {a.start_no for a in uow.applications.all(row.id) if a.start_no is not None}
    imported = sum(1 for e in uow.entries.all(row.id) if e.accepted and e.start_no not in numbered)
    first = event.days[0].date if event.days else dt.date.today()
    return Settings(rules.default_deadline(first).isoformat(), imported, rules.OFFER_HOURS, "", 0)


def deadline_us(deadline: dt.date, event: Event) -> int:
    """The end of the deadline's day in the event's zone."""
    return local_to_utc_us(deadline + dt.timedelta(days=1), dt.time(0, 0), event.timezone) - 1


def send(uow: UnitOfWork, event_id: int, to: str, subject: str, body: str) -> None:
    """An e-mail into the outbox (the organiser reads it at /organiser/outbox; SMTP is still to come)."""
    uow.applications.send(event_id, to, subject[:300], body, now_us())
