"""Hotels and meals: where each crew sleeps every night and eats every lunch and dinner, and the lists the
hotels and restaurants are sent.

- A *night* is a day of the event with a hotel: the hotel stop of day N (from the event file) is night N.
  The organiser gives each hotel its rooms by type (`RoomBlock`: single, double, twin, suite, a count) and
  may add other hotels on a night when one is not enough (`Venue`, kind hotel).
- Meal venues are the lunch stops of each day and the dinners the organiser adds; each may have a number of
  seats, menu choices and its times.
- A crew's needs (`Needs`): the room type it asks for, each person's diet (vegetarian, vegan, gluten-free)
  and allergies (free text), and each person's menu choice at each meal venue.

Allocation (`allocate`) gives every crew that needs one a room each night: first every crew the type it
asks for while any is left (in start-number order, hotels in their order: the event's hotel stop first),
then the others the nearest type left (`NEAREST`), with the reason recorded. Allocations already made
(by hand, or by an earlier run) are kept. A crew that finds no room is listed (`Unhoused`) with why. A room
is never given twice: on a night, the allocations of a hotel's type never outnumber its rooms.

Reports (`rooming_list`, `meal_list`) are made from the allocation; the lines of a report as sent are kept,
and `changes` lists what differs since ("car 12, night 2: moved from twin to double").

Everything here is pure: the use cases (service/hospitality/) read, ask these functions, and write.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from miglia.domain.errors import InvalidInput


class RoomType(StrEnum):
    SINGLE = "single"
    DOUBLE = "double"
    TWIN = "twin"
    SUITE = "suite"


NEAREST: Mapping[RoomType, tuple[RoomType, ...]] = {
    RoomType.SINGLE: (RoomType.SINGLE, RoomType.DOUBLE, RoomType.TWIN, RoomType.SUITE),
    RoomType.DOUBLE: (RoomType.DOUBLE, RoomType.SUITE, RoomType.TWIN, RoomType.SINGLE),
    RoomType.TWIN: (RoomType.TWIN, RoomType.DOUBLE, RoomType.SUITE, RoomType.SINGLE),
    RoomType.SUITE: (RoomType.SUITE, RoomType.DOUBLE, RoomType.TWIN, RoomType.SINGLE),
}
"""For a crew asking for a type, the types it is given, best first, when its own is gone."""


class Diet(StrEnum):
    NONE = ""
    VEGETARIAN = "vegetarian"
    VEGAN = "vegan"
    GLUTEN_FREE = "gluten_free"

    @property
    def label(self) -> str:
        return {"": "no special diet", "vegetarian": "vegetarian", "vegan": "vegan"}.get(
            self.value, "gluten-free"
        )


class VenueKind(StrEnum):
    HOTEL = "hotel"
    LUNCH = "lunch"
    DINNER = "dinner"

    @property
    def label(self) -> str:
        return self.value.capitalize()


MAX_NAME = 200
MAX_TEXT = 500
MAX_ROOMS = 2000
MAX_CHOICES = 12


@dataclass(frozen=True, kw_only=True)
class Venue:
    """A hotel on a night, or a lunch or dinner on a day. `id` is 0 until stored."""

    id: int = 0
    day: int
    kind: VenueKind
    name: str
    address: str = ""
    opens: dt.time | None = None
    closes: dt.time | None = None
    seats: int | None = None
    """Meals: the seats (None: as many as come)."""
    menu: tuple[str, ...] = ()
    """Meals: the menu choices, e.g. ("Beef", "Fish", "Risotto")."""
    from_stop: bool = False
    """Taken from the event file's stop of the day (hotel or lunch), not added by the organiser."""
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True, kw_only=True)
class RoomBlock:
    """`count` rooms of one type at one hotel (a `Venue` of kind hotel, which is one night)."""

    id: int = 0
    venue_id: int
    room_type: RoomType
    count: int


@dataclass(frozen=True, kw_only=True)
class Person:
    name: str
    diet: Diet = Diet.NONE
    allergies: str = ""


