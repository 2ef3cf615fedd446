"""`miglia items ...` (issue 13)."""

from __future__ import annotations

import typer

app = typer.Typer(help="The sponsor's commemorative items: serials and their holders.", no_args_is_help=True)
