"""Side roads and roundabout exits from small OSM extracts drawn in the tests, in .osm.pbf and .osm."""

from __future__ import annotations

import math
import re
from pathlib import Path
from xml.sax.saxutils import quoteattr

import osmium
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from osmium.osm.mutable import Node, Way

from miglia.geo.common import m_per_deg_lat, m_per_deg_lon
from miglia.roadbook.osm import OsmError, Streets

ORIGIN = (45.0, 7.0)
ARM_M = 100.0
RING_M = 15.0
Nodes = dict[int, tuple[float, float]]
Ways = list[tuple[list[int], dict[str, str]]]
ROAD = {"highway": "residential"}


def at(bearing: float, dist_m: float, origin: tuple[float, float] = ORIGIN) -> tuple[float, float]:
    """The point dist_m from origin towards bearing, on the same flat local scale as the code under test."""
    lat0, lon0 = origin
    rad = math.radians(bearing)
    return (
        lat0 + dist_m * math.cos(rad) / float(m_per_deg_lat(lat0)),
        lon0 + dist_m * math.sin(rad) / float(m_per_deg_lon(lat0)),
    )


def write_osm(path: Path, nodes: Nodes, ways: Ways) -> Path:
    if path.name.endswith(".pbf"):
        with osmium.SimpleWriter(str(path)) as writer:
            for nid, (lat, lon) in nodes.items():
                writer.add_node(Node(id=nid, version=1, location=(lon, lat)))
            for wid, (refs, tags) in enumerate(ways, start=1):
                writer.add_way(Way(id=wid, version=1, nodes=refs, tags=tags))
        return path
    lines = ["<?xml version='1.0' encoding='UTF-8'?>", '<osm version="0.6" generator="miglia tests">']
    lines += [
        f'<node id="{nid}" version="1" lat="{lat:.7f}" lon="{lon:.7f}"/>' for nid, (lat, lon) in nodes.items()
    ]
    for wid, (refs, tags) in enumerate(ways, start=1):
        lines.append(f'<way id="{wid}" version="1">')
        lines += [f'<nd ref="{ref}"/>' for ref in refs]
        lines += [f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()]
        lines.append("</way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def star(
    arms: dict[float, dict[str, str]], origin: tuple[float, float] = ORIGIN, first_id: int = 1
) -> tuple[Nodes, Ways]:
    """A junction at origin with one way per arm, from the junction out to ARM_M along its bearing."""
    nodes: Nodes = {first_id: origin}
    ways: Ways = []
    for k, (bearing, tags) in enumerate(arms.items(), start=first_id + 1):
        nodes[k] = at(bearing, ARM_M, origin)
        ways.append(([first_id, k], tags))
    return nodes, ways


def streets(tmp_path: Path, nodes: Nodes, ways: Ways, name: str = "map.osm.pbf") -> Streets:
    return Streets.read(write_osm(tmp_path / name, nodes, ways))


@pytest.mark.parametrize("name", ["map.osm.pbf", "map.osm"])
def test_a_crossroads_turning_right_has_the_roads_north_and_west(tmp_path: Path, name: str) -> None:
    # North-south is one way through the junction (two legs), east and west end at it (one leg each).
    nodes = {1: ORIGIN, 2: at(0, ARM_M), 3: at(90, ARM_M), 4: at(180, ARM_M), 5: at(270, ARM_M)}
    ways: Ways = [([4, 1, 2], ROAD), ([1, 3], ROAD), ([5, 1], ROAD)]
    roads = streets(tmp_path, nodes, ways, name)
    assert roads.side_roads(*at(30, 8.0), heading_in=0, heading_out=90) == (0, 270)


