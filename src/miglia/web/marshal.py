"""The marshal's phone page: pick a control, then record cars passing it, with signal or without.

The page keeps every record in the phone's storage first (static/js/marshal.js) and sends it when it
can; `POST /marshal/api/passages` is idempotent on each record's UUID (service/marshal.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from miglia.service import events
from miglia.service import marshal as marshal_service
from miglia.service.clock import now_us
from miglia.service.users import User
from miglia.store.models import EntryRow
from miglia.web.deps import session
from miglia.web.security import csrf_token, rate_limit, require
from miglia.web.templating import templates

router = APIRouter(prefix="/marshal")
STATIC = Path(__file__).parent / "static"
marshal_only = require("marshal")


@router.get("", response_class=HTMLResponse)
def controls(request: Request, user: User = Depends(marshal_only), s: Session = Depends(session)) -> Response:
    row = events.event_row(s)
    event = events.load(s, row.slug)
    return templates.TemplateResponse(
        request, "marshal/controls.html", {"event": event, "event_row": row, "nav": "marshal", "user": user}
    )


@router.get("/sw.js", include_in_schema=False)
def service_worker() -> Response:
    """The offline shell's service worker, served from /marshal so it may control the marshal pages."""
    return Response(
        (STATIC / "js" / "marshal-sw.js").read_text(encoding="utf-8"),
        media_type="text/javascript",
        headers={"Service-Worker-Allowed": "/marshal", "Cache-Control": "no-cache"},
    )


@router.get("/api/session")
def session_info(request: Request, user: User = Depends(marshal_only)) -> dict[str, Any]:
    """Who is signed in, the CSRF token for the page's posts, and the server's clock (to check the phone)."""
    return {"username": user.username, "role": user.role, "csrf": csrf_token(request), "server_us": now_us()}


@router.post("/api/passages")
async def record(request: Request, user: User = Depends(marshal_only)) -> Response:
    """A JSON list of {uuid, start_no, control, line, instant_us | time}; one outcome per item, in order."""
    rate_limit(request, "marshal", user.username)
    try:
        items = await request.json()
    except ValueError:
        return JSONResponse({"error": "body: expected a JSON list of passages"}, status_code=400)
    if isinstance(items, dict) and isinstance(items.get("passages"), list):
        items = items["passages"]
    if not isinstance(items, list):
        return JSONResponse({"error": "body: expected a JSON list of passages"}, status_code=400)
    if len(items) > marshal_service.MAX_BATCH:
        return JSONResponse(
            {"error": f"body: {len(items)} passages: send at most {marshal_service.MAX_BATCH} at a time"},
            status_code=400,
        )
    outcomes = await run_in_threadpool(
        marshal_service.record_passages, request.app.state.db, user.username, items
    )
    return JSONResponse({"results": [o.to_json() for o in outcomes]})


@router.get("/{control}", response_class=HTMLResponse)
def control_page(
    request: Request, control: str, user: User = Depends(marshal_only), s: Session = Depends(session)
) -> Response:
    row = events.event_row(s)
    event = events.load(s, row.slug)
    try:
        day, found = event.control(control)
    except KeyError:
        raise events.NotFound(f"control = {control!r}: no control with this name in {event.name}") from None
    cars = sorted(
        s.scalars(select(EntryRow.start_no).where(EntryRow.event_id == row.id, EntryRow.status == "accepted"))
    )
    return templates.TemplateResponse(
        request,
        "marshal/control.html",
        {
            "event": event,
            "event_row": row,
            "nav": "marshal",
            "user": user,
            "day": day,
            "control": found,
            "cars": cars,
        },
    )
