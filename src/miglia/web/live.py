"""Live tracking for the map and the organiser: SSE feed, snapshot of every car, alerts, quarantine.

- GET /live/stream: server-sent events: `snapshot` (every car, once, on connect), then `position` and
  `alert` as fixes arrive; a comment line every 15 s keeps proxies from closing the connection.
- GET /live/cars: the live state of every car (JSON list).
- GET /live/alerts[?open=true]: the current event's alerts; POST /live/alerts/{id}/acknowledge and
  /resolve with {"by": "..."}.
- GET /live/quarantine: devices sending positions that no entry or assignment knows.

The `Tracker` (ingest + live state) and the `Broadcaster` are one per app, made on first use (at start-up
when MQTT is on: `lifespan`). The broadcaster is in-process: see `miglia.tracking.broadcast` for the
multi-worker swap. SSE events: `snapshot`, `position`, `alert`, and `results` (GPS passages timed live,
with the overall positions they moved).
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse

from miglia.domain.errors import MigliaError
from miglia.service import alerts as alerts_service
from miglia.service.positions import Tracker, quarantine
from miglia.store.db import Database
from miglia.tracking.broadcast import Broadcaster

router = APIRouter(prefix="/live", tags=["live"])
KEEPALIVE_S = 15.0
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
            made.load_live()
            state.tracker = made
            if os.environ.get("MIGLIA_MQTT_HOST") and getattr(state, "mqtt", None) is None:
                from miglia.tracking.mqtt import MqttSettings, start

                state.mqtt = start(made, MqttSettings.from_env())
    result: Tracker = state.tracker
    return result


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """App start: with MIGLIA_MQTT_HOST set, the tracker is made and the MQTT subscriber started.
    App stop: the subscriber is stopped, and what the ingest has queued is stored before the end."""
    if os.environ.get("MIGLIA_MQTT_HOST"):
        await run_in_threadpool(tracker_for, app)
    try:
        yield
    finally:
        listener = getattr(app.state, "mqtt", None)
        if listener is not None:
            await run_in_threadpool(listener.stop)
            app.state.mqtt = None
        live: Tracker | None = getattr(app.state, "tracker", None)
        if live is not None:
            await run_in_threadpool(live.close)


@router.get("/stream")
async def stream(request: Request) -> StreamingResponse:
    live = tracker(request)
    bus = live.bus
    assert isinstance(bus, Broadcaster)

    async def events() -> AsyncIterator[str]:
        async with bus.subscribe() as queue:
            yield "retry: 3000\n\n"
            yield f"event: snapshot\ndata: {json.dumps(live.snapshot(), separators=(',', ':'))}\n\n"
            while not await request.is_disconnected():
                try:
                    yield await asyncio.wait_for(queue.get(), KEEPALIVE_S)
                except TimeoutError:
                    await run_in_threadpool(live.sweep_if_due)
                    yield ": keepalive\n\n"

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)


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
    with live.db.sessions() as session:
        return [a.to_json() for a in alerts_service.alerts(session, event_id, open_only=open)]


@router.post("/alerts/{alert_id}/{action}")
async def alert_action(request: Request, alert_id: int, action: str) -> JSONResponse:
    live = tracker(request)
    try:
        data = await request.json()
        by = str(data.get("by", "")) if isinstance(data, dict) else ""
    except ValueError:
        by = ""
    change = {"acknowledge": alerts_service.acknowledge, "resolve": alerts_service.resolve}.get(action)
    if change is None:
        return JSONResponse({"error": f"action {action!r}: use acknowledge or resolve"}, status_code=404)
    try:
        alert = await run_in_threadpool(change, live.db, alert_id, by)
    except MigliaError as exc:
        return JSONResponse({"error": str(exc)}, status_code=400)
    assert live.bus is not None
    live.bus.publish("alert", alert.to_json())
    return JSONResponse(alert.to_json())


@router.get("/quarantine")
def quarantined(request: Request) -> list[dict[str, Any]]:
    live = tracker(request)
    event_id = live.watch().event_id
    if event_id is None:
        return []
    with live.db.sessions() as session:
        return [q.__dict__ for q in quarantine(session, event_id)]
