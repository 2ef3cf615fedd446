"""Instants as integer microseconds since the epoch, UTC, and their local reading."""

from __future__ import annotations

import datetime as dt
import time
import zoneinfo

US = 1_000_000


def now_us() -> int:
    return time.time_ns() // 1000


def to_datetime(instant_us: int, timezone: str = "UTC") -> dt.datetime:
    utc = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=instant_us)
    return utc.astimezone(zoneinfo.ZoneInfo(timezone))


def from_datetime(moment: dt.datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError(f"{moment.isoformat()}: a time without a zone is ambiguous")
    delta = moment - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return (delta.days * 86_400 + delta.seconds) * US + delta.microseconds


def local_instant(day: dt.date, time_of_day: dt.time, timezone: str) -> int:
    return from_datetime(dt.datetime.combine(day, time_of_day, tzinfo=zoneinfo.ZoneInfo(timezone)))


def clock_text(instant_us: int, timezone: str, hundredths: bool = False) -> str:
    """Time of day as crews and marshals read it: 10:23:07, or 10:23:07.41 for trials."""
    moment = to_datetime(instant_us, timezone)
    text = moment.strftime("%H:%M:%S")
    if hundredths:
        text += f".{moment.microsecond // 10_000:02d}"
    return text
