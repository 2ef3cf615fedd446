"""The public pages answer with the event's real content."""

from __future__ import annotations

from fastapi.testclient import TestClient

from miglia.store.db import Database
from miglia.web.app import create_app


def client(db: Database) -> TestClient:
    return TestClient(create_app(db, tile_url=""))


def test_home_shows_days_schedule_and_stops(small_db: Database) -> None:
    page = client(small_db).get("/")
    assert page.status_code == 200
    html = page.text
    assert "<h1>Sonoma Test Run</h1>" in html
    assert "Day 1 · Sunday 26 April · Sonoma loop" in html
    assert "first car 08:00" in html
    assert "The Girl &amp; the Fig" in html and "11:30 – 13:30" in html
    assert "3 cars" in html  # the 1959 Corvette is refused


def test_entry_list_shows_cars_and_the_refusal(small_db: Database) -> None:
    html = client(small_db).get("/entries").text
    assert "1930 Alfa Romeo 6C 1750 Gran Sport" in html
    assert "Anna Rossi / Bea Conti" in html
    assert "built in 1959, after 1957" in html


def test_routes_geojson_has_the_route_controls_and_stops(small_db: Database) -> None:
    data = client(small_db).get("/api/routes.geojson").json()
    roles = [f["properties"]["role"] for f in data["features"]]
    assert roles.count("route") == 1 and roles.count("control") == 6 and roles.count("stop") == 1
    line = data["features"][0]["geometry"]["coordinates"]
    assert line[0] == [-122.458, 38.2919]


def test_no_event_yet_is_a_clear_page(sqlite_url: str) -> None:
    page = client(Database(sqlite_url)).get("/")
    assert page.status_code == 404
    assert "no event in the database; import one" in page.text
