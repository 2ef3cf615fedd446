"""Hotels, meals, reports and itineraries as use cases, on SQLite and PostgreSQL (the `db` fixture): the
small event (one day, a lunch stop, cars 1-3 accepted) with a hotel added for the night."""

from __future__ import annotations

import threading
from pathlib import Path

import icalendar
import pytest

from miglia.domain.errors import InvalidInput
from miglia.service.event import events
from miglia.service.hospitality import hotels, itinerary, reports
from miglia.store.db import Database
from tests.web.helpers import SMALL, with_event


def setup(db: Database) -> int:
    """The small event, a hotel for night 1 with 1 twin and 1 double, a menu at lunch; the hotel's id."""
    with_event(db)
    hotel = hotels.add_venue(
        db, day=1, kind="hotel", name="Hotel Sonoma", address="1 Plaza", opens="15:00", by="olga"
    )
    hotels.set_rooms(db, hotel.id, {"twin": "1", "double": "1"}, "olga")
    lunch = next(v for v in hotels.overview(db).meals)
    hotels.change_meal(
        db, lunch.id, seats="20", menu="Fig salad, Duck", opens="11:30", closes="13:30", by="olga"
    )
    return int(hotel.id)


def test_allocation_respects_requests_and_lists_the_crew_without_a_room(db: Database) -> None:
    setup(db)
    hotels.record_needs(db, 2, room="twin", driver_diet="vegan", by="olga")
    done = hotels.allocate(db, "olga")
    assert done.made == 2
    assert [(u.start_no, u.night) for u in done.unhoused] == [(3, 1)]
    got = {a.start_no: a for a in hotels.overview(db).allocations}
    assert got[2].room_type.value == "twin"
    assert got[1].room_type.value == "double" and got[1].by == "olga" and got[1].how == "auto"
    assert hotels.allocate(db, "olga").made == 0  # nothing given twice on a second run


def test_a_move_by_hand_ends_the_old_allocation_and_keeps_who_and_when(db: Database) -> None:
    hotel_id = setup(db)
    hotels.allocate(db, "olga")
    with pytest.raises(InvalidInput, match="no double room left at Hotel Sonoma"):
        hotels.move(db, start_no=2, night=1, venue_id=hotel_id, room_type="double", by="olga")
    hotels.set_rooms(db, hotel_id, {"double": "2"}, "olga")
    text = hotels.move(db, start_no=2, night=1, venue_id=hotel_id, room_type="double", by="olga", why="asked")
    assert text == "car 2, night 1: double at Hotel Sonoma (was twin at Hotel Sonoma)"
    with db.unit_of_work() as uow:
        every = uow.hospitality.allocations(events.event_row(uow).id, live=False)
    car2 = [a for a in every if a.start_no == 2]
    assert [(a.room_type.value, a.live) for a in car2] == [("twin", False), ("double", True)]
    assert car2[0].ended_by == "olga" and car2[1].how == "hand" and car2[1].reason.startswith("asked")


def test_bad_input_names_the_field_and_changes_nothing(db: Database) -> None:
    hotel_id = setup(db)
    before = hotels.overview(db)
    with pytest.raises(InvalidInput, match="twin rooms = 'many': a whole number of rooms"):
        hotels.set_rooms(db, hotel_id, {"double": "5", "twin": "many"}, "olga")
    with pytest.raises(InvalidInput, match="opens = '7pm'"):
        hotels.add_venue(db, day=1, kind="dinner", name="Dinner", opens="7pm", by="olga")
    with pytest.raises(InvalidInput, match="day = 9: the event has days 1 to 1"):
        hotels.add_venue(db, day=9, kind="dinner", name="Dinner", by="olga")
    lunch = before.meals[0]
    with pytest.raises(InvalidInput, match="driver's menu at The Girl & the Fig = 'Pizza'"):
        hotels.record_needs(db, 1, menu={lunch.id: ("Pizza", "")}, by="olga")
    with pytest.raises(InvalidInput, match="room = 'palace'"):
        hotels.record_needs(db, 1, room="palace", by="olga")
    after = hotels.overview(db)
    assert after.blocks == before.blocks and after.venues == before.venues
    assert all(c.needs is None for c in after.crews.values())


def test_reports_their_counts_and_the_changes_after_one_was_sent(db: Database) -> None:
    hotel_id = setup(db)
    lunch = hotels.overview(db).meals[0]
    hotels.record_needs(
        db,
        1,
        driver_diet="vegetarian",
        co_driver_allergies="nuts",
        menu={lunch.id: ("Duck", "Fig salad")},
        by="olga",
    )
    hotels.set_rooms(db, hotel_id, {"single": "1"}, "olga")
    hotels.allocate(db, "olga")
    name, csv_data = reports.report_file(db, "sonoma", "csv")
    assert name == "rooming-hotel-sonoma.csv"
    lines = csv_data.decode().splitlines()
    assert lines[0] == "hotel,night,date,start_no,guests,room_type"
    assert len(lines) == 1 + 3
    _, meals_csv = reports.report_file(db, "girl", "csv")
    rows = meals_csv.decode().splitlines()
    assert len(rows) == 1 + 6  # three crews of two
    assert "Anna Rossi,Duck,vegetarian," in rows[1]
    _, pdf = reports.report_file(db, "The Girl & the Fig", "pdf")
    assert pdf.startswith(b"%PDF")
    assert reports.mark_sent(db, "Hotel Sonoma", "olga") == "the rooming list of Hotel Sonoma is marked sent"
    hotels.set_rooms(db, hotel_id, {"twin": "2"}, "olga")
    car1 = next(a for a in hotels.overview(db).allocations if a.start_no == 1)
    hotels.move(db, start_no=1, night=1, venue_id=hotel_id, room_type="twin", by="olga")
    with db.unit_of_work() as uow:
        found = reports.changes(uow, hotels.load(uow))
    assert [c.lines for c in found] == [(f"car 1, night 1: moved from {car1.room_type} to twin",)]
    assert (
        found[0].heading("America/Los_Angeles").startswith("since the rooming list went to Hotel Sonoma on ")
    )
    with pytest.raises(InvalidInput, match="venue = 'Ritz': no venue of this name"):
        reports.report_file(db, "Ritz", "csv")


