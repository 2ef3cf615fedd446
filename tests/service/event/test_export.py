"""The export (service/event/export.py, `miglia event export`, the console's ZIP): importing what it writes
gives the same event: import, export, import, compare the stored event (its dataclasses equal, the paths
of its files pointing at the exported ones) and the stored routes (equal to 1e-6 degree). For the docs'
example, the demo event and an event using every field of the event file; on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import math
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from miglia.cli import app
from miglia.demo import write_demo_event
from miglia.demo.logo import write_logo
from miglia.domain.event import ControlKind, Event
from miglia.formats.event_export import route_gpx
from miglia.formats.event_file import EventFileError
from miglia.service.event import events
from miglia.service.event.events import check_event
from miglia.service.event.export import export_event, exported_event, write_zip
from miglia.store.db import Database
from miglia.store.records import StoredRoute
from tests.docs.test_examples import event_example
from tests.formats.tile_archives import region_tiles, write_pmtiles

RULES = Path(__file__).resolve().parents[3] / "src" / "miglia" / "rules"


def wiggly_route(lat: float, lon: float, km: float) -> list[list[float]]:
    """A road of about `km` heading north-east with bends, one vertex every ~500 m, to 1e-6 degree."""
    points = []
    for k in range(int(km / 0.45) + 2):
        bend = 0.002 * math.sin(k / 7)
        points.append([round(lat + k * 0.0032 + bend, 6), round(lon + k * 0.0032 - bend, 6)])
    return points


def write_route(path: Path, coordinates: list[list[float]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(route_gpx(path.stem, coordinates), encoding="utf-8")


def docs_example(folder: Path) -> Path:
    """docs/event-file.md's full example as event.toml, with routes/day1.gpx and day2.gpx long enough."""
    write_route(folder / "routes" / "day1.gpx", wiggly_route(37.80, -122.42, 150))
    write_route(folder / "routes" / "day2.gpx", wiggly_route(38.61, -122.87, 160))
    (folder / "event.toml").write_text(event_example(), encoding="utf-8")
    return folder / "event.toml"


EVERY_FIELD = '''
[event]
name = "Every Field Rally"
slug = "every-field"
timezone = "Europe/Rome"
rules = "tour"
description = """
Two days in the hills.

A second paragraph, with "quotes" and a back\\\\slash."""
sponsor = "Officina Rossi"
latest_year = 1965
earliest_year = 1919
logo = "art/logo.png"
tile_url = "https://{s}.tile.example.org/{z}/{x}/{y}.png"
tiles = "maps/bayarea.pmtiles"

[[days]]
date = 2026-05-14
title = "Brescia to Ferrara"
route = "day1.geojson"
first_start = 07:30:00
start_interval = "1:30"
odometer_check = { from_km = 0.5, to_km = 5.5 }

[[days.controls]]
name = "D1-START"
kind = "start"
km = 0
description = "Viale Venezia"

[[days.controls]]
name = "D1-PC1"
kind = "passage_control"
lat = 37.8481
lon = -122.3702

[[days.controls]]
name = "D1-PT1"
kind = "timed_trial"
km = 20.0
end_lat = 37.9478
end_lon = -122.2734
target = "1:05.37"

[[days.controls]]
name = "D1-TC1"
kind = "time_control"
km = 40.25
target = "0:55:00"

[[days.controls]]
name = "D1-SC1"
kind = "secret_check"
km = 55.5

[[days.controls]]
name = "D1-FINISH"
kind = "finish"
km = 85.0
average_kmh = 45.5
speed_changes = [{ km = 50.0, average_kmh = 40 }, { km = 65.125, average_kmh = 50 }]

[[days.stops]]
kind = "fuel"
name = "Agip Mantova"
km = 30.5
opens = "07:00"
closes = 21:30:00

[[days.stops]]
kind = "lunch"
name = "Trattoria"
address = "Via Roma 1, Mantova"
lat = 37.95
lon = -122.30
opens = 12:00:00
description = "Tortelli di zucca"

[[days.stops]]
kind = "hotel"
name = "Hotel Duchi"

[[days]]
date = 2026-05-15
route = "day2/route.gpx"
first_start = 08:00:00

[[days.controls]]
name = "D2-START"
kind = "start"
km = 0

[[days.controls]]
name = "D2-FINISH"
kind = "finish"
lat = 38.6076
lon = -121.5932
target = "1:30:00"

[[days.stops]]
kind = "car_show"
name = "Piazza Duomo"
lat = 38.0
lon = -122.2
km = 40.0
opens = 16:00:00
closes = 19:00:00
'''


