"""The roadbook as the files navigators take: CSV with its exact columns, GPX with the OpenRally tags."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import gpxpy

from miglia.roadbook.build import day_roadbook
from miglia.roadbook.export import OPENRALLY, roadbook_csv, roadbook_gpx
from tests.roadbook.synth import day, drawn_route, event

GPX = "{http://www.topografix.com/GPX/1/1}"
OR = f"{{{OPENRALLY}}}"


def test_the_csv_has_exactly_its_columns_two_decimals_and_whole_degrees() -> None:
    text = roadbook_csv(day_roadbook(event(), day(), drawn_route()))
    lines = text.splitlines()
    assert lines[0] == "km,partial_km,instruction,heading_in,heading_out,note"
    assert lines[1:6] == [
        "0.00,0.00,D1-START start,0,0,",
        "0.50,0.50,odometer check start: zero the trip meter,0,0,",
        "1.00,0.50,Fuel: Garage & Sons,0,0,1 Main St; 07:30 – 18:00",
        "1.50,0.50,odometer check end: 1.00 km measured,0,0,compare the trip meter and correct its setting",
        "2.00,0.50,turn right,0,90,",
    ]
    assert lines[-1] == "5.50,0.70,D1-FINISH finish,0,0,at the square"


def test_the_gpx_has_the_track_and_a_waypoint_per_line_with_its_openrally_tags() -> None:
    route = drawn_route()
    book = day_roadbook(event(), day(), route)
    text = roadbook_gpx(book, route)
    parsed = gpxpy.parse(text)
    assert len(parsed.tracks[0].segments[0].points) == route.lat.size
    assert [w.name for w in parsed.waypoints][:3] == [
        "0.00 D1-START start",
        "0.50 odometer check start: zero the trip meter",
        "1.00 Fuel: Garage & Sons",
    ]
    root = ET.fromstring(text.encode("utf-8"))
    assert root.find(f"{GPX}metadata/{GPX}extensions/{OR}distance").text == "5.50"  # type: ignore[union-attr]
    assert root.find(f"{GPX}metadata/{GPX}extensions/{OR}units").text == "metric"  # type: ignore[union-attr]
    points = root.findall(f"{GPX}wpt")
    assert len(points) == len(book.instructions)
    fuel, turn, tc1 = points[2], points[4], points[5]
    assert fuel.find(f"{GPX}type").text == "fuel"  # type: ignore[union-attr]
    assert fuel.find(f"{GPX}extensions/{OR}notes").text == "1 Main St; 07:30 – 18:00"  # type: ignore[union-attr]
    assert fuel.find(f"{GPX}extensions/{OR}fuel") is not None
    assert turn.find(f"{GPX}extensions/{OR}distance").text == "2.00"  # type: ignore[union-attr]
    assert turn.find(f"{GPX}extensions/{OR}cap").text == "90"  # type: ignore[union-attr]
    tulip = turn.find(f"{GPX}extensions/{OR}tulip").text  # type: ignore[union-attr]
    assert tulip.startswith("<svg ") and "turn right" in tulip  # the SVG as CDATA text, as OpenRally has it
    assert ET.fromstring(tulip).tag == "{http://www.w3.org/2000/svg}svg"
    assert tc1.find(f"{GPX}extensions/{OR}timecontrol") is not None
    assert points[7].find(f"{GPX}extensions/{OR}passagecontrol") is not None  # the trial's start line