def test_the_itinerary_has_the_cars_own_start_time_its_lunch_and_its_hotel(db: Database) -> None:
    setup(db)
    hotels.allocate(db, "olga")
    it = itinerary.itinerary(db, 3)
    (day,) = it.days
    start = day.items[0]
    assert (start.kind, start.at.isoformat() if start.at else "") == (
        "start",
        "08:02:00",
    )  # third car, 1 min apart
    kinds = [i.kind for i in day.items]
    assert kinds == ["start", "lunch", "hotel"]
    text = itinerary.itinerary_file(db, 3, "text").decode()
    assert "08:02" in text and "11:30–13:30 Lunch: The Girl & the Fig" in text
    cal = icalendar.Calendar.from_ical(itinerary.itinerary_file(db, 1, "ics"))
    summaries = [str(e["summary"]) for e in cal.walk("VEVENT")]
    assert summaries == ["Start: D1-START", "Lunch: The Girl & the Fig", "Hotel: Hotel Sonoma"]
    first = cal.walk("VEVENT")[0]
    assert first.decoded("dtstart").isoformat() == "2026-04-26T08:00:00-07:00"
    assert itinerary.itinerary_file(db, 1, "pdf").startswith(b"%PDF")
    with pytest.raises(events.NotFound, match="start_no = 4"):
        itinerary.itinerary(db, 4)  # refused entry
    with pytest.raises(InvalidInput, match="format = 'doc'"):
        itinerary.itinerary_file(db, 1, "doc")


def test_the_calendar_token_is_made_once_and_finds_only_its_car(db: Database) -> None:
    setup(db)
    token = itinerary.feed_token(db, 2)
    assert itinerary.feed_token(db, 2) == token and len(token) >= 40
    assert itinerary.feed_token(db, 1) != token
    car, data = itinerary.feed(db, token)
    assert car == 2 and data.startswith(b"BEGIN:VCALENDAR")
    with pytest.raises(events.NotFound):
        itinerary.feed(db, token[:-2] + "xx")


def test_moves_at_once_to_the_last_room_give_it_once(db: Database) -> None:
    with_event(db)
    hotel = hotels.add_venue(db, day=1, kind="hotel", name="Hotel Sonoma", by="olga")
    hotels.set_rooms(db, hotel.id, {"double": "3", "twin": "1"}, "olga")
    hotels.record_needs(db, 1, room="double", by="olga")
    hotels.allocate(db, "olga")  # cars 1-3 in doubles? car 1 asked double; 2 and 3 want double too
    assert all(a.room_type.value == "double" for a in hotels.overview(db).allocations)
    barrier = threading.Barrier(3)
    outcomes: list[str] = []

    def move(car: int) -> None:
        barrier.wait()
        try:
            hotels.move(db, start_no=car, night=1, venue_id=hotel.id, room_type="twin", by=f"p{car}")
            outcomes.append("moved")
        except Exception as exc:  # refused, or a busy writer
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=move, args=(car,)) for car in (1, 2, 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    twins = [a for a in hotels.overview(db).allocations if a.room_type.value == "twin"]
    assert len(twins) <= 1, outcomes
    assert outcomes.count("moved") == len(twins)
    assert len(hotels.overview(db).allocations) == 3  # nobody lost their room


def test_first_openings_at_once_copy_the_stops_once(db: Database) -> None:
    with_event(db)
    barrier = threading.Barrier(4)
    problems: list[str] = []

    def open_it() -> None:
        barrier.wait()
        try:
            hotels.overview(db)
        except Exception as exc:  # a busy SQLite writer may refuse; a duplicate venue must not happen
            problems.append(type(exc).__name__)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert "IntegrityError" not in problems
    assert [v.name for v in hotels.overview(db).venues] == ["The Girl & the Fig"]


def test_a_withdrawn_car_drops_off_the_lists_and_frees_its_room(db: Database, tmp_path: Path) -> None:
    setup(db)
    hotels.allocate(db, "olga")
    assert [u.start_no for u in hotels.overview(db).unhoused()] == [3]
    entries = tmp_path / "entries.csv"
    lines = (SMALL / "entries.csv").read_text().splitlines()
    entries.write_text("\n".join(line for line in lines if not line.startswith("1,")) + "\n")
    events.import_entries(db, entries)
    hosp = hotels.overview(db)
    assert 1 not in hosp.crews and all(a.start_no != 1 for a in hosp.allocations)
    assert hotels.allocate(db, "olga").made == 1
    _, csv_data = reports.report_file(db, "Hotel Sonoma", "csv")
    assert [line.split(",")[3] for line in csv_data.decode().splitlines()[1:]] == ["2", "3"]
    events.import_entries(db, SMALL / "entries.csv")  # car 1 is back: its old room was ended, not revived
    hosp = hotels.overview(db)
    assert 1 in hosp.crews and all(a.start_no != 1 for a in hosp.allocations)
    assert [u.start_no for u in hosp.unhoused()] == [1]
