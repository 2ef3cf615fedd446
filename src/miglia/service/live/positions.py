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

Speed (`Tracker`): senders only decode and queue their message; one writer thread per process stores
everything queued so far in one transaction (group commit: raw rows, then positions, with cached Core
statements and multi-row INSERTs), and only then answers each sender, so an answer always follows the
commit that holds its data. A second thread moves the live state on, times GPS passages and
broadcasts, so the next commit does not wait for it. Both take large messages in slices (`SLICE`
positions: the writer one transaction a slice, the raw row with the first; the follower one pass a slice),
each time behind the messages that came meanwhile, so one logger's 10,000-fix batch does not hold up every
other car's position.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import datetime as dt
import logging
import math
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, func, select, union
from sqlalchemy.orm import Session

from miglia.domain.errors import MigliaError
from miglia.domain.plausibility import TimeWindow
from miglia.service.clock import now_us
from miglia.service.live import alerts as alerts_service
from miglia.service.live.alerts import Watch, load_watch
from miglia.service.live.devices import TokenCache, Unauthorised, counted
from miglia.store.db import Database
from miglia.store.models import AssignmentRow, EntryRow, PositionRow
from miglia.tracking.broadcast import Bus, publish_all
from miglia.tracking.fix import Fix, PayloadError
from miglia.tracking.live import AlertDraft, CarState, Observation, observe, observe_many, silent

if TYPE_CHECKING:
    from miglia.service.live.live_timing import LiveTiming

log = logging.getLogger(__name__)

_CHUNK = 2000
"""Rows per INSERT statement (SQLite allows 32,766 bound values; a position has 11)."""
MAX_BATCH = 2000
"""Messages per group commit at most."""
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


Followed = list[tuple[list[tuple[Fix, int]], list[threading.Event]]]
"""The live side's queue: per group commit, its counted (fix, raw id) and the events waiting for them."""


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
        moment = dt.datetime.fromtimestamp(instant_us // 1_000_000, dt.UTC)
    except (OverflowError, ValueError, OSError):
        return f"{instant_us} us"
    return moment.isoformat().replace("+00:00", "Z")


def store_messages(
    connection: Connection, messages: Sequence[Message], policy: Policy, tokens: TokenCache
) -> list[Receipt | MigliaError]:
    """Store the messages in the caller's transaction: every raw message, then the positions of the
    good ones (repeats skipped, also across messages: the first one queued owns a position).
    Returns per message its Receipt, or the problem that refused it (stored as accepted=False)."""
    tokens.prefetch(
        connection,
        (f.device_id for m in messages if m.problem is None and not m.authenticated for f in m.fixes),
    )
    judged = [_judge(connection, m, policy, tokens) for m in messages]
    raw_ids = _insert_raws(
        connection,
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
    stored = _insert_rows(connection, rows)
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
    connection: Connection, message: Message, policy: Policy, tokens: TokenCache
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
        proven = tokens.proven(connection, devices, message.token)
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
    connection: Connection, message: Message, part: Part | None, policy: Policy, tokens: TokenCache
) -> Part | MigliaError:
    """Store the next SLICE positions of a large message, in the caller's transaction. The first call
    judges the whole message and stores its raw row (refused: the problem is returned); each call after
    stores the next slice, so other cars' messages are committed in between."""
    if part is None:
        problem, proven = _judge(connection, message, policy, tokens)
        [raw_id] = _insert_raws(connection, [_raw_values(message, policy, problem)])
        if problem is not None:
            return problem
        part = Part(raw_id, proven)
    chunk = message.fixes[part.offset : part.offset + SLICE]
    unique = {(f.device_id, f.instant_us): f for f in chunk}
    stored = _insert_rows(
        connection, [_values(part.raw_id, f, f.device_id in part.proven) for f in unique.values()]
    )
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
    with db.engine.begin() as connection:
        [outcome] = store_messages(connection, [message], policy or Policy(), TokenCache(0))
    if isinstance(outcome, MigliaError):
        raise outcome
    return outcome


def insert_positions(session: Session, raw_id: int, fixes: Sequence[Fix], trusted: bool = True) -> list[Fix]:
    """Insert positions in batches, skipping repeats; returns the fixes actually inserted. For what the
    organiser's own tools bring (the demo's tracks, a device file), hence trusted by default."""
    by_key = {(f.device_id, f.instant_us): f for f in fixes}
    stored = _insert_rows(session.connection(), [_values(raw_id, f, trusted) for f in by_key.values()])
    return [f for key, f in by_key.items() if key in stored]


_RAW_COLUMNS = "event_id, kind, source, received_us, content_type, body, accepted, problem"
_POSITION_COLUMNS = (
    "raw_id, device_id, instant_us, lat, lon, speed_kmh, course, altitude, accuracy_m, battery, trusted"
)
_REPLACE_UNTRUSTED = (
    " ON CONFLICT (device_id, instant_us) DO UPDATE SET "
    + ", ".join(
        f"{c} = excluded.{c}" for c in _POSITION_COLUMNS.split(", ") if c not in ("device_id", "instant_us")
    )
    + " WHERE positions.trusted = false AND excluded.trusted = true"
)
"""A repeat is ignored, except that a trusted position replaces an untrusted one at the same instant."""


def _insert_raws(connection: Connection, rows: list[tuple[Any, ...]]) -> list[int]:
    """Insert raw rows; their ids in the order of `rows`. One multi-row VALUES per chunk, written for
    the driver (no per-row work in SQLAlchemy; each value its own parameter, so a body is sent as is,
    not escaped into an array). Ids come from the table's sequence in the order the rows are
    inserted, so the ids returned, sorted, are the rows' ids in order."""
    if not rows:
        return []
    ids: list[int] = []
    mark = "%s" if connection.dialect.name == "postgresql" else "?"
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start : start + _CHUNK]
        sql = f"INSERT INTO raw_inputs ({_RAW_COLUMNS}) VALUES " + ",".join(
            [f"({','.join([mark] * 8)})"] * len(chunk)
        )
        result = connection.exec_driver_sql(sql + " RETURNING id", tuple(v for r in chunk for v in r))
        ids += sorted(row[0] for row in result)
    return ids


