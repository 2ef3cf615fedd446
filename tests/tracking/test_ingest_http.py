"""The ingest endpoints end to end (FastAPI TestClient) on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from miglia.service.live import alerts as alerts_service
from miglia.service.live.devices import assign, register
from miglia.service.live.ingest import quarantine
from miglia.store.db import Database
from miglia.store.models import PositionRow, RawInputRow
from tests.tracking.helpers import add_event, app_for, token

PAYLOADS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "real" / "tracker-payloads.json"


@pytest.fixture
def payloads() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(PAYLOADS.read_text(encoding="utf-8"))
    return data


@pytest.fixture
def client(db: Database) -> TestClient:
    return TestClient(app_for(db))


def counts(db: Database) -> tuple[int, int, int]:
    """(raw inputs accepted, raw inputs refused, positions)."""
    with db.unit_of_work() as uow:
        ok = uow.session.scalar(
            select(func.count()).select_from(RawInputRow).where(RawInputRow.accepted.is_(True))
        )
        bad = uow.session.scalar(
            select(func.count()).select_from(RawInputRow).where(RawInputRow.accepted.is_(False))
        )
        positions = uow.session.scalar(select(func.count()).select_from(PositionRow))
    return ok or 0, bad or 0, positions or 0


def test_every_osmand_query_over_http(db: Database, client: TestClient, payloads: dict[str, Any]) -> None:
    for item in payloads["osmand_query"]:
        answer = client.get("/ingest/osmand?" + item["request"].split("?", 1)[1])
        if item["expect"].startswith("reject"):
            assert answer.status_code == 400, item
            assert "field id" in answer.json()["error"]
        elif item["expect"].startswith("no fix"):
            assert answer.json() == {"stored": 0, "duplicates": 0}
        else:
            assert answer.status_code == 200, answer.text
    # 9 positions, of which one (123456 at 1377177267) is sent three times
    assert counts(db) == (10, 1, 7)


def test_osmand_json_and_batch_over_http(db: Database, client: TestClient, payloads: dict[str, Any]) -> None:
    items = payloads["osmand_json"]
    assert client.post("/ingest/osmand", json=items[0]).json() == {"stored": 1, "duplicates": 0}
    batch = [{"device_id": "48241179", "location": [items[0]["location"], items[3]["location"]]}, items[2]]
    assert client.post("/ingest/osmand", json=batch).json() == {"stored": 2, "duplicates": 1}
    assert counts(db) == (2, 0, 3)


def test_osmand_post_form_body(db: Database, client: TestClient) -> None:
    body = "id=car7&lat=45.01&lon=9.0&timestamp=1750000000&speed=10"
    answer = client.post(
        "/ingest/osmand", content=body, headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert answer.json() == {"stored": 1, "duplicates": 0}
    with db.unit_of_work() as uow:
        row = uow.session.scalars(select(PositionRow)).one()
        raw = uow.session.get(RawInputRow, row.raw_id)
    assert raw is not None and raw.body == body and raw.kind == "position_osmand"
    assert row.speed_kmh == pytest.approx(18.52)


def test_idempotent_and_out_of_order(db: Database, client: TestClient) -> None:
    add_event(db, {7: "car7"})
    for t in (1_750_000_060, 1_750_000_000, 1_750_000_120, 1_750_000_000, 1_750_000_030):
        url = f"/ingest/osmand?id=car7&lat=45.01&lon=9&timestamp={t}&token={token('car7')}"
        assert client.get(url).status_code == 200
    assert counts(db) == (5, 0, 4)
    cars = client.get("/live/cars").json()
    assert [c["instant_us"] for c in cars] == [1_750_000_120_000_000]  # the latest, not the last received


def test_bad_payload_keeps_only_the_raw_record(db: Database, client: TestClient) -> None:
    answer = client.post(
        "/ingest/owntracks", content=b'{"_type":"location","tid":"JJ","lat":"north","lon":2,"tst":5}'
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "owntracks: field lat = 'north': expected a number"
    batch = [
        {"_type": "location", "tid": "JJ", "lat": 1, "lon": 2, "tst": 5},
        {"_type": "location", "tid": "JJ"},
    ]
    assert client.post("/ingest/owntracks", json=batch).status_code == 400  # the good one is not kept either
    assert counts(db) == (0, 2, 0)
    with db.unit_of_work() as uow:
        problems = uow.session.scalars(select(RawInputRow.problem).order_by(RawInputRow.id)).all()
    assert "field lat" in problems[0] and "field tst" in problems[1]


def test_owntracks_answers_an_empty_list(db: Database, client: TestClient, payloads: dict[str, Any]) -> None:
    headers = {"X-Limit-U": "jane", "X-Limit-D": "phone"}
    for item in payloads["owntracks_json"]:
        answer = client.post("/ingest/owntracks", json=item, headers=headers)
        assert (answer.status_code, answer.json()) == (200, [])
    assert counts(db) == (6, 0, 5)  # two payloads are the same fix of jane/phone at tst 1497349316
    with db.unit_of_work() as uow:
        devices = set(uow.session.scalars(select(PositionRow.device_id)))
    assert devices == {"jane/phone", "ckrey/22A67880-15C3-41A6-9157-25545C7993AC", "qtripp/865284041968706"}


def test_traccar_forwarding_over_http(db: Database, client: TestClient) -> None:
    from tests.tracking.helpers import TRACCAR

    assert client.post("/ingest/traccar", json=TRACCAR).json() == {"stored": 1, "duplicates": 0}
    assert client.post("/ingest/traccar", json=TRACCAR).json() == {"stored": 0, "duplicates": 1}


def test_unknown_devices_go_to_quarantine(db: Database, client: TestClient) -> None:
    event_id = add_event(db, {7: "car7-phone", 8: "car8-phone"})
    assign(db, None, "spare-1", 8, 1, "organiser")
    register(db, "spare-1", token=token("spare-1"))
    for device in ("car7-phone", "spare-1", "stranger", "stranger"):
        stamp = 1_750_000_000 + len(device)
        client.get(f"/ingest/osmand?id={device}&lat=45.01&lon=9&timestamp={stamp}&token={token(device)}")
    client.get("/ingest/osmand?id=stranger&lat=45.02&lon=9&timestamp=1750000100")
    with db.unit_of_work() as uow:
        held = quarantine(uow, event_id)
    assert [(q.device_id, q.positions, q.reason) for q in held] == [("stranger", 2, "no car carries it")]
    # The organiser's list: the public is sent to the login page.
    assert client.get("/live/quarantine", follow_redirects=False).status_code == 303
    # The public live map shows the cars, not the trackers' ids (anyone could send positions in their name).
    cars = client.get("/live/cars").json()
    assert [c["start_no"] for c in cars] == [7, 8]
    assert all("device_id" not in c and "battery" not in c for c in cars)


def test_token_authentication(db: Database, client: TestClient) -> None:
    token = register(db, "car7-phone", "Car 7's phone")
    url = "/ingest/osmand?id=car7-phone&lat=45.01&lon=9&timestamp="
    assert client.get(url + "1750000000").status_code == 401
    assert client.get(url + "1750000001&token=wrong").status_code == 401
    assert client.get(url + f"1750000002&token={token}").json() == {"stored": 1, "duplicates": 0}
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get(url + "1750000003", headers=bearer).json()["stored"] == 1
    basic = {"Authorization": "Basic " + base64.b64encode(f"jane:{token}".encode()).decode()}
    fix = {"_type": "location", "tid": "JJ", "lat": 45, "lon": 9, "tst": 1750000004}
    owntracks_headers = {"X-Limit-U": "car7", "X-Limit-D": "phone"}
    register(db, "car7/phone", token=token)
    assert client.post("/ingest/owntracks", json=fix, headers=owntracks_headers).status_code == 401
    assert client.post("/ingest/owntracks", json=fix, headers=owntracks_headers | basic).json() == []
    assert counts(db) == (3, 3, 3)
    with db.unit_of_work() as uow:
        stored = " ".join(uow.session.scalars(select(RawInputRow.body)))
    assert token not in stored  # the token is not kept with the raw message


def test_an_unregistered_car_device_moves_nothing_until_enrolled(db: Database, client: TestClient) -> None:
    """The finding: with the default settings, a stranger who posts with an entered car's device id and
    no token moved that car on the live map. Now the positions are kept, in quarantine, and move nothing."""
    event_id = add_event(db, {7: "car7-phone"}, enrol=False)
    url = "/ingest/osmand?id=car7-phone&lat=45.01&lon=9&timestamp="
    assert client.get(url + "1750000000").json() == {"stored": 1, "duplicates": 0}
    assert client.get("/live/cars").json() == []
    with db.unit_of_work() as uow:
        [held] = quarantine(uow, event_id)
    assert (held.device_id, held.positions, held.reason.split(":")[0]) == ("car7-phone", 1, "not registered")
    # The organiser enrols it; the same instant sent with the token replaces the stranger's position.
    secret = register(db, "car7-phone")
    client.app.state.tracker.invalidate()  # as the console's enrolment does; else within 5 s
    assert client.get(url + "1750000000").status_code == 401
    assert client.get(url + f"1750000000&token={secret}").json() == {"stored": 1, "duplicates": 0}
    assert [c["start_no"] for c in client.get("/live/cars").json()] == [7]
    with db.unit_of_work() as uow:
        assert quarantine(uow, event_id) == []
        assert uow.session.scalars(select(PositionRow.trusted)).all() == [True]
    assert counts(db) == (2, 1, 1)
    # A casual tour takes unregistered devices at their word, and says so on the console.
    alerts_service.set_tracking(db, event_id, accept_unregistered=True)
    with db.unit_of_work() as uow:
        assert quarantine(uow, event_id, accept_unregistered=True) == []


def test_upload_of_a_logger_track(db: Database, client: TestClient, real_data: Path) -> None:
    pytest.importorskip(
        "miglia.formats.trackfiles", reason="formats/trackfiles.py (read_track) is not there yet"
    )
    add_event(db, {7: "car7-phone"}, day=dt.date(2019, 2, 18))
    gpx = real_data / "limerick-bus-304-2019-02-18.gpx"
    files = {"file": (gpx.name, gpx.read_bytes(), "application/gpx+xml")}
    answer = client.post("/ingest/upload", data={"start_no": "7"}, files=files)
    assert answer.status_code == 401  # nobody logged in and no device token: the finding, closed
    mine = {"token": token("car7-phone")}
    answer = client.post("/ingest/upload", data={"start_no": "7", **mine}, files=files)
    assert answer.status_code == 200, answer.text
    assert answer.json()["stored"] > 2000
    with db.unit_of_work() as uow:
        assert set(uow.session.scalars(select(PositionRow.device_id))) == {"car7-phone"}
        raw = uow.session.scalars(select(RawInputRow)).one()
    assert raw.kind == "track_file" and raw.body == gpx.read_text(encoding="utf-8")
    again = client.post("/ingest/upload", data={"device_id": "car7-phone", **mine}, files=files).json()
    assert again["stored"] == 0 and again["duplicates"] > 2000


def test_upload_needs_a_car_or_device(db: Database, client: TestClient) -> None:
    answer = client.post(
        "/ingest/upload", data={"token": "t"}, files={"file": ("x.gpx", b"<gpx/>", "application/gpx+xml")}
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "upload: field device_id = '': give device_id or start_no"
    assert counts(db) == (0, 1, 0)


def test_a_nul_byte_is_kept_escaped_on_both_databases(db: Database, client: TestClient) -> None:
    answer = client.post("/ingest/owntracks", content=b'{"_type":"location","tid":"J\x00J","lat":1,"lon":2}')
    assert answer.status_code == 400  # no tst: refused, and kept as received
    with db.unit_of_work() as uow:
        (body,) = uow.session.scalars(select(RawInputRow.body)).all()
    assert body == '{"_type":"location","tid":"J\\x00J","lat":1,"lon":2}'
