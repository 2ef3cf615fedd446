"""The `miglia` command: one subcommand per thing an organiser does."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from miglia.cli import (
    awards,
    devices,
    gps,
    hospitality,
    items,
    itinerary,
    photos,
    results,
    roadbook,
    score,
    show,
    timing,
    users,
)
from miglia.cli.common import DbOption, open_db, reported
from miglia.service.event import events
from miglia.store.db import Database

if TYPE_CHECKING:
    import uvicorn

app = typer.Typer(
    help="Miglia: run a classic-car rally from the entry list to the prize-giving.", no_args_is_help=True
)
event_app = typer.Typer(help="Check and import the event file (docs/event-file.md).", no_args_is_help=True)
entries_app = typer.Typer(help="Import the entry list.", no_args_is_help=True)
app.add_typer(event_app, name="event")
app.add_typer(entries_app, name="entries")
app.add_typer(gps.app, name="gps")
app.add_typer(score.app)
app.add_typer(roadbook.app)
app.add_typer(results.app)
app.add_typer(timing.passages_app, name="passages")
app.add_typer(timing.correction_app, name="correction")
app.add_typer(timing.timing_app, name="timing")
app.add_typer(users.app, name="users")
app.add_typer(devices.devices_app, name="devices")
app.add_typer(devices.tracking_app, name="tracking")
app.add_typer(photos.app, name="photos")
app.add_typer(awards.app, name="awards")
app.add_typer(items.app, name="items")
app.add_typer(show.app, name="show")
app.add_typer(hospitality.app, name="hospitality")
app.add_typer(itinerary.app)


@event_app.command("check")
def event_check(file: Path = typer.Argument(..., help="The event TOML file.")) -> None:
    """Validate an event file and its routes; nothing is stored."""
    with reported():
        checked = events.check_event(file)
    event = checked.event
    km = sum(r.length_m for r in checked.routes.values()) / 1000
    controls = sum(len(d.controls) for d in event.days)
    typer.echo(f"{file}: OK: {event.name}, {len(event.days)} days, {km:,.1f} km, {controls} controls")


@event_app.command("streets")
def event_streets(
    file: Path = typer.Argument(..., help="OpenStreetMap extract (.osm.pbf or .osm) of the event's area."),
    by: str = typer.Option("organiser", help="Who gives it (kept with the map)."),
    db: str | None = DbOption,
) -> None:
    """Keep the roads near the event's routes: the roadbook's side roads and roundabout exits."""
    from miglia.service.roadbook import books

    with reported():
        kept = books.import_streets(open_db(db), file, file.name, by)
    typer.echo(f"{file.name}: {kept} roads along the routes kept for the roadbook's side roads")


@event_app.command("import")
def event_import(
    file: Path = typer.Argument(..., help="The event TOML file."), db: str | None = DbOption
) -> None:
    """Store the event file and its routes in the database."""
    with reported():
        event = events.import_event(open_db(db), file)
    typer.echo(f"imported {event.name} ({event.slug})")


@event_app.command("export")
def event_export(
    out: Path = typer.Option(..., "--out", help="Folder to write event.toml and its files into."),
    event: str | None = typer.Option(None, help="Event slug (default: the latest imported event)."),
    db: str | None = DbOption,
) -> None:
    """Write the stored event as its event file, route files (GPX), logo and tile archive: `miglia event
    import` takes them back into the same event."""
    from miglia.service.event.export import export_event

    with reported():
        written = export_event(open_db(db), out, event)
    typer.echo(f"{written[0]}: the event file, with {len(written) - 1} files beside it")
    for path in written[1:]:
        typer.echo(f"  {path.relative_to(out)}")


@entries_app.command("import")
def entries_import(
    csv: Path = typer.Argument(
        ...,
        help="Entries CSV: start_no,driver,co_driver,make,model,year,chassis,class,device_id; optional "
        "team,ladies,displacement_cc,category,mm_history (docs/entries-file.md)",
    ),
    event: str | None = typer.Option(None, help="Event slug (default: the latest imported event)."),
    db: str | None = DbOption,
) -> None:
    """Store the entry list; refused entries are kept with their reason."""
    with reported():
        entries = events.import_entries(open_db(db), csv, event)
    refused = [e for e in entries if not e.accepted]
    typer.echo(
        f"imported {len(entries)} entries: {len(entries) - len(refused)} accepted, {len(refused)} refused"
    )
    for e in refused:
        typer.echo(f"  refused #{e.start_no} {e.car.title}: {e.refusal_reason}")


@app.command()
def demo(
    serve_site: bool = typer.Option(
        True, "--serve/--no-serve", help="Serve the site after building (default)."
    ),
    directory: Path = typer.Option(
        Path("demo-event"), "--dir", help="Where to write the demo's files and database."
    ),
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    speed: float = typer.Option(
        40.0, help="Live replay: how many times faster than real time day 2 is sent again (0: no replay)."
    ),
    replay_day: int = typer.Option(2, help="Live replay: the day whose tracks are sent again."),
) -> None:
    """Build the California Mille demo event (files, tracks, timing, results) and serve it, with one day
    of the cars' tracks replayed live through the tracker endpoint (see miglia.service.live.replay)."""
    from miglia.service.demo import build_demo

    started = time.monotonic()
    with reported():
        database, summary = build_demo(directory, progress=typer.echo)
    typer.echo(
        f"\n{summary.name}: {summary.days} days, {summary.km:,.0f} km, {summary.accepted} entries accepted "
        f"({summary.refused} refused), {summary.controls} controls; {summary.positions:,} GPS positions gave "
        f"{summary.passages:,} passages (built in {time.monotonic() - started:.0f} s)"
    )
    if summary.photos is not None:
        typer.echo(
            f"{summary.photos.photos} photos by two photographers: {summary.photos.tagged} matched to their "
            f"cars, {summary.photos.review} left to review"
        )
    for line in summary.around:
        typer.echo(line)
    typer.echo("Top five:")
    for standing, car in summary.top:
        typer.echo(f"  {standing.position}. #{standing.start_no} {car}: score {standing.score}")
    from miglia.service.demo import DEMO_ACCOUNTS, demo_password

    accounts = ", ".join(f"{name} / {demo_password(name)}" for name, _, _ in DEMO_ACCOUNTS)
    typer.echo(f"Log in to try a role (user / password): {accounts}")
    if serve_site:
        _serve(database, host, port, None, replay_day=replay_day if speed > 0 else None, speed=speed)


