"""Use cases of hotels and meals: the venues (the event's hotel and lunch stops, the hotels and dinners the
organiser adds), the rooms by type, the crews' needs, the allocation (automatic, then by hand).

Every use case takes the database (one transaction) or a unit of work, checks its input first and changes
nothing when it refuses (`InvalidInput`, naming the field and the value).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from miglia.domain import hospitality as h
from miglia.domain.errors import InvalidInput
from miglia.domain.event import Event, StopKind
from miglia.service.clock import now_us
from miglia.service.event import events
from miglia.store.db import Database
from miglia.store.records import EventRecord
from miglia.store.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Hospitality:
    """Everything the hospitality pages, reports and itineraries read, in one go. Only accepted crews: a
    car withdrawn after it was given a room drops off the lists and its room is free again."""

    row: EventRecord
    event: Event
    crews: dict[int, h.Crew]
    venues: list[h.Venue]
    blocks: list[h.RoomBlock]
    allocations: list[h.Allocation]

    @property
    def hotels(self) -> list[h.Venue]:
        return [v for v in self.venues if v.kind is h.VenueKind.HOTEL]

    @property
    def meals(self) -> list[h.Venue]:
        return [v for v in self.venues if v.kind is not h.VenueKind.HOTEL]

    @property
    def dates(self) -> dict[int, dt.date]:
        return {d.number: d.date for d in self.event.days}

    def venue(self, venue_id: int) -> h.Venue:
        found = next((v for v in self.venues if v.id == venue_id), None)
        if found is None:
            raise events.NotFound(f"venue {venue_id}: there is no such venue")
        return found

    def rooms(self, venue_id: int) -> dict[h.RoomType, int]:
        return {b.room_type: b.count for b in self.blocks if b.venue_id == venue_id}

    def given(self, venue_id: int) -> dict[h.RoomType, int]:
        out: dict[h.RoomType, int] = {}
        for a in self.allocations:
            if a.venue_id == venue_id:
                out[a.room_type] = out.get(a.room_type, 0) + 1
        return out

    def unhoused(self) -> list[h.Unhoused]:
        """Crews without a room on a night, and why (what automatic allocation would not house)."""
        return list(
            h.allocate(self.hotels, self.blocks, list(self.crews.values()), self.allocations).unhoused
        )

    def guests(self) -> dict[int, tuple[int, ...]]:
        return h.meal_guests(self.meals, list(self.crews.values()))

    def names(self) -> list[str]:
        """Each venue's name once, in the order of the days."""
        return list(dict.fromkeys(v.name for v in self.venues))


def ensure_venues(uow: UnitOfWork) -> None:
    """The event's hotel and lunch stops as venues (each day's hotel is that night's), once."""
    row = events.event_row(uow)
    event = events.event_of(row)
    have = {(v.day, v.kind, v.name) for v in uow.hospitality.venues(row.id)}
    kinds = {StopKind.HOTEL: h.VenueKind.HOTEL, StopKind.LUNCH: h.VenueKind.LUNCH}
    for day in event.days:
        for stop in day.stops:
            kind = kinds.get(stop.kind)
            if kind is None or (day.number, kind, stop.name) in have:
                continue
            have.add((day.number, kind, stop.name))
            venue = h.Venue(
                day=day.number,
                kind=kind,
                name=stop.name,
                address=stop.address,
                opens=stop.opens,
                closes=stop.closes,
                from_stop=True,
                lat=stop.lat,
                lon=stop.lon,
            )
            uow.hospitality.add_venue_once(row.id, venue, "event file", now_us())


def load(uow: UnitOfWork, *, lock: bool = False) -> Hospitality:
    """Everything at once; `lock` (for a use case that gives rooms) first holds the event's venues, so two
    at once never give the same room."""
    ensure_venues(uow)
    row = events.event_row(uow)
    if lock:
        uow.hospitality.lock(row.id)
    needs = uow.hospitality.needs(row.id)
    crews = {
        e.start_no: h.Crew(
            start_no=e.start_no, driver=e.crew.driver, co_driver=e.crew.co_driver, needs=needs.get(e.start_no)
        )
        for e in events.entries(uow, row.id)
        if e.accepted
    }
    return Hospitality(
        row=row,
        event=events.event_of(row),
        crews=crews,
        venues=uow.hospitality.venues(row.id),
        blocks=uow.hospitality.blocks(row.id),
        allocations=[a for a in uow.hospitality.allocations(row.id) if a.start_no in crews],
    )


def overview(db: Database) -> Hospitality:
    with db.unit_of_work() as uow:
        return load(uow)


# -- venues and rooms ---------------------------------------------------------------------------------


def _day(event: Event, day: int) -> int:
    if not any(d.number == day for d in event.days):
        raise InvalidInput("venue", "day", day, f"the event has days 1 to {len(event.days)}")
    return day


