"""The organiser's console: the event at a glance, the event file and entry list imported from the
browser, the results published or hidden, and the controls of each day."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from miglia.domain.accounts import User
from miglia.domain.errors import MigliaError
from miglia.service.event import events
from miglia.store.unit_of_work import UnitOfWork
from miglia.web.console import current_event, done, organiser_only, render, save_upload
from miglia.web.deps import database, unit_of_work

router = APIRouter()


@router.get("/organiser", response_class=HTMLResponse)
def console(
    request: Request, user: User = Depends(organiser_only), uow: UnitOfWork = Depends(unit_of_work)
) -> Response:
    return _console(request, uow, user)


def _console(request: Request, uow: UnitOfWork, user: User, status: int = 200, **context: Any) -> Response:
    row, _event = current_event(uow)
    counts = events.counts(uow, None if row is None else row.id)
    live = getattr(request.app.state, "tracker", None)
    return render(
        request,
        "event/console.html",
        "organiser",
        uow,
        status,
        user=user,
        counts=counts,
        accept_unregistered=live is not None and live.watch().accept_unregistered,
        live_problems=live.problems if live is not None else [],
        **context,
    )


def _problems(exc: MigliaError, folder: Path) -> list[str]:
    """The error's lines, with the temporary folder taken out so they name the uploaded file."""
    lines = getattr(exc, "problems", None) or str(exc).splitlines() or [str(exc)]
    prefix = str(folder) + "/"
    return [str(line).replace(prefix, "") for line in lines]


@router.post("/organiser/event", response_class=HTMLResponse)
async def upload_event(
    request: Request,
    event_file: UploadFile | None = File(None),
    route_files: list[UploadFile] | None = File(None),
    user: User = Depends(organiser_only),
) -> Response:
    """The event file (TOML) with the route files it names (GPX, …), imported as one."""
    folder = Path(tempfile.mkdtemp(prefix="miglia-upload-"))
    try:
        try:
            if event_file is None or not event_file.filename:
                raise MigliaError("event file: none chosen; choose the event's TOML file")
            for upload in route_files or []:
                if upload.filename:
                    await save_upload(upload, folder, "route.gpx")
            path = await save_upload(event_file, folder, "event.toml")
            event = events.import_event(database(request), path)
        except MigliaError as exc:
            with database(request).unit_of_work() as uow:
                return _console(request, uow, user, 400, event_errors=_problems(exc, folder))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if hasattr(request.app.state, "tile_sources"):
        request.app.state.tile_sources.reset()
    controls = sum(len(d.controls) for d in event.days)
    return done(request, f"Imported {event.name}: {len(event.days)} days, {controls} controls.", "/organiser")


@router.post("/organiser/entries", response_class=HTMLResponse)
async def upload_entries(
    request: Request, entries_file: UploadFile | None = File(None), user: User = Depends(organiser_only)
) -> Response:
    folder = Path(tempfile.mkdtemp(prefix="miglia-upload-"))
    try:
        try:
            if entries_file is None or not entries_file.filename:
                raise MigliaError("entries file: none chosen; choose the entries CSV file")
            path = await save_upload(entries_file, folder, "entries.csv")
            entries = events.import_entries(database(request), path)
        except MigliaError as exc:
            with database(request).unit_of_work() as uow:
                return _console(request, uow, user, 400, entries_errors=_problems(exc, folder))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    refused = [e for e in entries if not e.accepted]
    message = (
        f"Imported {len(entries)} entries: {len(entries) - len(refused)} accepted, {len(refused)} refused."
    )
    return done(request, message, "/organiser")


@router.post("/organiser/results", response_class=HTMLResponse)
def publish_results(
    request: Request, publish: str = Form(...), user: User = Depends(organiser_only)
) -> Response:
    published = publish == "yes"
    events.publish_results(database(request), published)
    message = "The results are now public." if published else "The results are hidden from the public again."
    return done(request, message, "/organiser")


@router.get("/organiser/controls", response_class=HTMLResponse)
def controls(
    request: Request, user: User = Depends(organiser_only), uow: UnitOfWork = Depends(unit_of_work)
) -> Response:
    row = events.event_row(uow)
    lengths = {n: r.length_m / 1000 for n, r in events.routes(uow, row.id).items()}
    return render(request, "event/controls.html", "organiser", uow, user=user, day_km=lengths)
