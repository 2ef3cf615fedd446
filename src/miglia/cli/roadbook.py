"""`miglia roadbook EVENT.toml --day N --format csv|pdf|gpx --out FILE`: a day's roadbook from the files
alone, with no database (like `miglia score`).

CSV columns: km,partial_km,instruction,heading_in,heading_out,note. `--osm` gives an OpenStreetMap
extract (.osm.pbf or .osm) for the side roads at each junction. Bad input prints the problem (naming the
file and the value) to stderr, writes nothing and exits with code 2.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path

import typer

from miglia.cli.common import reported
from miglia.roadbook.words import Traffic

app = typer.Typer(add_completion=False)


class Format(StrEnum):
    CSV = "csv"
    PDF = "pdf"
    GPX = "gpx"


@app.command("roadbook")
def roadbook(
    event_file: Path = typer.Argument(..., help="The event file (TOML, docs/event-file.md)."),
    day: int = typer.Option(..., "--day", help="The day's number, from 1."),
    fmt: Format = typer.Option(Format.CSV, "--format", help="csv, pdf (A5, to print) or gpx (navigators)."),
    out: Path | None = typer.Option(None, "--out", help="The file to write (csv and gpx: default stdout)."),
    osm: Path | None = typer.Option(None, "--osm", help="OpenStreetMap extract for the side roads."),
    traffic: Traffic = typer.Option(Traffic.RIGHT, "--traffic", help="The side cars drive on (roundabouts)."),
) -> None:
    """Write a day's roadbook: instructions from the route, the controls and stops, the odometer check."""
    from miglia.service.roadbook.files import from_files
    from miglia.service.roadbook.render import render

    if fmt is Format.PDF and out is None:
        typer.secho("--out FILE is needed for a PDF", err=True, fg=typer.colors.RED)
        raise typer.Exit(2)
    with reported():
        made = from_files(event_file, day, osm, traffic)
        data = render(made.book, made.route, fmt.value)
    if out is None:
        sys.stdout.write(data.decode("utf-8"))
        return
    out.write_bytes(data)
    typer.echo(
        f"day {day}: {len(made.book.instructions)} instructions, {made.book.length_km} km -> {out}", err=True
    )
