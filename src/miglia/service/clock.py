"""Now, as integer microseconds since the epoch, UTC; and the conversions between instants and the local
time of day of the event's zone, under the names the services use (they live in domain.instants)."""

from __future__ import annotations

import time

from miglia.domain.instants import datetime_to_us as from_datetime
from miglia.domain.instants import format_local
from miglia.domain.instants import local_to_utc_us as local_instant
from miglia.domain.instants import us_to_local as to_datetime

__all__ = ["clock_text", "from_datetime", "local_instant", "now_us", "to_datetime"]


def now_us() -> int:
    return time.time_ns() // 1000


def clock_text(instant_us: int, timezone: str, hundredths: bool = False) -> str:
    """Time of day as crews and marshals read it: 10:23:07, or 10:23:07.41 for trials (truncated)."""
    return format_local(instant_us, timezone, 2 if hundredths else 0)
