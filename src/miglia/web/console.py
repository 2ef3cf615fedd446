"""What every staff page shares: the page frame with the current event and the flash message, and the
redirect after a change (post/redirect/get)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from miglia.domain.accounts import ROLE_LABELS
from miglia.domain.errors import MigliaError
from miglia.domain.event import Event
from miglia.service.event import events
from miglia.store.records import EventRecord
from miglia.store.unit_of_work import UnitOfWork
from miglia.web.security.roles import require
from miglia.web.security.sessions import session_of
from miglia.web.templating import templates

organiser_only = require("organiser")


def current_event(uow: UnitOfWork) -> tuple[EventRecord | None, Event | None]:
    try:
        row = events.event_row(uow)
    except MigliaError:
        return None, None
    return row, events.load(uow, row.slug)


def render(
    request: Request, name: str, nav: str, uow: UnitOfWork, status: int = 200, **context: Any
) -> Response:
    row, event = current_event(uow)
    return templates.TemplateResponse(
        request,
        name,
        {
            "event": event,
            "event_row": row,
            "nav": nav,
            "flash": session_of(request).pop_flash(),
            "role_labels": ROLE_LABELS,
            **context,
        },
        status_code=status,
    )


MAX_UPLOAD = 20 * 1024 * 1024
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


async def save_upload(upload: UploadFile, folder: Path, default: str) -> Path:
    """An uploaded file saved in `folder` under a safe form of its name (`default` without one)."""
    name = _SAFE_NAME.sub("_", Path(upload.filename or "").name).strip("._") or default
    data = await upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise MigliaError(f"{name}: larger than {MAX_UPLOAD // (1024 * 1024)} MB")
    path = folder / name
    path.write_bytes(data)
    return path


def done(request: Request, message: str, to: str) -> Response:
    session_of(request).flash(message)
    return RedirectResponse(to, status_code=303)


def attempt(request: Request, to: str, action: Callable[[], str], refused: str = "") -> Response:
    """Do `action` (a use case that says what it did); what it says, or `refused` and what was wrong
    (nothing changed), is shown on the page `to` (post/redirect/get)."""
    try:
        message = action()
    except MigliaError as exc:
        message = refused + str(exc)
    return done(request, message, to)
