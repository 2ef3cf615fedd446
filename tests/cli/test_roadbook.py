"""`miglia roadbook EVENT.toml --day N --format csv|pdf|gpx --out FILE`: from the files alone; bad input
names the file and the value and writes nothing."""

from __future__ import annotations

import subprocess
from pathlib import Path

import gpxpy
import gpxpy.gpx
import numpy as np
import pytest
from typer.testing import CliRunner, Result

from miglia.cli.main import app
from miglia.service.roadbook import books
from miglia.store.db import Database
from tests.conftest import need
from tests.geo.geo_synth import to_latlon
from tests.geo.test_geo_turns import polyline
from tests.roadbook.synth import CORNERS
from tests.roadbook.test_osm import ROAD, at, write_osm

EVENT = """
[event]
name = "Drawn Rally"
timezone = "America/Los_Angeles"
rules = "regularity"

[[days]]
date = 2026-04-26
title = "Drawn loop"
route = "drawn.gpx"
first_start = 08:00:00
odometer_check = { from_km = 0.5, to_km = 1.5 }

[[days.controls]]
name = "D1-START"
kind = "start"
km = 0

[[days.controls]]
name = "D1-TC1"
kind = "time_control"
km = 3.0
target = "0:10:00"

[[days.controls]]
name = "D1-SC1"
kind = "secret_check"
km = 4.0

[[days.controls]]
name = "D1-FINISH"
kind = "finish"
km = 5.5
average_kmh = 40
"""


def write_event(folder: Path, corners: list[tuple[float, float]] = CORNERS, text: str = EVENT) -> Path:
    lat, lon = to_latlon(*polyline(corners, 20.0))
    gpx = gpxpy.gpx.GPX()
    track = gpxpy.gpx.GPXTrack()
    track.segments.append(
        gpxpy.gpx.GPXTrackSegment(
            [gpxpy.gpx.GPXTrackPoint(float(a), float(b)) for a, b in zip(lat, lon, strict=True)]
        )
    )
    gpx.tracks.append(track)
    (folder / "drawn.gpx").write_text(gpx.to_xml(), encoding="utf-8")
    path = folder / "event.toml"
    path.write_text(text, encoding="utf-8")
    return path


def run(*args: str) -> Result:
    return CliRunner().invoke(app, ["roadbook", *args])


def test_the_csv_goes_to_stdout_line_by_line(tmp_path: Path) -> None:
    result = run(str(write_event(tmp_path)), "--day", "1")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "km,partial_km,instruction,heading_in,heading_out,note",
        "0.00,0.00,D1-START start,0,0,",
        "0.50,0.50,odometer check start: zero the trip meter,0,0,",
        "1.50,1.00,odometer check end: 1.00 km measured,0,0,compare the trip meter and correct its setting",
        "2.00,0.50,turn right,0,90,",
        "3.00,1.00,D1-TC1 time control,90,90,",
        "3.50,0.50,turn left,90,0,",
        "5.50,2.00,D1-FINISH finish,0,0,",
    ]


def test_side_roads_come_from_an_osm_extract(tmp_path: Path) -> None:
    # the junction of the right turn, with a road on to the north and one to the west
    (x, y) = CORNERS[1]
    points = {1: (x, y), 2: (x, y - 100), 3: (x + 100, y), 4: (x, y + 100), 5: (x - 100, y)}
    lat, lon = to_latlon(np.array([p[0] for p in points.values()]), np.array([p[1] for p in points.values()]))
    nodes = {k: (float(a), float(b)) for k, a, b in zip(points, lat, lon, strict=True)}
    osm = write_osm(tmp_path / "map.osm.pbf", nodes, [([2, 1, 4], ROAD), ([5, 1, 3], ROAD)])
    result = run(str(write_event(tmp_path)), "--day", "1", "--format", "gpx", "--osm", str(osm))
    assert result.exit_code == 0, result.output
    turn = next(w for w in gpxpy.parse(result.stdout).waypoints if w.name == "2.00 turn right")
    assert "stub" in (turn.extensions[2].text or "")  # the tulip draws the side roads


def test_a_pdf_is_written_only_with_out_and_is_an_a5_roadbook(tmp_path: Path) -> None:
    event = write_event(tmp_path)
    assert run(str(event), "--day", "1", "--format", "pdf").exit_code == 2
    out = tmp_path / "day1.pdf"
    result = run(str(event), "--day", "1", "--format", "pdf", "--out", str(out))
    assert result.exit_code == 0, result.output
    need(
        subprocess.run(["which", "pdftotext"], capture_output=True).returncode == 0,
        "apt-get install poppler-utils",
    )
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Drawn loop" in text and "turn right" in text and "D1-TC1 time control" in text
    assert "SC1" not in text
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    assert "419.53 x 595.28 pts" in info  # A5


Corners = list[tuple[float, float]]


@pytest.mark.parametrize(
    ("text", "corners", "message"),
    [
        (EVENT, [(0.0, 0.0), (0.0, 0.0)], "drawn.gpx"),
        (EVENT.replace("to_km = 1.5", "to_km = 9.5"), CORNERS, "odometer check end km = 9.5"),
        (EVENT.replace("title = ", "titel = "), CORNERS, "titel"),
    ],
)
def test_bad_input_names_the_file_and_the_value_and_writes_nothing(
    tmp_path: Path, text: str, corners: Corners, message: str
) -> None:
    event = write_event(tmp_path, corners, text)
    out = tmp_path / "out.csv"
    result = run(str(event), "--day", "1", "--out", str(out))
    assert result.exit_code == 2
    assert message in result.stderr
    assert not out.exists()


def test_a_day_the_event_has_not_and_an_unreadable_osm_file(tmp_path: Path) -> None:
    event = write_event(tmp_path)
    result = run(str(event), "--day", "2")
    assert result.exit_code == 2 and "day = 2: the event has days 1 to 1" in result.stderr
    bad = tmp_path / "broken.osm.pbf"
    bad.write_text("not a map", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = run(str(event), "--day", "1", "--osm", str(bad), "--out", str(out))
    assert result.exit_code == 2 and "broken.osm.pbf" in result.stderr
    assert not out.exists()


def test_event_streets_keeps_the_roads_along_the_stored_routes(
    small_db: Database, sqlite_url: str, tmp_path: Path
) -> None:
    with small_db.unit_of_work() as uow:
        turn = next(i for i in books.day_book(uow, 1).book.instructions if i.words == "turn left")
    origin = (turn.lat, turn.lon)
    nodes = {0: origin, 1: at(turn.heading_in + 180, 100.0, origin), 2: at(turn.heading_out, 100.0, origin)}
    nodes |= {3: at(turn.heading_in, 100.0, origin), 4: at(0.0, 3000.0, origin), 5: at(0.0, 3100.0, origin)}
    extract = write_osm(tmp_path / "area.osm", nodes, [([1, 0, 3], ROAD), ([0, 2], ROAD), ([4, 5], ROAD)])
    result = CliRunner().invoke(app, ["event", "streets", str(extract), "--db", sqlite_url])
    assert result.exit_code == 0, result.output
    assert (
        result.stdout == "area.osm: 2 roads along the routes kept for the roadbook's side roads\n"
    )  # not the far one
    missing = CliRunner().invoke(
        app, ["event", "streets", str(tmp_path / "none.osm.pbf"), "--db", sqlite_url]
    )
    assert missing.exit_code == 2 and "none.osm.pbf: no such file" in missing.stderr