def _insert_rows(connection: Connection, rows: list[tuple[Any, ...]]) -> set[tuple[str, int]]:
    """The (device_id, instant_us) of the rows actually stored (new, or replacing an untrusted one)."""
    if not rows:
        return set()
    stored: set[tuple[str, int]] = set()
    mark = "%s" if connection.dialect.name == "postgresql" else "?"
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start : start + _CHUNK]
        sql = f"INSERT INTO positions ({_POSITION_COLUMNS}) VALUES " + ",".join(
            [f"({','.join([mark] * 11)})"] * len(chunk)
        )
        result = connection.exec_driver_sql(
            sql + _REPLACE_UNTRUSTED + " RETURNING device_id, instant_us",
            tuple(v for r in chunk for v in r),
        )
        stored.update((device, instant) for device, instant in result)
    return stored


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


def quarantine(session: Session, event_id: int, accept_unregistered: bool = False) -> list[Quarantined]:
    """Devices whose positions change nothing: no entry or assignment of the event knows them, or (unless
    the event accepts unregistered devices) they sent positions without proving who they are."""
    known = union(
        select(EntryRow.device_id).where(EntryRow.event_id == event_id, EntryRow.device_id != ""),
        select(AssignmentRow.device_id).where(AssignmentRow.event_id == event_id),
    ).subquery()
    summary = (
        PositionRow.device_id,
        func.count(),
        func.min(PositionRow.instant_us),
        func.max(PositionRow.instant_us),
    )
    unknown = (
        select(*summary)
        .where(PositionRow.device_id.not_in(select(known.c.device_id)))
        .group_by(PositionRow.device_id)
    )
    out = [Quarantined(*row) for row in session.execute(unknown)]
    if not accept_unregistered:
        untrusted = (
            select(*summary)
            .where(PositionRow.device_id.in_(select(known.c.device_id)), PositionRow.trusted.is_(False))
            .group_by(PositionRow.device_id)
        )
        out += [Quarantined(*row, reason=UNREGISTERED) for row in session.execute(untrusted)]
    return sorted(out, key=lambda q: q.device_id)


@dataclass(frozen=True)
class LatestPositions:
    fixes: list[Fix]
    ignored: list[str]
    """What was left out, said for the organiser: stored rows no calendar or map can hold."""


