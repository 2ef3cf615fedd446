"""The tracker runtime of a process: a writer thread and a follower thread around the ingest use case
(`service.live.ingest`), shared by the HTTP endpoints and the MQTT listener.

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
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from miglia.domain.errors import MigliaError
from miglia.domain.instants import US_PER_S
from miglia.domain.live import AlertDraft, CarState, Observation, observe, observe_many, silent
from miglia.service.clock import now_us
from miglia.service.live import alerts as alerts_service
from miglia.service.live.alerts import Watch, load_watch
from miglia.service.live.devices import TokenCache
from miglia.store.db import Database
from miglia.tracking.broadcast import Bus, publish_all
from miglia.tracking.fix import Fix

if TYPE_CHECKING:
    from miglia.service.live.live_timing import LiveTiming
from miglia.service.live.ingest import (
    SLICE,
    Message,
    Part,
    Policy,
    Receipt,
    last_positions,
    read,
    store_messages,
    store_part,
)

log = logging.getLogger(__name__)

MAX_BATCH = 2000
"""Messages per group commit at most."""

Followed = list[tuple[list[tuple[Fix, int]], list[threading.Event]]]
"""The live side's queue: per group commit, its counted (fix, raw id) and the events waiting for them."""


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
        self.watch_ttl_us = int(watch_ttl_s * US_PER_S)
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
                    with self.db.unit_of_work() as uow:
                        self._watch = load_watch(uow)
                    self._watch_us = now_us()
                return self._watch
        if now_us() - self._watch_us > self.watch_ttl_us and not self._refreshing:
            self._refreshing = True
            threading.Thread(target=self._refresh_watch, name="miglia-watch", daemon=True).start()
        return current

    def _refresh_watch(self) -> None:
        try:
            with self.db.unit_of_work() as uow:
                fresh = load_watch(uow)
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
            with self._write_lock, self.db.unit_of_work() as uow:
                return list(store_messages(uow, messages, policy, self.tokens))
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
            with self._write_lock, self.db.unit_of_work() as uow:
                outcome = store_part(uow, pending.message, pending.part, policy, self.tokens)
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
            with self._write_lock, self.db.unit_of_work() as uow:
                store_messages(uow, [message], Policy(), self.tokens)
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
            if now - self._swept_us < every_s * US_PER_S:
                return
            self._swept_us = now
        self.sweep(now)

    def load_live(self) -> None:
        """Rebuild the live state from the latest stored positions (on start-up). A stored row that
        cannot be followed is skipped and reported (`problems`, the log), never raised."""
        watch = self.watch()
        now = now_us()
        first, last = watch.window.bounds(watch.first_day_us, now)
        with self.db.unit_of_work() as uow:
            latest = last_positions(uow, watch.accept_unregistered, first, last)
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
        with self.db.unit_of_work() as uow:
            self.tokens.load(uow)
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
        with self._write_lock, self.db.unit_of_work() as uow:
            raised = alerts_service.raise_alerts(uow, watch.event_id, drafts)
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
