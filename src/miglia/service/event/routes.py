"""Each day's route read from its file, and every control and stop placed on it.

A control given by km gets its lat/lon from the route; one given by lat/lon gets its km. Either way
the stored event knows both, so the map, the time cards and the GPS timing agree on where it is.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

import numpy as np

from miglia.domain.errors import MigliaError
from miglia.domain.event import Control, Day, Event, Stop
from miglia.formats.trackfiles import read_route
from miglia.geo.route import Route

# A control given by lat/lon further than this from its day's route is almost surely a typo.
MAX_OFFSET_M = 500.0


@dataclass(frozen=True)
class DayRoute:
    source_name: str
    length_m: float
    coordinates: list[list[float]]

    def geometry(self) -> Route:
        lat, lon = zip(*self.coordinates, strict=True)
        return Route.from_latlon(lat, lon)


def place_event(event: Event) -> tuple[Event, dict[int, DayRoute]]:
    days: list[Day] = []
    routes: dict[int, DayRoute] = {}
    for day in event.days:
        route = read_route(Path(day.route))
        routes[day.number] = DayRoute(
            source_name=Path(day.route).name,
            length_m=float(route.length_m),
            coordinates=[
                [round(float(a), 6), round(float(b), 6)] for a, b in zip(route.lat, route.lon, strict=True)
            ],
        )
        if day.odometer_check is not None:
            _check_km(route, day, "odometer check end", day.odometer_check.to_km)
        days.append(
            replace(
                day,
                controls=tuple(_place_control(route, day, c) for c in day.controls),
                stops=tuple(_place_stop(route, day, s) for s in day.stops),
            )
        )
    return replace(event, days=tuple(days)), routes


def locate_point(route: Route, lat: float, lon: float) -> tuple[float, float]:
    """(chainage_m, offset_m) of the route's nearest point to one position (to place a control)."""
    m_per_deg = 111_320.0
    x = (route.lon - lon) * m_per_deg * np.cos(np.radians(lat))
    y = (route.lat - lat) * m_per_deg
    dx, dy = np.diff(x), np.diff(y)
    seg_len2 = np.maximum(dx * dx + dy * dy, 1e-12)
    t = np.clip(-(x[:-1] * dx + y[:-1] * dy) / seg_len2, 0.0, 1.0)
    dist = np.hypot(x[:-1] + t * dx, y[:-1] + t * dy)
    k = int(np.argmin(dist))
    chainage = route.chainage_m[k] + t[k] * (route.chainage_m[k + 1] - route.chainage_m[k])
    return float(chainage), float(dist[k])


def _km_on(route: Route, day: Day, what: str, lat: float, lon: float) -> Decimal:
    chainage_m, offset_m = locate_point(route, lat, lon)
    if offset_m > MAX_OFFSET_M:
        raise MigliaError(
            f"day {day.number}: {what} at {lat},{lon} is {offset_m:,.0f} m from the route "
            f"(more than {MAX_OFFSET_M:,.0f} m): check its lat/lon"
        )
    return Decimal(f"{chainage_m / 1000:.3f}")


def _check_km(route: Route, day: Day, what: str, km: Decimal) -> None:
    if float(km) * 1000 > route.length_m + 1:
        raise MigliaError(
            f"day {day.number}: {what} km = {km}: "
            f"beyond the end of the route ({route.length_m / 1000:,.3f} km)"
        )


def _point(route: Route, km: Decimal) -> tuple[float, float]:
    # `_check_km` lets a km stand up to 1 m past the end (a finish written to the route's length, rounded)
    lat, lon = route.point_at(min(float(km) * 1000, route.length_m))
    return round(float(lat), 6), round(float(lon), 6)


def _place_control(route: Route, day: Day, control: Control) -> Control:
    what = f"control {control.name}"
    if control.km is None:
        assert control.lat is not None and control.lon is not None
        control = replace(control, km=_km_on(route, day, what, control.lat, control.lon))
    else:
        _check_km(route, day, what, control.km)
        lat, lon = _point(route, control.km)
        control = replace(control, lat=lat, lon=lon)
    if control.end_km is None and control.end_lat is not None and control.end_lon is not None:
        control = replace(
            control, end_km=_km_on(route, day, f"{what} finish line", control.end_lat, control.end_lon)
        )
    elif control.end_km is not None:
        _check_km(route, day, f"{what} finish line", control.end_km)
        end_lat, end_lon = _point(route, control.end_km)
        control = replace(control, end_lat=end_lat, end_lon=end_lon)
    return control


def _place_stop(route: Route, day: Day, stop: Stop) -> Stop:
    if stop.km is None and stop.lat is not None and stop.lon is not None:
        chainage_m, _ = locate_point(route, stop.lat, stop.lon)
        # A hotel or restaurant may sit off the route; its km is where the route passes nearest.
        return replace(stop, km=Decimal(f"{chainage_m / 1000:.1f}"))
    if stop.km is not None and stop.lat is None:
        _check_km(route, day, f"stop {stop.name}", stop.km)
        lat, lon = _point(route, stop.km)
        return replace(stop, lat=lat, lon=lon)
    return stop