@pytest.mark.parametrize(
    ("heading_in", "heading_out", "stubs"),
    [(90, 180, (90,)), (0, 270, (90,)), (90, 90, (180,)), (270, 180, (270,))],
)
def test_a_t_junction(tmp_path: Path, heading_in: float, heading_out: float, stubs: tuple[int, ...]) -> None:
    nodes = {1: ORIGIN, 2: at(270, ARM_M), 3: at(90, ARM_M), 4: at(180, ARM_M)}
    roads = streets(tmp_path, nodes, [([2, 1, 3], ROAD), ([1, 4], ROAD)])
    assert roads.side_roads(*ORIGIN, heading_in=heading_in, heading_out=heading_out) == stubs


@pytest.mark.parametrize(("heading_out", "stubs"), [(0, (45,)), (45, (0,))])
def test_a_diagonal_leg(tmp_path: Path, heading_out: float, stubs: tuple[int, ...]) -> None:
    roads = streets(tmp_path, *star({0: ROAD, 45: ROAD, 180: ROAD}))
    assert roads.side_roads(*ORIGIN, heading_in=0, heading_out=heading_out) == stubs


@pytest.mark.parametrize("split", [False, True])
def test_a_legs_bearing_is_that_of_its_point_20_m_along(tmp_path: Path, split: bool) -> None:
    # East 10 m, then north: 20 m along is 10 m east and 10 m north (45°), whether the road is one way or
    # split in two where it bends. A dead end 8 m long is measured to its end.
    bend = at(90, 10.0)
    nodes = {1: ORIGIN, 2: at(0, ARM_M), 3: at(180, ARM_M), 4: bend, 5: at(0, ARM_M, bend), 6: at(300, 8.0)}
    east: Ways = [([1, 4], ROAD), ([4, 5], ROAD)] if split else [([1, 4, 5], ROAD)]
    roads = streets(tmp_path, nodes, [([3, 1, 2], ROAD), *east, ([1, 6], ROAD)])
    assert roads.side_roads(*ORIGIN, heading_in=0, heading_out=0) == (45, 300)


def test_a_footway_is_no_road(tmp_path: Path) -> None:
    nodes, ways = star({0: ROAD, 90: ROAD, 180: ROAD, 270: {"highway": "footway"}})
    roads = streets(tmp_path, nodes, ways)
    assert roads.side_roads(*ORIGIN, heading_in=0, heading_out=90) == (0,)


@pytest.mark.parametrize("kind", ["footway", "cycleway", "path", "steps", "track"])
def test_a_road_crossed_by_a_path_has_no_junction(tmp_path: Path, kind: str) -> None:
    nodes, ways = star({0: ROAD, 90: {"highway": kind}, 180: ROAD, 270: {"highway": kind}})
    roads = streets(tmp_path, nodes, ways)
    assert roads.side_roads(*ORIGIN, heading_in=0, heading_out=0) == ()


def test_driveways_and_parking_aisles_are_left_out_but_service_roads_kept(tmp_path: Path) -> None:
    arms = {
        0: ROAD,
        90: {"highway": "service"},
        180: ROAD,
        225: {"highway": "service", "service": "driveway"},
        270: {"highway": "service", "service": "parking_aisle"},
    }
    roads = streets(tmp_path, *star(arms))
    assert roads.side_roads(*ORIGIN, heading_in=0, heading_out=0) == (90,)


def test_no_junction_within_the_radius(tmp_path: Path) -> None:
    roads = streets(tmp_path, *star({0: ROAD, 90: ROAD, 180: ROAD, 270: ROAD}))
    assert roads.side_roads(*at(0, 60.0), heading_in=0, heading_out=0) == ()
    assert roads.side_roads(*at(45, 30.0), heading_in=0, heading_out=0) == ()
    assert roads.side_roads(*at(45, 30.0), heading_in=0, heading_out=0, radius_m=31.0) == (90, 270)


def test_a_bend_is_no_junction(tmp_path: Path) -> None:
    roads = streets(tmp_path, *star({0: ROAD, 90: ROAD}))
    assert roads.side_roads(*ORIGIN, heading_in=270, heading_out=0) == ()


