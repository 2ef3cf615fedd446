"""GPS passages of a car driving the small event's route: every control line, to the hundredth."""

from __future__ import annotations

import numpy as np

from miglia.domain.scoreboard import Scoreboard
from miglia.geo.track import Track
from miglia.rules import load_rules
from miglia.service.timing.gps_timing import all_crossings, gps_passages
from tests.service.timing.helpers import SMALL, T0, drive, small_lines


def test_constant_speed_gives_each_line_at_km_over_speed() -> None:
    _, lines = small_lines()
    route = lines.route
    track = drive(route, T0, 10.0)
    got = {(p.control, p.line): p.instant_us for p in gps_passages(lines, 1, track)}
    assert set(got) == set(lines.slots)
    expected_km = {"D1-PT1": 2.0, "D1-TC1": 6.0, "D1-PC1": 8.0, "D1-SC1": 10.0}
    for control, km in expected_km.items():
        # km / 10 m/s, to within the straight-chord error of the interpolation (a few cm at 10 m/s).
        assert abs(got[(control, "")] - (T0 + int(km * 100_000_000))) <= 20_000, control
    assert abs(got[("D1-PT1", "finish")] - (T0 + 230_000_000)) <= 20_000
    assert all(p.source == "gps" and p.instant_us % 10_000 == 0 for p in gps_passages(lines, 1, track))


def test_a_car_that_turns_back_keeps_its_first_forward_crossing_and_shows_all() -> None:
    _, lines = small_lines()
    route = lines.route
    # Past the trial start at km 2.0 to km 2.1, back to km 1.9, then forward again.
    chain = np.concatenate(
        [np.arange(0, 2100, 10.0), np.arange(2100, 1900, -10.0), np.arange(1900, 2500, 10.0)]
    )
    lat, lon = route.point_at(chain)
    t = T0 + np.arange(chain.size, dtype=np.int64) * 1_000_000
    track = Track(t, np.asarray(lat), np.asarray(lon), "test")
    trial_start = [p for p in gps_passages(lines, 1, track) if p.control == "D1-PT1" and p.line == ""]
    assert [p.instant_us for p in trial_start] == [T0 + 200_000_000]
    crossings = [c for c in all_crossings(lines, track) if c[:2] == ("D1-PT1", "")]
    assert [(c[2], c[3]) for c in crossings] == [
        (T0 + 200_000_000, True),
        (T0 + 220_000_000, False),
        (T0 + 240_000_000, True),
    ]


def test_gps_passages_score_under_the_rule_set() -> None:
    event, lines = small_lines()
    from miglia.formats.entries_csv import read_entries

    entries = read_entries(SMALL / "entries.csv", event.eligibility)
    board = Scoreboard(event, entries, load_rules(event.rules))
    track = drive(lines.route, T0, 10.0)
    board.add_passages(gps_passages(lines, 1, track))
    trial = board.result(1).line("D1-PT1")
    # 300 m at 10 m/s: 30.00 s against a target of 21.00 s: 9.00 s late, 900 points capped at 300.
    assert trial.deviation_us == 9_000_000
    assert trial.penalty == 300 and trial.capped


def test_a_line_the_chord_misses_is_timed_from_chainage() -> None:
    _, lines = small_lines()
    route = lines.route
    # Fixes 300 m apart around the bend at km 7 (the route turns north): chords cut the corner.
    chain = np.arange(0.0, route.length_m, 300.0)
    lat, lon = route.point_at(chain)
    # Push the fixes either side of the D1-TC1 line (km 6.0) 100 m off the road, beyond the line's end.
    i = int(np.searchsorted(chain, 6000.0))
    lat = np.asarray(lat).copy()
    lat[i - 1 : i + 1] += 100 / 111_000
    t = T0 + (chain / 10.0 * 1e6).astype(np.int64)
    got = {
        (p.control, p.line): p.instant_us for p in gps_passages(lines, 1, Track(t, lat, np.asarray(lon), "x"))
    }
    assert set(got) == set(lines.slots)
    assert not [c for c in all_crossings(lines, Track(t, lat, np.asarray(lon), "x")) if c[0] == "D1-TC1"]
    # The displaced fixes project onto the road ~13 m from where they were driven (the road slopes
    # there at 0.13), so the chainage time is 6 km at 10 m/s (600 s) give or take 1.5 s.
    assert abs(got[("D1-TC1", "")] - (T0 + 600_000_000)) <= 1_500_000
