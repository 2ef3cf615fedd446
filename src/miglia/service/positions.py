"""Receiving positions: the raw message is stored first, then the positions read from it, in one
transaction; then the live state moves on, alerts are raised and the news is broadcast.

- Idempotent: a position is identified by (device_id, instant_us); a repeat is ignored, not an error
  (`INSERT ... ON CONFLICT DO NOTHING`, on SQLite and PostgreSQL alike).
- Late and out-of-order positions are stored like any other; they do not move the live state back.
- A bad message (unreadable, or a registered device with a wrong token) is kept in `raw_inputs` with
  `accepted = False` and the problem, and no position is stored; the error goes back to the sender.
- Devices that no entry and no assignment of the current event knows are stored all the same, and
  listed by `quarantine` for the organiser to assign.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, insert, select, union
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from miglia.domain.errors import MigliaError
from miglia.service import alerts as alerts_service
from miglia.service.alerts import Watch, load_watch
from miglia.service.clock import now_us
from miglia.service.devices import check_tokens
from miglia.store.db import Database
from miglia.store.models import AssignmentRow, EntryRow, PositionRow, RawInputRow
from miglia.tracking.broadcast import Bus
from miglia.tracking.fix import Fix
from miglia.tracking.live import AlertDraft, CarState, observe, silent

_INSERT_RAW = insert(RawInputRow).returning(RawInputRow.id)
_CHUNK = 1000
"""Positions per INSERT statement (SQLite allows 32,766 bound values; a row has 11)."""


@dataclass(frozen=True)
class Receipt:
    raw_id: int
    decoded: int
    stored: list[Fix] = field(default_factory=list)
    """The positions newly stored; the others were repeats."""

    @property
    def duplicates(self) -> int:
        return self.decoded - len(self.stored)


def ingest(
    db: Database,
    kind: str,
    source: str,
    content_type: str,
    body: str,
    decode: Callable[[], list[Fix]],
    token: str | None = None,
    received_us: int | None = None,
    accept_unregistered: bool = True,
    event_id: int | None = None,
    authenticated: bool = False,
) -> Receipt:
    """Store a raw message and the positions `decode()` reads from it, in one transaction.

    On a bad message (`decode` raises MigliaError, or a token check fails) the raw message is stored
    with accepted=False and the problem, nothing else, and the error is raised again.
    `authenticated`: the transport already authenticated the sender (an MQTT broker); no token check.
    """
    received_us = received_us or now_us()
    raw = {
        "event_id": event_id,
        "kind": kind,
        "source": source[:200],
        "received_us": received_us,
        "content_type": content_type[:100],
        "body": body,
    }
    try:
        with db.transaction() as session:
            raw_id = (
                session.connection()
                .execute(_INSERT_RAW, raw | {"accepted": True, "problem": ""})
                .scalar_one()
            )
            fixes = decode()
            if not authenticated:
                check_tokens(session, (f.device_id for f in fixes), token, accept_unregistered)
            stored = insert_positions(session, raw_id, fixes)
    except MigliaError as exc:
        with db.transaction() as session:
            session.execute(insert(RawInputRow).values(**raw, accepted=False, problem=str(exc)))
        raise
    return Receipt(raw_id, len(fixes), stored)


def insert_positions(session: Session, raw_id: int, fixes: Sequence[Fix]) -> list[Fix]:
    """Insert positions in batches, skipping repeats; returns the fixes actually inserted."""
    if not fixes:
        return []
    statement = _insert_positions(session.get_bind().dialect.name)
    by_key = {(f.device_id, f.instant_us): f for f in fixes}
    rows = [_row(raw_id, f) for f in by_key.values()]
    connection = session.connection()
    stored: list[Fix] = []
    for start in range(0, len(rows), _CHUNK):
        # executemany with RETURNING: one cached statement, sent as multi-row VALUES ("insertmanyvalues")
        result = connection.execute(statement, rows[start : start + _CHUNK])
        stored.extend(by_key[(device, instant)] for device, instant in result)
    return stored


@functools.cache
def _insert_positions(dialect: str) -> Any:
    insert_for = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert_for(PositionRow)
        .on_conflict_do_nothing(index_elements=["device_id", "instant_us"])
        .returning(PositionRow.device_id, PositionRow.instant_us)
    )


def _row(raw_id: int, f: Fix) -> dict[str, Any]:
    return {
        "raw_id": raw_id,
        "device_id": f.device_id,
        "instant_us": f.instant_us,
        "lat": f.lat,
        "lon": f.lon,
        "speed_kmh": f.speed_kmh,
        "course": f.course,
        "altitude": f.altitude,
        "accuracy_m": f.accuracy_m,
        "battery": f.battery,
    }


@dataclass(frozen=True)
class Quarantined:
    device_id: str
    positions: int
    first_us: int
    last_us: int


def quarantine(session: Session, event_id: int) -> list[Quarantined]:
    """Devices that sent positions but that no entry or assignment of the event knows."""
    known = union(
        select(EntryRow.device_id).where(EntryRow.event_id == event_id, EntryRow.device_id != ""),
        select(AssignmentRow.device_id).where(AssignmentRow.event_id == event_id),
    ).subquery()
    query = (
        select(
            PositionRow.device_id,
            func.count(),
            func.min(PositionRow.instant_us),
            func.max(PositionRow.instant_us),
        )
        .where(PositionRow.device_id.not_in(select(known.c.device_id)))
        .group_by(PositionRow.device_id)
        .order_by(PositionRow.device_id)
    )
    return [Quarantined(*row) for row in session.execute(query)]


def last_positions(session: Session) -> list[Fix]:
    """Each device's latest position."""
    latest = (
        select(PositionRow.device_id, func.max(PositionRow.instant_us).label("instant_us"))
        .group_by(PositionRow.device_id)
        .subquery()
    )
    rows = session.scalars(
        select(PositionRow).join(
            latest,
            (PositionRow.device_id == latest.c.device_id) & (PositionRow.instant_us == latest.c.instant_us),
        )
    )
    return [
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
        for r in rows
    ]