def last_positions(
    session: Session,
    accept_unregistered: bool = False,
    first_us: int | None = None,
    last_us: int | None = None,
) -> LatestPositions:
    """Each device's latest position that counts, within [first_us, last_us] when given. Rows that could
    never be a real fix (out of the window, a latitude of 1e308) are left out and reported, never raised:
    a bad row stored long ago must not stop the server from starting."""
    window = [counted(accept_unregistered)]
    if first_us is not None:
        window.append(PositionRow.instant_us >= first_us)
    if last_us is not None:
        window.append(PositionRow.instant_us <= last_us)
    latest = (
        select(PositionRow.device_id, func.max(PositionRow.instant_us).label("instant_us"))
        .where(*window)
        .group_by(PositionRow.device_id)
        .subquery()
    )
    rows = session.scalars(
        select(PositionRow).join(
            latest,
            (PositionRow.device_id == latest.c.device_id) & (PositionRow.instant_us == latest.c.instant_us),
        )
    )
    fixes: list[Fix] = []
    ignored: list[str] = []
    for r in rows:
        if not (_finite_in(r.lat, 90.0) and _finite_in(r.lon, 180.0)):
            ignored.append(f"device {r.device_id!r}: stored position {r.id} at lat {r.lat}, lon {r.lon}")
            continue
        fixes.append(
            Fix(
                r.device_id,
                r.instant_us,
                r.lat,
                r.lon,
                r.speed_kmh,
                r.course,
                r.altitude,
                r.accuracy_m,
                r.battery,
            )
        )
    outside = (
        session.scalar(select(func.count()).select_from(PositionRow).where(~and_(*window[1:])))
        if len(window) > 1
        else 0
    )
    if outside:
        ignored.append(f"{outside} stored positions dated outside the plausible time window")
    return LatestPositions(fixes, ignored)


def _finite_in(value: float | None, limit: float) -> bool:
    return value is not None and math.isfinite(value) and -limit <= value <= limit


@dataclass
class _Pending:
    message: Message
    future: concurrent.futures.Future[Receipt] | None = None
    loop: asyncio.AbstractEventLoop | None = None
    waiter: asyncio.Future[Receipt] | None = None
    followed: threading.Event | None = None
    """Set once the live side has seen the message's positions (for `receive`, which waits for it)."""
    part: Part | None = None
    """A large message being stored slice by slice."""

    @property
    def remaining(self) -> int:
        return len(self.message.fixes) - (self.part.offset if self.part else 0)