@dataclass(frozen=True, kw_only=True)
class Needs:
    """What a crew asked for: a room type (None: no preference), each person's diet and allergies, each
    person's menu choice by meal venue id (driver's, co-driver's)."""

    start_no: int
    room: RoomType | None = None
    driver_diet: Diet = Diet.NONE
    driver_allergies: str = ""
    co_driver_diet: Diet = Diet.NONE
    co_driver_allergies: str = ""
    menu: Mapping[int, tuple[str, str]] = field(default_factory=dict)
    by: str = ""
    at_us: int = 0


@dataclass(frozen=True, kw_only=True)
class Crew:
    """An accepted entry as hospitality sees it."""

    start_no: int
    driver: str
    co_driver: str = ""
    needs: Needs | None = None

    @property
    def names(self) -> str:
        return " / ".join(n for n in (self.driver, self.co_driver) if n)

    @property
    def people(self) -> tuple[Person, ...]:
        n = self.needs
        out = [
            Person(
                name=self.driver,
                diet=n.driver_diet if n else Diet.NONE,
                allergies=n.driver_allergies if n else "",
            )
        ]
        if self.co_driver:
            out.append(
                Person(
                    name=self.co_driver,
                    diet=n.co_driver_diet if n else Diet.NONE,
                    allergies=n.co_driver_allergies if n else "",
                )
            )
        return tuple(out)

    @property
    def request(self) -> RoomType | None:
        return self.needs.room if self.needs else None

    @property
    def wanted(self) -> RoomType:
        """The type looked for first: the one asked for; without a preference, single for one person and
        double for two."""
        if self.request is not None:
            return self.request
        return RoomType.SINGLE if not self.co_driver else RoomType.DOUBLE

    def choices(self, venue_id: int) -> tuple[str, ...]:
        """Each person's menu choice at the venue ("" when not chosen)."""
        got = self.needs.menu.get(venue_id, ("", "")) if self.needs else ("", "")
        return tuple(got[i] if i < len(got) else "" for i in range(len(self.people)))


@dataclass(frozen=True, kw_only=True)
class Allocation:
    """Car `start_no` sleeps in a room of `room_type` at hotel `venue_id` on `night`. Ended (who, when)
    when the crew is moved: the move is a new allocation, the old one kept."""

    id: int = 0
    night: int
    start_no: int
    venue_id: int
    room_type: RoomType
    reason: str = ""
    how: str = "auto"
    """auto or hand."""
    by: str = ""
    at_us: int = 0
    ended_us: int | None = None
    ended_by: str = ""

    @property
    def live(self) -> bool:
        return self.ended_us is None


@dataclass(frozen=True)
class Unhoused:
    night: int
    start_no: int
    reason: str


@dataclass(frozen=True)
class Plan:
    allocations: tuple[Allocation, ...]
    """The new allocations to store (those kept are not repeated)."""
    unhoused: tuple[Unhoused, ...]


def nights(hotels: Iterable[Venue]) -> list[int]:
    return sorted({v.day for v in hotels if v.kind is VenueKind.HOTEL})


def _ordered_hotels(hotels: Iterable[Venue], night: int) -> list[Venue]:
    """A night's hotels: the event's hotel stop first, then those added, in the order added."""
    found = [v for v in hotels if v.kind is VenueKind.HOTEL and v.day == night]
    return sorted(found, key=lambda v: (not v.from_stop, v.id))


def rooms_left(
    hotels: Sequence[Venue], blocks: Iterable[RoomBlock], allocations: Iterable[Allocation], night: int
) -> dict[tuple[int, RoomType], int]:
    """(hotel id, type) -> rooms not given on `night`, hotels in their order."""
    ids = [v.id for v in _ordered_hotels(hotels, night)]
    left: dict[tuple[int, RoomType], int] = {}
    for vid in ids:
        for b in blocks:
            if b.venue_id == vid:
                left[(vid, b.room_type)] = left.get((vid, b.room_type), 0) + b.count
    for a in allocations:
        if a.live and a.night == night and (a.venue_id, a.room_type) in left:
            left[(a.venue_id, a.room_type)] -= 1
    return left


