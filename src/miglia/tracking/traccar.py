"""Traccar server position forwarding (`forward.type = json`): one JSON object per position.

    {"position": {"fixTime": "2024-05-20T14:29:55.000+00:00", "latitude": .., "longitude": ..,
                  "altitude": .., "speed": <knots>, "course": .., "accuracy": <m>, "valid": true,
                  "attributes": {"batteryLevel": 85, ...}, ...},
     "device": {"uniqueId": "123456789012345", "name": ..., ...}}

(`org.traccar.forward.PositionData`: a Position and its Device, as Traccar's API models them; speed is
in knots throughout Traccar, converted here to km/h.) The device id is `device.uniqueId`, the identifier
the tracker itself reports, not Traccar's internal numeric id. Traccar writes `fixTime` with its offset;
one without a zone is refused (Miglia's rule for naive times). A position with `valid: false` is
Traccar repeating the last known location: no fix. A list of such objects is accepted too.
"""

from __future__ import annotations

from typing import Any

from miglia.tracking.fix import (
    KNOT_KMH,
    Fix,
    PayloadError,
    device_id,
    iso_us,
    make_fix,
    measure,
    number,
    optional,
    parse_json,
    short,
)

PROTOCOL = "traccar"


def decode(body: str | bytes) -> list[Fix]:
    data = parse_json(PROTOCOL, body)
    fixes = []
    for item in data if isinstance(data, list) else [data]:
        if not isinstance(item, dict):
            raise PayloadError(PROTOCOL, "body", short(item), "expected a JSON object")
        fix = _position(item)
        if fix is not None:
            fixes.append(fix)
    return fixes


def _position(item: dict[str, Any]) -> Fix | None:
    device = item.get("device")
    position = item.get("position")
    if not isinstance(device, dict):
        raise PayloadError(PROTOCOL, "device", device, "expected the device object with its uniqueId")
    unique_id = device_id(PROTOCOL, "device.uniqueId", device.get("uniqueId"))
    if position is None:
        return None  # an event forwarded without a position
    if not isinstance(position, dict):
        raise PayloadError(PROTOCOL, "position", short(position), "expected an object")
    if position.get("valid") is False:
        return None
    stamp = position.get("fixTime") or position.get("deviceTime")
    if not stamp:
        raise PayloadError(PROTOCOL, "position.fixTime", stamp, "a position needs its fix time")
    attributes = position.get("attributes")
    if not isinstance(attributes, dict):
        attributes = {}
    return make_fix(
        PROTOCOL,
        unique_id,
        iso_us(PROTOCOL, "position.fixTime", stamp),
        number(PROTOCOL, "position.latitude", position.get("latitude")),
        number(PROTOCOL, "position.longitude", position.get("longitude")),
        speed_kmh=optional(PROTOCOL, "position.speed", position.get("speed"), KNOT_KMH),
        course=optional(PROTOCOL, "position.course", position.get("course")),
        altitude=measure(PROTOCOL, "position.altitude", position.get("altitude")),
        accuracy_m=optional(PROTOCOL, "position.accuracy", position.get("accuracy")) or None,
        battery=optional(PROTOCOL, "position.attributes.batteryLevel", attributes.get("batteryLevel")),
    )
