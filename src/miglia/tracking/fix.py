"""A position fix as every tracker decoder gives it, and the checks and conversions they share.

Decoders are pure functions: bytes/text in, `Fix` values out, or a `PayloadError` naming the field and
the value, on any input whatever (nothing else may escape: a decoder runs on what strangers send). Units
inside Miglia: instants in integer microseconds UTC, speed in km/h, course in degrees clockwise from north,
altitude and accuracy in metres, battery in percent.

Bounds, so that nothing a database column cannot hold gets past a decoder: JSON at most `MAX_JSON_DEPTH`
levels deep; instants from 1970-01-01 to 2100-01-01 UTC (whether a time is plausible for the event is the
ingest service's question, not the decoder's); measurements finite and at most `MAX_MAGNITUDE`; device ids
at most `MAX_DEVICE_ID` characters, without control characters.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from miglia.domain.errors import MigliaError
from miglia.domain.instants import NO_ZONE, US_PER_S, datetime_to_us, is_naive

KNOT_KMH = 1.852
MPS_KMH = 3.6
EARLIEST_US = 0
LATEST_US = 4_102_444_800 * US_PER_S
"""2100-01-01T00:00:00Z."""
TIME_RANGE = "expected a time between 1970 and 2100"
MAX_JSON_DEPTH = 32
MAX_MAGNITUDE = 1e6
MAX_DEVICE_ID = 100
_SHORT = 80


class PayloadError(MigliaError):
    """A tracker message that cannot be read: names the field and the value."""

    def __init__(self, protocol: str, field: str, value: object, problem: str) -> None:
        self.protocol = protocol
        self.field = field
        self.value = value
        self.problem = problem
        super().__init__(f"{protocol}: field {field} = {_repr(value)}: {problem}")


@dataclass(frozen=True, slots=True)
class Fix:
    device_id: str
    instant_us: int
    lat: float
    lon: float
    speed_kmh: float | None = None
    course: float | None = None
    altitude: float | None = None
    accuracy_m: float | None = None
    battery: float | None = None


def short(value: object) -> str:
    """A value as text, cut to a length an error message can quote."""
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return text if len(text) <= _SHORT else text[: _SHORT - 3] + "..."


def _repr(value: object) -> str:
    # A message quotes what was sent; a megabyte of it would bury the problem (and the log).
    text = repr(value)
    return text if len(text) <= _SHORT else text[: _SHORT - 3] + "..."


def parse_json(protocol: str, body: str | bytes) -> Any:
    """The JSON value of a body, at most `MAX_JSON_DEPTH` arrays/objects deep, or a PayloadError."""
    try:
        data = json.loads(body)
    except RecursionError:
        raise PayloadError(protocol, "body", short(body), _too_deep()) from None
    except ValueError as exc:  # UnicodeDecodeError and too long integers are ValueErrors too
        raise PayloadError(protocol, "body", short(body), f"not JSON ({short(exc)})") from None
    if too_deep(data):
        raise PayloadError(protocol, "body", short(body), _too_deep())
    return data


def too_deep(data: object, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether parsed JSON nests arrays/objects more than `limit` deep (walked without recursion)."""
    stack: list[tuple[object, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            value = list(value.values())
        if isinstance(value, list):
            if depth >= limit:
                return True
            stack.extend((child, depth + 1) for child in value)
    return False


def _too_deep() -> str:
    return f"JSON nested deeper than {MAX_JSON_DEPTH} levels"


def number(protocol: str, field: str, value: object) -> float:
    """A finite number from text or JSON, or a PayloadError naming the field."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise PayloadError(protocol, field, value, "expected a number")
    try:
        result = float(value)
    except (ValueError, OverflowError):  # OverflowError: an integer beyond any float
        raise PayloadError(protocol, field, value, "expected a number") from None
    if not math.isfinite(result):
        raise PayloadError(protocol, field, value, "expected a finite number")
    return result


def optional(protocol: str, field: str, value: object, scale: float = 1.0) -> float | None:
    """An optional measurement; absent, empty or negative (clients send -1 for "unknown") is None."""
    if value is None or value == "":
        return None
    result = number(protocol, field, value)
    return None if result < 0 else _bounded(protocol, field, value, result * scale)


def measure(protocol: str, field: str, value: object) -> float | None:
    """An optional measurement that may be negative (an altitude below sea level); absent is None."""
    if value is None or value == "":
        return None
    return _bounded(protocol, field, value, number(protocol, field, value))


def _bounded(protocol: str, field: str, value: object, result: float) -> float:
    if not abs(result) <= MAX_MAGNITUDE:
        raise PayloadError(protocol, field, value, f"not a plausible value (more than {MAX_MAGNITUDE:g})")
    return result


def device_id(protocol: str, field: str, value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | None):
        raise PayloadError(protocol, field, value, "expected the device identifier as text")
    text = "" if value is None else str(value).strip()
    if not text:
        raise PayloadError(protocol, field, value, "no device identifier; the tracker must send one")
    if len(text) > MAX_DEVICE_ID:
        raise PayloadError(protocol, field, value, f"longer than {MAX_DEVICE_ID} characters")
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in text):
        # Cs: a lone surrogate (JSON "\ud800") cannot be encoded for the database.
        raise PayloadError(protocol, field, value, "control characters are not allowed in a device id")
    return text


def make_fix(
    protocol: str, device: str, instant_us: int, lat: float, lon: float, **more: float | None
) -> Fix:
    if not -90.0 <= lat <= 90.0:
        raise PayloadError(protocol, "lat", lat, "a latitude is between -90 and 90")
    if not -180.0 <= lon <= 180.0:
        raise PayloadError(protocol, "lon", lon, "a longitude is between -180 and 180")
    course = more.get("course")
    if course is not None:
        more["course"] = course % 360.0
    return Fix(device, instant_us, lat, lon, **more)


def epoch_us(protocol: str, field: str, value: object) -> int:
    """Epoch seconds (or milliseconds, as Traccar reads any value of 2^31 and more) as microseconds."""
    try:
        seconds = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):  # ValueError: str() of an integer of too many digits
        raise PayloadError(protocol, field, value, "expected epoch seconds") from None
    if not seconds.is_finite() or seconds < 0:
        raise PayloadError(protocol, field, value, "expected epoch seconds")
    if seconds >= 2**31:
        seconds /= 1000
    # Compared before multiplying: 1e999999 x 10^6 would overflow the decimal context.
    if seconds > LATEST_US // US_PER_S:
        raise PayloadError(protocol, field, value, TIME_RANGE)
    return in_range(protocol, field, value, int(seconds * US_PER_S))


def iso_us(protocol: str, field: str, value: object, *, naive_is_utc: bool = False) -> int:
    """ISO 8601 with its zone ("2016-01-27T18:55:47Z", "...+02:00"; a space may stand for the T).

    A time without a zone is refused naming the field (`instants.NO_ZONE`), as everywhere in Miglia,
    unless `naive_is_utc`: only for a protocol whose own definition says so (the OsmAnd query string)."""
    text = str(value).strip()
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise PayloadError(
            protocol, field, value, "expected an ISO 8601 time or YYYY-MM-DD HH:MM:SS"
        ) from None
    if is_naive(moment):
        if not naive_is_utc:
            raise PayloadError(protocol, field, value, NO_ZONE)
        moment = moment.replace(tzinfo=dt.UTC)
    return in_range(protocol, field, value, datetime_to_us(moment))


def instant_us(protocol: str, field: str, value: object, *, naive_is_utc: bool = False) -> int:
    """Any of the time forms trackers send: epoch s, epoch ms, ISO 8601 (see `iso_us` for a time
    without a zone)."""
    if isinstance(value, bool):
        raise PayloadError(protocol, field, value, "expected a time")
    if isinstance(value, int | float):
        return epoch_us(protocol, field, value)
    text = str(value).strip()
    if text.replace(".", "", 1).isdigit():
        return epoch_us(protocol, field, text)
    return iso_us(protocol, field, text, naive_is_utc=naive_is_utc)


def in_range(protocol: str, field: str, value: object, instant: int) -> int:
    """The instant, if the database and every clock in Miglia can hold it (1970 to 2100)."""
    if not EARLIEST_US <= instant <= LATEST_US:
        raise PayloadError(protocol, field, value, TIME_RANGE)
    return instant
