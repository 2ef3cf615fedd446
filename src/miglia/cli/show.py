"""`miglia show ...` (issue 13)."""

from __future__ import annotations

import typer

app = typer.Typer(help="The car show: placards for every car.", no_args_is_help=True)