def test_the_nearest_junction_of_a_street_grid(tmp_path: Path) -> None:
    # 60 m blocks straddle the index's cells: each junction is still the one found from 10 m away.
    n, block = 12, 60.0
    nodes: Nodes = {}
    for i in range(n):
        for j in range(n):
            nodes[i * n + j + 1] = at(0, i * block, at(90, j * block))
    rows: Ways = [([i * n + j + 1 for j in range(n)], ROAD) for i in range(n)]
    cols: Ways = [([i * n + j + 1 for i in range(n)], ROAD) for j in range(n)]
    roads = streets(tmp_path, nodes, rows + cols)
    for i in range(1, n - 1):
        for j in range(1, n - 1):
            lat, lon = nodes[i * n + j + 1]
            assert roads.side_roads(*at(45, 10.0, (lat, lon)), heading_in=0, heading_out=90) == (0, 270)


def test_bbox_keeps_the_roads_with_a_node_inside(tmp_path: Path) -> None:
    far = at(90, 10_000.0)
    nodes, ways = star({0: ROAD, 90: ROAD, 180: ROAD, 270: ROAD})
    far_nodes, far_ways = star({0: ROAD, 90: ROAD, 180: ROAD, 270: ROAD}, far, first_id=100)
    path = write_osm(tmp_path / "two.osm.pbf", nodes | far_nodes, ways + far_ways)
    bbox = (ORIGIN[0] - 0.01, ORIGIN[1] - 0.01, ORIGIN[0] + 0.01, ORIGIN[1] + 0.01)
    roads = Streets.read(path, bbox)
    assert roads.side_roads(*ORIGIN, heading_in=0, heading_out=90) == (0, 270)
    assert roads.side_roads(*far, heading_in=0, heading_out=90) == ()
    assert Streets.read(path).side_roads(*far, heading_in=0, heading_out=90) == (0, 270)


