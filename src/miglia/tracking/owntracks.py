"""OwnTracks JSON (https://owntracks.org/booklet/tech/json/), over MQTT or HTTP.

Only `_type: location` messages are positions: `tst` (epoch s), `lat`, `lon`, `vel` (km/h), `cog`
(degrees), `alt` (m), `acc` (m), `batt` (%). Every other `_type` (transition, waypoint, lwt, card,
status...) is accepted and ignored: an empty list.

The device id, in this order:
1. the MQTT topic `owntracks/USER/DEVICE` -> "USER/DEVICE" (or the `topic` field the app puts in
   HTTP payloads, read the same way);
2. over HTTP, the `X-Limit-U` and `X-Limit-D` headers the app sends -> "USER/DEVICE";
3. the two-character tracker id `tid`, as Traccar does (short: prefer configuring a user and device).
"""

from __future__ import annotations

from typing import Any

from miglia.tracking.fix import (
    Fix,
    PayloadError,
    device_id,
    epoch_us,
    make_fix,
    measure,
    number,
    optional,
    parse_json,
    short,
)

PROTOCOL = "owntracks"
TOPIC_PREFIX = "owntracks/"


def device_from_topic(topic: str) -> str:
    """`owntracks/jane/phone` (or with a trailing `/event` etc.) -> "jane/phone"."""
    parts = topic.split("/")
    if len(parts) < 3 or parts[0] != "owntracks" or not parts[1] or not parts[2]:
        raise PayloadError(PROTOCOL, "topic", topic, "expected owntracks/USER/DEVICE")
    return device_id(PROTOCOL, "topic", f"{parts[1]}/{parts[2]}")


def decode(
    body: str | bytes, topic: str | None = None, user: str | None = None, device: str | None = None
) -> list[Fix]:
    """The fixes of one message (a JSON object, or a list of them as some clients send)."""
    data = parse_json(PROTOCOL, body)
    items = data if isinstance(data, list) else [data]
    fixes = []
    for item in items:
        if not isinstance(item, dict):
            raise PayloadError(PROTOCOL, "body", short(item), "expected a JSON object")
        if item.get("_type") != "location":
            continue
        fixes.append(_location(item, _device(item, topic, user, device)))
    return fixes


def _device(item: dict[str, Any], topic: str | None, user: str | None, device: str | None) -> str:
    if topic:
        return device_from_topic(topic)
    if isinstance(item.get("topic"), str) and item["topic"]:
        return device_from_topic(item["topic"])
    if user and device:
        return device_id(PROTOCOL, "X-Limit-U/X-Limit-D", f"{user}/{device}")
    return device_id(PROTOCOL, "tid", item.get("tid"))


def _location(item: dict[str, Any], device: str) -> Fix:
    if "tst" not in item:
        raise PayloadError(PROTOCOL, "tst", None, "a location needs its time (epoch seconds)")
    for field in ("lat", "lon"):
        if field not in item:
            raise PayloadError(PROTOCOL, field, None, "a location needs lat and lon")
    return make_fix(
        PROTOCOL,
        device,
        epoch_us(PROTOCOL, "tst", item["tst"]),
        number(PROTOCOL, "lat", item["lat"]),
        number(PROTOCOL, "lon", item["lon"]),
        speed_kmh=optional(PROTOCOL, "vel", item.get("vel")),
        course=optional(PROTOCOL, "cog", item.get("cog")),
        altitude=measure(PROTOCOL, "alt", item.get("alt")),
        accuracy_m=optional(PROTOCOL, "acc", item.get("acc")),
        battery=optional(PROTOCOL, "batt", item.get("batt")),
    )
