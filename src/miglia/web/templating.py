"""Jinja2 templates with the filters the pages share."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates

from miglia.service.clock import clock_text

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def _clock(instant_us: int | None, timezone: str = "UTC", hundredths: bool = False) -> str:
    return "" if instant_us is None else clock_text(instant_us, timezone, hundredths)


def _km(value: object) -> str:
    return "" if value is None else f"{float(str(value)):,.1f}"


templates.env.filters["clock"] = _clock
templates.env.filters["km"] = _km