def roundabout(arms: dict[float, tuple[bool, dict[str, str]]], clockwise: bool = False) -> tuple[Nodes, Ways]:
    """A ring of 8 nodes, RING_M around ORIGIN, one way junction=roundabout in driving direction; each arm
    a way from the ring node at its bearing out to ARM_M (inwards when its flag says so)."""
    bearings = [(180 + 45 * k * (1 if clockwise else -1)) % 360 for k in range(8)]
    nodes: Nodes = {10 + b // 45: at(b, RING_M) for b in bearings}
    ring = [10 + b // 45 for b in [*bearings, bearings[0]]]
    ways: Ways = [(ring, {"highway": "primary", "junction": "roundabout"})]
    for k, (bearing, (inwards, tags)) in enumerate(arms.items(), start=100):
        nodes[k] = at(bearing, ARM_M)
        refs = [k, 10 + int(bearing) // 45]
        ways.append((refs if inwards else refs[::-1], tags))
    return nodes, ways


FOUR_ARMS = {b: (False, ROAD) for b in (0, 90, 180, 270)}


@pytest.mark.parametrize("name", ["map.osm.pbf", "map.osm"])
@pytest.mark.parametrize(
    ("clockwise", "leave", "exit"),
    [
        (False, 90, 1),
        (False, 0, 2),
        (False, 270, 3),
        (False, 180, 4),
        (True, 270, 1),
        (True, 0, 2),
        (True, 90, 3),
    ],
)
def test_roundabout_exits_are_counted_in_driving_direction(
    tmp_path: Path, name: str, clockwise: bool, leave: float, exit: int
) -> None:
    # Counter-clockwise for right-hand traffic, clockwise for left-hand (Ireland); entering from the south.
    roads = streets(tmp_path, *roundabout(FOUR_ARMS, clockwise), name)
    assert roads.roundabout_exit(*at(180, RING_M + 10), *at(leave, RING_M + 10)) == exit


@pytest.mark.parametrize(
    ("inwards", "tags", "exit"),
    [
        (True, {"highway": "residential", "oneway": "yes"}, 2),
        (False, {"highway": "residential", "oneway": "-1"}, 2),
        (False, {"highway": "residential", "oneway": "yes"}, 3),
        (True, ROAD, 3),
    ],
)
def test_a_oneway_leg_into_the_ring_is_no_exit(
    tmp_path: Path, inwards: bool, tags: dict[str, str], exit: int
) -> None:
    roads = streets(tmp_path, *roundabout({**FOUR_ARMS, 45: (inwards, tags)}))
    assert roads.roundabout_exit(*at(180, RING_M + 10), *at(0, RING_M + 10)) == exit


def test_no_roundabout_there(tmp_path: Path) -> None:
    crossroads = streets(tmp_path, *star({0: ROAD, 90: ROAD, 180: ROAD, 270: ROAD}))
    assert crossroads.roundabout_exit(*at(180, 10), *at(90, 10)) is None
    ring = streets(tmp_path, *roundabout(FOUR_ARMS), "ring.osm.pbf")
    assert ring.roundabout_exit(*at(180, 500), *at(90, 500)) is None
    assert ring.roundabout_exit(*at(180, RING_M + 10), *at(90, 500)) is None


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(OsmError, match=re.escape("nowhere.osm.pbf: no such file")):
        Streets.read(tmp_path / "nowhere.osm.pbf")


@pytest.mark.parametrize("name", ["notes.osm", "notes.osm.pbf", "notes.txt"])
def test_a_text_file_is_no_osm_file(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("Lunch at the Ristorante Mille Miglia, 12:30\n", encoding="utf-8")
    with pytest.raises(OsmError, match=re.escape(f"{name}: not a readable OSM file")):
        Streets.read(path)


@pytest.mark.parametrize("name", ["paths.osm.pbf", "paths.osm"])
def test_a_file_with_no_roads(tmp_path: Path, name: str) -> None:
    nodes, ways = star({0: {"highway": "footway"}, 90: {"building": "yes"}, 180: {"highway": "cycleway"}})
    path = write_osm(tmp_path / name, nodes, ways)
    with pytest.raises(OsmError, match=re.escape(f"{name}: no roads")):
        Streets.read(path)


def test_a_bbox_with_no_roads(tmp_path: Path) -> None:
    path = write_osm(tmp_path / "map.osm.pbf", *star({0: ROAD, 90: ROAD, 180: ROAD}))
    with pytest.raises(
        OsmError, match=re.escape("map.osm.pbf: no roads inside bbox (10.0, 10.0, 11.0, 11.0)")
    ):
        Streets.read(path, (10.0, 10.0, 11.0, 11.0))
    with pytest.raises(OsmError, match=re.escape("map.osm.pbf: bbox = (46.0, 7.0, 45.0, 8.0)")):
        Streets.read(path, (46.0, 7.0, 45.0, 8.0))


def angle_between(a: float, b: float) -> float:
    return abs((a - b + 180.0) % 360.0 - 180.0)


@settings(max_examples=40, deadline=None)
@given(
    theta=st.floats(0.0, 360.0, exclude_max=True),
    lat=st.floats(-60.0, 60.0),
    lon=st.floats(-179.0, 179.0),
)
def test_side_roads_turn_with_the_crossroads(
    tmp_path_factory: pytest.TempPathFactory, theta: float, lat: float, lon: float
) -> None:
    arms = {(theta + b) % 360: ROAD for b in (0, 90, 180, 270)}
    nodes, ways = star(arms, (lat, lon))
    roads = Streets.read(write_osm(tmp_path_factory.mktemp("turned") / "map.osm.pbf", nodes, ways))
    got = roads.side_roads(lat, lon, heading_in=theta, heading_out=theta + 90)
    assert len(got) == 2
    for expected in (theta, theta + 270):
        assert any(angle_between(g, expected) <= 1.0 for g in got), (got, expected)
