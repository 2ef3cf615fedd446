"""A small event on a drawn route for the roadbook tests: 5.5 km with a right and a left turn, every kind
of control, a stop and an odometer check."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from miglia.domain.event import Control, ControlKind, Day, Event, OdometerCheck, Stop, StopKind
from miglia.geo.route import Route
from tests.geo.geo_synth import route_xy
from tests.geo.test_geo_turns import polyline

CORNERS = [(0.0, 0.0), (0.0, 2000.0), (1500.0, 2000.0), (1500.0, 4000.0)]
"""North 2 km, right (east) 1.5 km, left (north) 2 km: 5.5 km."""


def drawn_route(spacing_m: float = 20.0) -> Route:
    return route_xy(*polyline(CORNERS, spacing_m))


def day(route: Route | None = None) -> Day:
    """The day's controls and stops placed as the stored event has them (km known)."""
    return Day(
        number=1,
        date=dt.date(2026, 4, 26),
        title="Drawn loop",
        route="drawn.gpx",
        first_start=dt.time(8, 0),
        start_interval_s=60,
        controls=(
            Control(name="D1-START", kind=ControlKind.START, km=Decimal(0)),
            Control(name="D1-TC1", kind=ControlKind.TIME_CONTROL, km=Decimal(3), target=Decimal(600)),
            Control(name="D1-SC1", kind=ControlKind.SECRET_CHECK, km=Decimal(4)),
            Control(
                name="D1-PT1",
                kind=ControlKind.TIMED_TRIAL,
                km=Decimal("4.5"),
                end_km=Decimal("4.8"),
                target=Decimal("21.00"),
            ),
            Control(
                name="D1-FINISH",
                kind=ControlKind.FINISH,
                km=Decimal("5.5"),
                average_kmh=Decimal(40),
                description="at the square",
            ),
        ),
        stops=(
            Stop(
                kind=StopKind.FUEL,
                name="Garage & Sons",
                km=Decimal(1),
                address="1 Main St",
                opens=dt.time(7, 30),
                closes=dt.time(18, 0),
            ),
        ),
        odometer_check=OdometerCheck(Decimal("0.5"), Decimal("1.5")),
    )


def event() -> Event:
    return Event(
        slug="drawn", name="Drawn Rally", timezone="America/Los_Angeles", rules="regularity", days=(day(),)
    )
