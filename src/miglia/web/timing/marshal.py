"""The marshal's phone page: pick a control, then record cars passing it, with signal or without.

The page keeps every record in the phone's storage first (static/js/marshal.js) and sends it when it
can; `POST /marshal/api/passages` is idempotent on each record's UUID (service/timing/marshal.py). A body too
large answers 413, one that is not a JSON list of at most 500 records 400, both kept raw with why.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response

from miglia.domain.accounts import User
from miglia.service.clock import now_us
from miglia.service.event import events
from miglia.service.timing import marshal as marshal_service
from miglia.store.unit_of_work import UnitOfWork
from miglia.tracking.fix import PayloadError
from miglia.web.deps import unit_of_work
from miglia.web.security.csrf import csrf_token
from miglia.web.security.rate_limits import rate_limit
from miglia.web.security.roles import require
from miglia.web.templating import templates

router = APIRouter(prefix="/marshal")
STATIC = Path(__file__).parents[1] / "static"
marshal_only = require("marshal")


@router.get("", response_class=HTMLResponse)
def controls(
    request: Request, user: User = Depends(marshal_only), uow: UnitOfWork = Depends(unit_of_work)
) -> Response:
    row = events.event_row(uow)
    event = events.load(uow, row.slug)
    return templates.TemplateResponse(
        request,
        "timing/marshal_controls.html",
        {"event": event, "event_row": row, "nav": "marshal", "user": user},
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
    db = request.app.state.db
    body, whole = await _body(request, marshal_service.MAX_BODY, marshal_service.KEPT_BYTES)
    if not whole:
        problem = f"body: larger than {marshal_service.MAX_BODY:,} bytes: send fewer passages at a time"
        kept = marshal_service.as_text(body[: marshal_service.KEPT_BYTES])
        await run_in_threadpool(marshal_service.refuse_batch, db, user.username, kept, problem)
        return _AsciiJSON({"error": problem}, status_code=413)
    try:
        items = marshal_service.read_batch(body)
    except PayloadError as exc:
        text = marshal_service.as_text(body)
        await run_in_threadpool(marshal_service.refuse_batch, db, user.username, text, str(exc))
        return _AsciiJSON({"error": str(exc)}, status_code=400)
    outcomes = await run_in_threadpool(marshal_service.record_passages, db, user.username, items)
    return _AsciiJSON({"results": [o.to_json() for o in outcomes]})


async def _body(request: Request, limit: int, keep: int) -> tuple[bytes, bool]:
    """The body and whether it is whole. Reading stops past `limit` bytes, or, when the declared length
    is already beyond it, once `keep` bytes are in (enough to show the organiser what it was)."""
    declared = request.headers.get("content-length", "")
    too_large = declared.isdigit() and int(declared) > limit
    stop = keep if too_large else limit
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        chunks.append(chunk)
        size += len(chunk)
        if size > stop:
            return b"".join(chunks), False
    return b"".join(chunks), not too_large


class _AsciiJSON(JSONResponse):
    """JSON with \\u escapes: an outcome echoes what the phone sent, which may hold a lone surrogate
    (JSON "\\ud800"), and UTF-8 cannot encode that."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, separators=(",", ":")).encode("ascii")


@router.get("/{control}", response_class=HTMLResponse)
def control_page(
    request: Request,
    control: str,
    user: User = Depends(marshal_only),
    uow: UnitOfWork = Depends(unit_of_work),
) -> Response:
    row = events.event_row(uow)
    event = events.load(uow, row.slug)
    try:
        day, found = event.control(control)
    except KeyError:
        raise events.NotFound(f"control = {control!r}: no control with this name in {event.name}") from None
    cars = [e.start_no for e in events.entries(uow, row.id) if e.accepted]
    return templates.TemplateResponse(
        request,
        "timing/marshal_control.html",
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
