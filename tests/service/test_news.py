"""Every change to what results are made of is announced after it is committed, and only then."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from miglia.domain.corrections import CorrectionKind
from miglia.domain.errors import MigliaError
from miglia.service import news
from miglia.service.event import events
from miglia.service.timing import timekeeper
from miglia.store.db import Database


def test_changes_are_announced_once_committed(small_db: Database, tmp_path: Path) -> None:
    heard: list[int] = []
    stop = news.subscribe(heard.append)
    try:
        with small_db.unit_of_work() as uow:
            event_id = events.event_row(uow).id
        csv = tmp_path / "p.csv"
        csv.write_text("start_no,control,time\n1,D1-TC1,08:10:00\n")
        timekeeper.import_passages(small_db, csv)
        timekeeper.import_passages(small_db, csv)  # nothing new: nothing to announce
        request = timekeeper.CorrectionRequest(
            CorrectionKind.ADD_PENALTY, 2, "clerk", "late", points=Decimal(10)
        )
        timekeeper.add_correction(small_db, request)
        with pytest.raises(MigliaError):
            timekeeper.add_correction(
                small_db, timekeeper.CorrectionRequest(CorrectionKind.ADD_PENALTY, 2, "clerk", "")
            )
        events.publish_results(small_db, True)
    finally:
        stop()
    assert heard == [event_id] * 3
    events.publish_results(small_db, False)
    assert heard == [event_id] * 3  # unsubscribed


def test_importing_the_event_again_tells_what_was_derived_from_it(small_db: Database) -> None:
    from tests.conftest import SMALL

    heard: list[tuple[str, int]] = []
    stops = [
        news.subscribe(lambda e: heard.append(("event", e)), news.EVENT),
        news.subscribe(lambda e: heard.append(("results", e))),
    ]
    try:
        events.import_entries(small_db, SMALL / "entries.csv")
    finally:
        for stop in stops:
            stop()
    with small_db.unit_of_work() as uow:
        event_id = events.event_row(uow).id
    assert heard == [("event", event_id), ("results", event_id)]