def _take(left: dict[tuple[int, RoomType], int], room_type: RoomType) -> int | None:
    for (vid, t), n in left.items():
        if t is room_type and n > 0:
            left[(vid, t)] = n - 1
            return vid
    return None


def allocate(
    hotels: Sequence[Venue],
    blocks: Sequence[RoomBlock],
    crews: Sequence[Crew],
    kept: Sequence[Allocation] = (),
) -> Plan:
    """A room each night for every crew without one (see the module's notes); `kept` are the live
    allocations already made, which stay as they are."""
    made: list[Allocation] = []
    unhoused: list[Unhoused] = []
    ordered = sorted(crews, key=lambda c: c.start_no)
    for night in nights(hotels):
        left = rooms_left(hotels, blocks, kept, night)
        housed = {a.start_no for a in kept if a.live and a.night == night}
        waiting = [c for c in ordered if c.start_no not in housed]
        later: list[Crew] = []
        for crew in waiting:
            vid = _take(left, crew.wanted)
            if vid is None:
                later.append(crew)
            else:
                made.append(
                    Allocation(night=night, start_no=crew.start_no, venue_id=vid, room_type=crew.wanted)
                )
        for crew in later:
            for room_type in NEAREST[crew.wanted][1:]:
                vid = _take(left, room_type)
                if vid is not None:
                    asked = (
                        f"asked for {crew.wanted}" if crew.request else f"{crew.wanted} for {_persons(crew)}"
                    )
                    made.append(
                        Allocation(
                            night=night,
                            start_no=crew.start_no,
                            venue_id=vid,
                            room_type=room_type,
                            reason=f"{asked}; no {crew.wanted} room left on night {night}; given {room_type}",
                        )
                    )
                    break
            else:
                rooms = sum(
                    b.count for b in blocks if b.venue_id in {v.id for v in _ordered_hotels(hotels, night)}
                )
                unhoused.append(
                    Unhoused(
                        night,
                        crew.start_no,
                        f"no room left on night {night}: {rooms} rooms for {len(ordered)} crews",
                    )
                )
    return Plan(tuple(made), tuple(unhoused))


def _persons(crew: Crew) -> str:
    return "one person" if not crew.co_driver else "two people"


def check_move(
    hotels: Sequence[Venue],
    blocks: Sequence[RoomBlock],
    allocations: Sequence[Allocation],
    *,
    night: int,
    start_no: int,
    venue_id: int,
    room_type: RoomType,
) -> None:
    """Refuse a move by hand that would give a room twice or put a crew where there is no hotel."""
    where = f"car {start_no}, night {night}"
    hotel = next((v for v in hotels if v.id == venue_id and v.kind is VenueKind.HOTEL), None)
    if hotel is None:
        raise InvalidInput(where, "hotel", venue_id, "there is no such hotel")
    if hotel.day != night:
        raise InvalidInput(where, "hotel", hotel.name, f"it is the hotel of night {hotel.day}, not {night}")
    others = [a for a in allocations if not (a.live and a.night == night and a.start_no == start_no)]
    left = rooms_left(hotels, blocks, others, night)
    if left.get((venue_id, room_type), 0) <= 0:
        raise InvalidInput(where, "room_type", room_type.value, f"no {room_type} room left at {hotel.name}")


def check_blocks(hotel: Venue, blocks: Sequence[RoomBlock], allocations: Sequence[Allocation]) -> None:
    """Refuse fewer rooms of a type than crews already given one."""
    for b in blocks:
        if not 0 <= b.count <= MAX_ROOMS:
            raise InvalidInput(hotel.name, f"{b.room_type} rooms", b.count, f"give 0 to {MAX_ROOMS}")
        given = sum(
            1
            for a in allocations
            if a.live and a.night == hotel.day and a.venue_id == hotel.id and a.room_type is b.room_type
        )
        if b.count < given:
            raise InvalidInput(
                hotel.name,
                f"{b.room_type} rooms",
                b.count,
                f"{given} crews already have one on night {hotel.day}: move them first",
            )


# -- meals -----------------------------------------------------------------------------------------------


