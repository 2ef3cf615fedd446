"""`miglia items ...` (issue 13): the sponsor's commemorative items, serial by serial."""

from __future__ import annotations

import typer

from miglia.cli.common import DbOption, open_db, reported
from miglia.service.awards import items

app = typer.Typer(help="The sponsor's commemorative items: serials and their holders.", no_args_is_help=True)


@app.command("list")
def items_list(
    series: str = typer.Argument(..., help="The series, by its name (or a part of it naming only one)."),
    db: str | None = DbOption,
) -> None:
    """Print every serial of the series with its holder: serial,holder,start_no,status (CSV, one line a
    serial; status is free, reserved, allocated, handed_over, lost or returned)."""
    with reported():
        lines = items.cli_lines(open_db(db), series)
    for line in lines:
        typer.echo(line)
