"""Fan-out of live messages (positions, alerts, results) to the SSE clients of this process.

`publish` may be called from any thread (the ingest runs in the web server's thread pool or in the
MQTT client's thread). Subscribers are grouped by their event loop: one publish wakes each loop once,
however many clients it serves, and the loop hands the message to each of its subscribers' queues.
A queue holds `QUEUE_SIZE` messages; a client whose queue is full has fallen behind and is dropped
(its stream ends, the browser reconnects with `Last-Event-ID`), so a slow client costs the ingest
nothing once it is behind.

Every event carries an `id:`. The last `REPLAY_SIZE` alert and results events are kept, so a client
that reconnects is sent what it missed of them after its snapshot (positions need no replay: the
snapshot is every car's latest state).

One process only. For several web workers, keep this interface and swap the class: `publish` sends
to PostgreSQL `NOTIFY miglia_live, '<json>'` (or to an MQTT topic such as `miglia/live`), and each
worker runs one listener (`LISTEN miglia_live` / a subscription) that hands what it hears to its own
local `Broadcaster.publish`. The live state snapshot is then rebuilt per worker from the positions
table (`Tracker.load_live`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from itertools import takewhile
from typing import Any, Protocol

QUEUE_SIZE = 1024
"""Messages a client may fall behind by (a publish is one message, however many events it carries; at
the rally's ~50 publishes a second, some 20 s). The queues share the message strings, so a full queue
costs references, not copies."""
REPLAY_SIZE = 2_000  # alert and results events kept for clients that reconnect
REPLAYED = frozenset({"alert", "results"})
_END = ""  # left in a dropped subscriber's queue, so a reader waiting on it wakes up and ends

log = logging.getLogger(__name__)


class Bus(Protocol):
    def publish(self, kind: str, data: dict[str, Any]) -> None: ...


class Subscriber:
    """One SSE client: its queue, what it missed while away, whether it fell behind."""

    def __init__(self, after: int, missed: list[str] | None) -> None:
        self.after = after  # the newest event id when it subscribed: later ones come through the queue
        self.missed = missed  # None: its Last-Event-ID is unknown here, the snapshot alone must do
        self.dropped = False
        self._queue: asyncio.Queue[str] = asyncio.Queue(QUEUE_SIZE)

    async def get(self) -> str | None:
        """The next message; None once dropped (the stream should end)."""
        if self.dropped:
            return None
        message = await self._queue.get()
        return None if self.dropped else message

    def catch_up(self) -> str:
        """What follows the snapshot: the missed alert and results events, then the id the client
        is at now (an `id:` line without data moves a browser's Last-Event-ID, no event fires)."""
        return "".join(self.missed or ()) + f"id: {self.after}\n\n"

    def _offer(self, message: str, last_id: int) -> bool:
        """Queue a message; False when the queue is full."""
        if last_id <= self.after:
            return True  # in flight when it subscribed: already in its snapshot or catch-up
        if self._queue.full():
            return False
        self._queue.put_nowait(message)
        return True

    def _end(self) -> None:
        self.dropped = True
        while not self._queue.empty():  # what it never read is let go at once
            self._queue.get_nowait()
        self._queue.put_nowait(_END)


class Broadcaster:
    def __init__(self, last_id: int | None = None) -> None:
        self._lock = threading.Lock()
        self._loops: dict[asyncio.AbstractEventLoop, set[Subscriber]] = {}
        # Ids go on from the process's start time in microseconds, so an id a client got from an
        # earlier process is older than every id of this one.
        self._last_id = time.time_ns() // 1_000 if last_id is None else last_id
        self._recent: deque[tuple[int, str]] = deque(maxlen=REPLAY_SIZE)
        self._horizon = 0  # events after this id that are to be replayed are all still in `_recent`
        self.dropped = 0  # subscribers dropped for falling behind, since start

    @property
    def subscribers(self) -> int:
        with self._lock:
            return sum(len(group) for group in self._loops.values())

    @property
    def last_id(self) -> int:
        return self._last_id

    def publish(self, kind: str, data: dict[str, Any]) -> None:
        self._send(kind, [data])

    def publish_many(self, kind: str, items: Sequence[dict[str, Any]]) -> None:
        """Several events of one kind in one message (one wake-up per loop)."""
        if items:
            self._send(kind, items)

    def _send(self, kind: str, items: Sequence[dict[str, Any]]) -> None:
        payloads = [_json(data) for data in items]
        # Ids, the replay buffer and the hand-over to the loops in one critical section: every loop
        # receives the messages in id order, whichever threads publish.
        with self._lock:
            first = self._last_id + 1
            self._last_id += len(payloads)
            events = [_event(kind, payload, first + i) for i, payload in enumerate(payloads)]
            if kind in REPLAYED:
                self._keep(first, events)
            self._hand_over("".join(events), self._last_id)

    def _keep(self, first: int, events: list[str]) -> None:
        for n, text in enumerate(events, first):
            if len(self._recent) == REPLAY_SIZE:
                self._horizon = self._recent[0][0]
            self._recent.append((n, text))

    def _hand_over(self, message: str, last_id: int) -> None:
        for loop in list(self._loops):
            try:
                loop.call_soon_threadsafe(self._deliver, loop, message, last_id)
            except RuntimeError:  # the loop is closed: its subscribers are gone with it
                del self._loops[loop]

    def _deliver(self, loop: asyncio.AbstractEventLoop, message: str, last_id: int) -> None:
        # Runs on `loop`, the only thread that changes its group: no copy, no lock while queueing.
        with self._lock:
            group = self._loops.get(loop)
        if group:
            behind = [sub for sub in group if not sub._offer(message, last_id)]
            if behind:
                self._drop(loop, behind)

    def _drop(self, loop: asyncio.AbstractEventLoop, behind: list[Subscriber]) -> None:
        with self._lock:
            self._leave(loop, behind)
            self.dropped += len(behind)
            total = self.dropped
        for sub in behind:
            sub._end()
        log.info(
            "live stream: dropped %d client(s) %d messages behind (%d since start); they reconnect",
            len(behind),
            QUEUE_SIZE,
            total,
        )

    def _leave(self, loop: asyncio.AbstractEventLoop, subs: Sequence[Subscriber]) -> None:
        group = self._loops.get(loop)
        if group is not None:
            group.difference_update(subs)
            if not group:
                del self._loops[loop]

    def _missed(self, last_event_id: str | None) -> list[str] | None:
        """The kept alert and results events after `last_event_id`; None when some may be lost."""
        seen = _parse_id(last_event_id)
        if seen is None or not self._horizon <= seen <= self._last_id:
            return None
        newer = takewhile(lambda kept: kept[0] > seen, reversed(self._recent))
        return [text for _, text in newer][::-1]

    @asynccontextmanager
    async def subscribe(self, last_event_id: str | None = None) -> AsyncIterator[Subscriber]:
        """A subscriber on the running loop; `last_event_id` (the client's `Last-Event-ID`) says
        from where it has missed alert and results events."""
        loop = asyncio.get_running_loop()
        with self._lock:
            sub = Subscriber(self._last_id, self._missed(last_event_id))
            self._loops.setdefault(loop, set()).add(sub)
        try:
            yield sub
        finally:
            with self._lock:
                self._leave(loop, [sub])


def publish_all(bus: Bus, kind: str, items: Sequence[dict[str, Any]]) -> None:
    """`publish_many` where the bus has it, else one `publish` per item."""
    many = getattr(bus, "publish_many", None)
    if many is not None:
        many(kind, items)
    else:
        for data in items:
            bus.publish(kind, data)


def sse_event(kind: str, data: Any) -> str:
    """An event without an id (the snapshot: it is not replayed)."""
    return f"event: {kind}\ndata: {_json(data)}\n\n"


def _event(kind: str, payload: str, n: int) -> str:
    return f"id: {n}\nevent: {kind}\ndata: {payload}\n\n"


def _json(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"))


def _parse_id(text: str | None) -> int | None:
    try:
        return int(text) if text else None
    except ValueError:
        return None