def meal_guests(venues: Sequence[Venue], crews: Sequence[Crew]) -> dict[int, tuple[int, ...]]:
    """Meal venue id -> the start numbers eating there. Every crew eats at every meal of its day; when a day
    has several venues of one kind, crews fill them in order by their seats (start-number order), and the
    last one takes whoever is left."""
    out: dict[int, tuple[int, ...]] = {}
    groups: dict[tuple[int, VenueKind], list[Venue]] = {}
    for v in venues:
        if v.kind is not VenueKind.HOTEL:
            groups.setdefault((v.day, v.kind), []).append(v)
    ordered = sorted(crews, key=lambda c: c.start_no)
    for group in groups.values():
        group.sort(key=lambda v: (not v.from_stop, v.id))
        queue = list(ordered)
        for i, v in enumerate(group):
            if i == len(group) - 1 or v.seats is None:
                taken, queue = queue, []
            else:
                taken, seats = [], v.seats
                while queue and len(queue[0].people) <= seats:
                    seats -= len(queue[0].people)
                    taken.append(queue.pop(0))
            out[v.id] = tuple(c.start_no for c in taken)
    return out


# -- reports ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportLine:
    key: str
    """What the line is about, e.g. "car 12, night 2"."""
    value: str
    """What it says of it, e.g. "twin"; compared when listing the changes since a report was sent."""


@dataclass(frozen=True, kw_only=True)
class RoomingRow:
    night: int
    date: dt.date
    hotel: str
    start_no: int
    crew: str
    room_type: RoomType


@dataclass(frozen=True, kw_only=True)
class RoomingList:
    hotel: str
    rows: tuple[RoomingRow, ...]

    def counts(self) -> dict[int, Counter[RoomType]]:
        """Night -> rooms of each type."""
        out: dict[int, Counter[RoomType]] = {}
        for r in self.rows:
            out.setdefault(r.night, Counter())[r.room_type] += 1
        return out

    def lines(self) -> list[ReportLine]:
        return [ReportLine(f"car {r.start_no}, night {r.night}", r.room_type.value) for r in self.rows]


def rooming_list(
    name: str,
    hotels: Sequence[Venue],
    allocations: Iterable[Allocation],
    crews: Mapping[int, Crew],
    dates: Mapping[int, dt.date],
) -> RoomingList:
    """Every live allocation at the hotels called `name` (one venue a night), by night and start number."""
    ids = {v.id: v for v in hotels if v.kind is VenueKind.HOTEL and v.name == name}
    rows = [
        RoomingRow(
            night=a.night,
            date=dates[a.night],
            hotel=name,
            start_no=a.start_no,
            crew=crews[a.start_no].names if a.start_no in crews else f"car {a.start_no}",
            room_type=a.room_type,
        )
        for a in allocations
        if a.live and a.venue_id in ids
    ]
    return RoomingList(hotel=name, rows=tuple(sorted(rows, key=lambda r: (r.night, r.start_no))))


@dataclass(frozen=True, kw_only=True)
class MealRow:
    start_no: int
    name: str
    choice: str
    diet: Diet
    allergies: str


@dataclass(frozen=True, kw_only=True)
class MealService:
    """One meal at one venue: a day's lunch or dinner."""

    venue: Venue
    date: dt.date
    rows: tuple[MealRow, ...]

    @property
    def covers(self) -> int:
        return len(self.rows)

    @property
    def choices(self) -> Counter[str]:
        return Counter(r.choice or "not chosen" for r in self.rows)

    @property
    def diets(self) -> Counter[Diet]:
        return Counter(r.diet for r in self.rows if r.diet is not Diet.NONE)

    @property
    def allergies(self) -> list[MealRow]:
        return [r for r in self.rows if r.allergies]

    @property
    def over_seats(self) -> int:
        return 0 if self.venue.seats is None else max(0, self.covers - self.venue.seats)


