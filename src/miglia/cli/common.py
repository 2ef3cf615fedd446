"""What the subcommands share: the database option and how errors are reported."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer

from miglia.domain.errors import MigliaError
from miglia.store.db import Database

DbOption = typer.Option(None, "--db", envvar="MIGLIA_DB", help="Database URL (default: sqlite:///miglia.db).")


@contextmanager
def reported() -> Iterator[None]:
    """Turn bad input into a clear message and exit code 2, with no traceback."""
    try:
        yield
    except MigliaError as exc:
        typer.secho(str(exc), err=True, fg=typer.colors.RED)
        raise typer.Exit(2) from None


def open_db(url: str | None) -> Database:
    return Database(url)
