"""Synthetic GPS tracks of the demo cars: deterministic, believable, with one breakdown and one wrong turn."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely

from miglia.demo import (
    BREAKDOWN_DAY,
    BREAKDOWN_START_NO,
    WRONG_TURN_DAY,
    WRONG_TURN_START_NO,
    DemoFiles,
    Simulation,
    simulate_event,
    synthesise_tracks,
    write_demo_event,
)
from miglia.demo.roads import metres_per_degree
from miglia.demo.tracks import _Road
from miglia.domain.entries import Entry
from miglia.domain.event import ControlKind, Day, Event
from miglia.domain.timecard import EventPlan, TimeCard, time_cards
from miglia.formats.entries_csv import read_entries
from miglia.formats.event_file import load_event
from miglia.geo.track import Track


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    return write_demo_event(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def event(demo: DemoFiles) -> Event:
    return load_event(demo.event_toml)


@pytest.fixture(scope="module")
def entries(demo: DemoFiles, event: Event) -> list[Entry]:
    return [e for e in read_entries(demo.entries_csv, event.eligibility) if e.accepted]


@pytest.fixture(scope="module")
def cards(event: Event, entries: list[Entry]) -> dict[int, TimeCard]:
    return time_cards(EventPlan.build(event), entries)


@pytest.fixture(scope="module")
def sim(demo: DemoFiles) -> Simulation:
    return simulate_event(demo.event_toml)


@pytest.fixture(scope="module")
def roads(event: Event) -> dict[int, _Road]:
    return {day.number: _Road.read(day, []) for day in event.days}


def _distance_to_route(road: _Road, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Metres from each fix to the route polyline."""
    ky, kx = metres_per_degree(float(np.mean(lat)))
    line = shapely.LineString(np.column_stack([road.lon * kx, road.lat * ky]))
    return np.asarray(shapely.distance(line, shapely.points(lon * kx, lat * ky)))


def test_one_track_per_accepted_entry_and_day(sim: Simulation, entries: list[Entry]) -> None:
    assert set(sim.tracks) == {(e.start_no, d) for e in entries for d in (1, 2, 3, 4)}
    assert all(track.source == f"mille-{n:03d}" for (n, _), track in sim.tracks.items())


def test_the_same_seed_gives_the_same_tracks(demo: DemoFiles, sim: Simulation) -> None:
    again = synthesise_tracks(demo.event_toml)
    for key in [(1, 1), (38, 3), (70, 4)]:
        assert np.array_equal(again[key].t_us, sim.tracks[key].t_us)
        assert np.array_equal(again[key].lat, sim.tracks[key].lat)
    other = synthesise_tracks(demo.event_toml, seed=5)
    assert not np.array_equal(other[(1, 1)].lat, sim.tracks[(1, 1)].lat)


def test_time_goes_forward_at_the_sampling_interval_with_a_few_gaps(sim: Simulation) -> None:
    for track in sim.tracks.values():
        step = np.diff(track.t_us)
        assert (step > 0).all()
        assert np.median(step) == pytest.approx(5_000_000, abs=1_000)
        gaps = step[step > 55_000_000]
        assert 1 <= gaps.size <= 4 and (gaps <= 305_000_000).all()


def test_a_coarser_interval(demo: DemoFiles) -> None:
    tracks = synthesise_tracks(demo.event_toml, interval_s=30.0)
    assert np.median(np.diff(tracks[(1, 1)].t_us)) == pytest.approx(30_000_000, abs=1_000)


def test_cars_stay_on_their_route_with_phone_noise(sim: Simulation, roads: dict[int, _Road]) -> None:
    for no, day in [(1, 1), (20, 2), (45, 3), (70, 4)]:
        track = sim.tracks[(no, day)]
        d = _distance_to_route(roads[day], track.lat, track.lon)
        assert 2.0 <= np.median(d) <= 10.0
        assert d.max() < 60.0


def test_cars_start_at_their_start_time(sim: Simulation, event: Event, cards: dict[int, TimeCard]) -> None:
    for (no, day), crossings in sim.crossings.items():
        start = event.days[day - 1].controls[0].name
        assert 0 < crossings[start][0] - cards[no].day_start_us[day - 1] < 5_000_000


def test_most_cars_clock_in_during_their_due_minute(
    sim: Simulation, event: Event, cards: dict[int, TimeCard]
) -> None:
    on_time = total = 0
    for (no, day), crossings in sim.crossings.items():
        for c in event.days[day - 1].controls:
            if c.kind in (ControlKind.TIME_CONTROL, ControlKind.FINISH):
                due = cards[no].line(c.name).due_us
                assert due is not None
                total += 1
                on_time += 0 <= crossings[c.name][0] - due < 60_000_000
    assert on_time / total >= 0.95


def test_timed_trials_are_driven_to_a_few_tenths(sim: Simulation, event: Event) -> None:
    errors = []
    for (_, day), crossings in sim.crossings.items():
        for c in event.days[day - 1].controls:
            if c.kind is ControlKind.TIMED_TRIAL:
                assert c.target is not None
                elapsed = (crossings[f"{c.name}:end"][0] - crossings[c.name][0]) / 1e6
                errors.append(elapsed - float(c.target))
    assert np.abs(errors).max() < 1.5
    assert 0.02 < np.median(np.abs(errors)) < 0.4