def add_venue(
    db: Database,
    *,
    day: int,
    kind: str,
    name: str,
    address: str = "",
    opens: str = "",
    closes: str = "",
    seats: str = "",
    menu: str = "",
    by: str,
) -> h.Venue:
    """A hotel added on a night (when the stop's is not enough) or a dinner (or another lunch) on a day."""
    with db.unit_of_work() as uow:
        hosp = load(uow)
        try:
            the_kind = h.VenueKind(kind)
        except ValueError:
            raise InvalidInput("venue", "kind", kind, "hotel, lunch or dinner") from None
        where = f"new {the_kind.value}"
        venue = h.Venue(
            day=_day(hosp.event, day),
            kind=the_kind,
            name=h.check_name(where, "name", name),
            address=address.strip()[: h.MAX_TEXT],
            opens=h.check_time(where, "opens", opens),
            closes=h.check_time(where, "closes", closes),
            seats=_seats(where, seats),
            menu=h.check_menu(where, menu),
        )
        if any((v.day, v.kind, v.name) == (venue.day, venue.kind, venue.name) for v in hosp.venues):
            raise InvalidInput(where, "name", venue.name, f"day {day} already has a {kind} of this name")
        vid = uow.hospitality.add_venue(hosp.row.id, venue, by, now_us())
        return replace(venue, id=vid)


