"""The OsmAnd protocol, as Traccar Client and OsmAnd send it (https://www.traccar.org/osmand/).

Two forms:

- query string or form body: `id`/`deviceid`, `timestamp` (epoch s, epoch ms, ISO 8601 or
  "YYYY-MM-DD HH:MM:SS", read as UTC when it has no zone; absent: the time the server received it),
  `lat`+`lon` or `location=lat,lon`, `speed` in **knots** (converted to km/h: x 1.852),
  `bearing`/`heading`, `altitude`, `accuracy`/`hacc` in metres, `hdop` (only when no accuracy is
  given: estimated as hdop x 5 m), `batt` in percent. Other parameters are kept in the raw record only.
- JSON body (Traccar Client 9+, the background-geolocation SDK format): `{"device_id": ..., "location":
  {"timestamp", "coords": {"latitude", "longitude", "speed" (**m/s**, x 3.6), "heading", "altitude",
  "accuracy"}, "battery": {"level" 0..1}}}`. `location` may be a list (the SDK's batch sync) and the body
  may be a list of such objects: every fix is decoded.

A time without a zone: Miglia's rule is to refuse it (`domain.instants.NO_ZONE`), and the JSON body
does. The query string is the one exception: the protocol sends "YYYY-MM-DD HH:MM:SS" and Traccar reads
it as UTC (the server's zone), and real clients send it (the Traccar test suite's payload
`timestamp=2014-06-04+09%3A10%3A11`, in shared/data/real/tracker-payloads.json), so it stays UTC there.

A request without a position (cell towers or Wi-Fi only) is "no fix": an empty list, not an error.
A request without a device id is an error. Negative speed, heading, accuracy or battery mean "unknown".
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from miglia.tracking.fix import (
    KNOT_KMH,
    MPS_KMH,
    Fix,
    PayloadError,
    device_id,
    instant_us,
    make_fix,
    measure,
    number,
    optional,
    parse_json,
    short,
)

PROTOCOL = "osmand"
HDOP_M = 5.0
"""Metres of horizontal error per unit of HDOP (a typical user-equivalent range error of a phone GPS)."""


def decode_query(query: str, received_us: int) -> list[Fix]:
    """One fix (or none: no position) from a query string or form body like `id=1&lat=..&lon=..`."""
    params: dict[str, str] = {}
    for key, value in parse_qsl(query.lstrip("?"), keep_blank_values=True):
        params.setdefault(key, value)
    device = device_id(PROTOCOL, "id", params.get("id") or params.get("deviceid"))
    if "location" in params:
        parts = params["location"].split(",")
        if len(parts) != 2:
            raise PayloadError(PROTOCOL, "location", params["location"], "expected lat,lon")
        lat = number(PROTOCOL, "location", parts[0])
        lon = number(PROTOCOL, "location", parts[1])
    elif "lat" in params or "lon" in params:
        lat = number(PROTOCOL, "lat", params.get("lat"))
        lon = number(PROTOCOL, "lon", params.get("lon"))
    else:
        return []
    stamp = params.get("timestamp", "")
    if "T" in stamp:
        stamp = stamp.replace(" ", "+")  # an unescaped "+02:00" zone arrives as " 02:00"
    accuracy = optional(PROTOCOL, "accuracy", params.get("accuracy")) or optional(
        PROTOCOL, "hacc", params.get("hacc")
    )
    if not accuracy:
        accuracy = optional(PROTOCOL, "hdop", params.get("hdop"), HDOP_M) or None
    heading_field = "bearing" if "bearing" in params else "heading"
    return [
        make_fix(
            PROTOCOL,
            device,
            instant_us(PROTOCOL, "timestamp", stamp, naive_is_utc=True) if stamp else received_us,
            lat,
            lon,
            speed_kmh=optional(PROTOCOL, "speed", params.get("speed"), KNOT_KMH),
            course=optional(PROTOCOL, heading_field, params.get(heading_field)),
            altitude=measure(PROTOCOL, "altitude", params.get("altitude")),
            accuracy_m=accuracy,
            battery=optional(PROTOCOL, "batt", params.get("batt")),
        )
    ]


def decode_json(body: str | bytes, received_us: int) -> list[Fix]:
    """Every fix of a JSON body: one object, a list of objects, or an object whose `location` is a list."""
    data = parse_json(PROTOCOL, body)
    items = data if isinstance(data, list) else [data]
    fixes: list[Fix] = []
    for item in items:
        if not isinstance(item, dict):
            raise PayloadError(PROTOCOL, "body", short(item), "expected a JSON object")
        device = device_id(PROTOCOL, "device_id", item.get("device_id"))
        locations = item.get("location")
        for location in locations if isinstance(locations, list) else [locations]:
            fix = _location(device, location, received_us)
            if fix is not None:
                fixes.append(fix)
    return fixes


def decode(body: str | bytes, content_type: str, received_us: int) -> list[Fix]:
    """Either form, chosen by the content type (or by the body's first character)."""
    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
    except UnicodeDecodeError as exc:
        raise PayloadError(PROTOCOL, "body", short(body), f"not UTF-8 text (byte {exc.start})") from None
    if "json" in content_type or text.lstrip()[:1] in ("{", "["):
        return decode_json(text, received_us)
    return decode_query(text, received_us)


def _location(device: str, location: Any, received_us: int) -> Fix | None:
    if not isinstance(location, dict):
        raise PayloadError(PROTOCOL, "location", short(location), "expected an object")
    coords = location.get("coords")
    if not isinstance(coords, dict) or "latitude" not in coords or "longitude" not in coords:
        return None
    stamp = location.get("timestamp")
    battery = location.get("battery")
    level = battery.get("level") if isinstance(battery, dict) else None
    return make_fix(
        PROTOCOL,
        device,
        instant_us(PROTOCOL, "location.timestamp", stamp) if stamp not in (None, "") else received_us,
        number(PROTOCOL, "coords.latitude", coords["latitude"]),
        number(PROTOCOL, "coords.longitude", coords["longitude"]),
        speed_kmh=optional(PROTOCOL, "coords.speed", coords.get("speed"), MPS_KMH),
        course=optional(PROTOCOL, "coords.heading", coords.get("heading")),
        altitude=measure(PROTOCOL, "coords.altitude", coords.get("altitude")),
        accuracy_m=optional(PROTOCOL, "coords.accuracy", coords.get("accuracy")),
        battery=optional(PROTOCOL, "battery.level", level, 100.0),
    )
