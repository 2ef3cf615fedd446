"""Small builders shared by the tracking tests: an event in the database, an app with the live routers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from fastapi import FastAPI

from miglia.domain.event import Control, ControlKind, Day, Event, Stop, StopKind
from miglia.formats import event_codec
from miglia.service.live.devices import register
from miglia.store.db import Database
from miglia.store.models import EntryRow, EventRow, RouteRow
from miglia.web.app import create_app

# A position as Traccar's event forwarding sends it (docs: traccar.org/forward): the decoder's sample.
TRACCAR = {
    "position": {
        "id": 12345,
        "deviceId": 10,
        "protocol": "osmand",
        "valid": True,
        "fixTime": "2024-05-20T14:29:55.000+00:00",
        "latitude": -23.55052,
        "longitude": -46.633308,
        "altitude": 760.0,
        "speed": 13.5,
        "course": 180.0,
        "accuracy": 0.0,
        "attributes": {"batteryLevel": 85, "motion": True},
    },
    "device": {"id": 10, "name": "Company Car 01", "uniqueId": "123456789012345", "status": "online"},
}


# A straight route due north from (45.0, 9.0), about 11.1 km long.
ROUTE = [[45.0 + i * 0.01, 9.0] for i in range(11)]


def event(day: dt.date = dt.date(2025, 6, 15)) -> Event:
    return Event(
        slug="test-rally",
        name="Test Rally",
        timezone="UTC",
        rules="tour",
        days=(
            Day(
                number=1,
                date=day,
                title="Day 1",
                route="day1.gpx",
                first_start=dt.time(8, 0),
                start_interval_s=60,
                controls=(
                    Control(name="START", kind=ControlKind.START, km=Decimal("0")),
                    Control(
                        name="TC1", kind=ControlKind.TIME_CONTROL, km=Decimal("10"), average_kmh=Decimal("40")
                    ),
                ),
                stops=(Stop(kind=StopKind.LUNCH, name="Trattoria", lat=45.05, lon=9.0),),
            ),
        ),
    )


def token(device: str) -> str:
    """The token `add_event` registers each car's device with."""
    return f"{device}-token"


def add_event(
    db: Database, devices: dict[int, str], day: dt.date = dt.date(2025, 6, 15), enrol: bool = True
) -> int:
    """The test event with one accepted entry per start number carrying the given device, registered
    with `token(device)` unless `enrol` is False (then its positions stay in quarantine)."""
    if enrol:
        for device in devices.values():
            register(db, device, token=token(device))
    ev = event(day)
    with db.unit_of_work() as uow:
        row = EventRow(
            slug=ev.slug,
            name=ev.name,
            timezone=ev.timezone,
            rules=ev.rules,
            source_name="test",
            source_text="",
            definition=event_codec.to_json(ev),
            imported_us=0,
            results_published=False,
        )
        uow.session.add(row)
        uow.session.flush()
        uow.session.add(
            RouteRow(
                event_id=row.id, day_number=1, source_name="day1.gpx", length_m=11_119.5, coordinates=ROUTE
            )
        )
        for start_no, device in devices.items():
            uow.session.add(
                EntryRow(
                    event_id=row.id,
                    start_no=start_no,
                    driver=f"Driver {start_no}",
                    co_driver="",
                    ladies=False,
                    make="Alfa Romeo",
                    model="6C 2500",
                    year=1950,
                    chassis="",
                    class_name="",
                    device_id=device,
                    team="",
                    status="accepted",
                    refusal_reason="",
                )
            )
        return row.id


def app_for(db: Database) -> FastAPI:
    """The whole app, as served, on this database."""
    return create_app(db, tile_url="")
