"""Live tracking for the map and the organiser: SSE feed, snapshot of every car, alerts, quarantine.

- GET /live/stream: server-sent events: `snapshot` (every car, once, on connect), then `position` and
  `alert` as fixes arrive; a comment line every 15 s keeps proxies from closing the connection. Events
  carry ids. A client too slow to keep up is cut off; when it reconnects with its `Last-Event-ID`, the
  `alert` and `results` events it missed follow its snapshot.
- GET /live/cars: the live state of every car (JSON list).
- GET /live/alerts[?open=true]: the current event's alerts (acknowledged and resolved, with who and
  when, on the organiser's alerts board: /organiser/alerts, for timekeepers and mechanics).
- GET /live/quarantine: devices sending positions that no entry or assignment knows (organiser only).

The `Tracker` (ingest + live state) and the `Broadcaster` are one per app, made on first use (at start-up
when MQTT is on: `lifespan`). The broadcaster is in-process: see `miglia.tracking.broadcast` for the
multi-worker swap. SSE events: `snapshot`, `position`, `alert`, and `results` (only that the results
changed: the pages then fetch them, behind the same check as everywhere, so nothing unpublished and no
secret check leaks through this public feed).
"""

from __future__ import annotations

import asyncio
import gc
import os
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from miglia.service import news
from miglia.service.live import alerts as alerts_service
from miglia.service.live.ingest import quarantine
from miglia.service.live.tracker import Tracker
from miglia.store.db import Database
from miglia.tracking.broadcast import Broadcaster, sse_event
from miglia.web.security.roles import require

router = APIRouter(prefix="/live", tags=["live"])
KEEPALIVE_S = 15.0
RETRY_MS = 3000  # how long a browser waits before it reconnects
_lock = threading.Lock()


def tracker(request: Request) -> Tracker:
    """This app's tracker, made (and its live state loaded from the database) on first use."""
    return tracker_for(request.app)


def tracker_for(app: FastAPI) -> Tracker:
    state = app.state
    found: Tracker | None = getattr(state, "tracker", None)
    if found is not None:
        return found
    with _lock:
        if getattr(state, "tracker", None) is None:
            db: Database = state.db
            made = Tracker(db, Broadcaster())
            made.warm()
            state.tracker = made
            if os.environ.get("MIGLIA_MQTT_HOST") and getattr(state, "mqtt", None) is None:
                from miglia.tracking.mqtt import MqttSettings, start

                state.mqtt = start(made, MqttSettings.from_env())
    result: Tracker = state.tracker
    return result


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """App start: the tracker is made and warmed up (the event's tracking context, tokens, live state,
    timing lines, tails and scoreboard), so the first messages do not wait for what every message
    needs; with MIGLIA_MQTT_HOST set, the MQTT subscriber is started.
    App stop: the subscriber is stopped, and what the ingest has queued is stored before the end."""
    live = await run_in_threadpool(tracker_for, app)
    # Marshal taps, device files, corrections, publishing: each tells open results pages to reload.
    stop_news = news.subscribe(lambda event_id: _announce(live, event_id))
    # The event or its entries imported again (the console's uploads): drop what was derived from them.
    stop_event = news.subscribe(lambda _: _forget(live), news.EVENT)
    # Everything made so far (modules, the app, the warmed caches) lives as long as the process: moved
    # out of the collector's sight, so a full collection no longer stops every thread for 100+ ms.
    gc.freeze()
    try:
        yield
    finally:
        stop_news()
        stop_event()
        gc.unfreeze()
        listener = getattr(app.state, "mqtt", None)
        if listener is not None:
            await run_in_threadpool(listener.stop)
            app.state.mqtt = None
        await run_in_threadpool(live.close)


def _forget(live: Tracker) -> None:
    live.invalidate()
    if live.timing is not None:
        live.timing.forget()


def _announce(live: Tracker, event_id: int) -> None:
    if live.bus is not None:
        live.bus.publish("results", {"event_id": event_id})


@router.get("/stream")
async def stream(request: Request) -> StreamingResponse:
    live = tracker(request)
    bus = live.bus
    assert isinstance(bus, Broadcaster)
    feed = _feed(request, live, bus, request.headers.get("last-event-id"))
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(feed, media_type="text/event-stream", headers=headers)


async def _feed(
    request: Request, live: Tracker, bus: Broadcaster, last_event_id: str | None
) -> AsyncIterator[str]:
    async with bus.subscribe(last_event_id) as sub:
        yield f"retry: {RETRY_MS}\n\n" + sse_event("snapshot", live.snapshot()) + sub.catch_up()
        while not await request.is_disconnected():
            try:
                message = await asyncio.wait_for(sub.get(), KEEPALIVE_S)
            except TimeoutError:
                await run_in_threadpool(live.sweep_if_due)
                yield ": keepalive\n\n"
                continue
            if message is None:
                return  # fell behind and was dropped: the browser comes back with its Last-Event-ID
            yield message


@router.get("/cars")
def cars(request: Request) -> list[dict[str, Any]]:
    return tracker(request).snapshot()


@router.get("/alerts")
def alert_list(request: Request, open: bool = False) -> list[dict[str, Any]]:
    live = tracker(request)
    live.sweep_if_due()
    event_id = live.watch().event_id
    if event_id is None:
        return []
    with live.db.unit_of_work() as uow:
        return [a.to_json() for a in alerts_service.alerts(uow, event_id, open_only=open)]


@router.get("/quarantine", dependencies=[Depends(require("organiser"))])
def quarantined(request: Request) -> list[dict[str, Any]]:
    """Devices sending positions that no entry or assignment knows, for the organiser to assign."""
    live = tracker(request)
    event_id = live.watch().event_id
    if event_id is None:
        return []
    with live.db.unit_of_work() as uow:
        return [q.__dict__ for q in quarantine(uow, event_id, live.watch().accept_unregistered)]
