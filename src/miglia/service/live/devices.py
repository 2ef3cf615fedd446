"""Trackers: registering a device with its token, and which car carries which device on which day.

Tokens are random secrets Miglia issues (or the organiser types into the tracker app). They are stored
as a SHA-256 hash: a high-entropy token needs no slow password hash, and checking it must stay cheap
at thousands of positions a second (argon2 would cost ~50 ms of CPU per request).

Assignments are history: `assign` adds a row, never edits one. For a day, the latest row for a device
or a car wins (a device moved to another car leaves its old car; a car given a new device drops the
old one); a car with no row for that day carries its entry's `device_id`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Iterable

from miglia.domain.errors import InvalidInput, MigliaError
from miglia.service.clock import now_us
from miglia.store.db import Database
from miglia.store.records import AssignmentRecord
from miglia.store.unit_of_work import UnitOfWork

_PREFIX = "sha256:"


class Unauthorised(MigliaError):
    """A registered device sent no token or the wrong one; nothing it sent is interpreted."""


def hash_token(token: str) -> str:
    return _PREFIX + hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_matches(token: str | None, token_hash: str) -> bool:
    if not token_hash:
        return True
    if token is None or not token_hash.startswith(_PREFIX):
        return False
    return hmac.compare_digest(hash_token(token), token_hash)


def register(db: Database, device_id: str, label: str = "", token: str | None = None) -> str:
    """Register (or re-key) a device; returns its token (a new random one unless given)."""
    device_id = device_id.strip()
    if not device_id or len(device_id) > 100:
        raise InvalidInput("device", "device_id", device_id, "give 1 to 100 characters")
    token = token or secrets.token_urlsafe(24)
    with db.unit_of_work() as uow:
        uow.devices.save(device_id, hash_token(token), label)
    return token


class TokenCache:
    """Token checks at ingest speed: the devices' token hashes are kept in memory (reloaded every `ttl_s`
    seconds) and the SHA-256 of each token seen is remembered, so a message costs dictionary look-ups.

    A device missing from the cache, or whose token does not match the cached hash, is looked up in the
    database before it is judged: a device registered or re-keyed a moment ago is judged on the stored
    hash. The one delay: a re-keyed device's *old* token is still accepted until the next reload (at most
    `ttl_s`). Devices found unregistered are remembered for `ttl_s`; `prefetch` looks up a whole group's
    such devices in one query.
    """

    MAX_DIGESTS = 100_000

    def __init__(self, ttl_s: float = 5.0) -> None:
        self.ttl_s = ttl_s
        self._hashes: dict[str, str] | None = None
        self._loaded = 0.0
        self._unknown: dict[str, float] = {}
        self._digests: dict[str, str] = {}
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        with self._lock:
            self._hashes = None
            self._unknown.clear()

    def proven(self, uow: UnitOfWork, device_ids: Iterable[str], token: str | None) -> set[str]:
        """The registered devices among `device_ids` whose token is `token`: their positions are trusted.
        Unregistered devices are left out (their positions are kept untrusted); a registered device with
        no token or another one raises Unauthorised, and nothing of the message is interpreted."""
        wanted = sorted(set(device_ids))
        proven: set[str] = set()
        if not wanted:
            return proven
        now = time.monotonic()
        with self._lock:
            if self._hashes is None or now - self._loaded > self.ttl_s:
                self._load(uow, now)
            hashes = self._hashes
            assert hashes is not None
            for device in wanted:
                known = hashes.get(device)
                if known is not None and self._matches(token, known):
                    proven.add(device)
                    continue
                if known is None and now - self._unknown.get(device, -1e18) < self.ttl_s:
                    continue
                fresh = uow.devices.token_hash(device)
                if fresh is None:
                    hashes.pop(device, None)
                    self._unknown[device] = now
                    continue
                hashes[device] = fresh
                if not self._matches(token, fresh):
                    given = "no token" if token is None else "a wrong token"
                    raise Unauthorised(
                        f"device {device!r}: {given} (send ?token=... or Authorization: Bearer ...)"
                    )
                proven.add(device)
        return proven

    def load(self, uow: UnitOfWork) -> None:
        """(Re)load the token hashes now (at start-up, so the first message does not wait for it)."""
        with self._lock:
            self._load(uow, time.monotonic())

    def _load(self, uow: UnitOfWork, now: float) -> None:
        self._hashes = uow.devices.token_hashes()
        self._loaded = now
        self._unknown.clear()

    def prefetch(self, uow: UnitOfWork, device_ids: Iterable[str]) -> None:
        """Look up, in one query, the devices `check` would look up one by one (missing from the cache
        and not found unregistered in the last `ttl_s`): a group of messages from many unregistered
        devices costs one round trip, not one per device."""
        if self.ttl_s <= 0:
            return  # nothing is cached: `check` looks every device up anyway
        now = time.monotonic()
        with self._lock:
            if self._hashes is None or now - self._loaded > self.ttl_s:
                self._load(uow, now)
            hashes = self._hashes
            assert hashes is not None
            missing = sorted(
                d
                for d in set(device_ids)
                if d not in hashes and now - self._unknown.get(d, -1e18) >= self.ttl_s
            )
            for start in range(0, len(missing), 500):
                chunk = missing[start : start + 500]
                found = uow.devices.token_hashes(chunk)
                hashes.update(found)
                for device in chunk:
                    if device not in found:
                        self._unknown[device] = now

    def _matches(self, token: str | None, token_hash: str) -> bool:
        if not token_hash:
            return True
        if token is None or not token_hash.startswith(_PREFIX):
            return False
        digest = self._digests.get(token)
        if digest is None:
            if len(self._digests) >= self.MAX_DIGESTS:
                self._digests.clear()
            digest = self._digests[token] = hash_token(token)
        return hmac.compare_digest(digest, token_hash)


Assignment = AssignmentRecord


def assign(
    db: Database, event_slug: str | None, device_id: str, start_no: int, day: int, by: str
) -> Assignment:
    """The car `start_no` carries `device_id` on `day` from now on (a new history row)."""
    device_id = device_id.strip()
    if not device_id or len(device_id) > 100:
        raise InvalidInput("assignment", "device_id", device_id, "give 1 to 100 characters")
    if not by.strip():
        raise InvalidInput("assignment", "by", by, "say who assigns the device")
    with db.unit_of_work() as uow:
        event = uow.events.find(event_slug)
        if event is None:
            raise InvalidInput("event", "slug", event_slug, "no such event in the database")
        days = [d["number"] for d in event.definition.get("days", [])]
        if day not in days:
            raise InvalidInput("assignment", "day", day, f"the event's days are {days}")
        if start_no not in uow.entries.statuses(event.id):
            raise InvalidInput("assignment", "start_no", start_no, "no entry with this start number")
        made = Assignment(
            device_id=device_id,
            start_no=start_no,
            day_number=day,
            assigned_by=by.strip(),
            assigned_us=now_us(),
        )
        uow.assignments.add(event.id, made)
    return made


def history(uow: UnitOfWork, event_id: int) -> list[Assignment]:
    return uow.assignments.history(event_id)


def cars_by_device(uow: UnitOfWork, event_id: int, day: int | None) -> dict[str, int]:
    """device_id -> start number on `day` (None: the entries' own devices only)."""
    changes = [a for a in uow.assignments.history(event_id) if a.day_number == day]
    return resolve(uow.assignments.entry_devices(event_id), changes)


def resolve(defaults: Iterable[tuple[str, int]], changes: Iterable[Assignment]) -> dict[str, int]:
    """Entries' devices, then each day's assignment rows in order; latest wins for device and car."""
    by_device: dict[str, int] = {}
    for device, car in defaults:
        by_device[device] = car
    for change in changes:
        for device in [d for d, car in by_device.items() if car == change.start_no]:
            del by_device[device]
        by_device[change.device_id] = change.start_no
    return by_device


def accepts_unregistered(uow: UnitOfWork, event_id: int) -> bool:
    """Whether the event is a casual tour whose unregistered trackers count too."""
    found = uow.tracking.get(event_id)
    return found is not None and found[0]
