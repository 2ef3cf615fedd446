"""Passages a marshal records by hand on a phone, sent in batches when the phone has signal.

Each record carries a UUID made on the phone. The server is idempotent on it: the first time a UUID
arrives, the item is kept as received (`raw_inputs`, kind "marshal_passage") and a passage is stored
from it (source "marshal", recorded_by the marshal); the same UUID sent again answers "duplicate" with
the passage stored the first time. An item with a bad field answers an error naming the field and the
value, and stores nothing; the other items of the batch are not affected.

Bounds, so that a phone (or anyone holding a marshal's session) cannot make the server fail: a body of
at most `MAX_BODY` bytes and `MAX_BATCH` items, JSON at most `fix.MAX_JSON_DEPTH` levels deep (refused
whole, kept raw as kind "marshal_batch"); start numbers from 1 to 99999 and instants from 2000 to 2100
(refused per item), so nothing reaches a database column that cannot hold it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid as uuid_module
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from miglia.domain.event import ControlKind, Event
from miglia.domain.instants import NO_ZONE, is_naive
from miglia.domain.passages import LINES, Passage
from miglia.domain.rules import Source
from miglia.formats import event_codec
from miglia.service import news
from miglia.service.clock import from_datetime, now_us
from miglia.service.raw import store_raw
from miglia.store.db import Database
from miglia.store.records import AlreadyStored, NewPassage, PassageView
from miglia.store.unit_of_work import UnitOfWork
from miglia.tracking.fix import PayloadError, parse_json, short

MAX_BATCH = 500
MAX_BODY = 1024 * 1024
"""Bytes of a batch at most: 500 records of about 200 bytes, with room to spare."""
KEPT_BYTES = 1024
"""Of a body refused as too large, the first bytes kept (with why) for the organiser to see."""
MAX_START_NO = 99_999
"""As the entry list allows (service.entries_csv)."""
_DIGITS = re.compile(r"[0-9]{1,30}")
_EARLIEST_US = from_datetime(dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
_LATEST_US = from_datetime(dt.datetime(2100, 1, 1, tzinfo=dt.UTC))


class BadItem(Exception):
    def __init__(self, where: str, field: str, value: object, problem: str) -> None:
        self.field = field
        super().__init__(f"{where}: {field} = {_quoted(value)}: {problem}")


def _quoted(value: object) -> str:
    # The value as sent, but never so long that the problem is lost in it.
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


@dataclass(frozen=True)
class Item:
    uuid: str
    start_no: int
    control: str
    line: str
    instant_us: int


@dataclass(frozen=True)
class Outcome:
    uuid: str | None
    status: str
    """"stored", "duplicate" or "error"."""
    passage_id: int | None = None
    field: str = ""
    error: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"uuid": self.uuid, "status": self.status}
        if self.passage_id is not None:
            out["passage_id"] = self.passage_id
        if self.status == "error":
            out["field"], out["error"] = self.field, self.error
        return out


@dataclass(frozen=True)
class _Known:
    event_id: int
    event: Event
    entries: dict[int, str]
    """start number -> entry status."""
    published: bool

    @property
    def secret(self) -> frozenset[str]:
        """Controls whose passages are not announced: the secret checks, until the results are out."""
        if self.published:
            return frozenset()
        days = self.event.days
        return frozenset(c.name for d in days for c in d.controls if c.kind is ControlKind.SECRET_CHECK)


def _known(uow: UnitOfWork) -> _Known | None:
    row = uow.events.find()
    if row is None:
        return None
    return _Known(
        row.id, event_codec.from_json(row.definition), uow.entries.statuses(row.id), row.results_published
    )


def _whole(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    # ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
    if isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        return int(value.strip())
    return None


def read_batch(body: bytes) -> list[object]:
    """The records of a body: a JSON list, or {"passages": [...]}; a PayloadError for anything else."""
    items = parse_json("marshal", body)
    if isinstance(items, dict) and isinstance(items.get("passages"), list):
        items = items["passages"]
    if not isinstance(items, list):
        raise PayloadError("marshal", "body", short(body), "expected a JSON list of passages")
    if len(items) > MAX_BATCH:
        raise PayloadError("marshal", "body", f"{len(items)} passages", f"send at most {MAX_BATCH} at a time")
    return items


def as_text(body: bytes) -> str:
    """The body as text for `raw_inputs`: bytes that are not UTF-8, and NUL, kept as \\x escapes."""
    return body.decode("utf-8", "backslashreplace").replace("\x00", "\\x00")


def refuse_batch(db: Database, username: str, body: str, problem: str) -> None:
    """A body refused whole (too large, not JSON, not a list): kept as received, with why."""
    with db.unit_of_work() as uow:
        found = uow.events.find()
        event_id = None if found is None else found.id
        store_raw(uow, event_id, "marshal_batch", f"marshal:{username}", "application/json", body, problem)


def parse_item(raw: object, index: int, known: _Known) -> Item:
    """The item checked against the event, or BadItem naming the first bad field."""
    where = f"item {index + 1}"
    if not isinstance(raw, dict):
        raise BadItem(
            where, "item", raw, "expected an object with uuid, start_no, control, line and instant_us"
        )
    value = raw.get("uuid")
    try:
        uuid = str(uuid_module.UUID(str(value))) if isinstance(value, str) else None
    except ValueError:
        uuid = None
    if uuid is None:
        raise BadItem(where, "uuid", value, "expected a UUID made by the phone")
    where = f"passage {uuid}"
    start_no = _whole(raw.get("start_no"))
    if start_no is None:
        raise BadItem(where, "start_no", raw.get("start_no"), "expected a start number")
    if not 0 < start_no <= MAX_START_NO:
        raise BadItem(where, "start_no", start_no, f"expected a start number from 1 to {MAX_START_NO}")
    status = known.entries.get(start_no)
    if status is None:
        raise BadItem(where, "start_no", start_no, "no car with this start number in the entry list")
    if status != "accepted":
        raise BadItem(where, "start_no", start_no, f"this entry is {status}, not running")
    control = raw.get("control")
    try:
        _day, found = known.event.control(str(control))
    except KeyError:
        raise BadItem(where, "control", control, "no control with this name in the event") from None
    line = raw.get("line") or ""
    if line not in LINES:
        raise BadItem(where, "line", line, 'expected "" (the control, or a trial\'s start line) or "finish"')
    if line == "finish" and found.kind is not ControlKind.TIMED_TRIAL:
        raise BadItem(where, "line", line, f"{found.name} is a {found.kind.label.lower()}: it has one line")
    return Item(uuid, start_no, found.name, line, _instant(raw, where))


def _instant(raw: dict[str, Any], where: str) -> int:
    if raw.get("instant_us") is not None:
        instant = _whole(raw["instant_us"])
        if instant is None:
            raise BadItem(
                where, "instant_us", raw["instant_us"], "expected whole microseconds since 1970 UTC"
            )
        field = "instant_us"
    elif raw.get("time") is not None:
        field = "time"
        try:
            moment = dt.datetime.fromisoformat(str(raw["time"]))
        except ValueError:
            raise BadItem(
                where, "time", raw["time"], "expected an ISO 8601 time, e.g. 2026-04-26T10:02:03.41-07:00"
            ) from None
        if is_naive(moment):
            raise BadItem(where, "time", raw["time"], NO_ZONE)
        instant = from_datetime(moment)
    else:
        raise BadItem(where, "instant_us", None, "missing: give instant_us or time")
    if not _EARLIEST_US <= instant < _LATEST_US:
        raise BadItem(where, field, raw[field], "not a plausible time (is the phone's clock set?)")
    return instant


def record_passages(db: Database, username: str, items: Sequence[object]) -> list[Outcome]:
    """Store what is new, recognise what was sent before; one outcome per item, in order."""
    for attempt in (1, 2):
        try:
            return _record(db, username, items)
        except AlreadyStored:
            # Another request stored one of these UUIDs between our look-up and our insert: the
            # second pass sees it and answers "duplicate".
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _record(db: Database, username: str, items: Sequence[object]) -> list[Outcome]:
    outcomes: list[Outcome] = []
    source = f"marshal:{username}"
    news_worthy = False  # a passage at a secret check is not announced while results are unpublished
    with db.unit_of_work() as uow:
        known = _known(uow)
        if known is None:
            return [Outcome(None, "error", field="event", error="no event in the database") for _ in items]
        parsed: list[Item | BadItem] = []
        for index, raw in enumerate(items):
            try:
                parsed.append(parse_item(raw, index, known))
            except BadItem as exc:
                parsed.append(exc)
        uuids = [p.uuid for p in parsed if isinstance(p, Item)]
        existing = uow.passages.ids_of_uuids(uuids)
        received = now_us()
        for raw, item in zip(items, parsed, strict=True):
            body = _as_received(raw)
            if isinstance(item, BadItem):
                uuid = raw.get("uuid") if isinstance(raw, dict) else None
                # Refused, but kept as received with the reason, like every other input.
                store_raw(uow, known.event_id, "marshal_passage", source, "application/json", body, str(item))
                outcomes.append(
                    Outcome(str(uuid) if uuid else None, "error", field=item.field, error=str(item))
                )
                continue
            if item.uuid in existing:
                outcomes.append(Outcome(item.uuid, "duplicate", existing[item.uuid]))
                continue
            raw_id = store_raw(uow, known.event_id, "marshal_passage", source, "application/json", body)
            passage = Passage(
                start_no=item.start_no,
                control=item.control,
                line=item.line,
                instant_us=item.instant_us,
                source=Source.MARSHAL,
                recorded_by=username,
            )
            new = NewPassage(
                passage=passage,
                raw_id=raw_id,
                recorded_by=username,
                recorded_us=received,
                client_uuid=item.uuid,
            )
            passage_id = uow.passages.add(known.event_id, new)
            existing[item.uuid] = passage_id
            outcomes.append(Outcome(item.uuid, "stored", passage_id))
            news_worthy = news_worthy or item.control not in known.secret
    if news_worthy:
        news.results_changed(known.event_id)
    return outcomes


def _as_received(raw: object) -> str:
    body = json.dumps(raw, sort_keys=True, ensure_ascii=False)
    try:
        body.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate ("\\ud800" in the JSON): no database can store it as is
        return json.dumps(raw, sort_keys=True)
    return body


def passages(
    uow: UnitOfWork, event_id: int, start_no: int | None = None, control: str | None = None
) -> list[PassageView]:
    """Raw passages as stored (every source), in time order; for a car's private page or a control."""
    return uow.passages.views(event_id, start_no, control)
