"""Marshal passages: stored as received, then as a passage; idempotent on the phone's UUID; bad items name
the field and store nothing. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from miglia.service.timing import marshal as marshal_service
from miglia.store.db import Database
from miglia.store.models import PassageRow, RawInputRow
from miglia.web.security.rate_limits import TokenBucket
from tests.web.helpers import client_for, login

T0 = 1_777_219_323_410_000  # 2026-04-26 16:02:03.41 UTC = 09:02:03.41 in Sonoma


def item(start_no: object = 1, control: object = "D1-TC1", **extra: object) -> dict[str, object]:
    return {
        "uuid": str(uuid.uuid4()),
        "start_no": start_no,
        "control": control,
        "line": "",
        "instant_us": T0,
        **extra,
    }


def count(db: Database, table: type) -> int:
    with db.unit_of_work() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(table)) or 0)


def marshal_raw_count(db: Database) -> int:
    with db.unit_of_work() as uow:
        query = select(func.count()).select_from(RawInputRow).where(RawInputRow.kind == "marshal_passage")
        return int(uow.session.scalar(query) or 0)


# ---------------------------------------------------------------------------------------------- service


def test_a_passage_is_stored_raw_first_then_as_a_passage(event_db: Database) -> None:
    sent = item(3, "D1-PT1", line="finish", taken_at="2026-04-26T16:02:03.410Z")
    [outcome] = marshal_service.record_passages(event_db, "mario", [sent])
    assert outcome.status == "stored" and outcome.passage_id is not None
    with event_db.unit_of_work() as uow:
        passage = uow.session.get(PassageRow, outcome.passage_id)
        assert passage is not None
        raw = uow.session.get(RawInputRow, passage.raw_id)
        assert raw is not None
    assert (passage.start_no, passage.control, passage.line, passage.instant_us) == (
        3,
        "D1-PT1",
        "finish",
        T0,
    )
    assert (passage.source, passage.recorded_by, passage.client_uuid) == ("marshal", "mario", sent["uuid"])
    assert raw.kind == "marshal_passage" and raw.source == "marshal:mario" and json.loads(raw.body) == sent


def test_a_resent_uuid_is_a_duplicate_and_stores_nothing_more(event_db: Database) -> None:
    first, second = item(1), item(2)
    stored = marshal_service.record_passages(event_db, "mario", [first, second])
    assert [o.status for o in stored] == ["stored", "stored"]
    again = marshal_service.record_passages(event_db, "mario", [second, first, first])
    assert [o.status for o in again] == ["duplicate", "duplicate", "duplicate"]
    assert [o.passage_id for o in again] == [stored[1].passage_id, stored[0].passage_id, stored[0].passage_id]
    same_batch = item(3)
    assert [o.status for o in marshal_service.record_passages(event_db, "x", [same_batch, same_batch])] == [
        "stored",
        "duplicate",
    ]
    assert count(event_db, PassageRow) == 3 and marshal_raw_count(event_db) == 3


def test_two_phones_sending_the_same_record_at_once_store_it_once(event_db: Database) -> None:
    batch = [item(n) for n in (1, 2, 3)]
    answers: list[list[str]] = []

    def send() -> None:
        answers.append([o.status for o in marshal_service.record_passages(event_db, "mario", batch)])

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert count(event_db, PassageRow) == 3
    assert sorted(s for a in answers for s in a).count("stored") == 3


@pytest.mark.parametrize(
    ("bad", "field", "message"),
    [
        ({"start_no": 99}, "start_no", "start_no = 99: no car with this start number in the entry list"),
        ({"start_no": 4}, "start_no", "start_no = 4: this entry is refused, not running"),
        ({"start_no": "seven"}, "start_no", "start_no = 'seven': expected a start number"),
        ({"control": "D9-TC9"}, "control", "control = 'D9-TC9': no control with this name in the event"),
        ({"line": "middle"}, "line", "line = 'middle'"),
        ({"line": "finish"}, "line", "D1-TC1 is a time control: it has one line"),
        ({"instant_us": 1.5}, "instant_us", "instant_us = 1.5: expected whole microseconds"),
        ({"instant_us": 12}, "instant_us", "not a plausible time"),
        ({"instant_us": None}, "instant_us", "instant_us = None: missing: give instant_us or time"),
        ({"uuid": "not-a-uuid"}, "uuid", "item 1: uuid = 'not-a-uuid': expected a UUID"),
    ],
)
def test_a_bad_item_names_the_field_and_stores_nothing(
    event_db: Database, bad: dict[str, object], field: str, message: str
) -> None:
    good = item(2)
    outcomes = marshal_service.record_passages(event_db, "mario", [{**item(1), **bad}, good])
    assert outcomes[0].status == "error" and outcomes[0].field == field
    assert message in outcomes[0].error
    assert outcomes[1].status == "stored"  # the rest of the batch is not affected
    assert count(event_db, PassageRow) == 1
    with event_db.unit_of_work() as uow:
        raws = uow.session.scalars(
            select(RawInputRow).where(RawInputRow.kind == "marshal_passage").order_by(RawInputRow.id)
        )
        # Both kept as received; the refused one with its reason, and nothing read from it.
        assert [(r.accepted, r.problem == "") for r in raws] == [(False, False), (True, True)]


def test_an_iso_time_with_a_zone_is_accepted(event_db: Database) -> None:
    sent = item(1)
    del sent["instant_us"]
    sent["time"] = "2026-04-26T09:02:03.41-07:00"
    [outcome] = marshal_service.record_passages(event_db, "mario", [sent])
    assert outcome.status == "stored"
    with event_db.unit_of_work() as uow:
        assert uow.session.scalar(select(PassageRow.instant_us)) == T0
    naive = {**sent, "uuid": str(uuid.uuid4()), "time": "2026-04-26T09:02:03.41"}
    [refused] = marshal_service.record_passages(event_db, "mario", [naive])
    assert refused.field == "time" and "without a zone is ambiguous" in refused.error


# ---------------------------------------------------------------------------------------------- HTTP


def api_client(db: Database, who: str = "mario") -> tuple[TestClient, str]:
    client = client_for(db)
    token = login(client, who)
    return client, client.get("/marshal/api/session").json()["csrf"] or token


def test_the_api_answers_per_item_and_is_idempotent(staff: Database) -> None:
    client, token = api_client(staff)
    batch = [item(1), item(99), item(2, "D1-PT1", line="finish")]
    answer = client.post("/marshal/api/passages", json=batch, headers={"X-CSRF-Token": token})
    assert answer.status_code == 200
    results = answer.json()["results"]
    assert [r["status"] for r in results] == ["stored", "error", "stored"]
    assert results[1]["field"] == "start_no" and "start_no = 99" in results[1]["error"]
    assert [r["uuid"] for r in results] == [b["uuid"] for b in batch]
    again = client.post("/marshal/api/passages", json=batch, headers={"X-CSRF-Token": token}).json()[
        "results"
    ]
    assert [r["status"] for r in again] == ["duplicate", "error", "duplicate"]
    assert count(staff, PassageRow) == 2


def test_the_api_refuses_what_is_not_a_list_and_who_is_not_a_marshal(staff: Database) -> None:
    client, token = api_client(staff)
    headers = {"X-CSRF-Token": token, "Content-Type": "application/json"}
    assert client.post("/marshal/api/passages", content=b"{nope", headers=headers).status_code == 400
    assert "expected a JSON list" in client.post("/marshal/api/passages", json={"a": 1}, headers=headers).text
    crew, crew_token = client_for(staff), ""
    crew_token = login(crew, "crew1")
    assert (
        crew.post("/marshal/api/passages", json=[item(1)], headers={"X-CSRF-Token": crew_token}).status_code
        == 403
    )
    anonymous = client_for(staff)
    assert anonymous.post("/marshal/api/passages", json=[item(1)]).status_code == 401
    assert count(staff, PassageRow) == 0


def test_session_info_gives_the_token_and_the_server_clock(staff: Database) -> None:
    client, _token = api_client(staff)
    info = client.get("/marshal/api/session").json()
    assert info["username"] == "mario" and info["role"] == "marshal" and len(info["csrf"]) > 20
    assert info["server_us"] > T0 - 10**15


def test_marshal_pages_list_controls_and_show_the_keypad(staff: Database) -> None:
    client, _token = api_client(staff)
    controls = client.get("/marshal").text
    for name in ("D1-START", "D1-PT1", "D1-TC1", "D1-PC1", "D1-SC1", "D1-FINISH"):
        assert f'href="/marshal/{name}"' in controls
    trial = client.get("/marshal/D1-PT1").text
    assert (
        'data-control="D1-PT1"' in trial and 'data-cars="1,2,3"' in trial
    )  # the refused car 4 is not offered
    assert "Finish line" in trial and "Passing now" in trial and 'for="start-no"' in trial
    assert "Finish line" not in client.get("/marshal/D1-TC1").text
    assert client.get("/marshal/NOPE").status_code == 404


def test_the_service_worker_may_control_the_marshal_pages(staff: Database) -> None:
    answer = client_for(staff).get("/marshal/sw.js")
    assert answer.status_code == 200 and answer.headers["service-worker-allowed"] == "/marshal"
    assert "javascript" in answer.headers["content-type"] and "caches.open" in answer.text


def test_marshal_batches_are_rate_limited(staff: Database) -> None:
    client, token = api_client(staff)
    assert client.app.state.rate_limits["marshal"].burst == 60  # type: ignore[attr-defined]
    client.app.state.rate_limits["marshal"] = TokenBucket(per_minute=1, burst=3)  # type: ignore[attr-defined]
    codes = [
        client.post("/marshal/api/passages", json=[], headers={"X-CSRF-Token": token}).status_code
        for _ in range(4)
    ]
    assert codes == [200, 200, 200, 429]
