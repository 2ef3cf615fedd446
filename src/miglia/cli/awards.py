"""`miglia awards ...` (issue 13)."""

from __future__ import annotations

import importlib
from collections.abc import Callable

import typer

from miglia.cli.common import DbOption, open_db, reported
from miglia.service.awards import votes
from miglia.store.db import Database

app = typer.Typer(help="Juried awards and the spectators' vote: counts.", no_args_is_help=True)


def _jury_count() -> Callable[[Database, str], list[str] | None] | None:
    """The juried awards' count (service.awards.juries.count_lines), when that capability is there."""
    try:
        module = importlib.import_module("miglia.service.awards.juries")
    except ImportError:
        return None
    found: Callable[[Database, str], list[str] | None] | None = getattr(module, "count_lines", None)
    return found


@app.command("count")
def count(
    name: str = typer.Argument(..., help="A vote category (People's Choice) or a juried award, by name."),
    db: str | None = DbOption,
) -> None:
    """Print the count as CSV, best first: entry,start_no,votes. A vote category is looked up first, then
    a juried award. The organiser's tool: it prints a spectators' vote's tally even before the reveal,
    and shows nothing on any page."""
    with reported():
        database = open_db(db)
        lines = votes.count_lines(database, name)
        if lines is None:
            jury = _jury_count()
            lines = jury(database, name) if jury is not None else None
    if lines is None:
        typer.secho(f"no vote category or award named {name}", err=True, fg=typer.colors.RED)
        raise typer.Exit(2)
    typer.echo(votes.CSV_HEADER)
    for line in lines:
        if line != votes.CSV_HEADER:
            typer.echo(line)
