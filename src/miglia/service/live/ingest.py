"""Receiving positions: the raw message is stored first, then the positions read from it, in one
transaction; then the live state moves on, alerts are raised, GPS passages are timed and the news is
broadcast.

- Idempotent: a position is identified by (device_id, instant_us); a repeat is ignored, not an error
  (`INSERT ... ON CONFLICT`, on SQLite and PostgreSQL alike). One exception: a position stored untrusted
  is replaced by the same instant sent with the device's proof, so a stranger who guesses a car's next
  instants cannot crowd out its real fixes (the stranger's message stays in `raw_inputs`).
- Late and out-of-order positions are stored like any other; they do not move the live state back.
- Trust: a position is *trusted* when it came with its device's proof (the registered device's token, a
  broker that authenticates each tracker, a staff member's upload). Only trusted positions move a car and
  make passages, unless the event accepts unregistered devices (a casual tour). A registered device with
  a missing or wrong token is refused (401); an unregistered device's positions are stored untrusted and
  listed by `quarantine` for the organiser.
- Plausible time: every fix must lie from some hours before the event's first day to some minutes after
  the message was received (`domain.plausibility.TimeWindow`), else the message is refused.
- A bad message (unreadable, too large, a fix out of the window, a wrong token) is kept in `raw_inputs`
  with `accepted = False` and the problem, and no position is stored; the error goes back to the sender.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from miglia.domain.errors import MigliaError
from miglia.domain.instants import US_PER_S, us_to_datetime
from miglia.domain.plausibility import TimeWindow
from miglia.service.clock import now_us
from miglia.service.live.alerts import Watch
from miglia.service.live.devices import TokenCache, Unauthorised
from miglia.store.db import Database
from miglia.store.unit_of_work import UnitOfWork
from miglia.tracking.fix import Fix, PayloadError

SLICE = 2000
"""Positions per group commit and per pass of the live side, at most (a larger message goes alone, in
slices, with other cars' messages in between)."""
MAX_FIXES = 10_000
"""Positions in one tracker message at most: a phone's backlog after a day without signal is a few
thousand."""
MAX_FILE_FIXES = 200_000
"""Positions in one logger file at most: some 55 hours at 1 Hz (stored a slice at a time, like any
large message)."""
TIME_FIELDS = {
    "position_osmand": "timestamp",
    "position_owntracks": "tst",
    "position_traccar": "position.fixTime",
    "track_file": "time",
}
"""The field that carries a fix's time, per kind of message, for the error that refuses it."""


@dataclass(frozen=True)
class Receipt:
    raw_id: int
    decoded: int
    stored: list[Fix] = field(default_factory=list)
    """The positions newly stored; the others were repeats."""
    counted: list[Fix] = field(default_factory=list)
    """Of those, the ones that move cars and make passages (trusted, or the event trusts everyone)."""

    @property
    def duplicates(self) -> int:
        return self.decoded - len(self.stored)


@dataclass
class Message:
    """One message from a tracker, decoded (or not: `problem`), waiting to be stored."""

    kind: str
    source: str
    content_type: str
    body: str
    fixes: list[Fix]
    token: str | None = None
    authenticated: bool = False
    """The sender is proven without a token (a broker that authenticates each tracker, a staff member)."""
    received_us: int = 0
    problem: MigliaError | None = None
    proof_required: bool = False
    """Refuse the message unless every device in it is proven (a logger file uploaded with a token)."""


@dataclass(frozen=True)
class Policy:
    """What the ingest must know of the current event to judge a message."""

    event_id: int | None = None
    accept_unregistered: bool = False
    window: TimeWindow = field(default_factory=TimeWindow)
    first_day_us: int | None = None

    @classmethod
    def of(cls, watch: Watch) -> Policy:
        return cls(watch.event_id, watch.accept_unregistered, watch.window, watch.first_day_us)


def read(
    kind: str,
    source: str,
    content_type: str,
    body: str,
    decode: Callable[[], list[Fix]],
    token: str | None = None,
    authenticated: bool = False,
    received_us: int | None = None,
) -> Message:
    """Decode a message; a MigliaError from `decode` is kept as the message's problem, to be stored."""
    message = Message(kind, source, content_type, body, [], token, authenticated, received_us or now_us())
    try:
        message.fixes = decode()
    except MigliaError as exc:
        message.problem = exc
    return message


def refused(kind: str, source: str, content_type: str, body: str, problem: MigliaError) -> Message:
    """A message refused before it could be read (too large): stored as received so far, with why."""
    return Message(kind, source, content_type, body, [], received_us=now_us(), problem=problem)


def bounds_problem(message: Message, policy: Policy) -> MigliaError | None:
    """Too many fixes, or a fix outside the plausible time window: what refuses the message, if any."""
    protocol = message.kind.removeprefix("position_")
    most = MAX_FILE_FIXES if message.kind == "track_file" else MAX_FIXES
    if len(message.fixes) > most:
        return PayloadError(
            protocol, "body", f"{len(message.fixes)} positions", f"send at most {most:,} in one message"
        )
    first, last = policy.window.bounds(policy.first_day_us, message.received_us)
    for fix in message.fixes:
        if not first <= fix.instant_us <= last:
            return PayloadError(
                protocol,
                TIME_FIELDS.get(message.kind, "time"),
                _iso(fix.instant_us),
                f"device {fix.device_id!r}: outside the plausible time window {_iso(first)} to "
                f"{_iso(last)} ({policy.window.early_h:g} h before the event's first start to "
                f"{policy.window.late_min:g} min after the message came): check the tracker's clock and date",
            )
    return None


def _iso(instant_us: int) -> str:
    try:
        moment = us_to_datetime(instant_us - instant_us % US_PER_S)
    except (OverflowError, ValueError, OSError):
        return f"{instant_us} us"
    return moment.isoformat().replace("+00:00", "Z")


def store_messages(
    uow: UnitOfWork, messages: Sequence[Message], policy: Policy, tokens: TokenCache
) -> list[Receipt | MigliaError]:
    """Store the messages in the caller's transaction: every raw message, then the positions of the
    good ones (repeats skipped, also across messages: the first one queued owns a position).
    Returns per message its Receipt, or the problem that refused it (stored as accepted=False)."""
    tokens.prefetch(
        uow,
        (f.device_id for m in messages if m.problem is None and not m.authenticated for f in m.fixes),
    )
    judged = [_judge(uow, m, policy, tokens) for m in messages]
    raw_ids = uow.positions.add_raws(
        [_raw_values(m, policy, problem) for m, (problem, _) in zip(messages, judged, strict=True)],
    )
    owner: dict[tuple[str, int], int] = {}
    rows: list[tuple[Any, ...]] = []
    for i, (m, (problem, proven)) in enumerate(zip(messages, judged, strict=True)):
        if problem is None:
            for f in m.fixes:
                key = (f.device_id, f.instant_us)
                if key not in owner:
                    owner[key] = i
                    rows.append(_values(raw_ids[i], f, f.device_id in proven))
    stored = uow.positions.add(rows)
    out: list[Receipt | MigliaError] = []
    for i, (m, (problem, proven)) in enumerate(zip(messages, judged, strict=True)):
        if problem is not None:
            out.append(problem)
            continue
        mine: list[Fix] = []
        for f in m.fixes:
            key = (f.device_id, f.instant_us)
            if owner.get(key) == i and key in stored:
                stored.discard(key)
                mine.append(f)
        counted = mine if policy.accept_unregistered else [f for f in mine if f.device_id in proven]
        out.append(Receipt(raw_ids[i], len(m.fixes), mine, counted))
    return out


def _judge(
    uow: UnitOfWork, message: Message, policy: Policy, tokens: TokenCache
) -> tuple[MigliaError | None, set[str]]:
    """The problem that refuses the message (or None), and the devices in it that proved themselves."""
    if message.problem is not None:
        return message.problem, set()
    problem = bounds_problem(message, policy)
    if problem is not None or not message.fixes:
        return problem, set()
    devices = {f.device_id for f in message.fixes}
    if message.authenticated:
        return None, devices
    try:
        proven = tokens.proven(uow, devices, message.token)
    except MigliaError as exc:
        return exc, set()
    if message.proof_required and proven != devices:
        stranger = sorted(devices - proven)[0]
        return Unauthorised(
            f"device {stranger!r} is not registered: log in as organiser or timekeeper to upload its "
            "file, or register the device and send its token"
        ), set()
    return None, proven


@dataclass
class Part:
    """How far a large message is stored: its raw row, its proven devices, the positions done so far."""

    raw_id: int
    proven: set[str]
    offset: int = 0
    stored: list[Fix] = field(default_factory=list)
    counted: list[Fix] = field(default_factory=list)
    new: list[Fix] = field(default_factory=list)
    """The positions the last slice stored that count: for the live side."""


def store_part(
    uow: UnitOfWork, message: Message, part: Part | None, policy: Policy, tokens: TokenCache
) -> Part | MigliaError:
    """Store the next SLICE positions of a large message, in the caller's transaction. The first call
    judges the whole message and stores its raw row (refused: the problem is returned); each call after
    stores the next slice, so other cars' messages are committed in between."""
    if part is None:
        problem, proven = _judge(uow, message, policy, tokens)
        [raw_id] = uow.positions.add_raws([_raw_values(message, policy, problem)])
        if problem is not None:
            return problem
        part = Part(raw_id, proven)
    chunk = message.fixes[part.offset : part.offset + SLICE]
    unique = {(f.device_id, f.instant_us): f for f in chunk}
    stored = uow.positions.add([_values(part.raw_id, f, f.device_id in part.proven) for f in unique.values()])
    mine = [f for key, f in unique.items() if key in stored]
    part.offset += len(chunk)
    part.stored += mine
    part.new = mine if policy.accept_unregistered else [f for f in mine if f.device_id in part.proven]
    part.counted += part.new
    return part


def _raw_values(message: Message, policy: Policy, problem: MigliaError | None) -> tuple[Any, ...]:
    return (
        policy.event_id,
        message.kind,
        message.source[:200],
        message.received_us,
        message.content_type[:100],
        message.body,
        problem is None,
        "" if problem is None else str(problem),
    )


def ingest(
    db: Database,
    kind: str,
    source: str,
    content_type: str,
    body: str,
    decode: Callable[[], list[Fix]],
    token: str | None = None,
    received_us: int | None = None,
    policy: Policy | None = None,
    authenticated: bool = False,
) -> Receipt:
    """Store one raw message and the positions `decode()` reads from it, in one transaction (no queue).

    On a bad message (`decode` raises MigliaError, a fix out of the window, or a token check fails) the
    raw message is stored with accepted=False and the problem, nothing else, and the error is raised.
    """
    message = read(kind, source, content_type, body, decode, token, authenticated, received_us)
    with db.unit_of_work() as uow:
        [outcome] = store_messages(uow, [message], policy or Policy(), TokenCache(0))
    if isinstance(outcome, MigliaError):
        raise outcome
    return outcome


def insert_positions(uow: UnitOfWork, raw_id: int, fixes: Sequence[Fix], trusted: bool = True) -> list[Fix]:
    """Insert positions in batches, skipping repeats; returns the fixes actually inserted. For what the
    organiser's own tools bring (the demo's tracks, a device file), hence trusted by default."""
    by_key = {(f.device_id, f.instant_us): f for f in fixes}
    stored = uow.positions.add([_values(raw_id, f, trusted) for f in by_key.values()])
    return [f for key, f in by_key.items() if key in stored]


def _values(raw_id: int, f: Fix, trusted: bool) -> tuple[Any, ...]:
    return (
        raw_id,
        f.device_id,
        f.instant_us,
        f.lat,
        f.lon,
        f.speed_kmh,
        f.course,
        f.altitude,
        f.accuracy_m,
        f.battery,
        trusted,
    )


@dataclass(frozen=True)
class Quarantined:
    device_id: str
    positions: int
    first_us: int
    last_us: int
    reason: str = "no car carries it"


UNREGISTERED = "not registered: its positions change nothing until it is enrolled and sends its token"


def quarantine(uow: UnitOfWork, event_id: int, accept_unregistered: bool = False) -> list[Quarantined]:
    """Devices whose positions change nothing: no entry or assignment of the event knows them, or (unless
    the event accepts unregistered devices) they sent positions without proving who they are."""
    out = [Quarantined(*row) for row in uow.positions.unknown_devices(event_id)]
    if not accept_unregistered:
        out += [
            Quarantined(*row, reason=UNREGISTERED) for row in uow.positions.untrusted_known_devices(event_id)
        ]
    return sorted(out, key=lambda q: q.device_id)


@dataclass(frozen=True)
class LatestPositions:
    fixes: list[Fix]
    ignored: list[str]
    """What was left out, said for the organiser: stored rows no calendar or map can hold."""


def last_positions(
    uow: UnitOfWork,
    accept_unregistered: bool = False,
    first_us: int | None = None,
    last_us: int | None = None,
) -> LatestPositions:
    """Each device's latest position that counts, within [first_us, last_us] when given. Rows that could
    never be a real fix (out of the window, a latitude of 1e308) are left out and reported, never raised:
    a bad row stored long ago must not stop the server from starting."""
    rows, outside = uow.positions.latest(accept_unregistered, first_us, last_us)
    fixes: list[Fix] = []
    ignored: list[str] = []
    for row_id, device, instant, lat, lon, speed, course, altitude, accuracy, battery in rows:
        if not (_finite_in(lat, 90.0) and _finite_in(lon, 180.0)):
            ignored.append(f"device {device!r}: stored position {row_id} at lat {lat}, lon {lon}")
            continue
        fixes.append(
            Fix(
                device_id=device,
                instant_us=instant,
                lat=lat,
                lon=lon,
                speed_kmh=speed,
                course=course,
                altitude=altitude,
                accuracy_m=accuracy,
                battery=battery,
            )
        )
    if outside:
        ignored.append(f"{outside} stored positions dated outside the plausible time window")
    return LatestPositions(fixes, ignored)


def _finite_in(value: float | None, limit: float) -> bool:
    return value is not None and math.isfinite(value) and -limit <= value <= limit
