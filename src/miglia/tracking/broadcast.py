"""Fan-out of live messages (positions, alerts) to the SSE clients of this process.

`publish` may be called from any thread (the ingest runs in the web server's thread pool or in the
MQTT client's thread); each subscriber gets its own bounded queue on its own event loop. A slow client
loses its oldest messages rather than holding up the ingest.

One process only. For several web workers, keep this interface and swap the class: `publish` sends
to PostgreSQL `NOTIFY miglia_live, '<json>'` (or to an MQTT topic such as `miglia/live`), and each
worker runs one listener (`LISTEN miglia_live` / a subscription) that hands what it hears to its own
local `Broadcaster.publish`. The live state snapshot is then rebuilt per worker from the positions
table (`Tracker.load_live`).
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, Protocol

QUEUE_SIZE = 10_000


class Bus(Protocol):
    def publish(self, kind: str, data: dict[str, Any]) -> None: ...


class Broadcaster:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[str]]] = set()

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    def publish(self, kind: str, data: dict[str, Any]) -> None:
        self._send(_event(kind, data))

    def publish_many(self, kind: str, items: Sequence[dict[str, Any]]) -> None:
        """Several events of one kind, handed to each subscriber's loop in one call (one wake-up)."""
        if items:
            self._send("".join(_event(kind, data) for data in items))

    def _send(self, message: str) -> None:
        with self._lock:
            targets = list(self._subscribers)
        for loop, queue in targets:
            try:
                loop.call_soon_threadsafe(_put, queue, message)
            except RuntimeError:  # the subscriber's loop is closed
                with self._lock:
                    self._subscribers.discard((loop, queue))

    @asynccontextmanager
    async def subscribe(self) -> AsyncIterator[asyncio.Queue[str]]:
        entry = (asyncio.get_running_loop(), asyncio.Queue[str](QUEUE_SIZE))
        with self._lock:
            self._subscribers.add(entry)
        try:
            yield entry[1]
        finally:
            with self._lock:
                self._subscribers.discard(entry)


def publish_all(bus: Bus, kind: str, items: Sequence[dict[str, Any]]) -> None:
    """`publish_many` where the bus has it, else one `publish` per item."""
    many = getattr(bus, "publish_many", None)
    if many is not None:
        many(kind, items)
    else:
        for data in items:
            bus.publish(kind, data)


def _event(kind: str, data: dict[str, Any]) -> str:
    return f"event: {kind}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


def _put(queue: asyncio.Queue[str], message: str) -> None:
    if queue.full():
        queue.get_nowait()
    queue.put_nowait(message)
