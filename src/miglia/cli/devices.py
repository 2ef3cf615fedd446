"""`miglia devices ...` and `miglia tracking ...`: the organiser's trackers and live-tracking settings."""

from __future__ import annotations

import json

import typer

from miglia.cli.common import DbOption, open_db, reported
from miglia.domain.errors import MigliaError
from miglia.service.clock import clock_text
from miglia.service.event import events
from miglia.service.live import alerts, devices, enrolment
from miglia.service.live.ingest import quarantine
from miglia.store.db import Database

devices_app = typer.Typer(help="Trackers: tokens, which car carries which on which day, unknown devices.")
tracking_app = typer.Typer(help="Live tracking settings of the event: alert thresholds, speed zones.")


@devices_app.command("register")
def register(
    device_id: str = typer.Argument(..., help="The id the tracker sends (Traccar Client: its identifier)."),
    label: str = typer.Option("", help="A note, e.g. 'car 7, co-driver's phone'."),
    db: str | None = DbOption,
) -> None:
    """Give a tracker a token: from now on its positions are refused without it. Prints the token."""
    with reported():
        token = devices.register(open_db(db), device_id, label)
    typer.echo(f"{device_id}: token {token}")
    typer.echo(
        "Set it in the app (Traccar Client: add &token=... to the server URL; OwnTracks: the password)."
    )


@devices_app.command("assign")
def assign(
    device_id: str = typer.Argument(..., help="The tracker's id."),
    car: int = typer.Option(..., "--car", help="Start number of the car that carries it."),
    day: int = typer.Option(..., help="Day number: a tracker swapped mid-event is assigned again."),
    by: str = typer.Option(..., help="Who assigns it (kept in the history)."),
    db: str | None = DbOption,
) -> None:
    """The car carries this tracker on this day (earlier assignments stay in the history)."""
    with reported():
        done = devices.assign(open_db(db), None, device_id, car, day, by)
    typer.echo(f"{done.device_id} is carried by car {done.start_no} on day {done.day_number}")


@devices_app.command("list")
def list_devices(db: str | None = DbOption) -> None:
    """Assignments in the order they were made, and the unknown devices waiting to be assigned."""
    with reported():
        database = open_db(db)
        with database.unit_of_work() as uow:
            row = events.event_row(uow)
            made = devices.history(uow, row.id)
            accept = alerts.load_watch(uow).accept_unregistered
            held = quarantine(uow, row.id, accept)
    for a in made:
        when = clock_text(a.assigned_us, row.timezone)
        typer.echo(f"day {a.day_number}: {a.device_id} -> car {a.start_no} (by {a.assigned_by} at {when})")
    typer.echo(f"{len(held)} devices in quarantine (their positions change nothing)" + (":" if held else ""))
    for q in held:
        last = clock_text(q.last_us, row.timezone)
        typer.echo(f"  {q.device_id}: {q.positions} positions, last at {last}: {q.reason}")


@devices_app.command("enrol")
def enrol(
    device_id: list[str] = typer.Argument(
        None, help="Devices to enrol (default: every car's not registered)."
    ),
    day: int | None = typer.Option(None, help="The cars' devices of this day (default: the entry list's)."),
    db: str | None = DbOption,
) -> None:
    """Register the cars' trackers with enrolment tokens; their codes are on the console's trackers page."""
    with reported():
        database = open_db(db)
        with database.unit_of_work() as uow:
            event_id = events.event_row(uow).id
        count = enrolment.enrol(database, event_id, list(device_id or []) or None, day)
    typer.echo(f"{count} trackers enrolled; print their codes from /organiser/trackers/sheet")


@tracking_app.command("set")
def set_tracking(
    thresholds: str | None = typer.Option(
        None, help='JSON, e.g. \'{"stopped_min": 8, "off_route_m": 400}\' (see docs/tracking.md).'
    ),
    zones: str | None = typer.Option(
        None,
        help='JSON list, e.g. \'[{"name": "Calistoga", "lat": 38.58, "lon": -122.58, '
        '"radius_m": 800, "limit_kmh": 40}]\'.',
    ),
    accept_unregistered: bool | None = typer.Option(
        None,
        "--accept-unregistered/--registered-only",
        help="A casual tour: let unregistered trackers move cars and make passages (else quarantine).",
    ),
    early_hours: float | None = typer.Option(
        None, help="Fixes are plausible from this many hours before the first day's first start (24)."
    ),
    late_minutes: float | None = typer.Option(
        None, help="...to this many minutes after the message was received (10)."
    ),
    db: str | None = DbOption,
) -> None:
    """Change the alert thresholds, the speed zones, the plausible time window of fixes, or whether
    unregistered trackers count."""
    with reported():
        database = open_db(db)
        with database.unit_of_work() as uow:
            event_id = events.event_row(uow).id
        alerts.set_tracking(
            database,
            event_id,
            accept_unregistered=accept_unregistered,
            thresholds=_json(thresholds, "--thresholds", dict),  # type: ignore[arg-type]
            zones=_json(zones, "--zones", list),  # type: ignore[arg-type]
            time_window=_window(database, early_hours, late_minutes),
        )
    typer.echo("tracking settings stored; a running server reads them within seconds")


def _window(database: Database, early: float | None, late: float | None) -> dict[str, float] | None:
    """The time window with the bounds given changed, the other as stored (None: neither given)."""
    if early is None and late is None:
        return None
    with database.unit_of_work() as uow:
        current = alerts.load_watch(uow).window
    return {
        "early_h": current.early_h if early is None else early,
        "late_min": current.late_min if late is None else late,
    }


def _json(text: str | None, option: str, kind: type) -> object:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MigliaError(f"{option} = {text!r}: not JSON: {exc}") from None
    if not isinstance(value, kind):
        raise MigliaError(f"{option} = {text!r}: expected a JSON {'object' if kind is dict else 'list'}")
    return value