class Tracker:
    """The ingest with its live side, shared by the HTTP endpoints and the MQTT listener of a process.

    Two threads, started on first use: the writer (group commit of everything queued, then the answers)
    and the follower (live state, alerts, GPS passages, broadcast). `close()` drains and stops both.
    """

    def __init__(
        self, db: Database, bus: Bus | None = None, watch_ttl_s: float = 5.0, timing: bool = True
    ) -> None:
        self.db = db
        self.bus = bus
        self.watch_ttl_us = int(watch_ttl_s * 1_000_000)
        self.states: dict[str, CarState] = {}
        self.problems: list[str] = []
        """What the start-up left out of the live state (bad stored rows), for the organiser's console."""
        self.tokens = TokenCache(watch_ttl_s)
        self._lock = threading.Lock()
        self._watch: Watch | None = None
        self._watch_us = 0
        self._watch_lock = threading.Lock()
        self._refreshing = False
        self._swept_us = 0
        # SQLite has one writer at a time and its busy handler sleeps (up to 100 ms) between retries:
        # the writer and the follower of this process take turns on a lock instead. PostgreSQL: no lock.
        sqlite = db.engine.dialect.name == "sqlite"
        self._write_lock: threading.Lock | contextlib.nullcontext[None] = (
            threading.Lock() if sqlite else contextlib.nullcontext()
        )
        self.timing: LiveTiming | None = None
        if timing:
            from miglia.service.live.live_timing import LiveTiming

            self.timing = LiveTiming(db, self._write_lock)
        self._queue: list[_Pending] = []
        self._queue_cond = threading.Condition()
        self._live: Followed = []
        self._live_cond = threading.Condition()
        self._writer: threading.Thread | None = None
        self._follower: threading.Thread | None = None
        self._closing_writer = False
        self._closing_follower = False

    # -- the current event ------------------------------------------------------------------------------

    def watch(self) -> Watch:
        """The current event's tracking context. Older than the TTL, it is reloaded in the background
        (the stale one serves meanwhile), so no message waits for the reload."""
        current = self._watch
        if current is None:
            with self._watch_lock:
                if self._watch is None:
                    with self.db.sessions() as session:
                        self._watch = load_watch(session)
                    self._watch_us = now_us()
                return self._watch
        if now_us() - self._watch_us > self.watch_ttl_us and not self._refreshing:
            self._refreshing = True
            threading.Thread(target=self._refresh_watch, name="miglia-watch", daemon=True).start()
        return current

    def _refresh_watch(self) -> None:
        try:
            with self.db.sessions() as session:
                fresh = load_watch(session)
            with self._watch_lock:
                self._watch, self._watch_us = fresh, now_us()
        except Exception:
            log.exception("could not reload the event's tracking context; keeping the previous one")
        finally:
            self._refreshing = False

    def invalidate(self) -> None:
        with self._watch_lock:
            self._watch = None
        self.tokens.invalidate()

    # -- receiving --------------------------------------------------------------------------------------

    def receive(
        self,
        kind: str,
        source: str,
        content_type: str,
        body: str,
        decode: Callable[[], list[Fix]],
        token: str | None = None,
        authenticated: bool = False,
    ) -> Receipt:
        """Store a message and wait until it is stored and its positions followed (MQTT, tests).
        Raises the message's problem (MigliaError) once the refused message is stored."""
        message = read(kind, source, content_type, body, decode, token, authenticated)
        pending = _Pending(message, future=concurrent.futures.Future(), followed=threading.Event())
        self._enqueue(pending)
        assert pending.future is not None and pending.followed is not None
        receipt = pending.future.result()
        pending.followed.wait(60)
        return receipt

    async def store(self, message: Message) -> Receipt:
        """Queue a decoded message; answers once the transaction that holds it is committed."""
        loop = asyncio.get_running_loop()
        pending = _Pending(message, loop=loop, waiter=loop.create_future())
        self._enqueue(pending)
        assert pending.waiter is not None
        return await pending.waiter

    def _enqueue(self, pending: _Pending) -> None:
        with self._queue_cond:
            if self._writer is None or not self._writer.is_alive():
                self._start()
            self._queue.append(pending)
            self._queue_cond.notify()

    def _start(self) -> None:
        self._closing_writer = self._closing_follower = False
        self._writer = threading.Thread(target=self._write_loop, name="miglia-ingest-writer", daemon=True)
        self._follower = threading.Thread(target=self._follow_loop, name="miglia-ingest-live", daemon=True)
        self._writer.start()
        self._follower.start()

    def close(self, timeout_s: float = 10.0) -> None:
        """Store what is queued, follow it, and stop the threads."""
        with self._queue_cond:
            self._closing_writer = True
            self._queue_cond.notify_all()
        if self._writer is not None:
            self._writer.join(timeout_s)
        with self._live_cond:
            self._closing_follower = True
            self._live_cond.notify_all()
        if self._follower is not None:
            self._follower.join(timeout_s)
        self._writer = self._follower = None

    def _write_loop(self) -> None:
        while True:
            with self._queue_cond:
                while not self._queue and not self._closing_writer:
                    self._queue_cond.wait()
                if not self._queue:
                    return
                batch = _take(self._queue)
                self._queue = self._queue[len(batch) :]
            if len(batch) == 1 and (batch[0].part is not None or batch[0].remaining > SLICE):
                self._store_slice(batch[0])
                continue
            outcomes = self._store([p.message for p in batch])
            _answer(batch, outcomes)
            fixes = [(f, o.raw_id) for o in outcomes if isinstance(o, Receipt) for f in o.counted]
            self._to_live(fixes, [p.followed for p in batch if p.followed is not None])

    def _store(self, messages: list[Message]) -> list[Receipt | Exception]:
        """One transaction for all; if it fails as a whole, one per message, so one cannot sink the rest.
        A message that fails alone is kept as refused, with the error, so nothing received is lost."""
        try:
            policy = Policy.of(self.watch())
            with self._write_lock, self.db.engine.begin() as connection:
                return list(store_messages(connection, messages, policy, self.tokens))
        except Exception as exc:
            if len(messages) == 1:
                log.exception("ingest: message from %s not stored", messages[0].source)
                self._keep_refused(messages[0], exc)
                return [exc]
        out: list[Receipt | Exception] = []
        for message in messages:
            out.extend(self._store([message]))
        return out

    def _store_slice(self, pending: _Pending) -> None:
        """One slice of a large message in its own transaction; the rest goes back to the end of the
        queue, behind the messages that came meanwhile. The sender is answered after the last slice."""
        outcome: Part | Exception
        try:
            policy = Policy.of(self.watch())
            with self._write_lock, self.db.engine.begin() as connection:
                outcome = store_part(connection, pending.message, pending.part, policy, self.tokens)
        except Exception as exc:
            log.exception("ingest: large message from %s not stored", pending.message.source)
            if pending.part is None:
                self._keep_refused(pending.message, exc)
            outcome = exc
        if isinstance(outcome, Exception):
            _answer([pending], [outcome])
            self._to_live([], [pending.followed] if pending.followed else [])
            return
        pending.part = outcome
        finished = outcome.offset >= len(pending.message.fixes)
        done = [pending.followed] if finished and pending.followed else []
        self._to_live([(f, outcome.raw_id) for f in outcome.new], done)
        if finished:
            receipt = Receipt(outcome.raw_id, len(pending.message.fixes), outcome.stored, outcome.counted)
            _answer([pending], [receipt])
        else:
            with self._queue_cond:
                self._queue.append(pending)

    def _to_live(self, fixes: list[tuple[Fix, int]], done: list[threading.Event]) -> None:
        if fixes or done:
            with self._live_cond:
                self._live.append((fixes, done))
                self._live_cond.notify()

    def _keep_refused(self, message: Message, exc: Exception) -> None:
        """Store the raw message as not accepted, with the error: the database refused its positions."""
        message.fixes = []
        message.problem = MigliaError(f"not stored: {type(exc).__name__}: {str(exc)[:500]}")
        try:
            with self._write_lock, self.db.engine.begin() as connection:
                store_messages(connection, [message], Policy(), self.tokens)
        except Exception:
            log.exception("ingest: message from %s not kept either", message.source)

    def _follow_loop(self) -> None:
        while True:
            with self._live_cond:
                while not self._live and not self._closing_follower:
                    self._live_cond.wait()
                if not self._live:
                    return
                items, self._live = _slice(self._live)
            fixes = [x for batch, _ in items for x in batch]
            try:
                if fixes:
                    watch = self.watch()
                    self.follow([f for f, _ in fixes], watch)
                    self._time(fixes, watch)
            except Exception:
                log.exception("live tracking: %d positions stored but not followed", len(fixes))
            finally:
                for _, done in items:
                    for event in done:
                        event.set()

    def _time(self, fixes: list[tuple[Fix, int]], watch: Watch) -> None:
        if self.timing is None:
            return
        news = self.timing.receive(watch, fixes)
        if news is not None and news.public and self.bus is not None:
            self.bus.publish("results", news.to_json())

    # -- live state -------------------------------------------------------------------------------------

    def follow(self, fixes: Iterable[Fix], watch: Watch | None = None) -> None:
        """Move the live state on with new fixes; raise and broadcast what they show."""
        watch = watch or self.watch()
        observations: list[Observation] = []
        for fix in sorted(fixes, key=lambda f: f.instant_us):
            course = watch.course(fix.instant_us)
            car = watch.car(fix.device_id, course)
            observations.append((fix, car, course, watch.due_us.get(car, {}) if car is not None else {}))
        with self._lock:
            moved, drafts = observe_many(self.states, observations, watch.zones, watch.thresholds)
            self.states.update(moved)
        if self.bus is not None and moved:
            # a batch moves a car once: its latest state is broadcast
            publish_all(
                self.bus,
                "position",
                [state.to_json() for state in moved.values() if state.start_no is not None],
            )
        self._raise(drafts, watch)

    def sweep(self, now: int | None = None) -> None:
        """Raise no-signal alerts for cars gone quiet on an event day (call every minute or so)."""
        watch = self.watch()
        now = now or now_us()
        course = watch.course(now)
        if course is None:
            return  # not an event day: cars are quiet on purpose
        with self._lock:
            states = list(self.states.values())
        drafts = [d for s in states if (d := silent(s, now, watch.thresholds, course)) is not None]
        self._raise(drafts, watch)

    def sweep_if_due(self, every_s: float = 30.0) -> None:
        """`sweep`, at most once every `every_s` seconds (called from the live endpoints' loops)."""
        now = now_us()
        with self._lock:
            if now - self._swept_us < every_s * 1_000_000:
                return
            self._swept_us = now
        self.sweep(now)

    def load_live(self) -> None:
        """Rebuild the live state from the latest stored positions (on start-up). A stored row that
        cannot be followed is skipped and reported (`problems`, the log), never raised."""
        watch = self.watch()
        now = now_us()
        first, last = watch.window.bounds(watch.first_day_us, now)
        with self.db.sessions() as session:
            latest = last_positions(session, watch.accept_unregistered, first, last)
        problems = list(latest.ignored)
        with self._lock:
            for fix in latest.fixes:
                try:
                    course = watch.course(fix.instant_us)
                    self.states[fix.device_id], _ = observe(
                        None, fix, watch.car(fix.device_id, course), course, None, (), watch.thresholds
                    )
                except Exception as exc:
                    problems.append(
                        f"device {fix.device_id!r} at {fix.instant_us}: {type(exc).__name__}: {exc}"
                    )
        for problem in problems:
            log.warning("live state at start-up: left out %s", problem)
        self.problems = problems

    def warm(self) -> None:
        """Load at start-up what the first messages would otherwise wait for: the event's tracking
        context, the device tokens, the live state, and the GPS timing's lines, cars' tails and
        scoreboard."""
        watch = self.watch()
        with self.db.engine.connect() as connection:
            self.tokens.load(connection)
        if not self.states:
            self.load_live()
        if self.timing is not None:
            self.timing.warm(watch)

    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            states = list(self.states.values())
        return [s.to_json() for s in sorted(states, key=lambda s: s.start_no or 0) if s.start_no is not None]

    def _raise(self, drafts: list[AlertDraft], watch: Watch) -> None:
        if not drafts or watch.event_id is None:
            return
        with self._write_lock, self.db.transaction() as session:
            raised = alerts_service.raise_alerts(session, watch.event_id, drafts)
        if self.bus is not None and raised:
            publish_all(self.bus, "alert", [alert.to_json() for alert in raised])


