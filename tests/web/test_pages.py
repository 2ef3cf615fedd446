"""The public pages answer with the event's real content: schedule, entry list with its search and
filters, a car's page with its time card, the results; unpublished results stay hidden from the public."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from miglia.service.timing import marshal
from miglia.store.db import Database
from miglia.store.models import EventRow
from miglia.web.app import create_app
from tests.tracking.helpers import token


def client(db: Database) -> TestClient:
    return TestClient(create_app(db, tile_url=""))


def cars_listed(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<li class="car card" data-start-no="(\d+)">', html)]


CAR_2 = [
    ("D1-START", "", "08:01:00"),
    ("D1-PT1", "", "08:04:10.00"),
    ("D1-PT1", "finish", "08:04:31.37"),
    ("D1-TC1", "", "08:12:30"),
    ("D1-PC1", "", "08:14:00"),
    ("D1-SC1", "", "08:17:03.50"),
    ("D1-FINISH", "", "08:20:20"),
]


def record(db: Database, start_no: int, items: list[tuple[str, str, str]]) -> None:
    sent: list[Any] = [
        {
            "uuid": str(uuid.uuid4()),
            "start_no": start_no,
            "control": control,
            "line": line,
            "time": f"2026-04-26T{clock}-07:00",
        }
        for control, line, clock in items
    ]
    assert [o.status for o in marshal.record_passages(db, "marshal-test", sent)] == ["stored"] * len(items)


def publish(db: Database, published: bool = True) -> None:
    with db.unit_of_work() as uow:
        uow.session.execute(update(EventRow).values(results_published=published))


def test_home_shows_days_schedule_first_car_times_and_stops(small_db: Database) -> None:
    page = client(small_db).get("/")
    assert page.status_code == 200
    html = page.text
    assert "<h1>Sonoma Test Run</h1>" in html
    assert "Sunday 26 April · Sonoma loop" in html
    assert "first car 08:00" in html
    assert "first car due 08:10" in html  # car 1 starts 08:00, D1-TC1 is 10 min later
    assert "first car due 08:19" in html  # the finish, 6 km after TC1 at the set 40 km/h
    assert "target 21.00 s" in html
    assert "The Girl &amp; the Fig" in html and "11:30 – 13:30" in html
    assert "<dt>Lunch</dt><dd>The Girl &amp; the Fig</dd>" in html
    assert "<strong>3</strong> cars" in html  # the 1959 Corvette is refused
    assert "Presented by <strong>Test Garage</strong>" in html
    assert "D1-SC1" not in html  # secret checks are secret


def test_entry_list_shows_cars_and_the_refusal(small_db: Database) -> None:
    html = client(small_db).get("/entries").text
    assert cars_listed(html) == [1, 2, 3]
    assert "1930 Alfa Romeo 6C 1750 Gran Sport" in html
    assert "Anna Rossi / Bea Conti" in html
    assert "built in 1959, after 1957" in html
    assert '<a href="/cars/2" aria-label="Number 2: 1951 Jaguar XK120">1951 Jaguar XK120</a>' in html
    assert "3 cars accepted, 1 refused." in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=jaguar", [2]),
        ("q=JAGUAR+xk120", [2]),
        ("q=park", [3]),  # the crew's name
        ("q=3", [3]),  # a start number, not the "3" in "356A"
        ("q=%231", [1]),
        ("q=1951", [2]),  # a year
        ("q=porsche+meyer", []),
        ("class_name=Pre-war", [1]),
        ("class_name=1946-1957", [2, 3]),
        ("era=post-war", [2, 3]),
        ("era=pre-war", [1]),
        ("ladies=1", [1]),
        ("ladies=1&era=post-war", []),
        ("q=speedster&class_name=1946-1957", [3]),
    ],
)
def test_entry_search_and_filters(small_db: Database, query: str, expected: list[int]) -> None:
    html = client(small_db).get(f"/entries?{query}").text
    assert cars_listed(html) == expected
    if expected:
        assert f"{len(expected)} of 3 cars match" in html
    else:
        assert "No car matches." in html


def test_entry_search_refused_entries_are_searched_too(small_db: Database) -> None:
    html = client(small_db).get("/entries?q=corvette").text
    assert cars_listed(html) == []
    assert "Refused entries" in html and "built in 1959, after 1957" in html
    assert "Refused entries" not in client(small_db).get("/entries?q=jaguar").text


def test_entry_list_fragment_for_htmx(small_db: Database) -> None:
    page = client(small_db).get("/entries?q=alfa", headers={"HX-Request": "true"})
    assert page.status_code == 200
    assert page.text.lstrip().startswith('<div id="car-list" class="car-list">')
    assert "<html" not in page.text and cars_listed(page.text) == [1]
    full = client(small_db).get("/entries?q=alfa").text
    assert '<input id="q" name="q" type="search" value="alfa"' in full  # works without JavaScript


def test_car_page_time_card_when_published(small_db: Database) -> None:
    record(small_db, 2, CAR_2)
    publish(small_db)
    html = client(small_db).get("/cars/2").text
    assert "<h1>1951 Jaguar XK120</h1>" in html
    assert "Carl Meyer and Dora Meyer" in html
    assert "Team Cats" in html
    rows = re.findall(r'<tr class="status-([a-z-]+)" data-control="([^"]+)">(.*?)</tr>', html, re.S)
    cells = [
        (
            status,
            control,
            [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", body)],
        )
        for status, control, body in rows
    ]
    assert cells == [
        (
            "on-time",
            "D1-START",
            ["08:01:00", "08:01:00", "0.00 s", "0", "on time at start D1-START: 0 points"],
        ),
        (
            "late",
            "D1-PT1",
            [
                "target 21.00 s",
                "08:04:31.37",
                "+0.37 s",
                "37",
                "0.37 s late at timed trial D1-PT1: 37 points",
            ],
        ),
        (
            "late",
            "D1-TC1",
            [
                "08:11:00",
                "08:12:30",
                "+1 min 30.00 s",
                "100",
                "1 min late at time control D1-TC1: 100 points",
            ],
        ),
        ("passed", "D1-PC1", ["", "08:14:00", "", "0", "passed passage control D1-PC1"]),
        (
            "late",
            "D1-SC1",
            ["08:17:00", "08:17:03", "+3.00 s", "3", "3.00 s late at secret check D1-SC1: 3 points"],
        ),
        (
            "on-time",
            "D1-FINISH",
            ["08:20:00", "08:20:20", "+20.00 s", "0", "on time at finish D1-FINISH: 0 points"],
        ),
    ]
    assert '<dd id="position">1</dd>' in html
    assert "<dt>Penalty</dt><dd>140</dd>" in html
    # Its position after day 1: first, with 140 points before the coefficient.
    assert re.search(r'<th scope="row">Day 1</th>\s*<td class="num">1</td><td class="num">140</td>', html)


def test_unpublished_results_are_hidden_from_the_public(small_db: Database) -> None:
    record(small_db, 2, CAR_2)
    c = client(small_db)
    car = c.get("/cars/2").text
    assert "37 points" not in car and "08:12:30" not in car and 'id="position"' not in car
    assert "Times and penalties appear here when the timekeeper publishes the results." in car
    # The due times are public (the schedule and the start number fix them); the secret check is not.
    assert '<tr data-control="D1-TC1">' in car and "08:11:00" in car
    assert "D1-SC1" not in car
    results = c.get("/results").text
    assert "Results are not published yet." in results and "Jaguar" not in results
    assert "Jaguar" not in c.get("/results?partial=1").text
    publish(small_db)
    assert "1951 Jaguar XK120" in c.get("/results?partial=1").text


def test_results_tables_link_cars_and_have_one_section_per_classification(small_db: Database) -> None:
    record(small_db, 2, CAR_2)
    publish(small_db)
    html = client(small_db).get("/results").text
    titles = re.findall(r'<h2 id="[^"]+-title">([^<]+)</h2>', html)
    assert titles == [
        "Overall",
        "Class: 1946-1957",
        "Class: Pre-war",
        "Era: pre-war",
        "Era: post-war",
        "Ladies&#39; cup",
        "Teams",
    ]
    assert '<tr data-start-no="2">' in html and '<a href="/cars/2">1951 Jaguar XK120</a>' in html
    partial = client(small_db).get("/results", headers={"HX-Request": "true"}).text
    assert "<html" not in partial and partial.count('class="card classification"') == 7


def test_refused_entry_page_shows_the_refusal(small_db: Database) -> None:
    html = client(small_db).get("/cars/4").text
    assert "<h2>Entry refused</h2>" in html and "built in 1959, after 1957" in html
    assert 'id="map"' not in html and 'id="timecard"' not in html


def test_unknown_car_is_a_clear_404(small_db: Database) -> None:
    page = client(small_db).get("/cars/99")
    assert page.status_code == 404
    assert "no car with start number 99 in the entry list" in page.text
    assert client(small_db).get("/api/cars/99/track.geojson").status_code == 404


def test_car_track_from_stored_positions_by_day(small_db: Database) -> None:
    c = client(small_db)
    fixes = [
        {
            "timestamp": f"2026-04-26T15:{m:02d}:00Z",
            "coords": {"latitude": 38.2919 + m / 1000, "longitude": -122.458 + m / 1000},
        }
        for m in range(20)
    ]
    answer = c.post(
        "/ingest/osmand", json={"device_id": "dev-2", "location": fixes}, params={"token": token("dev-2")}
    )
    assert answer.json() == {"stored": 20, "duplicates": 0}
    data = c.get("/api/cars/2/track.geojson").json()
    assert len(data["features"]) == 1
    track = data["features"][0]
    assert track["properties"]["day"] == 1 and track["properties"]["positions"] == 20
    assert track["geometry"]["coordinates"][0] == [-122.458, 38.2919]
    assert track["geometry"]["coordinates"][-1] == [-122.439, 38.3109]
    assert c.get("/api/cars/1/track.geojson").json()["features"] == []


def test_routes_geojson_has_the_route_controls_and_stops_but_no_secret_check(small_db: Database) -> None:
    data = client(small_db).get("/api/routes.geojson").json()
    roles = [f["properties"]["role"] for f in data["features"]]
    assert roles.count("route") == 1 and roles.count("control") == 5 and roles.count("stop") == 1
    names = [f["properties"].get("name") for f in data["features"]]
    assert "D1-SC1" not in names and "D1-FINISH" in names
    line = data["features"][0]["geometry"]["coordinates"]
    assert line[0] == [-122.458, 38.2919]


def test_public_api_keeps_secret_checks_and_device_ids_private(small_db: Database) -> None:
    c = client(small_db)
    controls = [x["name"] for x in c.get("/api/event").json()["event"]["days"][0]["controls"]]
    assert controls == ["D1-START", "D1-PT1", "D1-TC1", "D1-PC1", "D1-FINISH"]
    entries = c.get("/api/entries").json()
    assert [e["start_no"] for e in entries] == [1, 2, 3, 4]
    assert all("device_id" not in e for e in entries)
    # The small list gives no coefficient parts: not known.
    assert {(e["car"]["displacement_cc"], e["car"]["category"], e["car"]["history"]) for e in entries} == {
        (None, None, "")
    }


def test_map_page_has_the_live_map_and_its_legend(small_db: Database) -> None:
    html = client(small_db).get("/map").text
    assert 'data-live="/live/stream"' in html and 'data-timezone="America/Los_Angeles"' in html
    for label in ("On route", "Stopped", "Off route", "Alert", "Finished"):
        assert f"{label} <b data-count=" in html
    assert '<script src="/static/js/live.js"></script>' in html


def test_no_event_yet_is_a_clear_page(sqlite_url: str) -> None:
    page = client(Database(sqlite_url)).get("/")
    assert page.status_code == 404
    assert "no event in the database; import one" in page.text


def _trial(start_no: int, start: str, finish: str) -> list[tuple[str, str, str]]:
    return [("D1-PT1", "", start), ("D1-PT1", "finish", finish)]


def test_standings_at_each_trial(small_db: Database) -> None:
    # PT1's target is 21.00 s: car 3 exact (0), car 1 0.02 s fast (2), car 2 0.37 s slow (37).
    record(small_db, 1, _trial(1, "08:03:10.00", "08:03:30.98"))
    record(small_db, 2, _trial(2, "08:04:10.00", "08:04:31.37"))
    record(small_db, 3, _trial(3, "08:05:10.00", "08:05:31.00"))
    hidden = client(small_db).get("/results/trials/D1-PT1")
    assert hidden.status_code == 200 and "Results are not published yet" in hidden.text
    publish(small_db)
    html = client(small_db).get("/results/trials/D1-PT1").text
    rows = re.findall(r'<tr data-start-no="(\d+)">(.*?)</tr>', html, re.S)
    table = [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", body)]
        for _, body in rows
    ]
    assert table == [
        ["1", "3", "1957 Porsche 356A Speedster", "0.00 s", "0"],
        ["2", "1", "1930 Alfa Romeo 6C 1750 Gran Sport", "-0.02 s", "2"],
        ["3", "2", "1951 Jaguar XK120", "+0.37 s", "37"],
    ]
    assert 'href="/results/trials/D1-SC1"' in html  # every trial and secret check has its page
    assert 'href="/results/trials/D1-PT1"' in client(small_db).get("/results").text
    assert client(small_db).get("/results/trials/D1-TC1").status_code == 404  # a time control ranks nobody


def test_two_cars_side_by_side(small_db: Database) -> None:
    record(small_db, 2, CAR_2)
    record(small_db, 1, _trial(1, "08:03:10.00", "08:03:30.98"))
    publish(small_db)
    html = client(small_db).get("/cars/2?with=1").text
    assert "Car 2 and car 1 (1930 Alfa Romeo 6C 1750 Gran Sport), control by control" in html
    table = html[html.index('id="side-by-side"') :]
    row = re.search(r'<tr data-control="D1-PT1">(.*?)</tr>', table, re.S)
    assert row is not None
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))]
    assert cells == ["08:04:31.37", "+0.37 s", "37", "08:03:30.98", "-0.02 s", "2"]
    assert "(the leader)" in client(small_db).get("/cars/2").text
    assert 'id="side-by-side"' not in client(small_db).get("/cars/2?with=99").text  # no such car: no table


def test_the_official_classification_pdf_once_published(small_db: Database) -> None:
    record(small_db, 2, CAR_2)
    assert client(small_db).get("/results/official.pdf").status_code == 404
    publish(small_db)
    answer = client(small_db).get("/results/official.pdf?day=1")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"] == 'inline; filename="classification-day-1.pdf"'
    assert answer.content.startswith(b"%PDF-")
    assert 'href="/results/official.pdf"' in client(small_db).get("/results").text
