"""A roadbook made from the event file and its routes alone, with no database (`miglia roadbook`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from miglia.domain.errors import InvalidInput
from miglia.geo.route import Route
from miglia.roadbook.build import day_roadbook
from miglia.roadbook.model import Roadbook
from miglia.roadbook.osm import Streets
from miglia.roadbook.words import Traffic
from miglia.service.event.events import check_event
from miglia.service.roadbook.books import routes_bbox


@dataclass(frozen=True)
class DayBook:
    book: Roadbook
    route: Route


def from_files(
    event_file: Path, day: int, osm: Path | None = None, traffic: Traffic = Traffic.RIGHT
) -> DayBook:
    """The roadbook of day `day` of the event file, with side roads from the OSM extract `osm` if given."""
    checked = check_event(event_file)
    days = {d.number: d for d in checked.event.days}
    if day not in days:
        raise InvalidInput(str(event_file), "day", day, f"the event has days 1 to {len(days)}")
    route = checked.routes[day].geometry()
    streets = None if osm is None else Streets.read(osm, bbox=routes_bbox([route]))
    return DayBook(day_roadbook(checked.event, days[day], route, streets=streets, traffic=traffic), route)
