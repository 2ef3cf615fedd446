"""The event's routes, controls and stops as GeoJSON for the map, and the thinning of a track.

The public map leaves out secret checks: where they are is the point of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from miglia.domain.event import ControlKind, Event


class Route(Protocol):
    """A day's route as stored: [[lat, lon], ...] in driving order."""

    @property
    def coordinates(self) -> Sequence[Sequence[float]]: ...


def event_features(event: Event, routes: Mapping[int, Route], secret: bool = False) -> dict[str, Any]:
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


def thin(points: list[tuple[float, float]], max_points: int) -> list[tuple[float, float]]:
    """Every k-th point so that at most `max_points` remain, always keeping the first and the last."""
    if len(points) <= max_points or max_points < 2:
        return points
    step = -(-len(points) // (max_points - 1))
    kept = points[::step]
    if kept[-1] != points[-1]:
        kept.append(points[-1])
    return kept
