"""The demo's hospitality (California Mille: 70 crews, four days, a hotel and a lunch each day): rooms of
mixed types at each night's hotel, a second hotel on the third night (the Fairmont alone is too small, so
the allocation spills over), a menu at every lunch, a farewell dinner, some crews' room requests and
dietary needs; then the automatic allocation. The lead engineer wires it into service/demo.py."""

from __future__ import annotations

from miglia.domain import hospitality as h
from miglia.service.hospitality import hotels
from miglia.store.db import Database

BY = "organiser"
_ROOMS = {
    # night -> rooms by type at the stop's hotel
    1: {"double": "40", "twin": "24", "suite": "6", "single": "4"},
    2: {"double": "36", "twin": "26", "suite": "8", "single": "4"},
    3: {"double": "30", "twin": "14", "suite": "4", "single": "2"},
    4: {"double": "42", "twin": "24", "suite": "10", "single": "2"},
}
_SECOND = ("MacArthur Place Hotel", "29 E MacArthur St, Sonoma, CA 95476", {"double": "16", "twin": "8"})
_MENUS = (
    "Burger, Veggie burger, Ahi tuna",
    "Coq au vin, Sea bass, Mushroom risotto",
    "Lasagne, Chicken Marsala, Eggplant parmigiana",
    "Clam chowder & fish, Steak, Vegetable tagine",
)


def seed_demo_hospitality(db: Database) -> str:
    """Rooms, meals, needs and the allocation of the demo; a one-line summary."""
    hosp = hotels.overview(db)
    for v in hosp.hotels:
        if v.from_stop:
            hotels.set_rooms(db, v.id, _ROOMS.get(v.day, _ROOMS[1]), BY)
    name, address, rooms = _SECOND
    spill = 3 if any(d.number == 3 for d in hosp.event.days) else hosp.event.days[-1].number
    second = hotels.add_venue(db, day=spill, kind="hotel", name=name, address=address, opens="15:00", by=BY)
    hotels.set_rooms(db, second.id, rooms, BY)
    lunches = [v for v in hosp.meals if v.kind is h.VenueKind.LUNCH and v.from_stop]
    for v, choices in zip(sorted(lunches, key=lambda v: v.day), _MENUS, strict=False):
        hotels.change_meal(
            db,
            v.id,
            seats="160",
            menu=choices,
            opens=v.opens.strftime("%H:%M") if v.opens else "12:00",
            closes=v.closes.strftime("%H:%M") if v.closes else "",
            by=BY,
        )
    last = max(d.number for d in hosp.event.days)
    dinner = hotels.add_venue(
        db,
        day=last,
        kind="dinner",
        name="Farewell dinner, Cavallo Point",
        address="601 Murray Circle, Sausalito, CA 94965",
        opens="19:30",
        closes="23:00",
        seats="150",
        menu="Dungeness crab, Filet mignon, Wild mushroom ravioli",
        by=BY,
    )
    menus = {v.id: v.menu for v in hotels.overview(db).meals}
    diets = ("", "", "", "vegetarian", "", "vegan", "", "gluten_free", "", "")
    requests = ("", "twin", "", "double", "suite", "", "twin", "", "single", "")
    crews = sorted(hosp.crews.values(), key=lambda c: c.start_no)
    for i, crew in enumerate(crews):
        menu = {
            vid: (m[i % len(m)], m[(i + 1) % len(m)] if crew.co_driver else "")
            for vid, m in menus.items()
            if m
        }
        hotels.record_needs(
            db,
            crew.start_no,
            room=requests[i % len(requests)],
            driver_diet=diets[i % len(diets)],
            driver_allergies="shellfish" if i % 17 == 3 else "",
            co_driver_diet=diets[(i + 4) % len(diets)] if crew.co_driver else "",
            co_driver_allergies="nuts" if i % 13 == 5 and crew.co_driver else "",
            menu=menu,
            by=BY,
        )
    done = hotels.allocate(db, BY)
    return (
        f"hospitality: {len(hosp.hotels) + 1} hotel-nights (a second hotel on night {spill}, {second.name}), "
        f"{len(lunches)} lunches and a farewell dinner ({dinner.name}) with menus, {len(crews)} crews' needs;"
        f" {done.text}"
    )
