"""The roadbook as files navigators take away: CSV, and GPX for trip computers and phone apps.

CSV columns, exactly: `km,partial_km,instruction,heading_in,heading_out,note` (km with 2 decimals,
headings in whole degrees 0-359).

GPX (1.1, gpxpy): the day's route as a track, and a waypoint per roadbook line (the controls and stops
named with their kind as `type`). Each waypoint also carries the OpenRally extension
(http://www.openrally.org/xmlschemas/GpxExtensions/v1.0.3) where its tags fit a road rally: the distance,
the heading out (`cap`), the tulip as SVG, the note, and `timecontrol`, `passagecontrol` and `fuel` marks,
so roadbook apps that read OpenRally show the same lines.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

import gpxpy
import gpxpy.gpx

from miglia.geo.route import Route
from miglia.roadbook.model import Instruction, Kind, Roadbook
from miglia.roadbook.tulip import tulip_svg

CSV_COLUMNS = ("km", "partial_km", "instruction", "heading_in", "heading_out", "note")
OPENRALLY = "http://www.openrally.org/xmlschemas/GpxExtensions/v1.0.3"
_MARKS = {"time_control": "timecontrol", "start": "timecontrol", "finish": "timecontrol"}
_MARKS |= {"passage_control": "passagecontrol", "timed_trial": "passagecontrol", "fuel": "fuel"}


def roadbook_csv(book: Roadbook) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for line in book.instructions:
        writer.writerow(
            (
                f"{line.km:.2f}",
                f"{line.partial_km:.2f}",
                line.words,
                line.heading_in % 360,
                line.heading_out % 360,
                line.note,
            )
        )
    return out.getvalue()


def roadbook_gpx(book: Roadbook, route: Route) -> str:
    gpx = gpxpy.gpx.GPX()
    gpx.creator = "Miglia"
    gpx.name = f"{book.event} – day {book.day}: {book.title}"
    gpx.nsmap["openrally"] = OPENRALLY
    gpx.metadata_extensions.append(_el("units", "metric"))
    gpx.metadata_extensions.append(_el("distance", f"{book.length_km:.2f}"))
    track = gpxpy.gpx.GPXTrack(name=f"Day {book.day}: {book.title}")
    segment = gpxpy.gpx.GPXTrackSegment(
        [
            gpxpy.gpx.GPXTrackPoint(round(float(a), 6), round(float(b), 6))
            for a, b in zip(route.lat, route.lon, strict=True)
        ]
    )
    track.segments.append(segment)
    gpx.tracks.append(track)
    for line in book.instructions:
        gpx.waypoints.append(_waypoint(line))
    return gpx.to_xml(version="1.1")


def _waypoint(line: Instruction) -> gpxpy.gpx.GPXWaypoint:
    point = gpxpy.gpx.GPXWaypoint(
        round(line.lat, 6),
        round(line.lon, 6),
        name=f"{line.km:.2f} {line.words}",
        description=line.note or None,
        type=line.icon or line.kind.value,
    )
    point.extensions.append(_el("distance", f"{line.km:.2f}"))
    point.extensions.append(_el("cap", str(line.heading_out % 360)))
    point.extensions.append(_el("tulip", f"<![CDATA[{tulip_svg(line)}]]>", escaped=True))
    if line.note:
        point.extensions.append(_el("notes", line.note))
    mark = _MARKS.get(line.icon)
    if mark is not None and line.kind in (Kind.CONTROL, Kind.START, Kind.FINISH, Kind.STOP):
        point.extensions.append(ET.Element(f"{{{OPENRALLY}}}{mark}"))
    return point


def _el(tag: str, text: str, *, escaped: bool = False) -> ET.Element:
    """An OpenRally element. gpxpy writes extension text as it is, unescaped: it is escaped here (a note
    may hold "&"), unless it is already markup (the tulip, as CDATA, as OpenRally has it)."""
    element = ET.Element(f"{{{OPENRALLY}}}{tag}")
    element.text = text if escaped else escape(text)
    return element