def every_field(folder: Path) -> Path:
    """An event file using every field, placing by km and by lat/lon, with its own rule set, logo, tile
    archive and a GeoJSON route, in folders of its own."""
    import json

    day1 = wiggly_route(37.80, -122.42, 90)
    (folder / "day1.geojson").write_text(
        json.dumps({"type": "LineString", "coordinates": [[lon, lat] for lat, lon in day1]}), encoding="utf-8"
    )
    write_route(folder / "day2" / "route.gpx", wiggly_route(37.90, -122.30, 100))
    shutil.copy(RULES / "tour.toml", folder / "my-rules.toml")
    (folder / "art").mkdir()
    write_logo(folder / "art" / "logo.png")
    (folder / "maps").mkdir()
    write_pmtiles(folder / "maps" / "bayarea.pmtiles", region_tiles())
    (folder / "event.toml").write_text(EVERY_FIELD, encoding="utf-8")
    return folder / "event.toml"


def stored(db: Database) -> tuple[Event, dict[int, StoredRoute]]:
    with db.unit_of_work() as uow:
        row = events.event_row(uow)
        return events.event_of(row), events.routes(uow, row.id)


def without_paths(event: Event) -> Event:
    return replace(event, rules="", logo="", tiles="", days=tuple(replace(d, route="") for d in event.days))


def assert_round_trip(db: Database, source: Path, out: Path) -> Event:
    """Import `source`, export into `out`, import the export: the same event and routes come back; the
    export is accepted by `miglia event check`, and exported again it is the same files."""
    events.import_event(db, source)
    first, first_routes = stored(db)
    written = export_event(db, out)
    assert written[0] == out / "event.toml"
    check_event(out / "event.toml")
    events.import_event(db, out / "event.toml")
    second, second_routes = stored(db)

    assert without_paths(second) == without_paths(first)
    for day in second.days:
        assert Path(day.route).parent == out.resolve()
    for name in ("logo", "tiles"):
        value = getattr(second, name)
        assert bool(value) == bool(getattr(first, name))
        assert not value or (Path(value).is_file() and Path(value).parent == out.resolve())
    if first.rules.endswith(".toml"):
        assert Path(second.rules) == (out / Path(first.rules).name).resolve()
        assert Path(second.rules).read_bytes() == Path(first.rules).read_bytes()
    else:
        assert second.rules == first.rules
    assert first_routes.keys() == second_routes.keys()
    for number, route in first_routes.items():
        again = second_routes[number]
        assert len(again.coordinates) == len(route.coordinates)
        assert all(
            abs(a - c) <= 1e-6 and abs(b - d) <= 1e-6
            for (a, b), (c, d) in zip(route.coordinates, again.coordinates, strict=True)
        )
        assert again.length_m == pytest.approx(route.length_m, abs=0.01)

    again = exported_event(db)
    assert {n: c for n, c in again.files.items() if not isinstance(c, Path)} == {
        str(p.relative_to(out)): p.read_bytes() for p in written if p.suffix not in (".pmtiles", ".jpg")
    } | {n: c for n, c in again.files.items() if n.endswith(".jpg") and not isinstance(c, Path)}
    return second


def test_the_docs_example_round_trips(db: Database, tmp_path: Path) -> None:
    event = assert_round_trip(db, docs_example(tmp_path / "docs"), tmp_path / "export")
    assert [c.name for c in event.days[0].controls] == ["D1-START", "D1-PT1", "D1-TC1", "D1-SC1", "D1-FINISH"]
    text = (tmp_path / "export" / "event.toml").read_text(encoding="utf-8")
    assert 'route = "day1.gpx"' in text and 'name = "The Girl & the Fig"' in text


