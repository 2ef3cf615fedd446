"""`miglia itinerary --car N --format ics|pdf|text [--out FILE]`: a crew's itinerary (issue 12)."""

from __future__ import annotations

from pathlib import Path

import typer

from miglia.cli.common import DbOption, open_db, reported
from miglia.service.hospitality import itinerary as itineraries

app = typer.Typer(help="A crew's itinerary.", add_completion=False)


@app.command("itinerary")
def itinerary(
    car: int = typer.Option(..., "--car", help="The car's start number."),
    fmt: str = typer.Option("text", "--format", help="ics, pdf or text."),
    out: Path | None = typer.Option(None, "--out", help="Write to this file (default: standard output)."),
    db: str | None = DbOption,
) -> None:
    """Every day of the car: its start time, lunch, car show, hotel (with its room) and dinner, with
    addresses and times (local time of the event)."""
    with reported():
        data = itineraries.itinerary_file(open_db(db), car, fmt)
    _write(data, out, fmt)


def _write(data: bytes, out: Path | None, fmt: str) -> None:
    if out is not None:
        out.write_bytes(data)
        typer.echo(f"wrote {out} ({len(data)} bytes)", err=True)
    elif fmt == "pdf":
        typer.secho("a PDF goes to a file: give --out FILE", err=True, fg=typer.colors.RED)
        raise typer.Exit(2)
    else:
        typer.echo(data.decode(), nl=False)
