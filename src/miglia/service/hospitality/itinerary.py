"""Each crew's itinerary: every day its own start time (its time card: the day's first start plus its place
in start-number order), its lunch, the car show, its hotel (the one it was given, with its room type) and
its dinner, with addresses and times; as a page, a PDF, plain text and an iCalendar feed.

The feed is fetched by a phone's calendar without logging in: its address carries a per-crew secret token
(`feed_token`), made once, random (32 bytes), and only shown to the crew and staff.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from miglia.domain import hospitality as h
from miglia.domain.errors import InvalidInput
from miglia.domain.event import ControlKind, Day, StopKind
from miglia.domain.timecard import EventPlan, start_order, time_card
from miglia.formats import hospitality_pdf as paper
from miglia.service.clock import now_us, to_datetime
from miglia.service.event import events
from miglia.service.hospitality.hotels import Hospitality, load
from miglia.store.db import Database
from miglia.store.unit_of_work import UnitOfWork

FORMATS = ("ics", "pdf", "text")
_STOP_KINDS = {StopKind.LUNCH: "lunch", StopKind.FUEL: "fuel", StopKind.CAR_SHOW: "car_show"}


@dataclass(frozen=True)
class Itinerary:
    event: str
    slug: str
    timezone: str
    start_no: int
    car: str
    crew: str
    days: tuple[h.ItineraryDay, ...]


def build(uow: UnitOfWork, start_no: int, hosp: Hospitality | None = None) -> Itinerary:
    hosp = hosp or load(uow)
    entries = events.entries(uow, hosp.row.id)
    entry = next((e for e in entries if e.start_no == start_no and e.accepted), None)
    if entry is None:
        raise events.NotFound(f"start_no = {start_no}: no accepted car with this start number")
    event = hosp.event
    card = time_card(EventPlan.build(event), start_no, start_order(entries)[start_no])
    guests = hosp.guests()
    crew = hosp.crews[start_no]
    rooms = {a.night: a for a in hosp.allocations if a.start_no == start_no}
    days = []
    for index, day in enumerate(event.days):
        items = [
            h.ItineraryItem(
                kind="start",
                label="Start",
                name=_start_place(day),
                at=to_datetime(card.day_start_us[index], event.timezone).time().replace(tzinfo=None),
                detail=f"your start time (car {start_no}); the first car starts at {day.first_start:%H:%M}",
            )
        ]
        lunches = [v for v in hosp.meals if v.day == day.number and start_no in guests.get(v.id, ())]
        for stop in sorted(day.stops, key=lambda s: (s.km is None, s.km or 0)):
            kind = _STOP_KINDS.get(stop.kind)
            if kind is None or kind == "lunch":
                continue
            items.append(
                h.ItineraryItem(
                    kind=kind,
                    label=stop.kind.label,
                    name=stop.name,
                    address=stop.address,
                    at=stop.opens,
                    until=stop.closes,
                    detail=stop.description,
                    lat=stop.lat,
                    lon=stop.lon,
                )
            )
        for v in lunches:
            items.append(_meal(v, crew))
        room = rooms.get(day.number)
        if room is not None:
            hotel = hosp.venue(room.venue_id)
            items.append(
                h.ItineraryItem(
                    kind="hotel",
                    label="Hotel",
                    name=hotel.name,
                    address=hotel.address,
                    at=hotel.opens,
                    detail=f"{room.room_type} room"
                    + (f"; check-in from {hotel.opens:%H:%M}" if hotel.opens else ""),
                    lat=hotel.lat,
                    lon=hotel.lon,
                )
            )
        elif any(v.day == day.number for v in hosp.hotels):
            stop_hotel = next(v for v in hosp.hotels if v.day == day.number)
            items.append(
                h.ItineraryItem(
                    kind="hotel",
                    label="Hotel",
                    name=stop_hotel.name,
                    address=stop_hotel.address,
                    detail="your room is not allocated yet",
                )
            )
        km = {stop.name: float(stop.km) for stop in day.stops if stop.km is not None}
        items.sort(key=lambda i: _route_order(i, km))
        days.append(h.ItineraryDay(number=day.number, date=day.date, title=day.title, items=tuple(items)))
    return Itinerary(
        event=event.name,
        slug=event.slug,
        timezone=event.timezone,
        start_no=start_no,
        car=f"Car {start_no} · {entry.car.title}",
        crew=crew.names,
        days=tuple(days),
    )


def _start_place(day: Day) -> str:
    """Where the day starts: its start control's description ("Start: Nob Hill" gives "Nob Hill"), else
    its name."""
    start = next((c for c in day.controls if c.kind is ControlKind.START), None)
    if start is None:
        return day.title
    return start.description.removeprefix("Start: ").strip() or start.name


_RANK = {"start": 0, "lunch": 1, "fuel": 1, "car_show": 1, "hotel": 2, "dinner": 3}


def _route_order(item: h.ItineraryItem, km: dict[str, float]) -> tuple[int, float, dt.time]:
    """Start; then the stops along the route (by km; a lunch not on the route by its time); the hotel;
    dinner."""
    at = item.at or dt.time(23, 59)
    if item.name in km and item.kind != "hotel":
        return (1, km[item.name], at)
    return (_RANK.get(item.kind, 1), float("inf"), at)


def _meal(v: h.Venue, crew: h.Crew) -> h.ItineraryItem:
    choices = [f"{p.name.split()[0]}: {c}" for p, c in zip(crew.people, crew.choices(v.id), strict=True) if c]
    return h.ItineraryItem(
        kind=v.kind.value,
        label=v.kind.label,
        name=v.name,
        address=v.address,
        at=v.opens,
        until=v.closes,
        detail=", ".join(choices),
        lat=v.lat,
        lon=v.lon,
    )


def itinerary(db: Database, start_no: int) -> Itinerary:
    with db.unit_of_work() as uow:
        return build(uow, start_no)


def render(it: Itinerary, fmt: str) -> bytes:
    if fmt == "text":
        return paper.itinerary_text(it.event, it.car, it.crew, it.days).encode()
    if fmt == "pdf":
        return paper.itinerary_pdf(it.event, it.car, it.crew, it.days, it.timezone)
    if fmt == "ics":
        return paper.itinerary_ics(
            uid_prefix=f"{it.slug}-car{it.start_no}",
            event=it.event,
            car=it.car,
            days=it.days,
            zone_name=it.timezone,
            stamp=to_datetime(now_us(), "UTC"),
        )
    raise InvalidInput("itinerary", "format", fmt, "ics, pdf or text")


def itinerary_file(db: Database, start_no: int, fmt: str) -> bytes:
    if fmt not in FORMATS:
        raise InvalidInput("itinerary", "format", fmt, "ics, pdf or text")
    return render(itinerary(db, start_no), fmt)


def feed_token(db: Database, start_no: int) -> str:
    """The crew's calendar token, made the first time it is asked for."""
    with db.unit_of_work() as uow:
        row = events.event_row(uow)
        if not any(e.start_no == start_no and e.accepted for e in events.entries(uow, row.id)):
            raise events.NotFound(f"start_no = {start_no}: no accepted car with this start number")
        token = uow.hospitality.feed_token(row.id, start_no)
        if token is None:
            token = secrets.token_urlsafe(32)
            uow.hospitality.add_feed_token(row.id, start_no, token, now_us())
        return token


def feed(db: Database, token: str) -> tuple[int, bytes]:
    """(start number, .ics) of a calendar token; an unknown token is not found."""
    with db.unit_of_work() as uow:
        found = uow.hospitality.car_of_token(token) if 20 <= len(token) <= 64 else None
        row = events.event_row(uow)
        if found is None or found[0] != row.id:
            raise events.NotFound(
                "calendar: there is no such calendar (the address is wrong or was replaced)"
            )
        return found[1], render(build(uow, found[1]), "ics")
