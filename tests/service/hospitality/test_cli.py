"""`miglia itinerary --car N --format ics|pdf|text [--out FILE]`, `miglia hospitality report --venue NAME
--format csv|pdf [--out FILE]` and `miglia hospitality allocate`, on SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from typer.testing import CliRunner

from miglia.cli.main import app
from miglia.service.hospitality import hotels
from miglia.store.db import Database
from tests.web.helpers import with_event


def _event(url: str) -> None:
    db = with_event(Database(url))
    hotel = hotels.add_venue(db, day=1, kind="hotel", name="Hotel Sonoma", address="1 Plaza", by="olga")
    hotels.set_rooms(db, hotel.id, {"double": "2"}, "olga")
    db.dispose()


def test_allocate_then_report_and_itinerary(db_url: str, tmp_path: Path) -> None:
    _event(db_url)
    run = CliRunner()
    done = run.invoke(app, ["hospitality", "allocate", "--by", "olga", "--db", db_url])
    assert done.exit_code == 0, done.output
    assert done.output.splitlines() == [
        "2 rooms allocated; 1 crew-nights without a room (not enough rooms)",
        "car 3, night 1: no room left on night 1: 2 rooms for 3 crews",
    ]
    csv = run.invoke(app, ["hospitality", "report", "--venue", "sonoma", "--format", "csv", "--db", db_url])
    assert csv.exit_code == 0, csv.output
    assert csv.output.splitlines()[1] == "Hotel Sonoma,1,2026-04-26,1,Anna Rossi / Bea Conti,double"
    out = tmp_path / "lunch.pdf"
    pdf = run.invoke(
        app, ["hospitality", "report", "--venue", "Fig", "--format", "pdf", "--out", str(out), "--db", db_url]
    )
    assert pdf.exit_code == 0 and out.read_bytes().startswith(b"%PDF")
    text = run.invoke(app, ["itinerary", "--car", "2", "--db", db_url])
    assert text.exit_code == 0, text.output
    assert "08:01       Start: D1-START" in text.output and "Hotel: Hotel Sonoma" in text.output
    ics = run.invoke(app, ["itinerary", "--car", "2", "--format", "ics", "--db", db_url])
    assert (
        ics.output.startswith("BEGIN:VCALENDAR")
        and "DTSTART;TZID=America/Los_Angeles:20260426T080100" in ics.output
    )
    ipdf = tmp_path / "car2.pdf"
    made = run.invoke(app, ["itinerary", "--car", "2", "--format", "pdf", "--out", str(ipdf), "--db", db_url])
    assert made.exit_code == 0 and ipdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        words = subprocess.run(
            ["pdftotext", str(ipdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "Itinerary" in words and "Hotel Sonoma" in words and "08:01" in words


def test_bad_input_exits_2_naming_the_field(sqlite_url: str) -> None:
    _event(sqlite_url)
    run = CliRunner()
    bad = run.invoke(app, ["hospitality", "report", "--venue", "Ritz", "--db", sqlite_url])
    assert bad.exit_code == 2 and "venue = 'Ritz': no venue of this name" in bad.output
    fmt = run.invoke(app, ["itinerary", "--car", "1", "--format", "doc", "--db", sqlite_url])
    assert fmt.exit_code == 2 and "format = 'doc': ics, pdf or text" in fmt.output
    car = run.invoke(app, ["itinerary", "--car", "4", "--db", sqlite_url])
    assert car.exit_code == 2 and "start_no = 4: no accepted car" in car.output
    nofile = run.invoke(app, ["itinerary", "--car", "1", "--format", "pdf", "--db", sqlite_url])
    assert nofile.exit_code == 2 and "give --out FILE" in nofile.output