def test_secret_checks_are_passed_near_the_schedule(
    sim: Simulation, event: Event, cards: dict[int, TimeCard]
) -> None:
    deviations = []
    for (no, day), crossings in sim.crossings.items():
        for c in event.days[day - 1].controls:
            if c.kind is ControlKind.SECRET_CHECK:
                ideal = cards[no].line(c.name).due_us
                assert ideal is not None
                deviations.append((crossings[c.name][0] - ideal) / 1e6)
    assert np.median(np.abs(deviations)) < 15.0


def test_cars_stop_for_lunch(sim: Simulation) -> None:
    for key, halts in sim.stops.items():
        lunch = [h for h in halts if h[0] == "lunch"]
        assert len(lunch) == 1, key
        assert 45 * 60e6 <= lunch[0][2] - lunch[0][1] <= 75 * 60e6


def _stationary_runs(
    lat: np.ndarray, lon: np.ndarray, t_us: np.ndarray, radius_m: float = 40.0
) -> list[tuple[int, int]]:
    """(first, last) fix of each run of fixes within `radius_m` of the run's first fix."""
    ky, kx = metres_per_degree(float(np.mean(lat)))
    runs = []
    i = 0
    while i < lat.size:
        d = np.hypot((lat[i:] - lat[i]) * ky, (lon[i:] - lon[i]) * kx)
        far = np.flatnonzero(d > radius_m)
        j = i + (int(far[0]) if far.size else d.size) - 1
        runs.append((i, j))
        i = j + 1
    return runs


def _long_stops_away(track: Track, day: Day, road: _Road) -> list[tuple[int, int]]:
    """Halts of 30 min or more farther than 2 km from every stop and control of the day."""
    places = [(s.lat, s.lon) for s in day.stops if s.lat is not None and s.lon is not None]
    kms = [float(c.km or 0) * 1000 for c in day.controls] + [float(s.km) * 1000 for s in day.stops if s.km]
    for km in kms:
        la, lo = road.at(np.array([km]))
        places.append((float(la[0]), float(lo[0])))
    ky, kx = metres_per_degree(float(np.mean(track.lat)))
    found = []
    for i, j in _stationary_runs(track.lat, track.lon, track.t_us):
        if track.t_us[j] - track.t_us[i] >= 30 * 60e6:
            lat, lon = float(np.mean(track.lat[i : j + 1])), float(np.mean(track.lon[i : j + 1]))
            nearest = min(np.hypot((lat - a) * ky, (lon - b) * kx) for a, b in places)
            if nearest > 2000:
                found.append((i, j))
    return found


def test_the_breakdown_car_stops_for_over_30_minutes_away_from_stops_and_controls(
    sim: Simulation, event: Event, roads: dict[int, _Road]
) -> None:
    day = event.days[BREAKDOWN_DAY - 1]
    road = roads[BREAKDOWN_DAY]
    assert len(_long_stops_away(sim.tracks[(BREAKDOWN_START_NO, BREAKDOWN_DAY)], day, road)) == 1
    incident = next(x for x in sim.incidents if x.kind == "breakdown")
    assert (incident.start_no, incident.day) == (BREAKDOWN_START_NO, BREAKDOWN_DAY)
    assert 30 * 60e6 <= incident.end_us - incident.start_us <= 50 * 60e6
    for other in (1, BREAKDOWN_START_NO + 1, 50):
        assert not _long_stops_away(sim.tracks[(other, BREAKDOWN_DAY)], day, road)


def test_the_wrong_turn_car_leaves_its_route_and_crosses_a_line_twice(
    sim: Simulation, roads: dict[int, _Road]
) -> None:
    key = (WRONG_TURN_START_NO, WRONG_TURN_DAY)
    track = sim.tracks[key]
    d = _distance_to_route(roads[WRONG_TURN_DAY], track.lat, track.lon)
    assert d.max() > 1500
    off = track.t_us[d > 500]
    assert off.size >= 10 and off[-1] - off[0] < 20 * 60e6
    twice = [name for name, times in sim.crossings[key].items() if len(times) == 2]
    assert len(twice) == 1 and "PC" in twice[0]
    assert all(len(times) == 1 for k, times in sim.crossings.items() if k != key for times in times.values())


def test_gps_crossings_of_the_tracks_give_back_the_true_instants(
    sim: Simulation, event: Event, demo: DemoFiles
) -> None:
    geo = pytest.importorskip("miglia.geo.crossings")
    from miglia.geo.route import Route

    day = event.days[0]
    road = _Road.read(day, [])
    route = Route.from_latlon(road.lat[1:-1], road.lon[1:-1])
    names, lines = [], []
    for c in day.controls:
        names.append(c.name)
        lines.append(geo.TimingLine.across_route(route, float(c.km or 0) * 1000))
        if c.end_km is not None:
            names.append(f"{c.name}:end")
            lines.append(geo.TimingLine.across_route(route, float(c.end_km) * 1000))
    errors = []
    for no in range(1, 71, 7):
        found = geo.find_crossings(sim.tracks[(no, 1)], lines)
        for k, name in enumerate(names):
            t = found.t_us[(found.line == k) & found.forward]
            assert t.size >= 1, (no, name)
            errors.append(abs(int(t[0]) - sim.crossings[(no, 1)][name][0]) / 1e6)
    assert np.median(errors) < 1.0 and max(errors) < 5.0


def test_a_missing_entries_file_is_an_error(demo: DemoFiles, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="interval_s"):
        simulate_event(demo.event_toml, interval_s=0)
    with pytest.raises(ValueError, match="entries"):
        simulate_event(demo.event_toml, entries_csv=tmp_path / "missing.csv")
