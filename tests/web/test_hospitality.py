"""Hotels and meals on the web: the organiser's pages (rooms, a dinner, needs, allocation, a move, the
lists and the changes since one was sent), roles (a crew sees only its own itinerary), CSRF, bad input
flashed with nothing changed, and the calendar feed by its secret token without a login."""

from __future__ import annotations

import re

import icalendar

from miglia.service.hospitality import hotels
from miglia.store.db import Database
from tests.web.helpers import client_for, login


def _flash(page: str) -> list[str]:
    return [
        m.strip()
        for m in re.findall(r'class="notice (?:good|bad)" role="(?:status|alert)">(.*?)</p>', page, re.S)
    ]


def _hotel(db: Database) -> int:
    v = hotels.add_venue(
        db, day=1, kind="hotel", name="Hotel Sonoma", address="1 Plaza", opens="15:00", by="olga"
    )
    return v.id


def test_the_organiser_sets_rooms_adds_a_dinner_records_needs_allocates_and_moves(staff: Database) -> None:
    hotel_id = _hotel(staff)
    client = client_for(staff)
    token = login(client, "olga")
    page = client.get("/organiser/hospitality")
    assert page.status_code == 200 and "Hotel Sonoma" in page.text and "The Girl &amp; the Fig" in page.text
    done = client.post(
        f"/organiser/hospitality/venues/{hotel_id}/rooms", data={"csrf": token, "double": "2", "twin": "1"}
    )
    assert _flash(done.text) == ["rooms saved for 1 night"]
    bad = client.post(f"/organiser/hospitality/venues/{hotel_id}/rooms", data={"csrf": token, "twin": "x"})
    assert _flash(bad.text) == ["Not saved: Hotel Sonoma: twin rooms = &#39;x&#39;: a whole number of rooms"]
    dinner = client.post(
        "/organiser/hospitality/venues",
        data={
            "csrf": token,
            "kind": "dinner",
            "day": "1",
            "name": "Dinner at the Mission",
            "opens": "19:30",
            "menu": "Beef\nFish",
            "seats": "40",
        },
    )
    assert _flash(dinner.text) == ["Dinner Dinner at the Mission added on day 1"]
    late = client.post(
        "/organiser/hospitality/venues",
        data={"csrf": token, "kind": "dinner", "day": "1", "name": "Late", "opens": "half past seven"},
    )
    assert "opens = &#39;half past seven&#39;: write a time of day as HH:MM" in _flash(late.text)[0]
    dinner_id = next(v.id for v in hotels.overview(staff).meals if v.name == "Dinner at the Mission")
    needs = client.post(
        "/organiser/hospitality/crews/2/needs",
        data={
            "csrf": token,
            "room": "twin",
            "driver_diet": "vegan",
            "co_driver_allergies": "nuts",
            f"menu-{dinner_id}-driver": "Fish",
            f"menu-{dinner_id}-co_driver": "Beef",
        },
    )
    assert _flash(needs.text) == ["car 2: needs saved"]
    assert 'value="nuts"' in needs.text
    allocated = client.post("/organiser/hospitality/allocate", data={"csrf": token})
    assert _flash(allocated.text) == ["3 rooms allocated"]
    moved = client.post(
        "/organiser/hospitality/crews/2/move",
        data={"csrf": token, "night": "1", "venue_id": str(hotel_id), "room_type": "double", "why": "asked"},
    )
    assert _flash(moved.text) == [
        "Not saved: car 2, night 1: room_type = &#39;double&#39;: no double room left at Hotel Sonoma"
    ]
    sent = client.post("/organiser/hospitality/report/sent", data={"csrf": token, "venue": "Hotel Sonoma"})
    assert _flash(sent.text) == ["the rooming list of Hotel Sonoma is marked sent"]
    client.post(f"/organiser/hospitality/venues/{hotel_id}/rooms", data={"csrf": token, "double": "3"})
    client.post(
        "/organiser/hospitality/crews/2/move",
        data={"csrf": token, "night": "1", "venue_id": str(hotel_id), "room_type": "double"},
    )
    page = client.get("/organiser/hospitality")
    assert "Since the rooming list went to Hotel Sonoma on" in page.text
    assert "car 2, night 1: moved from twin to double" in page.text
    csv = client.get(
        "/organiser/hospitality/report", params={"venue": "Dinner at the Mission", "format": "csv"}
    )
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "Carl Meyer,Fish,vegan," in csv.text and "Dora Meyer,Beef,,nuts" in csv.text
    pdf = client.get("/organiser/hospitality/report", params={"venue": "Hotel Sonoma", "format": "pdf"})
    assert pdf.content.startswith(b"%PDF")
    assert client.get("/organiser/hospitality/crews/2").status_code == 200


def test_writes_need_the_csrf_token_and_the_organiser(staff: Database) -> None:
    _hotel(staff)
    client = client_for(staff)
    login(client, "olga")
    assert client.post("/organiser/hospitality/allocate", data={}).status_code == 403
    assert hotels.overview(staff).allocations == []
    crew = client_for(staff)
    token = login(crew, "crew1")
    assert crew.get("/organiser/hospitality").status_code == 403
    assert crew.post("/organiser/hospitality/allocate", data={"csrf": token}).status_code == 403
    anon = client_for(staff)
    assert anon.get("/organiser/hospitality", follow_redirects=False).status_code in (303, 307)


def test_a_crew_sees_only_its_own_itinerary_and_staff_any(staff: Database) -> None:
    _hotel(staff)
    crew = client_for(staff)
    login(crew, "crew1")
    assert crew.get("/crew/itinerary", follow_redirects=False).headers["location"] == "/cars/1/itinerary"
    page = crew.get("/cars/1/itinerary")
    assert page.status_code == 200 and "Your itinerary" in page.text and "08:00 Start" in page.text
    assert "The Girl &amp; the Fig" in page.text
    assert crew.get("/cars/1/itinerary.pdf").content.startswith(b"%PDF")
    assert crew.get("/cars/1/itinerary.ics").text.startswith("BEGIN:VCALENDAR")
    for path in ("/cars/2/itinerary", "/cars/2/itinerary.pdf", "/cars/2/itinerary.ics"):
        assert crew.get(path).status_code == 403, path
    assert 'href="/cars/1/itinerary"' in crew.get("/cars/1/private").text
    tim = client_for(staff)
    login(tim, "tim")
    assert tim.get("/cars/2/itinerary").status_code == 200
    anon = client_for(staff)
    assert anon.get("/cars/1/itinerary.ics", follow_redirects=False).status_code in (303, 307)


def test_the_calendar_feed_needs_only_its_token(staff: Database) -> None:
    _hotel(staff)
    crew = client_for(staff)
    login(crew, "crew2")
    page = crew.get("/cars/2/itinerary").text
    url = re.search(r'<input id="feed-url" readonly value="([^"]+)"', page)
    assert url is not None and "webcal://" in page
    path = url.group(1).split("testserver", 1)[1]
    anon = client_for(staff)
    feed = anon.get(path)
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    assert feed.headers["cache-control"] == "private, no-store"
    cal = icalendar.Calendar.from_ical(feed.content)
    assert "Car 2" in str(cal["x-wr-calname"])
    assert [str(e["summary"]) for e in cal.walk("VEVENT")][:2] == [
        "Start: D1-START",
        "Lunch: The Girl & the Fig",
    ]
    assert anon.get(path.replace(".ics", "x.ics")).status_code == 404
    assert anon.get("/calendar/short.ics").status_code == 404
