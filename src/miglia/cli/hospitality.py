"""`miglia hospitality ...` (issue 12): the venues' lists, the allocation of rooms."""

from __future__ import annotations

from pathlib import Path

import typer

from miglia.cli.common import DbOption, open_db, reported
from miglia.cli.itinerary import _write
from miglia.service.hospitality import hotels, reports

app = typer.Typer(help="Hotels and meals: rooming lists, meal lists, the allocation.", no_args_is_help=True)


@app.command("report")
def report(
    venue: str = typer.Option(
        ..., "--venue", help="The hotel or restaurant, by name (or a part naming one)."
    ),
    fmt: str = typer.Option("csv", "--format", help="csv or pdf."),
    out: Path | None = typer.Option(None, "--out", help="Write to this file (default: standard output)."),
    db: str | None = DbOption,
) -> None:
    """A hotel's rooming list (night, car, guests, room type) or a restaurant's meal list (meal, guest,
    menu choice, diet, allergies)."""
    with reported():
        _, data = reports.report_file(open_db(db), venue, fmt)
    _write(data, out, fmt)


@app.command("allocate")
def allocate(
    again: bool = typer.Option(False, "--again", help="Redo the automatic allocations (moves by hand stay)."),
    by: str = typer.Option("cli", "--by", help="Who allocates (kept with each allocation)."),
    db: str | None = DbOption,
) -> None:
    """Give every crew without a room one each night; print the crews left without a room and why."""
    with reported():
        done = hotels.allocate(open_db(db), by, again=again)
    typer.echo(done.text)
    for u in done.unhoused:
        typer.echo(f"car {u.start_no}, night {u.night}: {u.reason}")
