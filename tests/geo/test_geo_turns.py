"""Turning points of a route: corners, bends that are not turns, hairpins, roundabouts, noise, real data."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from miglia.formats.trackfiles import read_route
from miglia.geo.common import GeoError
from miglia.geo.route import Route
from miglia.geo.turns import turning_points
from miglia.roadbook.words import Traffic, is_roundabout, roundabout_exit
from tests.geo.geo_synth import real_file, route_xy


def polyline(corners: list[tuple[float, float]], spacing_m: float) -> tuple[np.ndarray, np.ndarray]:
    """East/north points every `spacing_m` along straight legs between `corners` (each corner a vertex)."""
    east: list[float] = []
    north: list[float] = []
    for (x0, y0), (x1, y1) in itertools.pairwise(corners):
        n = max(1, int(np.ceil(np.hypot(x1 - x0, y1 - y0) / spacing_m)))
        f = np.arange(n) / n
        east.extend(x0 + f * (x1 - x0))
        north.extend(y0 + f * (y1 - y0))
    east.append(corners[-1][0])
    north.append(corners[-1][1])
    return np.array(east), np.array(north)


def arc(
    cx: float, cy: float, r: float, a0: float, a1: float, step_m: float = 3.0
) -> list[tuple[float, float]]:
    """Points of a circle from angle a0 to a1 (degrees, counter-clockwise from east when a1 > a0)."""
    n = max(2, int(abs(np.radians(a1 - a0)) * r / step_m))
    a = np.radians(np.linspace(a0, a1, n))
    return list(zip(cx + r * np.cos(a), cy + r * np.sin(a), strict=True))


def test_a_right_then_a_left_corner_are_two_turns_at_their_km_with_their_headings() -> None:
    route = route_xy(*polyline([(0, 0), (0, 500), (500, 500), (500, 1000)], 7.0))
    t = turning_points(route)
    assert t.chainage_m.tolist() == [500.0, 1000.0]
    assert t.turn_deg.round(1).tolist() == [90.0, -90.0]
    assert t.heading_in_deg.round().tolist() == [0.0, 90.0]
    assert t.heading_out_deg.round().tolist() == [90.0, 0.0]


def test_a_smooth_bend_of_an_open_road_is_no_turn() -> None:
    # 90 degrees of heading over a bend of 150 m radius, vertices every 3 m: a road, not a junction
    points = [(0.0, -300.0), *arc(150.0, 0.0, 150.0, 180.0, 90.0), (450.0, 150.0)]
    route = route_xy(*np.array(points).T)
    assert len(turning_points(route)) == 0


def test_a_hairpin_turns_by_nearly_half_a_circle_one_way() -> None:
    points = [(0.0, -300.0), *arc(15.0, 0.0, 15.0, 180.0, 0.0), (30.0, -300.0)]
    t = turning_points(route_xy(*np.array(points).T))
    assert len(t) == 1
    assert t.turn_deg[0] == pytest.approx(180.0, abs=5)
    assert t.left_deg[0] < 10
    assert not is_roundabout(t.turn_deg[0], t.right_deg[0], t.left_deg[0], t.end_m[0] - t.start_m[0])


def ring_route(exit_deg: float, traffic: Traffic = Traffic.RIGHT, r: float = 15.0) -> Route:
    """Into a ring from the south, round it the way traffic goes, out along the arm at `exit_deg`
    (counter-clockwise from east: 90 north, 180 west)."""
    if traffic is Traffic.RIGHT:  # counter-clockwise: from the south point (-90) up to the exit angle
        ring = arc(0.0, 0.0, r, -90.0, exit_deg if exit_deg > -90 else exit_deg + 360)
    else:  # clockwise: from -90 down to the exit angle
        ring = arc(0.0, 0.0, r, 270.0, exit_deg if exit_deg < 270 else exit_deg - 360)
    a = np.radians(exit_deg)
    out = (300 * np.cos(a), 300 * np.sin(a))
    return route_xy(*np.array([(0.0, -300.0), *ring, out]).T)


@pytest.mark.parametrize(
    ("traffic", "exit_deg", "exit_number"),
    [
        (Traffic.RIGHT, 90.0, 2),  # straight over
        (Traffic.RIGHT, 180.0, 3),  # left
        (Traffic.RIGHT, 270.0 - 1e-9, 4),  # back the way one came
        (Traffic.LEFT, 90.0, 2),
        (Traffic.LEFT, 0.0, 3),  # right, where traffic keeps left
    ],
)
def test_a_roundabout_is_told_from_its_rotations_and_its_exit_from_the_net_turn(
    traffic: Traffic, exit_deg: float, exit_number: int
) -> None:
    t = turning_points(ring_route(exit_deg, traffic))
    assert len(t) == 1
    span = t.end_m[0] - t.start_m[0]
    assert is_roundabout(t.turn_deg[0], t.right_deg[0], t.left_deg[0], span, traffic)
    assert roundabout_exit(t.turn_deg[0], traffic) == exit_number


def test_a_switchback_of_two_hairpins_is_no_roundabout() -> None:
    points = [
        (0.0, -300.0),
        *arc(15.0, 0.0, 15.0, 180.0, 0.0),
        (30.0, -40.0),
        *arc(45.0, -40.0, 15.0, 180.0, 360.0),
        (60.0, 300.0),
    ]
    t = turning_points(route_xy(*np.array(points).T))
    for i in range(len(t)):
        assert not is_roundabout(t.turn_deg[i], t.right_deg[i], t.left_deg[i], t.end_m[i] - t.start_m[i])


@st.composite
def drawn_routes(draw: st.DrawFn) -> tuple[list[tuple[float, float]], list[float], float, float]:
    """Corners joined by straights of 150-600 m, each corner a turn of 50-140 degrees either way."""
    n = draw(st.integers(1, 6))
    turns = [draw(st.floats(50, 140)) * draw(st.sampled_from([-1, 1])) for _ in range(n)]
    legs = [draw(st.floats(150, 600)) for _ in range(n + 1)]
    heading, x, y = draw(st.floats(0, 360)), 0.0, 0.0
    corners = [(x, y)]
    for k, leg in enumerate(legs):
        x += leg * np.sin(np.radians(heading))
        y += leg * np.cos(np.radians(heading))
        corners.append((x, y))
        if k < n:
            heading += turns[k]
    spacing = draw(st.floats(2.0, 30.0))
    noise = draw(st.floats(0.0, 1.0))
    return corners, turns, spacing, noise


@given(drawn_routes(), st.integers(0, 2**32 - 1))
@settings(max_examples=60, deadline=None)
def test_a_route_drawn_with_known_turns_gives_those_turns_and_no_others(
    drawn: tuple[list[tuple[float, float]], list[float], float, float], seed: int
) -> None:
    corners, turns, spacing, noise = drawn
    east, north = polyline(corners, spacing)
    rng = np.random.default_rng(seed)
    is_corner = np.isin(
        np.round(east, 6) + 1j * np.round(north, 6), [round(x, 6) + 1j * round(y, 6) for x, y in corners]
    )
    jitter = rng.normal(0.0, noise, (2, east.size)) * ~is_corner  # the corners stay where they are drawn
    route = route_xy(east + jitter[0], north + jitter[1])
    where = route.chainage_m[np.flatnonzero(is_corner)[1:-1]]
    t = turning_points(route)
    assert len(t) == len(turns)
    assert np.abs(t.chainage_m - where).max() <= 15.0
    assert np.abs(t.turn_deg - np.array(turns)).max() <= 12.0


def test_a_route_too_short_to_measure_a_turn_on_is_refused() -> None:
    with pytest.raises(GeoError, match="too short"):
        turning_points(route_xy(np.array([0.0, 0.0]), np.array([0.0, 60.0])))


def test_the_real_limerick_bus_route_turns_at_its_junctions() -> None:
    """A phone's GNSS track of a bus in Limerick (Ireland, traffic on the left): its turns, checked by hand
    against the track's headings before and after each one."""
    route = read_route(real_file("limerick-bus-304-2019-02-18.gpx"))
    t = turning_points(route)
    assert (t.chainage_m / 1000).round(2).tolist() == [
        0.12,
        1.03,
        1.82,
        2.42,
        3.2,
        3.84,
        7.71,
        7.83,
        8.33,
        10.64,
        11.74,
        12.82,
        13.42,
        13.9,
    ]
    assert t.turn_deg.round().tolist() == [
        70.0,
        -89.0,
        -73.0,
        -117.0,
        94.0,
        104.0,
        -87.0,
        90.0,
        90.0,
        -96.0,
        106.0,
        -75.0,
        -99.0,
        53.0,
    ]
    assert np.sign(t.turn_deg).astype(int).tolist() == [1, -1, -1, -1, 1, 1, -1, 1, 1, -1, 1, -1, -1, 1]
    ring = [
        is_roundabout(t.turn_deg[i], t.right_deg[i], t.left_deg[i], t.end_m[i] - t.start_m[i], Traffic.LEFT)
        for i in range(len(t))
    ]
    assert ring.index(True) == 10 and ring.count(True) == 1  # the roundabout at km 11.74, 3rd exit
    assert roundabout_exit(t.turn_deg[10], Traffic.LEFT) == 3