def _seats(where: str, text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or not 0 < int(text) <= 5000:
        raise InvalidInput(where, "seats", text, "a whole number of seats from 1 to 5000, or empty")
    return int(text)


def change_meal(
    db: Database, venue_id: int, *, seats: str, menu: str, opens: str, closes: str, by: str
) -> h.Venue:
    """A lunch's or dinner's seats, menu choices and times."""
    with db.unit_of_work() as uow:
        hosp = load(uow)
        venue = hosp.venue(venue_id)
        where = f"{venue.kind.value} {venue.name}, day {venue.day}"
        if venue.kind is h.VenueKind.HOTEL:
            raise InvalidInput(where, "venue", venue.name, "a hotel has rooms, not seats and menus")
        checked_menu = h.check_menu(where, menu)
        o, c = h.check_time(where, "opens", opens), h.check_time(where, "closes", closes)
        uow.hospitality.change_meal(
            venue_id,
            seats=_seats(where, seats),
            menu=checked_menu,
            opens="" if o is None else o.strftime("%H:%M"),
            closes="" if c is None else c.strftime("%H:%M"),
        )
        return venue


def set_rooms(
    db: Database, venue_id: int, counts: Mapping[str, str], by: str, *, nights: Sequence[int] = ()
) -> int:
    """The rooms of a hotel by type ({"twin": "12", ...}; a type left out keeps its count). `nights` also
    gives the same rooms to the hotel of the same name on those nights (created there if the night has
    none of that name). Returns the number of hotel-nights changed."""
    with db.unit_of_work() as uow:
        hosp = load(uow, lock=True)
        venue = hosp.venue(venue_id)
        if venue.kind is not h.VenueKind.HOTEL:
            raise InvalidInput(venue.name, "venue", venue.name, "only a hotel has rooms")
        blocks: list[h.RoomBlock] = []
        for key, text in counts.items():
            try:
                room_type = h.RoomType(key)
            except ValueError:
                raise InvalidInput(venue.name, "room type", key, "single, double, twin or suite") from None
            text = text.strip()
            if text == "":
                continue
            if not text.isdigit():
                raise InvalidInput(venue.name, f"{key} rooms", text, "a whole number of rooms")
            blocks.append(h.RoomBlock(venue_id=venue_id, room_type=room_type, count=int(text)))
        targets = [venue]
        for night in sorted(set(nights) - {venue.day}):
            _day(hosp.event, night)
            other = next((v for v in hosp.hotels if v.day == night and v.name == venue.name), None)
            if other is None:
                vid = uow.hospitality.add_venue(
                    hosp.row.id,
                    replace(venue, id=0, day=night, from_stop=False),
                    by,
                    now_us(),
                )
                other = replace(venue, id=vid, day=night, from_stop=False)
            targets.append(other)
        for target in targets:
            mine = [h.RoomBlock(venue_id=target.id, room_type=b.room_type, count=b.count) for b in blocks]
            h.check_blocks(target, mine, hosp.allocations)
            for b in mine:
                uow.hospitality.set_rooms(target.id, b.room_type, b.count, by, now_us())
        return len(targets)


# -- needs ------------------------------------------------------------------------------------------


def record_needs(
    db: Database,
    start_no: int,
    *,
    room: str = "",
    driver_diet: str = "",
    driver_allergies: str = "",
    co_driver_diet: str = "",
    co_driver_allergies: str = "",
    menu: Mapping[int, tuple[str, str]] | None = None,
    by: str,
) -> h.Needs:
    """A crew's needs as the organiser records them (the application form will later fill them)."""
    with db.unit_of_work() as uow:
        hosp = load(uow)
        where = f"car {start_no}"
        if start_no not in hosp.crews:
            raise events.NotFound(f"start_no = {start_no}: no accepted car with this start number")
        try:
            room_type = h.RoomType(room) if room else None
        except ValueError:
            raise InvalidInput(
                where, "room", room, "single, double, twin or suite (or no preference)"
            ) from None
        diets = []
        for field_name, value in (("driver_diet", driver_diet), ("co_driver_diet", co_driver_diet)):
            try:
                diets.append(h.Diet(value))
            except ValueError:
                raise InvalidInput(
                    where, field_name, value, "vegetarian, vegan, gluten_free or none"
                ) from None
        for field_name, value in (
            ("driver_allergies", driver_allergies),
            ("co_driver_allergies", co_driver_allergies),
        ):
            if len(value) > h.MAX_TEXT:
                raise InvalidInput(where, field_name, value[:40] + "…", f"at most {h.MAX_TEXT} characters")
        checked: dict[int, tuple[str, str]] = {}
        for vid, choices in (menu or {}).items():
            venue = hosp.venue(vid)
            for person, choice in zip(("driver", "co_driver"), choices, strict=True):
                if choice and choice not in venue.menu:
                    raise InvalidInput(
                        where,
                        f"{person}'s menu at {venue.name}",
                        choice,
                        "choose one of: " + ", ".join(venue.menu),
                    )
            if any(choices):
                checked[vid] = (choices[0], choices[1])
        needs = h.Needs(
            start_no=start_no,
            room=room_type,
            driver_diet=diets[0],
            driver_allergies=driver_allergies.strip(),
            co_driver_diet=diets[1],
            co_driver_allergies=co_driver_allergies.strip(),
            menu=checked,
            by=by,
            at_us=now_us(),
        )
        uow.hospitality.record_needs(hosp.row.id, needs)
        return needs


def _end_withdrawn(uow: UnitOfWork, hosp: Hospitality, by: str, at_us: int) -> None:
    """End the rooms of cars no longer accepted before giving theirs to others (if such a car comes back,
    it is allocated again like any crew without a room)."""
    for a in uow.hospitality.allocations(hosp.row.id):
        if a.start_no not in hosp.crews:
            uow.hospitality.end_allocation(a.id, f"{by} (car withdrawn)", at_us)


def history(uow: UnitOfWork, start_no: int) -> list[h.Allocation]:
    """Every allocation of a car, the ended ones too (who moved it, when), in the order made."""
    every = uow.hospitality.allocations(events.event_row(uow).id, live=False)
    return sorted((a for a in every if a.start_no == start_no), key=lambda a: a.id)


# -- allocation -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Allocated:
    made: int
    unhoused: tuple[h.Unhoused, ...]

    @property
    def text(self) -> str:
        out = f"{self.made} rooms allocated"
        if self.unhoused:
            out += f"; {len(self.unhoused)} crew-nights without a room (not enough rooms)"
        return out


def allocate(db: Database, by: str, *, again: bool = False) -> Allocated:
    """Give every crew without a room one each night; `again` first ends the automatic allocations (those
    made by hand stay)."""
    with db.unit_of_work() as uow:
        hosp = load(uow, lock=True)
        at = now_us()
        _end_withdrawn(uow, hosp, by, at)
        kept = hosp.allocations
        if again:
            for a in kept:
                if a.how == "auto":
                    uow.hospitality.end_allocation(a.id, by, at)
            kept = [a for a in kept if a.how != "auto"]
        plan = h.allocate(hosp.hotels, hosp.blocks, list(hosp.crews.values()), kept)
        made = [replace(a, by=by, at_us=at) for a in plan.allocations]
        uow.hospitality.add_allocations(hosp.row.id, made)
        return Allocated(len(made), plan.unhoused)


def move(
    db: Database, *, start_no: int, night: int, venue_id: int, room_type: str, by: str, why: str = ""
) -> str:
    """Move a crew by hand to another room type or hotel on a night (who/when kept; the old allocation is
    ended, not changed)."""
    with db.unit_of_work() as uow:
        hosp = load(uow, lock=True)
        where = f"car {start_no}, night {night}"
        if start_no not in hosp.crews:
            raise events.NotFound(f"start_no = {start_no}: no accepted car with this start number")
        try:
            the_type = h.RoomType(room_type)
        except ValueError:
            raise InvalidInput(where, "room_type", room_type, "single, double, twin or suite") from None
        h.check_move(
            hosp.hotels,
            hosp.blocks,
            hosp.allocations,
            night=night,
            start_no=start_no,
            venue_id=venue_id,
            room_type=the_type,
        )
        at = now_us()
        _end_withdrawn(uow, hosp, by, at)
        old = next((a for a in hosp.allocations if a.night == night and a.start_no == start_no), None)
        if old is not None and not uow.hospitality.end_allocation(old.id, by, at):
            raise InvalidInput(where, "allocation", old.id, "someone moved this crew meanwhile: look again")
        hotel = hosp.venue(venue_id)
        was = f" (was {old.room_type} at {hosp.venue(old.venue_id).name})" if old else ""
        reason = (why.strip()[: h.MAX_TEXT] or "moved by hand") + was
        uow.hospitality.add_allocations(
            hosp.row.id,
            [
                h.Allocation(
                    night=night,
                    start_no=start_no,
                    venue_id=venue_id,
                    room_type=the_type,
                    reason=reason,
                    how="hand",
                    by=by,
                    at_us=at,
                )
            ],
        )
        return f"car {start_no}, night {night}: {the_type} at {hotel.name}{was}"