class Tracker:
    """The ingest with its live side, shared by the HTTP endpoints and the MQTT listener of a process."""

    def __init__(self, db: Database, bus: Bus | None = None, watch_ttl_s: float = 5.0) -> None:
        self.db = db
        self.bus = bus
        self.watch_ttl_us = int(watch_ttl_s * 1_000_000)
        self.states: dict[str, CarState] = {}
        self._lock = threading.Lock()
        self._watch: Watch | None = None
        self._watch_us = 0
        self._swept_us = 0
        # SQLite has one writer at a time and its busy handler sleeps (up to 100 ms) between retries:
        # queueing the writers of this process on a lock instead keeps latency low. PostgreSQL: no lock.
        sqlite = db.engine.dialect.name == "sqlite"
        self._write_lock: threading.Lock | contextlib.nullcontext[None] = (
            threading.Lock() if sqlite else contextlib.nullcontext()
        )

    def watch(self) -> Watch:
        """The current event's tracking context, reloaded when older than the TTL."""
        now = now_us()
        if self._watch is None or now - self._watch_us > self.watch_ttl_us:
            with self.db.sessions() as session:
                self._watch = load_watch(session)
            self._watch_us = now
        return self._watch

    def invalidate(self) -> None:
        self._watch = None

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
        watch = self.watch()
        with self._write_lock:
            receipt = ingest(
                self.db,
                kind,
                source,
                content_type,
                body,
                decode,
                token,
                accept_unregistered=watch.accept_unregistered,
                event_id=watch.event_id,
                authenticated=authenticated,
            )
        self.follow(receipt.stored, watch)
        return receipt

    def follow(self, fixes: Iterable[Fix], watch: Watch | None = None) -> None:
        """Move the live state on with new fixes; raise and broadcast what they show."""
        watch = watch or self.watch()
        drafts: list[AlertDraft] = []
        moved: dict[str, CarState] = {}
        with self._lock:
            for fix in sorted(fixes, key=lambda f: f.instant_us):
                course = watch.course(fix.instant_us)
                car = watch.car(fix.device_id, course)
                previous = self.states.get(fix.device_id)
                state, raised = observe(
                    previous,
                    fix,
                    car,
                    course,
                    watch.due_us.get(car, {}) if car is not None else {},
                    watch.zones,
                    watch.thresholds,
                )
                if state is not previous:
                    self.states[fix.device_id] = state
                    moved[fix.device_id] = state
                drafts.extend(raised)
        if self.bus is not None:
            for state in moved.values():  # a batch moves a car once: its latest state is broadcast
                self.bus.publish("position", state.to_json())
        self._raise(drafts, watch)

    def sweep(self, now: int | None = None) -> None:
        """Raise no-signal alerts for cars gone quiet on an event day (call every minute or so)."""
        watch = self.watch()
        now = now or now_us()
        if watch.course(now) is None:
            return  # not an event day: cars are quiet on purpose
        with self._lock:
            drafts = [d for s in self.states.values() if (d := silent(s, now, watch.thresholds)) is not None]
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
        """Rebuild the live state from the latest stored positions (on start-up)."""
        with self.db.sessions() as session:
            fixes = last_positions(session)
        watch = self.watch()
        with self._lock:
            for fix in fixes:
                course = watch.course(fix.instant_us)
                self.states[fix.device_id], _ = observe(
                    None, fix, watch.car(fix.device_id, course), course, None, (), watch.thresholds
                )

    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            states = list(self.states.values())
        return [
            s.to_json()
            for s in sorted(states, key=lambda s: (s.start_no is None, s.start_no or 0, s.device_id))
        ]

    def _raise(self, drafts: list[AlertDraft], watch: Watch) -> None:
        if not drafts or watch.event_id is None:
            return
        with self._write_lock, self.db.transaction() as session:
            raised = alerts_service.raise_alerts(session, watch.event_id, drafts)
        if self.bus is not None:
            for alert in raised:
                self.bus.publish("alert", alert.to_json())
