"""The timekeeper's use cases: passages from timing devices, corrections and official penalties.

Each use case runs in one transaction: the input is stored raw first, then checked against the event,
its entries and what is already stored (through the domain Scoreboard), then stored interpreted. A bad
input raises MigliaError naming the field and value, and nothing read from it is stored.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from miglia.domain.corrections import Correction, CorrectionKind
from miglia.domain.errors import MigliaError
from miglia.domain.passages import Passage
from miglia.domain.timecard import EventPlan
from miglia.formats.passages_csv import parse_passages
from miglia.service import news
from miglia.service.clock import now_us
from miglia.service.event import events
from miglia.service.raw import store_raw
from miglia.service.timing.results import score
from miglia.store.db import Database
from miglia.store.records import NewPassage, passage_key
from miglia.store.unit_of_work import UnitOfWork


def store_passages(
    uow: UnitOfWork, event_id: int, passages: Iterable[tuple[int | None, Passage]], by: str
) -> None:
    """Passages with the raw input each was read from; `by` unless the passage names who recorded it."""
    recorded = now_us()
    uow.passages.add_many(
        event_id,
        [
            NewPassage(passage=p, raw_id=raw_id, recorded_by=by, recorded_us=recorded)
            for raw_id, p in passages
        ],
    )


def import_passages(
    db: Database, path: Path, by: str = "device import", slug: str | None = None
) -> list[Passage]:
    """Passages from a timing device's CSV export (miglia.formats.passages_csv), all or none.

    The file is kept as received either way; a refused file with its problems, and nothing read from it.
    Importing the same export again adds only the passages not already stored (same car, control, line,
    source and instant), so a device's file can be re-sent safely. Returns the passages added.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise MigliaError(f"{path}: cannot read the passages file: {exc}") from None
    try:
        with db.unit_of_work() as uow:
            row = events.event_row(uow, slug)
            event = events.event_of(row)
            numbers = {e.start_no for e in uow.entries.all(row.id) if e.accepted}
            raw_id = store_raw(uow, row.id, "passages_file", str(path), "text/csv", text)
            passages = parse_passages(text, str(path), event, EventPlan.build(event), numbers)
            stored = uow.passages.keys(row.id)
            new = [p for p in passages if passage_key(p) not in stored]
            store_passages(uow, row.id, [(raw_id, p) for p in new], by)
            event_id = row.id
    except MigliaError as exc:
        with db.unit_of_work() as uow:
            known = None if isinstance(exc, events.NotFound) else events.event_row(uow, slug).id
            store_raw(uow, known, "passages_file", str(path), "text/csv", text, problem=str(exc))
        raise
    if new:
        news.results_changed(event_id)
    return new


def parse_amount(value: str | None, name: str) -> Decimal | None:
    """Points or seconds as a timekeeper types them ("60", "12.5"); empty is None."""
    if value is None or not value.strip():
        return None
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number < 0:
        raise MigliaError(f"{name} = {value!r}: expected a number of 0 or more, e.g. 60 or 12.5")
    return number


@dataclass(frozen=True)
class CorrectionRequest:
    """What a timekeeper asks for; see domain.corrections for the kinds and what each needs."""

    kind: CorrectionKind
    start_no: int
    by: str
    why: str
    control: str = ""
    line: str = ""
    instant_us: int | None = None
    passage_id: int | None = None
    points: Decimal | None = None
    time_us: int | None = None
    cancels: int | None = None


def add_correction(db: Database, request: CorrectionRequest, slug: str | None = None) -> int:
    """Store a correction (or a cancel of one) after the scoreboard accepts it; returns its id."""
    with db.unit_of_work() as uow:
        row = events.event_row(uow, slug)
        candidate = Correction(
            id="new",
            kind=request.kind,
            start_no=request.start_no,
            by=request.by,
            at_us=now_us(),
            why=request.why,
            control=request.control,
            line=request.line,
            instant_us=request.instant_us,
            passage_id=None if request.passage_id is None else str(request.passage_id),
            points=request.points,
            time_us=request.time_us,
            cancels=None if request.cancels is None else str(request.cancels),
        )
        score(uow, row.slug).board.add_correction(candidate)
        raw_id = store_raw(
            uow,
            row.id,
            "correction",
            request.by,
            "application/json",
            json.dumps({k: (str(v) if isinstance(v, Decimal) else v) for k, v in request.__dict__.items()}),
        )
        new_id = uow.corrections.add(row.id, candidate, raw_id)
    news.results_changed(row.id)
    return new_id
