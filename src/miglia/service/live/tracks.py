"""A car's stored track, day by day, as GeoJSON for its page: only the positions that count."""

from __future__ import annotations

import datetime as dt
from typing import Any

from miglia.domain.event import Event
from miglia.formats.geojson import thin
from miglia.service.clock import local_instant
from miglia.service.live.devices import accepts_unregistered, cars_by_device
from miglia.store.unit_of_work import UnitOfWork

MAX_TRACK_POINTS = 600
"""Points per car and day sent to the browser (a day of fixes every 10 s is 3,000 or more)."""


def car_tracks(
    uow: UnitOfWork, event_id: int, event: Event, start_no: int, max_points: int = MAX_TRACK_POINTS
) -> dict[str, Any]:
    """Car `start_no`'s stored positions, one LineString per day (the devices it carried that day, the
    day's local midnight to midnight), thinned to at most `max_points` points a day, first and last kept."""
    features: list[dict[str, Any]] = []
    accept = accepts_unregistered(uow, event_id)
    for day in event.days:
        devices = [d for d, n in cars_by_device(uow, event_id, day.number).items() if n == start_no]
        if not devices:
            continue
        begin = local_instant(day.date, dt.time(0), event.timezone)
        end = local_instant(day.date + dt.timedelta(days=1), dt.time(0), event.timezone)
        rows = uow.positions.points((devices, begin, end), accept)
        if not rows:
            continue
        points = thin([(round(lon, 6), round(lat, 6)) for _, lat, lon, _ in rows], max_points)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [list(p) for p in points]},
                "properties": {
                    "day": day.number,
                    "role": "track",
                    "label": f"Car {start_no}, day {day.number}: {len(rows):,} positions",
                    "first_us": rows[0][0],
                    "last_us": rows[-1][0],
                    "positions": len(rows),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
