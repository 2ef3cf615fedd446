"""The event's routes, controls and stops as GeoJSON for the map."""

from __future__ import annotations

from typing import Any

from miglia.domain.event import Event
from miglia.store.models import RouteRow


def event_features(event: Event, routes: dict[int, RouteRow]) -> dict[str, Any]:
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
            if control.lat is not None and control.lon is not None:
                features.append(
                    _point(
                        control.lat,
                        control.lon,
                        day.number,
                        "control",
                        f"{control.name} · {control.kind.label}",
                    )
                )
        for stop in day.stops:
            if stop.lat is not None and stop.lon is not None:
                features.append(
                    _point(stop.lat, stop.lon, day.number, "stop", f"{stop.kind.label}: {stop.name}")
                )
    return {"type": "FeatureCollection", "features": features}


def _point(lat: float, lon: float, day: int, role: str, label: str) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"day": day, "role": role, "label": label},
    }
