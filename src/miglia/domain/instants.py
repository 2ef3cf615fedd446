"""Time in Miglia, in one place: instants are integer microseconds since 1970-01-01 UTC (never floats of
seconds). Every module that turns a datetime, a local time of day or a duration into microseconds, or
back, uses the constants and conversions here.

The one rule for a naive datetime (a time written without a zone or an offset): refused, naming the
field, with `NO_ZONE` as the problem. It could be UTC, the event's local time or the phone's own, and a
guess moves a car by hours. The formats that say their zone themselves are not naive: an NMEA sentence
is UTC by definition, a time of day in a passages file is in the event's zone (`local_to_utc_us`).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import ROUND_HALF_UP, Decimal

from miglia.domain.errors import InvalidInput

US_PER_S = 1_000_000
US_PER_MIN = 60 * US_PER_S
US_PER_HOUR = 60 * US_PER_MIN
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

NO_ZONE = "a time without a zone is ambiguous; add Z or an offset"
"""The problem named when a naive time is refused, in every reader."""


def is_naive(value: dt.datetime) -> bool:
    """Whether a datetime carries no zone (Python's own test: no tzinfo, or one without an offset)."""
    return value.tzinfo is None or value.utcoffset() is None


def datetime_to_us(value: dt.datetime, *, where: str = "time", field: str = "datetime") -> int:
    """Microseconds UTC of an aware datetime (exact: integer arithmetic); a naive one is refused, the
    error naming `where` and `field`."""
    if is_naive(value):
        raise InvalidInput(where, field, value.isoformat(), NO_ZONE)
    delta = value - EPOCH
    return (delta.days * 86_400 + delta.seconds) * US_PER_S + delta.microseconds


def us_to_datetime(instant_us: int) -> dt.datetime:
    """The aware UTC datetime of an instant (exact to the microsecond)."""
    return EPOCH + dt.timedelta(microseconds=instant_us)


def seconds_to_us(seconds: Decimal) -> int:
    """A duration in (decimal) seconds as whole microseconds, rounded half up."""
    return int((seconds * US_PER_S).to_integral_value(ROUND_HALF_UP))


def zone(timezone: str) -> zoneinfo.ZoneInfo:
    """The IANA time zone of an event; an unknown name is refused, naming the event's `timezone`."""
    try:
        return zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            "event", "timezone", timezone, "unknown time zone; use an IANA name such as Europe/Rome"
        ) from None


def local_to_utc_us(date: dt.date, time: dt.time, timezone: str) -> int:
    """Microseconds since 1970-01-01 UTC of a local date and time of day in `timezone`.

    A time that does not exist locally (skipped by a daylight-saving change) is refused; an ambiguous
    one (repeated when clocks go back) is taken at its first occurrence.
    """
    tz = zone(timezone)
    local = dt.datetime.combine(date, time.replace(tzinfo=None)).replace(tzinfo=tz, fold=0)
    utc = local.astimezone(dt.UTC)
    if utc.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise InvalidInput(
            "time", f"{date} {time}", timezone, "this local time does not exist (clocks go forward)"
        )
    return datetime_to_us(utc)


def us_to_local(instant_us: int, timezone: str) -> dt.datetime:
    """The local date and time in `timezone` of an instant in microseconds UTC."""
    return us_to_datetime(instant_us).astimezone(zone(timezone))


def format_local(instant_us: int, timezone: str, places: int = 2) -> str:
    """The time of day crews read, e.g. "10:23:04.25" (truncated to `places` decimals of a second)."""
    local = us_to_local(instant_us, timezone)
    text = local.strftime("%H:%M:%S")
    if places:
        text += "." + f"{local.microsecond:06d}"[:places]
    return text


def format_duration(us: int, places: int = 2) -> str:
    """A deviation or elapsed time for a person, truncated to `places`: "0.37 s", "1 min 05.20 s"."""
    sign = "-" if us < 0 else ""
    us = abs(us)
    minutes, rest = divmod(us, US_PER_MIN)
    seconds, micro = divmod(rest, US_PER_S)
    # zfill, not a nested format spec: this formats every deviation of every car at each recompute
    frac = "." + str(micro // 10 ** (6 - places)).zfill(places) if places else ""
    if minutes:
        return f"{sign}{minutes} min {seconds:02d}{frac} s"
    return f"{sign}{seconds}{frac} s"
