"""A day's roadbook from its route and its event: every line's km, partial km, words and headings."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from pyproj import Geod

from miglia.roadbook.build import day_roadbook, instructions_only
from miglia.roadbook.model import Kind, Source
from miglia.roadbook.words import Traffic, ordinal, roundabout_exit, turn_words
from tests.roadbook.synth import day, drawn_route, event

GEOD = Geod(ellps="WGS84")


def test_the_drawn_day_reads_line_by_line_as_a_co_driver_would() -> None:
    route = drawn_route()
    book = day_roadbook(event(), day(), route)
    got = [(str(i.km), str(i.partial_km), i.words, i.heading_in, i.heading_out) for i in book.instructions]
    assert got == [
        ("0.00", "0.00", "D1-START start", 0, 0),
        ("0.50", "0.50", "odometer check start: zero the trip meter", 0, 0),
        ("1.00", "0.50", "Fuel: Garage & Sons", 0, 0),
        ("1.50", "0.50", "odometer check end: 1.00 km measured", 0, 0),
        ("2.00", "0.50", "turn right", 0, 90),
        ("3.00", "1.00", "D1-TC1 time control", 90, 90),
        ("3.50", "0.50", "turn left", 90, 0),
        ("4.50", "1.00", "D1-PT1 timed trial: start line", 0, 0),
        ("4.80", "0.30", "D1-PT1 timed trial: finish line", 0, 0),
        ("5.50", "0.70", "D1-FINISH finish", 0, 0),
    ]
    fuel = book.instructions[2]
    assert (fuel.kind, fuel.icon, fuel.note) == (Kind.STOP, "fuel", "1 Main St; 07:30 – 18:00")
    assert book.instructions[-1].note == "at the square" and book.instructions[-1].kind is Kind.FINISH
    assert book.instructions[8].note == "target 21.00 s"
    assert {i.source for i in book.instructions} == {Source.ROUTE, Source.EVENT}
    assert book.length_km == Decimal("5.50")
    assert [(leg.name, leg.from_km, leg.to_km, leg.average_kmh) for leg in book.legs] == [
        ("D1-START – D1-TC1", Decimal(0), Decimal(3), None),
        ("D1-TC1 – D1-FINISH", Decimal(3), Decimal("5.5"), Decimal(40)),
    ]


def test_the_secret_check_is_never_in_the_roadbook() -> None:
    book = day_roadbook(event(), day(), drawn_route())
    assert not any("SC1" in i.words or "secret" in i.words for i in book.instructions)


def test_every_line_lies_at_its_km_by_the_geodesic_to_1_m_per_km() -> None:
    route = drawn_route(spacing_m=7.0)
    book = day_roadbook(event(), day(), route)
    for line in book.instructions:
        geodesic_m = _geodesic_chainage(route.lat, route.lon, line.lat, line.lon)
        # the km is printed to 0.01 (5 m), the rest must agree to 1 m per km
        assert abs(float(line.km) * 1000 - geodesic_m) <= 5.0 + float(line.km), line
    assert book.instructions[-1].km == book.length_km


def _geodesic_chainage(lat: np.ndarray, lon: np.ndarray, at_lat: float, at_lon: float) -> float:
    """Distance along the polyline from its start to the vertex-or-segment point nearest (at_lat, at_lon)."""
    _, _, steps = GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    _, _, to_point = GEOD.inv(lon, lat, np.full(lon.size, at_lon), np.full(lat.size, at_lat))
    k = int(np.argmin(to_point))
    before = float(np.sum(steps[:k]))
    # the point is on the segment before or after vertex k
    if k + 1 < lat.size and to_point[k + 1] < steps[k]:
        return before + float(to_point[k])
    return before - float(to_point[k])


def test_a_day_without_a_start_control_at_0_or_a_finish_at_its_end_gets_both_ends() -> None:
    route = drawn_route()
    short = day()
    from dataclasses import replace

    short = replace(short, controls=short.controls[1:2], stops=(), odometer_check=None)
    book = day_roadbook(event(), short, route)
    assert (book.instructions[0].km, book.instructions[0].words) == (
        Decimal("0.00"),
        "start of the day's route",
    )
    assert (book.instructions[-1].km, book.instructions[-1].words) == (
        Decimal("5.50"),
        "end of the day's route",
    )


def test_the_route_alone_makes_no_line_where_the_road_just_wiggles() -> None:
    lines = instructions_only(drawn_route())
    assert [(i.km, i.words) for i in lines] == [
        (Decimal("2.00"), "turn right"),
        (Decimal("3.50"), "turn left"),
    ]


@pytest.mark.parametrize(
    ("turn", "words"),
    [
        (10.0, "straight over"),
        (-19.9, "straight over"),
        (20.0, "keep right"),
        (-49.9, "keep left"),
        (50.0, "turn right"),
        (-119.9, "turn left"),
        (120.0, "sharp right"),
        (-149.9, "sharp left"),
        (150.0, "hairpin right"),
        (-185.0, "hairpin left"),
    ],
)
def test_turn_words_follow_the_bands_of_the_usual_roadbook_wording(turn: float, words: str) -> None:
    assert turn_words(turn)[1] == words


def test_roundabout_exits_and_ordinals() -> None:
    assert [roundabout_exit(t) for t in (90.0, 0.0, -90.0, -180.0, 180.0)] == [1, 2, 3, 4, 1]
    assert [roundabout_exit(t, Traffic.LEFT) for t in (-90.0, 0.0, 90.0, 180.0)] == [1, 2, 3, 4]
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101)] == [
        "1st",
        "2nd",
        "3rd",
        "4th",
        "11th",
        "12th",
        "13th",
        "21st",
        "22nd",
        "101st",
    ]
