"""The lists sent to each venue: a hotel's rooming list, a restaurant's meal list (PDF or CSV); marking one
sent (who, when, its lines kept), and what changed at a venue since its list went out."""

from __future__ import annotations

from dataclasses import dataclass

from miglia.domain import hospitality as h
from miglia.domain.errors import InvalidInput
from miglia.formats import hospitality_pdf as paper
from miglia.service.clock import clock_text, now_us, to_datetime
from miglia.service.event import events
from miglia.service.hospitality.hotels import Hospitality, load
from miglia.store.db import Database
from miglia.store.unit_of_work import UnitOfWork

FORMATS = ("csv", "pdf")


@dataclass(frozen=True)
class Report:
    venue: str
    kind: str
    """rooming or meals."""
    rooming: h.RoomingList | None
    meals: h.MealList | None

    def lines(self) -> list[h.ReportLine]:
        if self.rooming is not None:
            return self.rooming.lines()
        assert self.meals is not None
        return self.meals.lines()


@dataclass(frozen=True)
class Changes:
    """What changed at a venue since its list was last sent."""

    venue: str
    kind: str
    sent: h.SentReport
    lines: tuple[str, ...]

    def heading(self, timezone: str) -> str:
        when = to_datetime(self.sent.sent_us, timezone)
        return (
            f"since the {'rooming' if self.kind == 'rooming' else 'meal'} list went to {self.venue} on "
            f"{when:%a %-d %b} at {clock_text(self.sent.sent_us, timezone)[:5]} ({self.sent.sent_by})"
        )


def find_venue(hosp: Hospitality, name: str) -> str:
    """A venue's name as stored, from its name or a part of it naming only one venue (any case)."""
    names = hosp.names()
    exact = [n for n in names if n.casefold() == name.strip().casefold()]
    if exact:
        return exact[0]
    part = [n for n in names if name.strip().casefold() in n.casefold()] if name.strip() else []
    if len(part) == 1:
        return part[0]
    problem = f"it names {len(part)} venues: {', '.join(part)}" if part else "no venue of this name"
    raise InvalidInput("report", "venue", name, problem + "; venues: " + ", ".join(names))


def report(hosp: Hospitality, name: str) -> Report:
    venue = find_venue(hosp, name)
    if any(v.name == venue for v in hosp.hotels):
        return Report(
            venue,
            "rooming",
            h.rooming_list(venue, hosp.hotels, hosp.allocations, hosp.crews, hosp.dates),
            None,
        )
    return Report(venue, "meals", None, h.meal_list(venue, hosp.meals, hosp.guests(), hosp.crews, hosp.dates))


def render(hosp: Hospitality, r: Report, fmt: str) -> bytes:
    if fmt not in FORMATS:
        raise InvalidInput("report", "format", fmt, "csv or pdf")
    made = f"made {to_datetime(now_us(), hosp.event.timezone):%a %-d %b %Y %H:%M} ({hosp.event.timezone})"
    if r.rooming is not None:
        if fmt == "csv":
            return paper.rooming_csv(r.rooming).encode()
        return paper.rooming_pdf(hosp.event.name, r.rooming, made)
    assert r.meals is not None
    if fmt == "csv":
        return paper.meal_csv(r.meals).encode()
    return paper.meal_pdf(hosp.event.name, r.meals, made)


def report_file(db: Database, name: str, fmt: str) -> tuple[str, bytes]:
    """(file name, bytes) of a venue's list."""
    with db.unit_of_work() as uow:
        hosp = load(uow)
        r = report(hosp, name)
        data = render(hosp, r, fmt)
    slug = "".join(c if c.isalnum() else "-" for c in r.venue.lower()).strip("-")
    return f"{r.kind}-{slug}.{fmt}", data


def mark_sent(db: Database, name: str, by: str) -> str:
    """Record that a venue's list was sent now (its lines kept, to list the changes after)."""
    with db.unit_of_work() as uow:
        hosp = load(uow)
        r = report(hosp, name)
        uow.hospitality.record_sent(hosp.row.id, r.venue, r.kind, r.lines(), by, now_us())
        return f"the {'rooming' if r.kind == 'rooming' else 'meal'} list of {r.venue} is marked sent"


def last_sent(uow: UnitOfWork) -> dict[str, h.SentReport]:
    return {s.venue: s for s in uow.hospitality.sent(events.event_row(uow).id)}


def changes(uow: UnitOfWork, hosp: Hospitality) -> list[Changes]:
    """For every venue whose list was sent, what differs now (venues without a change left out)."""
    out = []
    for venue, sent in last_sent(uow).items():
        try:
            r = report(hosp, venue)
        except InvalidInput:
            continue
        found = h.changes(sent.lines, r.lines())
        if found:
            out.append(Changes(venue, r.kind, sent, tuple(found)))
    return out
