"""The car show's placards and the certificates of the prize-giving.

The show is the event's stop of kind `car_show` (the last one when there are several); every accepted
car stands there. A placard's QR code opens the car's show page on a spectator's phone, so it needs the
site's public address (the organiser's `--url`, or the address the console was opened at).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from miglia.domain.entries import Entry
from miglia.domain.event import Day, Event, Stop, StopKind
from miglia.formats import show_pdf
from miglia.service.awards import juries
from miglia.service.event import events
from miglia.service.timing import results
from miglia.store.db import Database


@dataclass(frozen=True)
class Show:
    day: Day
    stop: Stop

    @property
    def title(self) -> str:
        return f"{self.stop.name} · {self.day.date:%A %-d %B %Y}"


def show_of(event: Event) -> Show | None:
    """The event's car show (the last stop of kind car_show), if it has one."""
    found = [Show(d, s) for d in event.days for s in d.stops if s.kind is StopKind.CAR_SHOW]
    return found[-1] if found else None


def car_url(base_url: str, start_no: int) -> str:
    return f"{base_url.rstrip('/')}/show/cars/{start_no}"


def facts(entry: Entry) -> list[str]:
    """The short facts a placard and the show page give under the car's name."""
    car = entry.car
    out = [f"Class {entry.class_name}"] if entry.class_name else []
    if car.displacement_cc:
        out.append(f"{car.displacement_cc:,} cc")
    if car.chassis:
        out.append(f"Chassis {car.chassis}")
    return out


def crew_line(entry: Entry) -> str:
    crew = entry.crew
    return f"{crew.driver} and {crew.co_driver}" if crew.co_driver else crew.driver


def placards_pdf(db: Database, base_url: str, start_nos: Sequence[int] | None = None) -> bytes:
    """One A5 placard per accepted car (or per car asked for), in start order."""
    with db.unit_of_work() as uow:
        row = events.event_row(uow)
        event = events.event_of(row)
        entries = [e for e in events.entries(uow, row.id) if e.accepted]
    if start_nos is not None:
        wanted = set(start_nos)
        entries = [e for e in entries if e.start_no in wanted]
        if not entries:
            raise events.NotFound(f"car {', '.join(map(str, start_nos))}: no accepted car with this number")
    show = show_of(event)
    where = show.title if show is not None else "Car show"
    return show_pdf.placards(
        [
            show_pdf.Placard(
                event=event.name,
                show=where,
                start_no=e.start_no,
                car=e.car.title,
                crew=crew_line(e),
                facts=facts(e),
                story=e.car.story,
                url=car_url(base_url, e.start_no),
            )
            for e in entries
        ]
    )


def participation_pdf(db: Database, start_no: int | None = None) -> bytes:
    """A certificate of participation per crew (or for one car): the event, the car, the crew and, where
    the event is ranked and the results are published, its final place overall; with the event's logo."""
    with db.unit_of_work() as uow:
        scored = results.score(uow)
        ranked = scored.rules.ranked and events.results_published(uow)
        final = events.event_row(uow).results_final_us is not None
    event = scored.event
    logo = db.media.logo(event.slug)
    overall = scored.board.overall() if ranked else None
    entries = [
        e for e in scored.entries.values() if e.accepted and (start_no is None or e.start_no == start_no)
    ]
    if not entries:
        raise events.NotFound(f"car {start_no}: no accepted car with this number")
    docs = []
    for e in sorted(entries, key=lambda e: e.start_no):
        lines = [f"took part with car number {e.start_no} in {event.name}, {_dates(event)}."]
        place = overall.position_of(e.start_no) if overall is not None else None
        if place is not None:
            word = "Final place" if final else "Place (provisional results)"
            lines.append(f"{word} overall: {place} of {len(overall.standings) if overall else 0}.")
        docs.append(
            show_pdf.Certificate(
                event=event.name,
                title="Certificate of participation",
                awarded_to=crew_line(e),
                car=e.car.title,
                lines=lines,
                signed=f"The organisers of {event.name}",
                logo=logo,
            )
        )
    return show_pdf.certificates(docs)


def award_pdf(db: Database, award_id: int | None = None) -> bytes:
    """A certificate per winner of each revealed award (or of one award): the award, what it is for, the
    crew, the car and, in quotes, the jurors' reasons; with the event's logo. Nothing of an award not yet
    revealed at the prize-giving."""
    with db.unit_of_work() as uow:
        event = events.event_of(events.event_row(uow))
        winners = [w for w in juries.revealed_winners(uow) if award_id is None or w.award_id == award_id]
    if not winners:
        raise events.NotFound("no revealed award has winners yet: certificates are made after the reveal")
    logo = db.media.logo(event.slug)
    docs = []
    for w in winners:
        lines = [w.description] if w.description else []
        lines += [f"“{reason}”" for reason in w.reasons[:3]]
        docs.append(
            show_pdf.Certificate(
                event=event.name,
                title=w.award_name,
                awarded_to=f"{w.driver} and {w.co_driver}" if w.co_driver else w.driver,
                car=f"{w.car}, car number {w.start_no}" if w.car else f"Car number {w.start_no}",
                lines=lines,
                signed=f"The organisers of {event.name}, {_dates(event)}",
                logo=logo,
            )
        )
    return show_pdf.certificates(docs)


def _dates(event: Event) -> str:
    first, last = event.days[0].date, event.days[-1].date
    if first == last:
        return f"{first:%-d %B %Y}"
    return (
        f"{first:%-d} to {last:%-d %B %Y}"
        if first.month == last.month
        else f"{first:%-d %B} to {last:%-d %B %Y}"
    )