@dataclass(frozen=True, kw_only=True)
class MealList:
    venue: str
    services: tuple[MealService, ...]

    def lines(self) -> list[ReportLine]:
        out: list[ReportLine] = []
        for s in self.services:
            when = f"day {s.venue.day} {s.venue.kind.value}"
            out.append(ReportLine(f"{when}: covers", str(s.covers)))
            for r in s.rows:
                value = ", ".join(x for x in (r.choice, r.diet.label if r.diet else "", r.allergies) if x)
                out.append(ReportLine(f"{when}: car {r.start_no}, {r.name}", value or "no special needs"))
        return out


def meal_list(
    name: str,
    venues: Sequence[Venue],
    guests: Mapping[int, Sequence[int]],
    crews: Mapping[int, Crew],
    dates: Mapping[int, dt.date],
) -> MealList:
    """The meal list of the venues called `name` (one a meal), each person a row."""
    services = []
    for v in sorted((v for v in venues if v.name == name and v.kind is not VenueKind.HOTEL), key=_meal_order):
        rows = []
        for n in guests.get(v.id, ()):
            crew = crews[n]
            for person, choice in zip(crew.people, crew.choices(v.id), strict=True):
                rows.append(
                    MealRow(
                        start_no=n,
                        name=person.name,
                        choice=choice,
                        diet=person.diet,
                        allergies=person.allergies,
                    )
                )
        services.append(MealService(venue=v, date=dates[v.day], rows=tuple(rows)))
    return MealList(venue=name, services=tuple(services))


def _meal_order(v: Venue) -> tuple[int, int, int]:
    return (v.day, 0 if v.kind is VenueKind.LUNCH else 1, v.id)


@dataclass(frozen=True, kw_only=True)
class SentReport:
    """A venue's list as it was marked sent."""

    id: int
    venue: str
    kind: str
    """rooming or meals."""
    lines: tuple[ReportLine, ...]
    sent_by: str
    sent_us: int


def changes(sent: Sequence[ReportLine], now: Sequence[ReportLine]) -> list[str]:
    """What differs between a report as it was sent and as it is now, one sentence a line."""
    before = {x.key: x.value for x in sent}
    after = {x.key: x.value for x in now}
    out: list[str] = []
    for key, value in after.items():
        if key not in before:
            out.append(f"{key}: added ({value})")
        elif before[key] != value:
            out.append(
                f"{key}: moved from {before[key]} to {value}"
                if ", night" in key
                else f"{key}: {before[key]} → {value}"
            )
    out.extend(
        f"{key}: no longer on the list (was {value})" for key, value in before.items() if key not in after
    )
    return out


# -- the itinerary -----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ItineraryItem:
    kind: str
    """start, lunch, car_show, fuel, hotel, dinner."""
    label: str
    name: str
    address: str = ""
    at: dt.time | None = None
    until: dt.time | None = None
    detail: str = ""
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True, kw_only=True)
class ItineraryDay:
    number: int
    date: dt.date
    title: str
    items: tuple[ItineraryItem, ...]


def check_time(where: str, field_name: str, text: str) -> dt.time | None:
    """A time of day typed as HH:MM ("" for none)."""
    text = text.strip()
    if not text:
        return None
    try:
        return dt.time.fromisoformat(text)
    except ValueError:
        raise InvalidInput(where, field_name, text, "write a time of day as HH:MM, e.g. 19:30") from None


def check_name(where: str, field_name: str, text: str, limit: int = MAX_NAME) -> str:
    text = text.strip()
    if not text:
        raise InvalidInput(where, field_name, text, "required")
    if len(text) > limit:
        raise InvalidInput(where, field_name, text[:40] + "…", f"at most {limit} characters")
    return text


def check_menu(where: str, text: str) -> tuple[str, ...]:
    """Menu choices typed one a line (or separated by commas)."""
    parts = [p.strip() for p in text.replace("\n", ",").split(",")]
    choices = tuple(dict.fromkeys(p for p in parts if p))
    if len(choices) > MAX_CHOICES:
        raise InvalidInput(where, "menu", text[:40], f"at most {MAX_CHOICES} choices")
    for c in choices:
        if len(c) > 80:
            raise InvalidInput(where, "menu", c[:40] + "…", "a choice has at most 80 characters")
    return choices
