"""The demo event files: a valid event file, ~1,600 km of routes, ~70 entries with one refused."""

from __future__ import annotations

import csv
import itertools
import re
from collections import Counter
from pathlib import Path

import gpxpy
import numpy as np
import pytest

from miglia.demo import DemoFiles, write_demo_event
from miglia.demo.entries import demo_entries
from miglia.demo.roads import geodesic_chainage
from miglia.domain.entries import CarCategory, RaceHistory
from miglia.domain.event import ControlKind, Event, StopKind
from miglia.domain.timecard import EventPlan
from miglia.formats.entries_csv import OPTIONAL, REQUIRED, read_entries
from miglia.formats.event_file import load_event


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    return write_demo_event(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def event(demo: DemoFiles) -> Event:
    return load_event(demo.event_toml)


def _route(path: Path) -> tuple[np.ndarray, np.ndarray]:
    gpx = gpxpy.parse(path.read_text(encoding="utf-8"))
    points = gpx.tracks[0].segments[0].points
    return np.array([p.latitude for p in points]), np.array([p.longitude for p in points])


def test_the_event_file_loads_with_the_event_file_reader(event: Event) -> None:
    assert event.name == "California Mille 2026"
    assert event.slug == "california-mille-2026"
    assert event.timezone == "America/Los_Angeles"
    assert event.rules == "mille-miglia"
    assert event.eligibility.latest_year == 1957
    assert event.description and event.sponsor
    assert [str(d.date) for d in event.days] == ["2026-04-26", "2026-04-27", "2026-04-28", "2026-04-29"]
    assert all(str(d.first_start) == "08:00:00" and d.start_interval_s == 60 for d in event.days)


def test_the_files_are_where_the_event_file_says(demo: DemoFiles, event: Event) -> None:
    assert demo.entries_csv == demo.event_toml.parent / "entries.csv"
    assert sorted(demo.route_files) == [1, 2, 3, 4]
    for day in event.days:
        assert Path(day.route) == demo.route_files[day.number].resolve()
        assert demo.route_files[day.number].name == f"day{day.number}.gpx"


def test_the_routes_add_up_to_about_1600_km_of_road_like_polylines(demo: DemoFiles) -> None:
    total = 0.0
    for path in demo.route_files.values():
        lat, lon = _route(path)
        chain = geodesic_chainage(lat, lon)
        total += chain[-1]
        steps = np.diff(chain)
        assert 3000 <= lat.size <= 12000
        assert 35.0 <= steps.mean() <= 100.0
        assert steps.max() <= 120.0 and steps.min() > 0.0
    assert 1_500_000 <= total <= 1_700_000


def test_the_loop_starts_on_nob_hill_and_ends_in_sausalito(demo: DemoFiles) -> None:
    lat, lon = _route(demo.route_files[1])
    assert (lat[0], lon[0]) == (pytest.approx(37.7925, abs=1e-4), pytest.approx(-122.41, abs=1e-4))
    lat, lon = _route(demo.route_files[4])
    assert (lat[-1], lon[-1]) == (pytest.approx(37.8567, abs=1e-3), pytest.approx(-122.4781, abs=1e-3))
    for day in (1, 2, 3):  # each day starts where the previous one ended (the hotel)
        end = _route(demo.route_files[day])
        start = _route(demo.route_files[day + 1])
        assert (end[0][-1], end[1][-1]) == (start[0][0], start[1][0])


def test_the_same_seed_writes_the_same_files(demo: DemoFiles, tmp_path: Path) -> None:
    again = write_demo_event(tmp_path / "again")
    assert again.event_toml.read_text() == demo.event_toml.read_text().replace(
        str(demo.event_toml.parent), str(again.event_toml.parent)
    )
    assert again.route_files[2].read_bytes() == demo.route_files[2].read_bytes()
    other = write_demo_event(tmp_path / "other", seed=7)
    assert other.route_files[2].read_bytes() != demo.route_files[2].read_bytes()


def test_every_day_has_the_controls_of_a_mille_miglia_day(event: Event) -> None:
    for day in event.days:
        kinds = Counter(c.kind for c in day.controls)
        p = f"D{day.number}-"
        assert day.controls[0].kind is ControlKind.START and day.controls[0].name == p + "START"
        assert day.controls[-1].kind is ControlKind.FINISH and day.controls[-1].name == p + "FINISH"
        assert 2 <= kinds[ControlKind.TIME_CONTROL] <= 3
        assert 2 <= kinds[ControlKind.PASSAGE_CONTROL] <= 3
        assert kinds[ControlKind.TIMED_TRIAL] == 2
        assert 1 <= kinds[ControlKind.SECRET_CHECK] <= 2
        for c in day.controls:
            assert re.fullmatch(rf"{p}(START|FINISH|TC\d|PC\d|PT\d|SC\d)", c.name)
        kms = [c.km for c in day.controls]
        assert kms == sorted(kms)


def test_timed_trials_are_short_with_targets_to_the_hundredth(event: Event) -> None:
    for day in event.days:
        for c in day.controls:
            if c.kind is ControlKind.TIMED_TRIAL:
                assert c.km is not None and c.end_km is not None and c.target is not None
                assert 0.2 <= c.end_km - c.km <= 0.5
                kmh = float(c.end_km - c.km) / float(c.target) * 3600
                assert 30 <= kmh <= 65
                assert c.target == c.target.quantize(c.target.__class__("0.01"))


def test_leg_targets_are_whole_minutes_at_a_plausible_average(event: Event) -> None:
    plan = EventPlan.build(event)
    for day in event.days:
        timed = [c for c in day.controls if c.kind.is_timed]
        for a, b in itertools.pairwise(timed):
            leg = plan.by_name[b.name]
            assert leg.leg_us is not None and leg.leg_us % 60_000_000 == 0, b.name
            assert a.km is not None and b.km is not None
            kmh = float(b.km - a.km) / (leg.leg_us / 3.6e9)
            lunch = "after lunch" in b.description
            assert (20 if lunch else 44) <= kmh <= 56, (b.name, kmh)


def test_secret_checks_lie_on_the_leg_with_a_set_average(event: Event) -> None:
    for day in event.days:
        controls = list(day.controls)
        for i, c in enumerate(controls):
            if c.kind is ControlKind.SECRET_CHECK:
                closing = next(x for x in controls[i:] if x.kind.is_timed)
                assert c.average_kmh is not None and closing.average_kmh == c.average_kmh


def test_every_day_has_lunch_a_hotel_and_fuel_and_the_last_a_car_show(event: Event) -> None:
    for day in event.days:
        kinds = Counter(s.kind for s in day.stops)
        assert kinds[StopKind.LUNCH] == 1 and kinds[StopKind.HOTEL] == 1 and kinds[StopKind.FUEL] >= 1
        lunch = next(s for s in day.stops if s.kind is StopKind.LUNCH)
        assert lunch.address and lunch.lat is not None and lunch.opens and lunch.closes
    assert [s.kind for s in event.days[-1].stops].count(StopKind.CAR_SHOW) == 1
    show = next(s for s in event.days[-1].stops if s.kind is StopKind.CAR_SHOW)
    assert "Sausalito" in show.address and "free" in show.description.lower()


def test_about_70_entries_of_cars_built_before_1958_and_one_refused(demo: DemoFiles, event: Event) -> None:
    entries = read_entries(demo.entries_csv, event.eligibility)
    assert 65 <= len(entries) <= 75
    refused = [e for e in entries if not e.accepted]
    assert len(refused) == 1 and refused[0].car.year == 1959
    assert "1959" in refused[0].refusal_reason
    accepted = [e for e in entries if e.accepted]
    assert all(1920 <= e.car.year <= 1957 for e in accepted)
    assert len({e.car.chassis for e in entries}) == len(entries)
    assert {e.device_id for e in entries} == {f"mille-{n:03d}" for n in range(1, len(entries) + 1)}
    assert sum(e.crew.ladies for e in entries) >= 3
    teams = Counter(e.team for e in entries if e.team)
    assert len(teams) == 5 and set(teams.values()) == {3}
    assert {e.class_name for e in accepted} == {"Pre-war", "1946-1953", "1954-1957"}


def test_every_demo_car_has_the_parts_of_its_1000_miglia_coefficient(demo: DemoFiles, event: Event) -> None:
    cars = {e.start_no: e.car for e in read_entries(demo.entries_csv, event.eligibility)}
    assert all(c.displacement_cc is not None and 500 <= c.displacement_cc <= 8000 for c in cars.values())
    assert all(c.category is not None for c in cars.values())
    # Real figures for real models; a supercharged Bugatti counts its nominal cc, the Aprilia is a saloon.
    known = {(c.make, c.model): (c.displacement_cc, c.category) for c in cars.values()}
    assert known[("Bugatti", "Type 35B")] == (2262, CarCategory.SPORT)
    assert known[("Fiat", "508 CS Balilla Mille Miglia")] == (995, CarCategory.SPORT)
    assert known[("Lancia", "Aurelia B20 GT")] == (1991, CarCategory.GRAN_TURISMO)
    assert known[("Lancia", "Aurelia B20 GT 2500")] == (2451, CarCategory.GRAN_TURISMO)
    assert known[("Jaguar", "XK120 Roadster")] == (3442, CarCategory.SPORT)
    assert known[("MG", "TC")] == (1250, CarCategory.SPORT)
    assert known[("Lancia", "Aprilia")] == (1352, CarCategory.TOURING)
    # Every class of displacement and every category is there; a few chassis raced or were entered.
    classes = Counter(
        "750" if c.displacement_cc <= 750 else "1100" if c.displacement_cc <= 1100 else "over"
        for c in cars.values()
        if c.displacement_cc is not None
    )
    assert set(classes) == {"750", "1100", "over"}
    assert {c.category for c in cars.values()} == set(CarCategory)
    history = {n: c.history for n, c in cars.items() if c.history is not RaceHistory.NONE}
    assert history == {
        4: RaceHistory.RACED,
        7: RaceHistory.RACED,
        13: RaceHistory.ENTERED,
        18: RaceHistory.RACED,
        28: RaceHistory.RACED,
        36: RaceHistory.ENTERED,
        49: RaceHistory.RACED,
    }


def test_the_crews_and_chassis_drawn_for_a_seed_stay_the_same() -> None:
    """The coefficient parts come from the table, not the generator: the draws keep their order."""
    rows = demo_entries(1927)
    assert [(r["driver"], r["co_driver"], r["chassis"]) for r in rows[:2]] == [
        ("James Kowalski", "Ivan Fitzgerald", "4821"),
        ("Ivan Moreau", "Nadia Moreau", "36170"),
    ]
    assert rows[-1]["chassis"] == "HBN7L/5420"


def test_the_entries_csv_has_the_documented_columns(demo: DemoFiles) -> None:
    with demo.entries_csv.open(encoding="utf-8") as f:
        header = next(csv.reader(f))
    assert header == list(REQUIRED + OPTIONAL)
