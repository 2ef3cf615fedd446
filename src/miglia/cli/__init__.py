"""The `miglia` command."""

from __future__ import annotations

from miglia.cli.main import app

__all__ = ["app"]