def test_the_demo_event_round_trips(db: Database, tmp_path: Path) -> None:
    demo = write_demo_event(tmp_path / "demo")
    event = assert_round_trip(db, demo.event_toml, tmp_path / "export")
    assert len(event.days) == 4 and Path(event.logo).name == "logo.jpg"
    assert sorted(p.name for p in (tmp_path / "export").glob("*.gpx")) == [
        "day1.gpx",
        "day2.gpx",
        "day3.gpx",
        "day4.gpx",
    ]


def test_every_field_of_the_event_file_round_trips(db: Database, tmp_path: Path) -> None:
    (tmp_path / "source").mkdir()
    event = assert_round_trip(db, every_field(tmp_path / "source"), tmp_path / "export")
    day1, day2 = event.days
    assert (event.eligibility.earliest_year, event.tile_url) == (
        1919,
        "https://{s}.tile.example.org/{z}/{x}/{y}.png",
    )
    assert event.description.startswith("Two days in the hills.\n\nA second paragraph")
    assert Path(event.tiles).name == "bayarea.pmtiles" and event.rules == "tour"
    assert day1.start_interval_s == 90 and day1.odometer_check is not None
    trial = day1.controls[2]
    assert trial.kind is ControlKind.TIMED_TRIAL and str(trial.target) == "65.37"
    assert [Path(d.route).name for d in event.days] == ["day1.gpx", "route.gpx"]
    text = (tmp_path / "export" / "event.toml").read_text(encoding="utf-8")
    # placed as the organiser placed them: D1-PC1 and D2-FINISH by lat/lon, the trial's end too
    assert 'name = "D1-PC1"\nkind = "passage_control"\nlat = 37.8481\nlon = -122.3702\n' in text
    assert "end_lat = 37.9478\nend_lon = -122.2734\n" in text
    assert 'name = "D2-FINISH"\nkind = "finish"\nlat = 38.6076\n' in text
    assert day2.stops[0].km is not None


def test_the_organisers_own_rule_set_file_goes_with_the_export(sqlite_url: str, tmp_path: Path) -> None:
    """On SQLite: the stored event's `rules` column holds 80 characters on PostgreSQL, too few for the
    absolute path of a rule-set file in a test's folder (a limit of the store, not of the export)."""
    (tmp_path / "source").mkdir()
    source = every_field(tmp_path / "source")
    source.write_text(EVERY_FIELD.replace('rules = "tour"', 'rules = "my-rules.toml"'), encoding="utf-8")
    event = assert_round_trip(Database(sqlite_url), source, tmp_path / "export")
    assert event.rules == str((tmp_path / "export" / "my-rules.toml").resolve())
    assert 'rules = "my-rules.toml"' in (tmp_path / "export" / "event.toml").read_text(encoding="utf-8")


def test_two_days_with_route_files_of_one_name_get_two_names(db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "source"
    text = event_example().replace("routes/day1.gpx", "a/route.gpx").replace("routes/day2.gpx", "b/route.gpx")
    write_route(folder / "a" / "route.gpx", wiggly_route(37.80, -122.42, 150))
    write_route(folder / "b" / "route.gpx", wiggly_route(38.61, -122.87, 160))
    (folder / "event.toml").write_text(text, encoding="utf-8")
    assert_round_trip(db, folder / "event.toml", tmp_path / "export")
    assert sorted(p.name for p in (tmp_path / "export").glob("*.gpx")) == [
        "day1-route.gpx",
        "day2-route.gpx",
    ]


def test_the_zip_holds_the_same_files_in_a_folder_named_after_the_event(db: Database, tmp_path: Path) -> None:
    (tmp_path / "source").mkdir()
    events.import_event(db, every_field(tmp_path / "source"))
    exported = exported_event(db)
    buffer = io.BytesIO()
    write_zip(exported, buffer)
    with zipfile.ZipFile(buffer) as archive:
        names = archive.namelist()
        assert names[0] == "every-field/event.toml"
        assert sorted(names) == sorted(f"every-field/{n}" for n in exported.files)
        archive.extractall(tmp_path / "unzipped")
        assert (tmp_path / "unzipped" / "every-field" / "bayarea.pmtiles").read_bytes() == (
            tmp_path / "source" / "maps" / "bayarea.pmtiles"
        ).read_bytes()
    check_event(tmp_path / "unzipped" / "every-field" / "event.toml")


def test_miglia_event_export_writes_a_folder_that_event_check_accepts(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'miglia.db'}"
    runner = CliRunner()
    source = docs_example(tmp_path / "docs")
    assert runner.invoke(app, ["event", "import", str(source), "--db", url]).exit_code == 0
    result = runner.invoke(app, ["event", "export", "--out", str(tmp_path / "out"), "--db", url])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"{tmp_path / 'out' / 'event.toml'}: the event file, with 2 files beside it",
        "  day1.gpx",
        "  day2.gpx",
    ]
    checked = runner.invoke(app, ["event", "check", str(tmp_path / "out" / "event.toml")])
    assert checked.exit_code == 0 and "OK: Golden Gate Classic 2026, 2 days" in checked.output


