"""The organiser's console: uploads with their errors, controls, accounts, results, the alerts board."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from miglia.service.accounts import users
from miglia.service.event import events
from miglia.service.timing import marshal as marshal_service
from miglia.store.db import Database
from miglia.store.models import AlertRow, EntryRow, EventRow
from tests.web.helpers import client_for, login, make_user

SMALL = Path(__file__).resolve().parents[1] / "data" / "small"


def organiser(db: Database) -> tuple[TestClient, str]:
    client = client_for(db)
    return client, login(client, "olga")


def test_a_fresh_install_imports_the_event_and_the_entries_by_upload(db: Database) -> None:
    make_user(db, "olga", "organiser")
    client, token = organiser(db)
    console = client.get("/organiser").text
    assert "No event yet" in console and "Import the entries" in console
    answer = client.post(
        "/organiser/event",
        data={"csrf": token},
        files=[
            ("event_file", ("event.toml", (SMALL / "event.toml").read_bytes(), "application/toml")),
            ("route_files", ("day1.gpx", (SMALL / "day1.gpx").read_bytes(), "application/gpx+xml")),
        ],
    )
    assert answer.status_code == 200, answer.text
    assert "Imported Sonoma Test Run: 1 days, 6 controls." in answer.text
    answer = client.post(
        "/organiser/entries",
        data={"csrf": token},
        files={"entries_file": ("entries.csv", (SMALL / "entries.csv").read_bytes(), "text/csv")},
    )
    assert "Imported 4 entries: 3 accepted, 1 refused." in answer.text
    with db.unit_of_work() as uow:
        assert len(events.entries(uow, events.event_row(uow).id)) == 4


def test_a_broken_entries_file_shows_its_line_and_changes_nothing(staff: Database) -> None:
    client, token = organiser(staff)
    broken = (SMALL / "entries.csv").read_text() + "5,Ida,,MG,TC,nineteen47,1,x,dev-5,,no\n"
    answer = client.post(
        "/organiser/entries",
        data={"csrf": token},
        files={"entries_file": ("my entries.csv", broken, "text/csv")},
    )
    assert answer.status_code == 400
    assert "The entries were not imported; nothing changed." in answer.text
    assert (
        "my_entries.csv:6: year = &#39;nineteen47&#39;" in answer.text
    )  # the uploaded name, not a temp path
    assert "/tmp/" not in answer.text
    with staff.unit_of_work() as uow:
        assert len(uow.session.scalars(select(EntryRow)).all()) == 4


def test_a_broken_event_file_shows_the_problem(staff: Database) -> None:
    client, token = organiser(staff)
    text = (SMALL / "event.toml").read_text().replace("km = 12.0", "km = 99.0")
    answer = client.post(
        "/organiser/event",
        data={"csrf": token},
        files=[
            ("event_file", ("event.toml", text, "application/toml")),
            ("route_files", ("day1.gpx", (SMALL / "day1.gpx").read_bytes(), "application/gpx+xml")),
        ],
    )
    assert answer.status_code == 400
    assert "control D1-FINISH km = 99.0: beyond the end of the route" in answer.text
    missing_route = client.post(
        "/organiser/event",
        data={"csrf": token},
        files={"event_file": ("event.toml", (SMALL / "event.toml").read_bytes(), "application/toml")},
    )
    assert missing_route.status_code == 400 and "day1.gpx" in missing_route.text
    nothing = client.post(
        "/organiser/event", data={"csrf": token}, files={"event_file": ("", b"", "text/plain")}
    )
    assert nothing.status_code == 400 and "none chosen" in nothing.text


def test_controls_page_lists_each_day_with_km_and_kind(staff: Database) -> None:
    client, _token = organiser(staff)
    html = client.get("/organiser/controls").text
    assert "Day 1 · Sunday 26 April · Sonoma loop" in html
    assert '<th scope="row">D1-PT1</th>' in html and "Timed trial" in html and "2.0 – 2.3" in html
    assert "12.0" in html and "40 km/h average" in html


def test_accounts_are_added_and_change_role(staff: Database) -> None:
    client, token = organiser(staff)
    added = client.post(
        "/organiser/users",
        data={"csrf": token, "username": "sam", "role": "marshal", "password": "marshal-pw-1"},
    )
    assert "Added sam (Marshal)." in added.text
    refused = client.post(
        "/organiser/users", data={"csrf": token, "username": "cc", "role": "crew", "password": "long-enough"}
    )
    assert refused.status_code == 400 and "a crew account needs the start number" in refused.text
    with staff.unit_of_work() as uow:
        sam = next(u for u in users.all_users(uow) if u.username == "sam")
    changed = client.post(
        f"/organiser/users/{sam.id}/role", data={"csrf": token, "role": "crew", "start_no": "3"}
    )
    assert "sam is now crew, car 3." in changed.text
    crew = client_for(staff)
    login(crew, "sam", "marshal-pw-1")
    assert crew.get("/cars/3/private").status_code == 200 and crew.get("/marshal").status_code == 403
    client.post(f"/organiser/users/{sam.id}/password", data={"csrf": token, "password": "new-password-2"})
    assert users.authenticate(staff, "sam", "new-password-2") is not None


def test_publishing_the_results_shows_in_the_api(staff: Database) -> None:
    client, token = organiser(staff)
    assert "The results are <strong>not public</strong>" in client.get("/organiser").text
    published = client.post("/organiser/results", data={"csrf": token, "publish": "yes"})
    assert "The results are now public." in published.text
    assert client_for(staff).get("/api/event").json()["results_published"] is True
    client.post("/organiser/results", data={"csrf": token, "publish": "no"})
    with staff.unit_of_work() as uow:
        assert uow.session.scalar(select(EventRow.results_published)) is False


def _alert(db: Database, start_no: int, kind: str, raised_us: int) -> int:
    with db.unit_of_work() as uow:
        event_id = events.event_row(uow).id
        row = AlertRow(
            event_id=event_id,
            start_no=start_no,
            kind=kind,
            subject="",
            raised_us=raised_us,
            lat=38.3,
            lon=-122.45,
            message=f"car {start_no} {kind.replace('_', ' ')}",
            acknowledged_by="",
            resolved_by="",
        )
        uow.session.add(row)
        uow.session.flush()
        return row.id


def test_the_alerts_board_lists_alerts_and_records_who_acknowledged_and_resolved(staff: Database) -> None:
    stopped = _alert(staff, 2, "stopped", 1_777_219_323_000_000)
    _alert(staff, 3, "off_route", 1_777_219_400_000_000)
    mechanic = client_for(staff)
    token = login(mechanic, "meg")
    board = mechanic.get("/organiser/alerts").text
    assert "Open (2)" in board and "car 2 stopped" in board and "1951 Jaguar XK120" in board
    assert "09:02:03" in board  # raised, in the event's time zone
    assert "No one yet" in board
    mechanic.post(f"/organiser/alerts/{stopped}/acknowledge", data={"csrf": token})
    with staff.unit_of_work() as uow:
        row = uow.session.get(AlertRow, stopped)
        assert row is not None and row.acknowledged_by == "meg" and row.acknowledged_us is not None
    board = mechanic.post(f"/organiser/alerts/{stopped}/resolve", data={"csrf": token}).text
    assert "Alert for car 2 resolved by meg." in board and "Open (1)" in board and "Resolved (1)" in board
    with staff.unit_of_work() as uow:
        row = uow.session.get(AlertRow, stopped)
        assert row is not None and row.resolved_by == "meg" and row.resolved_us is not None


def test_the_timing_review_shows_a_marshals_passage_behind_the_line(staff: Database) -> None:
    marshal_service.record_passages(
        staff,
        "mario",
        [
            {
                "uuid": "6f1c1a52-3a57-4a0e-9a32-1f0a4f4d9c01",
                "start_no": 2,
                "control": "D1-PT1",
                "line": "finish",
                "instant_us": 1_777_219_323_410_000,
            }
        ],
    )
    timekeeper = client_for(staff)
    login(timekeeper, "tim")
    html = timekeeper.get("/organiser/timing/cars/2").text
    assert "marshal 09:02:03.41 (finish) by mario" in html