def _take(queue: list[_Pending]) -> list[_Pending]:
    """The messages of the next group commit: at most MAX_BATCH messages and SLICE positions, but at
    least one: a large message is stored alone, a slice at a time (`Tracker._store_slice`)."""
    taken, fixes = 0, 0
    for pending in queue[:MAX_BATCH]:
        fixes += pending.remaining
        if taken and (fixes > SLICE or pending.part is not None):
            break
        taken += 1
        if pending.part is not None:
            break
    return queue[:taken]


def _slice(queue: Followed) -> tuple[Followed, Followed]:
    """The next pass of the live side (at most SLICE positions) and what waits. Messages of a slice or
    less go first, in the order they came; a large one gives the pass what room is left, and its rest
    waits behind the messages that come meanwhile, so other cars keep moving while it is followed."""
    ordered = [item for item in queue if len(item[0]) <= SLICE] + [
        item for item in queue if len(item[0]) > SLICE
    ]
    taken: Followed = []
    rest: Followed = []
    room = SLICE
    for fixes, done in ordered:
        if room <= 0:
            rest.append((fixes, done))
        elif len(fixes) <= room:
            taken.append((fixes, done))
            room -= len(fixes)
        else:
            taken.append((fixes[:room], []))
            rest.append((fixes[room:], done))
            room = 0
    return taken, rest


def _answer(batch: list[_Pending], outcomes: Sequence[Receipt | Exception]) -> None:
    """Hand each sender its outcome: thread futures directly, asyncio ones with one call per event loop."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Receipt], Receipt | Exception]]] = {}
    for pending, outcome in zip(batch, outcomes, strict=True):
        if pending.future is not None:
            if isinstance(outcome, Exception):
                pending.future.set_exception(outcome)
            else:
                pending.future.set_result(outcome)
        if pending.loop is not None and pending.waiter is not None:
            by_loop.setdefault(pending.loop, []).append((pending.waiter, outcome))
    for loop, answers in by_loop.items():
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is waiting any more
            loop.call_soon_threadsafe(_settle, answers)


def _settle(answers: list[tuple[asyncio.Future[Receipt], Receipt | Exception]]) -> None:
    for waiter, outcome in answers:
        if waiter.done():  # the sender went away
            continue
        if isinstance(outcome, Exception):
            waiter.set_exception(outcome)
        else:
            waiter.set_result(outcome)
