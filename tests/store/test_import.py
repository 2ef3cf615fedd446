"""Importing the event and entries, on SQLite and on PostgreSQL; bad input stores nothing."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from miglia.domain.entries import EntryStatus
from miglia.domain.errors import MigliaError
from miglia.service.event import events
from miglia.store.db import Database
from miglia.store.models import EntryRow, EventRow, RawInputRow, RouteRow

SMALL = Path(__file__).resolve().parents[1] / "data" / "small"


def count(db: Database, table: type) -> int:
    with db.unit_of_work() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(table)) or 0)


def test_event_and_entries_round_trip(db: Database) -> None:
    imported = events.import_event(db, SMALL / "event.toml")
    events.import_entries(db, SMALL / "entries.csv")
    with db.unit_of_work() as uow:
        row = events.event_row(uow)
        event = events.load(uow)
        entries = events.entries(uow, row.id)
        routes = events.routes(uow, row.id)
    assert event == imported
    assert row.source_text == (SMALL / "event.toml").read_text()
    assert [e.start_no for e in entries] == [1, 2, 3, 4]
    assert entries[3].status is EntryStatus.REFUSED and "1959" in entries[3].refusal_reason
    assert 13_900 < routes[1].length_m < 14_500
    trial = event.days[0].controls[1]
    # Placed by km, the control now also knows where it is; the lunch stop placed by lat/lon knows its km.
    assert trial.lat == pytest.approx(38.2919 + 300 * __import__("math").sin(2000 / 1500) / 111_000, abs=2e-4)
    lunch = event.days[0].stops[0]
    assert lunch.km is not None and Decimal(0) <= lunch.km < Decimal(1)
    with db.unit_of_work() as uow:
        raw = uow.session.scalars(select(RawInputRow).order_by(RawInputRow.id)).all()
    # The event file, its route and the entries file, as received, each tied to the event.
    assert [(r.kind, r.event_id) for r in raw] == [
        ("event_file", row.id),
        ("route_file", row.id),
        ("entries_file", row.id),
    ]
    assert raw[1].body == (SMALL / "day1.gpx").read_text()


def test_a_broken_entries_file_stores_nothing(db: Database, tmp_path: Path) -> None:
    events.import_event(db, SMALL / "event.toml")
    events.import_entries(db, SMALL / "entries.csv")
    bad = tmp_path / "entries.csv"
    bad.write_text((SMALL / "entries.csv").read_text() + "5,Ida,,MG,TC,nineteen47,1,x,dev-5,,no\n")
    with pytest.raises(MigliaError, match=r"entries.csv:6: year = 'nineteen47'"):
        events.import_entries(db, bad)
    assert count(db, EntryRow) == 4
    assert count(db, RawInputRow) == 3


def test_a_broken_event_file_stores_nothing(db: Database, tmp_path: Path) -> None:
    shutil.copy(SMALL / "day1.gpx", tmp_path / "day1.gpx")
    text = (SMALL / "event.toml").read_text().replace("km = 12.0", "km = 99.0")
    (tmp_path / "event.toml").write_text(text)
    with pytest.raises(MigliaError, match=r"control D1-FINISH km = 99.0: beyond the end of the route"):
        events.import_event(db, tmp_path / "event.toml")
    assert count(db, EventRow) == 0 and count(db, RouteRow) == 0 and count(db, RawInputRow) == 0


def test_reimport_replaces_the_definition_and_keeps_entries(db: Database, tmp_path: Path) -> None:
    events.import_event(db, SMALL / "event.toml")
    events.import_entries(db, SMALL / "entries.csv")
    shutil.copy(SMALL / "day1.gpx", tmp_path / "day1.gpx")
    (tmp_path / "event.toml").write_text((SMALL / "event.toml").read_text().replace("08:00:00", "09:00:00"))
    events.import_event(db, tmp_path / "event.toml")
    with db.unit_of_work() as uow:
        assert events.load(uow).days[0].first_start.hour == 9
    assert count(db, EventRow) == 1 and count(db, RouteRow) == 1 and count(db, EntryRow) == 4
