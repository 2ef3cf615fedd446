"""Enrolling the cars' trackers: each car's device gets a token, and a code the crew's phone scans to
configure its tracker app with the server's address, the device id and that token.

The token of an enrolled device is derived (HMAC-SHA256) from the device id and the event's enrolment
key, a random secret kept with the event's tracking settings. So the console can show a car's code again
at any time (a crew that lost the sheet) while the devices table still keeps only the token's hash, as
for any registered device. A device registered another way (`miglia devices register` with a token of
its own) is shown as registered, without a code: Miglia does not know its token.

The first trusted position of an enrolled device confirms the enrolment: the console shows when it came.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from miglia.service.live.devices import cars_by_device, hash_token, register
from miglia.store.db import Database
from miglia.store.unit_of_work import UnitOfWork

NOT_REGISTERED = "not registered"
ENROLLED = "enrolled"
OWN_TOKEN = "registered with its own token"


@dataclass(frozen=True)
class Enrolment:
    start_no: int
    car: str
    crew: str
    device_id: str
    """"" when the car has no tracker in the entry list or the day's assignments."""
    status: str
    token: str | None = None
    """The token to configure, for an enrolled device only."""
    first_us: int | None = None
    """When the device's first trusted position came: the enrolment confirmed."""


def enrolment_key(uow: UnitOfWork, event_id: int) -> str:
    """The event's enrolment key, made on first use (in the caller's transaction)."""
    accept_unregistered, settings = uow.tracking.get(event_id) or (False, {})
    key = settings.get("enrol_key")
    if not isinstance(key, str) or not key:
        key = secrets.token_urlsafe(32)
        uow.tracking.save(event_id, accept_unregistered, {**settings, "enrol_key": key})
    return key


def enrolment_token(key: str, device_id: str) -> str:
    digest = hmac.new(key.encode(), device_id.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def enrolments(uow: UnitOfWork, event_id: int, day: int | None = None) -> list[Enrolment]:
    """Every accepted car with its tracker on `day` (None: the entry list's) and how far it is enrolled."""
    key = enrolment_key(uow, event_id)
    devices = {car: device for device, car in cars_by_device(uow, event_id, day).items()}
    hashes = uow.devices.token_hashes()
    first = uow.positions.first_trusted(list(devices.values()))
    out = []
    for entry in uow.entries.all(event_id):
        if not entry.accepted:
            continue
        device = devices.get(entry.start_no, "")
        token = enrolment_token(key, device) if device else None
        if not device or device not in hashes:
            status, token = NOT_REGISTERED, None
        elif hashes[device] == hash_token(token or ""):
            status = ENROLLED
        else:
            status, token = OWN_TOKEN, None
        crew = " / ".join(n for n in (entry.crew.driver, entry.crew.co_driver) if n)
        out.append(
            Enrolment(
                start_no=entry.start_no,
                car=f"{entry.car.year} {entry.car.make} {entry.car.model}",
                crew=crew,
                device_id=device,
                status=status,
                token=token,
                first_us=first.get(device) if status != NOT_REGISTERED else None,
            )
        )
    return out


def enrol(db: Database, event_id: int, device_ids: list[str] | None = None, day: int | None = None) -> int:
    """Register the given devices (None: every car's device not registered yet) with their enrolment
    tokens; a device registered with another token is re-keyed only when named. Returns how many."""
    with db.unit_of_work() as uow:
        key = enrolment_key(uow, event_id)
        if device_ids is None:
            device_ids = [e.device_id for e in enrolments(uow, event_id, day) if e.status == NOT_REGISTERED]
            device_ids = [d for d in device_ids if d]
    for device in device_ids:
        register(db, device, label="enrolled from the console", token=enrolment_token(key, device))
    return len(device_ids)


def ingest_url(base_url: str, kind: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/ingest/{kind}?{urlencode({'token': token})}"


def traccar_client_link(base_url: str, device_id: str, token: str) -> str:
    """A link Traccar Client applies when its QR reader scans it: the server URL (with the token, which
    the app sends back on every request), the device id, a position every 5 s, highest accuracy, and
    positions kept on the phone while there is no signal."""
    query = urlencode(
        {
            "url": ingest_url(base_url, "osmand", token),
            "id": device_id,
            "interval": 5,
            "accuracy": "highest",
            "buffer": "true",
        }
    )
    return f"traccar://config?{query}"


def owntracks_link(base_url: str, device_id: str, token: str) -> str | None:
    """OwnTracks' configuration link (HTTP mode, the token as the password), for a device id of the form
    USER/DEVICE, which is what the app sends; None for any other device id."""
    user, _, device = device_id.partition("/")
    if not user or not device or "/" in device:
        return None
    config = {
        "_type": "configuration",
        "mode": 3,
        "url": f"{base_url.rstrip('/')}/ingest/owntracks",
        "auth": True,
        "username": user,
        "deviceId": device,
        "password": token,
    }
    inline = base64.b64encode(json.dumps(config, separators=(",", ":")).encode()).decode()
    return f"owntracks:///config?inline={quote(inline)}"
