"""`miglia show placards`: the car show's placards, one A5 page per car (issue 13)."""

from __future__ import annotations

from pathlib import Path

import typer

from miglia.cli.common import DbOption, open_db, reported

app = typer.Typer(help="The car show: placards for every car.", no_args_is_help=True)


@app.command("placards")
def show_placards(
    out: Path = typer.Option(..., "--out", help="The PDF to write (one A5 page per car)."),
    url: str = typer.Option(
        "http://127.0.0.1:8000",
        "--url",
        help="The site's public address: each placard's QR code opens the car's page there.",
    ),
    car: list[int] = typer.Option(
        [], "--car", help="Only this car (repeat for more); every accepted car by default."
    ),
    db: str | None = DbOption,
) -> None:
    """Write the placards: start number, car, crew, its story and a QR code to its page on a phone."""
    from miglia.service.awards import show

    with reported():
        data = show.placards_pdf(open_db(db), url, car or None)
        out.write_bytes(data)
    typer.echo(f"wrote {out} ({len(data) // 1024} KB)")
