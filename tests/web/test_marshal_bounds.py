"""The marshal API's bounds: whatever a phone sends, the answer is 200 (per-item outcomes), 400 or 413,
never a server error, and every refused body or item is kept raw with why. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from miglia.service.timing import marshal as marshal_service
from miglia.store.db import Database
from miglia.store.models import PassageRow, RawInputRow
from miglia.tracking.fix import MAX_JSON_DEPTH
from miglia.web.security.rate_limits import TokenBucket
from tests.web.test_marshal import api_client, count, item

URL = "/marshal/api/passages"


@pytest.fixture
def marshal(staff: Database) -> tuple[TestClient, dict[str, str]]:
    client, token = api_client(staff)
    client.app.state.rate_limits["marshal"] = TokenBucket(per_minute=10**6, burst=10**6)  # type: ignore[attr-defined]
    return client, {"X-CSRF-Token": token, "Content-Type": "application/json"}


def refused_batches(db: Database) -> list[RawInputRow]:
    with db.unit_of_work() as uow:
        query = select(RawInputRow).where(RawInputRow.kind == "marshal_batch").order_by(RawInputRow.id)
        return list(uow.session.scalars(query))


def post(marshal: tuple[TestClient, dict[str, str]], body: str | bytes) -> Any:
    client, headers = marshal
    return client.post(URL, content=body, headers=headers)


# -------------------------------------------------------------------------------------------- the body


def test_a_body_too_large_is_413_and_its_start_is_kept(
    staff: Database, marshal: tuple[TestClient, dict[str, str]]
) -> None:
    body = json.dumps([item(1)] * 10_000).encode()
    assert len(body) > marshal_service.MAX_BODY
    answer = post(marshal, body)
    assert answer.status_code == 413 and "larger than" in answer.json()["error"]
    [raw] = refused_batches(staff)
    assert not raw.accepted and "larger than" in raw.problem
    assert raw.body == body[: marshal_service.KEPT_BYTES].decode()
    assert count(staff, PassageRow) == 0


def test_a_body_too_large_without_a_declared_length_is_413(
    marshal: tuple[TestClient, dict[str, str]],
) -> None:
    def chunks() -> Any:
        yield b"["
        for _ in range(20_000):
            yield json.dumps(item(1)).encode() + b","
        yield b"{}]"

    client, headers = marshal
    assert client.post(URL, content=chunks(), headers=headers).status_code == 413


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested deeper"),
        ("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1), "nested deeper"),
        ('[{"uuid": ' * 2000, "nested deeper"),
        ("[" + "1" * 5000 + "]", "not JSON"),
        (b"[\xff]", "not JSON"),
        ("{nope", "not JSON"),
        ('{"a": 1}', "expected a JSON list of passages"),
        (json.dumps([{}] * (marshal_service.MAX_BATCH + 1)), "send at most 500"),
    ],
)
def test_a_body_that_is_not_a_list_of_records_is_400_and_kept(
    staff: Database, marshal: tuple[TestClient, dict[str, str]], body: str | bytes, message: str
) -> None:
    answer = post(marshal, body)
    assert answer.status_code == 400 and message in answer.json()["error"]
    [raw] = refused_batches(staff)
    assert not raw.accepted and message in raw.problem
    assert count(staff, PassageRow) == 0


def test_a_nul_in_a_refused_body_is_kept_escaped(
    staff: Database, marshal: tuple[TestClient, dict[str, str]]
) -> None:
    assert post(marshal, b"[\x00]").status_code == 400
    [raw] = refused_batches(staff)
    assert raw.body == "[\\x00]"


# ------------------------------------------------------------------------------------------- the items


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("start_no", 2**63, "expected a start number from 1 to 99999"),
        ("start_no", 10**30, "expected a start number from 1 to 99999"),
        ("start_no", -1, "expected a start number from 1 to 99999"),
        ("start_no", 0, "expected a start number from 1 to 99999"),
        ("start_no", 100_000, "expected a start number from 1 to 99999"),
        ("start_no", "1" * 40, "expected a start number"),
        ("start_no", "²", "expected a start number"),
        ("instant_us", 2**63, "not a plausible time"),
        ("instant_us", 2**64, "not a plausible time"),
        ("instant_us", -(2**63) - 1, "not a plausible time"),
        ("instant_us", 10**300, "not a plausible time"),
        ("instant_us", "9" * 25, "not a plausible time"),
        ("instant_us", "²", "expected whole microseconds"),
        ("instant_us", 1e30, "expected whole microseconds"),
    ],
)
def test_integers_no_column_holds_are_refused_per_item(
    staff: Database, marshal: tuple[TestClient, dict[str, str]], field: str, value: object, message: str
) -> None:
    bad, good = {**item(1), field: value}, item(2)
    answer = post(marshal, json.dumps([bad, good]))
    assert answer.status_code == 200
    first, second = answer.json()["results"]
    assert first["status"] == "error" and first["field"] == field and message in first["error"]
    assert second["status"] == "stored"
    with staff.unit_of_work() as uow:
        raws = list(uow.session.scalars(select(RawInputRow).where(RawInputRow.kind == "marshal_passage")))
    assert [(r.accepted, json.loads(r.body)[field] == value) for r in raws] == [(False, True), (True, False)]


@pytest.mark.parametrize(
    "time", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59.999999-23:59", "1999-12-31T23:59:59Z"]
)
def test_times_beyond_2000_to_2100_are_refused_per_item(
    marshal: tuple[TestClient, dict[str, str]], time: str
) -> None:
    sent = item(1)
    del sent["instant_us"]
    [outcome] = post(marshal, json.dumps([{**sent, "time": time}])).json()["results"]
    assert outcome["field"] == "time" and "not a plausible time" in outcome["error"]


def test_a_lone_surrogate_is_refused_and_kept(
    staff: Database, marshal: tuple[TestClient, dict[str, str]]
) -> None:
    """JSON may carry "\\ud800", which neither database nor UTF-8 can hold as is: kept escaped."""
    second = json.dumps({**item(1), "control": "D1-"})[:-1].replace('"D1-"', '"D1-\\ud800"') + "}"
    body = '[{"uuid": "\\ud800", "start_no": 1}, ' + second + "]"
    answer = post(marshal, body)
    assert answer.status_code == 200
    results = answer.json()["results"]
    assert [r["field"] for r in results] == ["uuid", "control"]
    assert results[0]["uuid"] == "\ud800"
    with staff.unit_of_work() as uow:
        query = select(RawInputRow).where(RawInputRow.kind == "marshal_passage").order_by(RawInputRow.id)
        kept = [json.loads(r.body) for r in uow.session.scalars(query)]
    assert kept[0]["uuid"] == "\ud800" and kept[1]["control"] == "D1-\ud800"


def test_a_long_value_is_quoted_briefly(marshal: tuple[TestClient, dict[str, str]]) -> None:
    [outcome] = post(marshal, json.dumps([{**item(1), "control": "X" * 100_000}])).json()["results"]
    assert outcome["field"] == "control" and len(outcome["error"]) < 300


# ------------------------------------------------------------------------------------------------ fuzz

ODD_TEXT = st.text(st.characters(exclude_categories=()), max_size=20)
NUMBERS = st.one_of(
    st.integers(),
    st.sampled_from([0, -1, 2**31, 2**63 - 1, 2**63, 2**64, -(2**63), 10**30, 1_777_219_323_410_000]),
    st.floats(allow_nan=True, allow_infinity=True),
)
SCALARS = st.none() | st.booleans() | NUMBERS | ODD_TEXT
WILD = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ODD_TEXT, inner, max_size=3)
)
RECORD = st.fixed_dictionaries(
    {},
    optional={
        "uuid": st.uuids().map(str) | WILD,
        "start_no": st.integers(0, 5) | WILD,
        "control": st.sampled_from(["D1-TC1", "D1-PT1", "D1-SC1"]) | WILD,
        "line": st.sampled_from(["", "finish"]) | WILD,
        "instant_us": st.integers(1_777_000_000_000_000, 1_778_000_000_000_000) | WILD,
        "time": st.datetimes(timezones=st.none() | st.just(dt.UTC)).map(str) | WILD,
    },
)
BODIES = st.one_of(
    st.lists(RECORD | WILD, max_size=4).map(json.dumps),
    st.fixed_dictionaries({"passages": st.lists(RECORD, max_size=3)}).map(json.dumps),
    WILD.map(json.dumps),
    st.binary(max_size=100),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=BODIES)
def test_no_body_makes_a_server_error(marshal: tuple[TestClient, dict[str, str]], body: str | bytes) -> None:
    answer = post(marshal, body)  # the TestClient raises any exception the app does not answer
    assert answer.status_code in (200, 400), answer.text
    if answer.status_code == 200:
        assert {r["status"] for r in answer.json()["results"]} <= {"stored", "duplicate", "error"}