@app.command()
def serve(
    db: str | None = DbOption,
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    tiles: str | None = typer.Option(
        None, envvar="MIGLIA_TILES", help="Map tile URL template, e.g. http://host/{z}/{x}/{y}.png"
    ),
    trusted_proxy: list[str] = typer.Option(
        [],
        "--trusted-proxy",
        help="A reverse proxy (IP or CIDR network) whose X-Forwarded-For/-Proto are believed; repeat for "
        "more. Default: MIGLIA_TRUSTED_PROXIES (comma-separated), else none.",
    ),
) -> None:
    """Serve the event site."""
    _serve(open_db(db), host, port, tiles, trusted_proxy=trusted_proxy)


def server_config(app: Any, host: str, port: int, trusted_proxies: Sequence[str]) -> uvicorn.Config:
    """How uvicorn serves the app. Forwarded headers are read only from the proxies named: uvicorn's
    default believes them from any local peer, which lets a client choose its own address (and so its
    own login rate limit). uvicorn takes the client as the rightmost address not a trusted proxy."""
    import uvicorn

    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        proxy_headers=bool(trusted_proxies),
        forwarded_allow_ips=list(trusted_proxies),
    )


def _serve(
    database: Database,
    host: str,
    port: int,
    tiles: str | None,
    replay_day: int | None = None,
    speed: float = 0.0,
    trusted_proxy: Sequence[str] = (),
) -> None:
    import uvicorn

    from miglia.web.app import create_app
    from miglia.web.security.proxies import trusted_proxies

    with reported():
        proxies = trusted_proxies(trusted_proxy)
    app = create_app(database, tile_url=tiles)
    replay = None
    if replay_day is not None and speed > 0:
        from miglia.service.live import replay as live_replay
        from miglia.service.live.tracker import Tracker
        from miglia.tracking.broadcast import Broadcaster

        # The replayed day starts from an empty live state: no `load_live`, which would put every car
        # where its last stored position is (the end of day 4), newer than every fix of the day replayed.
        tracker = Tracker(database, Broadcaster())
        app.state.tracker = tracker
        local = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        replay = live_replay.start(
            database, f"http://{local}:{port}", day=replay_day, speed=speed, follow=tracker.follow
        )
        typer.echo(
            f"Replaying day {replay_day} live at {speed:g}x through /ingest/osmand: open /map "
            "(car 3 breaks down by the road about two minutes in at 40x)"
        )
    if proxies:
        typer.echo(f"Believing X-Forwarded-For/-Proto from {', '.join(proxies)} only")
    typer.echo(f"Miglia is serving on http://{host}:{port}  (Ctrl+C to stop)")
    try:
        uvicorn.Server(server_config(app, host, port, proxies)).run()
    finally:
        if replay is not None:
            replay.stop()
