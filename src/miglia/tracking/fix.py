"""A position fix as every tracker decoder gives it, and the checks and conversions they share.

Decoders are pure functions: bytes/text in, `Fix` values out, or a `PayloadError` naming the field and
the value. Units inside Miglia: instants in integer microseconds UTC, speed in km/h, course in degrees
clockwise from north, altitude and accuracy in metres, battery in percent.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from miglia.domain.errors import MigliaError

US = 1_000_000
KNOT_KMH = 1.852
MPS_KMH = 3.6
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MAX_DEVICE_ID = 100


class PayloadError(MigliaError):
    """A tracker message that cannot be read: names the field and the value."""

    def __init__(self, protocol: str, field: str, value: object, problem: str) -> None:
        self.protocol = protocol
        self.field = field
        self.value = value
        self.problem = problem
        super().__init__(f"{protocol}: field {field} = {value!r}: {problem}")


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


def number(protocol: str, field: str, value: object) -> float:
    """A finite number from text or JSON, or a PayloadError naming the field."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise PayloadError(protocol, field, value, "expected a number")
    try:
        result = float(value)
    except ValueError:
        raise PayloadError(protocol, field, value, "expected a number") from None
    if not math.isfinite(result):
        raise PayloadError(protocol, field, value, "expected a finite number")
    return result


def optional(protocol: str, field: str, value: object, scale: float = 1.0) -> float | None:
    """An optional measurement; absent, empty or negative (clients send -1 for "unknown") is None."""
    if value is None or value == "":
        return None
    result = number(protocol, field, value)
    return None if result < 0 else result * scale


def device_id(protocol: str, field: str, value: object) -> str:
    text = "" if value is None else str(value).strip()
    if not text:
        raise PayloadError(protocol, field, value, "no device identifier; the tracker must send one")
    if len(text) > _MAX_DEVICE_ID:
        raise PayloadError(protocol, field, value, f"longer than {_MAX_DEVICE_ID} characters")
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
    except InvalidOperation:
        raise PayloadError(protocol, field, value, "expected epoch seconds") from None
    if not seconds.is_finite() or seconds < 0:
        raise PayloadError(protocol, field, value, "expected epoch seconds")
    if seconds >= 2**31:
        seconds /= 1000
    return int(seconds * US)


def iso_us(protocol: str, field: str, value: object) -> int:
    """ISO 8601 ("2016-01-27T18:55:47Z", "...+02:00") or "YYYY-MM-DD HH:MM:SS"; no zone means UTC."""
    text = str(value).strip()
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise PayloadError(
            protocol, field, value, "expected an ISO 8601 time or YYYY-MM-DD HH:MM:SS"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * US + delta.microseconds


def instant_us(protocol: str, field: str, value: object) -> int:
    """Any of the time forms trackers send: epoch s, epoch ms, ISO 8601, "YYYY-MM-DD HH:MM:SS"."""
    if isinstance(value, bool):
        raise PayloadError(protocol, field, value, "expected a time")
    if isinstance(value, int | float):
        return epoch_us(protocol, field, value)
    text = str(value).strip()
    if text.replace(".", "", 1).isdigit():
        return epoch_us(protocol, field, text)
    return iso_us(protocol, field, text)
