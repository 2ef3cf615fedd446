"""Tulips: the SVG is valid, the car enters at the bottom and leaves at the true angle of the turn, the
side roads point where they are, and each special kind has its own picture."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import replace
from decimal import Decimal

import pytest

from miglia.roadbook.model import Instruction, Kind
from miglia.roadbook.tulip import tulip_svg

SVG = "{http://www.w3.org/2000/svg}"
CENTRE = (50.0, 50.0)
"""The junction, in the SVG's user units (viewBox 0 0 100 100)."""

BASE = Instruction(
    km=Decimal("12.34"),
    partial_km=Decimal("1.20"),
    heading_in=0,
    heading_out=0,
    kind=Kind.TURN,
    words="turn",
    lat=38.3,
    lon=-122.9,
    anchor_m=12_340.0,
)


def tulip(**changes: object) -> ET.Element:
    return ET.fromstring(tulip_svg(replace(BASE, **changes)))  # type: ignore[arg-type]


def elements(svg: ET.Element, role: str) -> list[ET.Element]:
    return [e for e in svg.iter() if e.get("class") == role]


def points(element: ET.Element) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in (pair.split(",") for pair in element.get("points", "").split())]


def arrow_tip(svg: ET.Element) -> tuple[float, float]:
    (head,) = elements(svg, "arrow")
    return points(head)[0]


def angle_from_up(start: tuple[float, float], end: tuple[float, float]) -> float:
    """Degrees clockwise from up on the page (y points down), in (-180, 180]."""
    return math.degrees(math.atan2(end[0] - start[0], start[1] - end[1]))


def test_the_svg_is_a_standalone_document_of_the_size_asked() -> None:
    text = tulip_svg(replace(BASE, words="turn right at the <Cross & Keys>"), size=200)
    svg = ET.fromstring(text)
    assert svg.tag == f"{SVG}svg"
    assert (svg.get("width"), svg.get("height"), svg.get("viewBox")) == ("200", "200", "0 0 100 100")
    assert svg.findtext(f"{SVG}title") == "turn right at the <Cross & Keys>"


def test_the_car_enters_at_the_bottom_centre_with_a_dot() -> None:
    svg = tulip(heading_in=137, heading_out=137)
    (dot,) = [e for e in elements(svg, "entry") if e.tag == f"{SVG}circle"]
    assert float(dot.get("cx", "")) == pytest.approx(50.0)
    assert float(dot.get("cy", "")) > 80
    (leg,) = [e for e in elements(svg, "entry") if e.tag == f"{SVG}polyline"]
    assert points(leg) == [(50.0, float(dot.get("cy", ""))), CENTRE]


@pytest.mark.parametrize(
    ("heading_in", "heading_out", "turn"),
    [(0, 90, 90), (30, 120, 90), (350, 305, -45), (200, 60, -140), (90, 90, 0), (10, 115, 105)],
)
def test_the_exit_leaves_the_centre_at_the_turn_s_angle(heading_in: int, heading_out: int, turn: int) -> None:
    svg = tulip(heading_in=heading_in, heading_out=heading_out)
    tip = arrow_tip(svg)
    assert angle_from_up(CENTRE, tip) == pytest.approx(turn, abs=0.5)
    (line,) = elements(svg, "exit")
    assert points(line)[0] == CENTRE


def test_a_right_turn_ends_right_of_the_centre_and_a_keep_left_up_left() -> None:
    right_x, right_y = arrow_tip(tulip(heading_in=30, heading_out=120))
    assert right_x > 85
    assert right_y == pytest.approx(50.0)
    left_x, left_y = arrow_tip(tulip(heading_in=350, heading_out=305))
    assert left_x < 30
    assert left_y < 30


def test_side_roads_are_stubs_turned_with_the_car() -> None:
    # heading east over a crossroads: the road north is on the left, the road south on the right
    svg = tulip(kind=Kind.STRAIGHT, heading_in=90, heading_out=90, stubs=(0, 180))
    stubs = elements(svg, "stub")
    assert [points(s)[0] for s in stubs] == [CENTRE, CENTRE]
    ends = sorted(points(s)[-1] for s in stubs)
    assert [round(angle_from_up(CENTRE, end)) for end in ends] == [-90, 90]
    exit_width = float(elements(svg, "exit")[0].get("stroke-width", ""))
    assert all(float(s.get("stroke-width", "")) < exit_width for s in stubs)
    stub_length = math.dist(CENTRE, ends[0])
    assert stub_length < math.dist(CENTRE, arrow_tip(svg))


