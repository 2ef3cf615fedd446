"""The event's routes, controls and stops, and a car's tracks, as GeoJSON for the map.

The public map leaves out secret checks: where they are is the point of them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from miglia.domain.event import ControlKind, Event
from miglia.service.clock import local_instant
from miglia.service.devices import accepts_unregistered, cars_by_device, counted
from miglia.store.models import PositionRow, RouteRow

MAX_TRACK_POINTS = 600
"""Points per car and day sent to the browser (a day of fixes every 10 s is 3,000 or more)."""


def event_features(event: Event, routes: dict[int, RouteRow], secret: bool = False) -> dict[str, Any]:
    """Routes, controls and stops; `secret` includes the secret checks (not for the public)."""
    features: list[dict[str, Any]] = []
    for day in event.days:
        route = routes.get(day.number)
        if route is not None:
            features.append(
                {
                    "type": "Feature",
                    "geometry": {
                        "type": "LineString",
                        "coordinates": [[lon, lat] for lat, lon in route.coordinates],
                    },
                    "properties": {
                        "day": day.number,
                        "role": "route",
                        "label": f"Day {day.number}: {day.title}",
                    },
                }
            )
        for control in day.controls:
            if control.kind is ControlKind.SECRET_CHECK and not secret:
                continue
            if control.lat is not None and control.lon is not None:
                features.append(
                    _point(
                        control.lat,
                        control.lon,
                        day.number,
                        "control",
                        f"{control.name} · {control.kind.label}",
                        name=control.name,
                        kind=control.kind.value,
                    )
                )
        for stop in day.stops:
            if stop.lat is not None and stop.lon is not None:
                features.append(
                    _point(stop.lat, stop.lon, day.number, "stop", f"{stop.kind.label}: {stop.name}")
                )
    return {"type": "FeatureCollection", "features": features}


def _point(lat: float, lon: float, day: int, role: str, label: str, **more: str) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"day": day, "role": role, "label": label, **more},
    }


def car_tracks(
    session: Session, event_id: int, event: Event, start_no: int, max_points: int = MAX_TRACK_POINTS
) -> dict[str, Any]:
    """Car `start_no`'s stored positions, one LineString per day (the devices it carried that day, the
    day's local midnight to midnight), thinned to at most `max_points` points a day, first and last kept."""
    features: list[dict[str, Any]] = []
    trusted = counted(accepts_unregistered(session, event_id))
    for day in event.days:
        devices = [d for d, n in cars_by_device(session, event_id, day.number).items() if n == start_no]
        if not devices:
            continue
        begin = local_instant(day.date, dt.time(0), event.timezone)
        end = local_instant(day.date + dt.timedelta(days=1), dt.time(0), event.timezone)
        rows = session.execute(
            select(PositionRow.instant_us, PositionRow.lat, PositionRow.lon)
            .where(
                trusted,
                PositionRow.device_id.in_(devices),
                PositionRow.instant_us >= begin,
                PositionRow.instant_us < end,
            )
            .order_by(PositionRow.instant_us)
        ).all()
        if not rows:
            continue
        points = thin([(round(lon, 6), round(lat, 6)) for _, lat, lon in rows], max_points)
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


def thin(points: list[tuple[float, float]], max_points: int) -> list[tuple[float, float]]:
    """Every k-th point so that at most `max_points` remain, always keeping the first and the last."""
    if len(points) <= max_points or max_points < 2:
        return points
    step = -(-len(points) // (max_points - 1))
    kept = points[::step]
    if kept[-1] != points[-1]:
        kept.append(points[-1])
    return kept
