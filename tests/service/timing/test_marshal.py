"""The marshal's passages as a use case, on the in-memory store: idempotent on each record's UUID, one
outcome per item in order, a bad item refused with its field and kept raw (the HTTP side, bounds and
both databases: tests/web/test_marshal*.py)."""

from __future__ import annotations

import pytest

from miglia.service.event import events
from miglia.service.timing import marshal
from tests.conftest import SMALL
from tests.fake_store import FakeDatabase

UUID_A = "0b6c3f5e-1d2a-4c3b-9a8e-000000000001"
UUID_B = "0b6c3f5e-1d2a-4c3b-9a8e-000000000002"
T = 1_777_216_320_000_000  # 2026-04-26 08:12:00 PDT


@pytest.fixture
def small(fake_db: FakeDatabase) -> FakeDatabase:
    events.import_event(fake_db, SMALL / "event.toml")
    events.import_entries(fake_db, SMALL / "entries.csv")
    return fake_db


def item(uuid: str, start_no: object = 2, control: str = "D1-TC1", **more: object) -> dict[str, object]:
    return {"uuid": uuid, "start_no": start_no, "control": control, "line": "", "instant_us": T, **more}


def test_a_record_sent_twice_is_stored_once(small: FakeDatabase) -> None:
    first = marshal.record_passages(small, "mara", [item(UUID_A)])
    again = marshal.record_passages(small, "mara", [item(UUID_A), item(UUID_B, start_no=3)])
    assert [(o.uuid, o.status) for o in first] == [(UUID_A, "stored")]
    assert [(o.uuid, o.status) for o in again] == [(UUID_A, "duplicate"), (UUID_B, "stored")]
    assert again[0].passage_id == first[0].passage_id
    with small.unit_of_work() as uow:
        (row,) = [p for p in marshal.passages(uow, events.event_row(uow).id, start_no=2)]
    assert (row.control, row.line, row.instant_us, row.source, row.recorded_by) == (
        "D1-TC1",
        "",
        T,
        "marshal",
        "mara",
    )
    assert [r.kind for r in small.state.raw].count("marshal_passage") == 2  # the duplicate is not kept again


@pytest.mark.parametrize(
    ("bad", "field", "message"),
    [
        (item(UUID_B, start_no=4), "start_no", "this entry is refused, not running"),
        (item(UUID_B, start_no=9), "start_no", "no car with this start number in the entry list"),
        (item(UUID_B, control="D1-TC9"), "control", "no control with this name in the event"),
        (item(UUID_B, line="finish"), "line", "D1-TC1 is a time control: it has one line"),
        ({**item(UUID_B), "instant_us": None, "time": "2026-04-26T08:12:00"}, "time", "without a zone"),
        ({**item("not-a-uuid")}, "uuid", "expected a UUID made by the phone"),
    ],
)
def test_a_bad_item_is_refused_alone_and_kept_raw(
    small: FakeDatabase, bad: dict[str, object], field: str, message: str
) -> None:
    outcomes = marshal.record_passages(small, "mara", [item(UUID_A), bad])
    assert [o.status for o in outcomes] == ["stored", "error"]
    assert outcomes[1].field == field and message in (outcomes[1].error or "")
    (refused,) = [r for r in small.state.raw if not r.accepted]
    assert (refused.kind, refused.source) == ("marshal_passage", "marshal:mara")
    assert message in refused.problem
    assert len(small.state.passages) == 1


def test_without_an_event_every_item_says_so(fake_db: FakeDatabase) -> None:
    outcomes = marshal.record_passages(fake_db, "mara", [item(UUID_A), item(UUID_B)])
    assert [(o.status, o.field, o.error) for o in outcomes] == [
        ("error", "event", "no event in the database")
    ] * 2
    assert fake_db.state.passages == []


def test_a_refused_batch_is_kept_with_why(small: FakeDatabase) -> None:
    marshal.refuse_batch(small, "mara", "[{", "body: not JSON")
    (kept,) = [r for r in small.state.raw if r.kind == "marshal_batch"]
    assert (kept.body, kept.accepted, kept.problem, kept.event_id) == (
        "[{",
        False,
        "body: not JSON",
        small.state.events[0].id,
    )