def test_a_plain_turn_has_no_symbol_and_no_stubs_when_none_are_known() -> None:
    svg = tulip(heading_in=0, heading_out=90)
    assert elements(svg, "symbol") == []
    assert elements(svg, "stub") == []


def test_a_roundabout_goes_round_the_island_counter_clockwise_to_its_exit() -> None:
    svg = tulip(kind=Kind.ROUNDABOUT, heading_in=0, heading_out=270, exit=3, stubs=(90, 0))
    (island,) = elements(svg, "island")
    assert (float(island.get("cx", "")), float(island.get("cy", ""))) == CENTRE
    radius = float(island.get("r", ""))
    path = points(elements(svg, "path")[0])
    assert path[0] == pytest.approx((50.0, 50.0 + radius))
    # counter-clockwise from the bottom: first to the right, then over the top, out on the left
    assert path[1][0] > 50
    assert any(y < 50 - radius * 0.9 for _, y in path)
    assert path[-1] == pytest.approx((50.0 - radius, 50.0))
    assert angle_from_up(CENTRE, arrow_tip(svg)) == pytest.approx(-90)
    assert [e.text for e in elements(svg, "exit-number")] == ["3"]
    assert len(elements(svg, "stub")) == 2


def test_a_roundabout_s_first_exit_right_takes_a_quarter_of_the_island() -> None:
    svg = tulip(kind=Kind.ROUNDABOUT, heading_in=45, heading_out=135, exit=1)
    path = points(elements(svg, "path")[0])
    assert all(x >= 50 - 1e-6 and y >= 50 - 1e-6 for x, y in path)
    assert angle_from_up(CENTRE, arrow_tip(svg)) == pytest.approx(90)


@pytest.mark.parametrize(("heading_out", "side"), [(160, 1), (200, -1)])
def test_a_hairpin_is_a_u_that_ends_at_the_true_angle(heading_out: int, side: int) -> None:
    svg = tulip(kind=Kind.HAIRPIN, heading_in=0, heading_out=heading_out)
    (line,) = elements(svg, "exit")
    path = points(line)
    top = min(y for _, y in path)
    assert path[0] == CENTRE
    assert top < 35
    tip = arrow_tip(svg)
    assert tip[1] > top + 20
    assert (tip[0] - 50) * side > 10
    assert angle_from_up(path[-1], tip) == pytest.approx(heading_out - 360 * (side < 0), abs=0.5)


SPECIALS = [
    {"kind": Kind.START, "icon": "start"},
    {"kind": Kind.FINISH, "icon": "finish"},
    {"kind": Kind.CONTROL, "icon": "time_control"},
    {"kind": Kind.CONTROL, "icon": "passage_control"},
    {"kind": Kind.CONTROL, "icon": "timed_trial"},
    {"kind": Kind.CONTROL, "icon": "secret_check"},
    {"kind": Kind.STOP, "icon": "lunch"},
    {"kind": Kind.STOP, "icon": "fuel"},
    {"kind": Kind.STOP, "icon": "hotel"},
    {"kind": Kind.STOP, "icon": "car_show"},
    {"kind": Kind.ODOMETER, "icon": "odometer"},
    {"kind": Kind.NOTE},
]


@pytest.mark.parametrize("special", SPECIALS, ids=lambda s: str(s.get("icon") or s["kind"]))
def test_controls_stops_and_notes_are_a_line_up_with_a_symbol(special: dict[str, object]) -> None:
    svg = tulip(heading_in=20, heading_out=50, **special)
    tip = arrow_tip(svg)
    assert tip[0] == pytest.approx(50.0)
    assert tip[1] < 15
    assert elements(svg, "symbol")


def test_every_special_kind_has_its_own_symbol() -> None:
    def picture(special: dict[str, object]) -> str:
        return "".join(ET.tostring(e, encoding="unicode") for e in elements(tulip(**special), "symbol"))

    pictures = [picture(special) for special in SPECIALS]
    assert len(set(pictures)) == len(SPECIALS)


def test_control_initials_are_written_in_the_symbol() -> None:
    svg = tulip(kind=Kind.CONTROL, icon="passage_control")
    assert [e.text for e in svg.iter(f"{SVG}text")] == ["PC"]
