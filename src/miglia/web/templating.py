"""Jinja2 templates with the filters the pages share."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates

from miglia.service.clock import clock_text, to_datetime

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def _clock(instant_us: int | None, timezone: str = "UTC", hundredths: bool = False) -> str:
    return "" if instant_us is None else clock_text(instant_us, timezone, hundredths)


def _km(value: object) -> str:
    return "" if value is None else f"{float(str(value)):,.1f}"


def _when(instant_us: int | None, timezone: str = "UTC") -> str:
    """A day and time of day in the event's zone, for records (e.g. "Sat 25 Apr 09:01:07")."""
    return "" if instant_us is None else to_datetime(instant_us, timezone).strftime("%a %-d %b %H:%M:%S")


templates.env.filters["clock"] = _clock
templates.env.filters["when"] = _when
templates.env.filters["km"] = _km