def test_exporting_with_no_event_says_so(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["event", "export", "--out", str(tmp_path / "out"), "--db", f"sqlite:///{tmp_path / 'e.db'}"]
    )
    assert result.exit_code == 2 and "no event in the database" in result.output
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------------- any route, any placement


@st.composite
def placed_events(draw: st.DrawFn) -> tuple[list[list[float]], str]:
    """A random road (a walk of 6-decimal points) and an event file placing controls on it by km or by
    lat/lon (a point near the road: a vertex moved by up to ~100 m), timed trials' finish lines too."""
    lat, lon = draw(st.floats(-60, 60)), draw(st.floats(-170, 170))
    road = [[round(lat, 6), round(lon, 6)]]
    for _ in range(draw(st.integers(5, 40))):
        a, b = road[-1]
        road.append([round(a + draw(st.floats(-0.01, 0.01)), 6), round(b + draw(st.floats(-0.01, 0.01)), 6)])
    lines = ['[event]\nname = "Any Road"\ntimezone = "UTC"\n', "[[days]]\ndate = 2026-06-01"]
    lines.append('route = "road.gpx"\nfirst_start = 09:00:00\n')

    def near() -> str:
        a, b = road[draw(st.integers(0, len(road) - 1))]
        return (
            f"lat = {a + draw(st.floats(-0.0008, 0.0008))!r}\nlon = {b + draw(st.floats(-0.0008, 0.0008))!r}"
        )

    kinds = [
        "start",
        *draw(st.lists(st.sampled_from(["passage_control", "timed_trial"]), max_size=5)),
        "finish",
    ]
    km = 0.0
    for n, kind in enumerate(kinds):
        lines.append(f'[[days.controls]]\nname = "C{n}"\nkind = "{kind}"')
        if n == 0:
            lines.append("km = 0")
        elif draw(st.booleans()):
            lines.append(near())
        else:
            km += draw(st.floats(0, 2))
            lines.append(f"km = {km:.3f}")
        if kind == "timed_trial":
            lines.append('target = "30.00"')
            lines.append(near().replace("lat", "end_lat").replace("lon", "end_lon"))
        if kind == "finish":
            lines.append('target = "2:00:00"')
        lines.append("")
    return road, "\n".join(lines)


@pytest.fixture(scope="module")
def one_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path_factory.mktemp('any') / 'any.db'}")
    yield database
    database.dispose()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=placed_events())
def test_any_event_on_any_road_round_trips(
    one_db: Database, tmp_path_factory: pytest.TempPathFactory, case: Any
) -> None:
    road, text = case
    folder = tmp_path_factory.mktemp("case")
    write_route(folder / "road.gpx", road)
    (folder / "event.toml").write_text(text, encoding="utf-8")
    try:
        check_event(folder / "event.toml")
    except EventFileError:
        assume(False)  # a control placed past the road's end, or legs out of order: not an event
    assert_round_trip(one_db, folder / "event.toml", folder / "export")
