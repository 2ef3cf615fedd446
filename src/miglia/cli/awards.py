"""`miglia awards ...` (issue 13)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Juried awards and the spectators' vote: counts.", no_args_is_help=True)
