"""The organiser's console, the alerts board, and a car's private page (the timing review: web/review.py).

Who may do what (see service/accounts/users.py): the organiser everything here; the timekeeper the timing
review, the alerts board and any car's private page; the mechanic the alerts board; a crew its own car's page.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from miglia.domain.errors import MigliaError
from miglia.domain.event import ControlKind, Event
from miglia.service.accounts import users
from miglia.service.event import events
from miglia.service.live import alerts as alerts_service
from miglia.service.timing import marshal as marshal_service
from miglia.store.db import Database
from miglia.store.models import EventRow
from miglia.web.deps import session
from miglia.web.security.errors import Forbidden
from miglia.web.security.roles import require
from miglia.web.security.sessions import session_of
from miglia.web.templating import templates

router = APIRouter()
organiser_only = require("organiser")
alert_staff = require("timekeeper", "mechanic")
MAX_UPLOAD = 20 * 1024 * 1024
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def _db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def _current(s: Session) -> tuple[EventRow | None, Event | None]:
    try:
        row = events.event_row(s)
    except MigliaError:
        return None, None
    return row, events.load(s, row.slug)


def render(request: Request, name: str, nav: str, s: Session, status: int = 200, **context: Any) -> Response:
    row, event = _current(s)
    return templates.TemplateResponse(
        request,
        name,
        {
            "event": event,
            "event_row": row,
            "nav": nav,
            "flash": session_of(request).pop_flash(),
            "role_labels": users.ROLE_LABELS,
            **context,
        },
        status_code=status,
    )


def done(request: Request, message: str, to: str) -> Response:
    session_of(request).flash(message)
    return RedirectResponse(to, status_code=303)


# ---------------------------------------------------------------------------------------------- console


@router.get("/organiser", response_class=HTMLResponse)
def console(
    request: Request, user: users.User = Depends(organiser_only), s: Session = Depends(session)
) -> Response:
    return _console(request, s, user)


def _console(request: Request, s: Session, user: users.User, status: int = 200, **context: Any) -> Response:
    row, _event = _current(s)
    counts = events.counts(s, None if row is None else row.id)
    live = getattr(request.app.state, "tracker", None)
    return render(
        request,
        "organiser/console.html",
        "organiser",
        s,
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


async def _save(upload: UploadFile, folder: Path, default: str) -> Path:
    name = _SAFE_NAME.sub("_", Path(upload.filename or "").name).strip("._") or default
    data = await upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise MigliaError(f"{name}: larger than {MAX_UPLOAD // (1024 * 1024)} MB")
    path = folder / name
    path.write_bytes(data)
    return path


@router.post("/organiser/event", response_class=HTMLResponse)
async def upload_event(
    request: Request,
    event_file: UploadFile | None = File(None),
    route_files: list[UploadFile] | None = File(None),
    user: users.User = Depends(organiser_only),
) -> Response:
    """The event file (TOML) with the route files it names (GPX, …), imported as one."""
    folder = Path(tempfile.mkdtemp(prefix="miglia-upload-"))
    try:
        try:
            if event_file is None or not event_file.filename:
                raise MigliaError("event file: none chosen; choose the event's TOML file")
            for upload in route_files or []:
                if upload.filename:
                    await _save(upload, folder, "route.gpx")
            path = await _save(event_file, folder, "event.toml")
            event = events.import_event(_db(request), path)
        except MigliaError as exc:
            with _db(request).sessions() as s:
                return _console(request, s, user, 400, event_errors=_problems(exc, folder))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if hasattr(request.app.state, "tile_sources"):
        request.app.state.tile_sources.reset()
    controls = sum(len(d.controls) for d in event.days)
    return done(request, f"Imported {event.name}: {len(event.days)} days, {controls} controls.", "/organiser")


@router.post("/organiser/entries", response_class=HTMLResponse)
async def upload_entries(
    request: Request, entries_file: UploadFile | None = File(None), user: users.User = Depends(organiser_only)
) -> Response:
    folder = Path(tempfile.mkdtemp(prefix="miglia-upload-"))
    try:
        try:
            if entries_file is None or not entries_file.filename:
                raise MigliaError("entries file: none chosen; choose the entries CSV file")
            path = await _save(entries_file, folder, "entries.csv")
            entries = events.import_entries(_db(request), path)
        except MigliaError as exc:
            with _db(request).sessions() as s:
                return _console(request, s, user, 400, entries_errors=_problems(exc, folder))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    refused = [e for e in entries if not e.accepted]
    message = (
        f"Imported {len(entries)} entries: {len(entries) - len(refused)} accepted, {len(refused)} refused."
    )
    return done(request, message, "/organiser")


@router.post("/organiser/results", response_class=HTMLResponse)
def publish_results(
    request: Request, publish: str = Form(...), user: users.User = Depends(organiser_only)
) -> Response:
    published = publish == "yes"
    events.publish_results(_db(request), published)
    message = "The results are now public." if published else "The results are hidden from the public again."
    return done(request, message, "/organiser")


@router.get("/organiser/controls", response_class=HTMLResponse)
def controls(
    request: Request, user: users.User = Depends(organiser_only), s: Session = Depends(session)
) -> Response:
    row = events.event_row(s)
    lengths = {n: r.length_m / 1000 for n, r in events.routes(s, row.id).items()}
    return render(request, "organiser/controls.html", "organiser", s, user=user, day_km=lengths)


# ---------------------------------------------------------------------------------------------- users


@router.get("/organiser/users", response_class=HTMLResponse)
def user_list(
    request: Request, user: users.User = Depends(organiser_only), s: Session = Depends(session)
) -> Response:
    return _users_page(request, s, user)


def _users_page(
    request: Request, s: Session, user: users.User, status: int = 200, **context: Any
) -> Response:
    return render(
        request,
        "organiser/users.html",
        "organiser",
        s,
        status,
        user=user,
        accounts=users.all_users(s),
        roles=users.ROLES,
        **context,
    )


def _start_no(value: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not value.isdigit():
        raise MigliaError(f"start_no = {value!r}: expected a start number")
    return int(value)


@router.post("/organiser/users", response_class=HTMLResponse)
def add_user(
    request: Request,
    username: str = Form(""),
    role: str = Form(""),
    password: str = Form(""),
    start_no: str = Form(""),
    user: users.User = Depends(organiser_only),
) -> Response:
    try:
        added = users.add_user(_db(request), username, role, password, _start_no(start_no))
    except MigliaError as exc:
        with _db(request).sessions() as s:
            form = {"username": username, "role": role, "start_no": start_no}
            return _users_page(request, s, user, 400, add_error=str(exc), form=form)
    return done(request, f"Added {added.username} ({added.role_label}).", "/organiser/users")


@router.post("/organiser/users/{user_id}/role", response_class=HTMLResponse)
def change_role(
    request: Request,
    user_id: int,
    role: str = Form(""),
    start_no: str = Form(""),
    user: users.User = Depends(organiser_only),
) -> Response:
    try:
        changed = users.set_role(_db(request), user_id, role, _start_no(start_no))
    except MigliaError as exc:
        with _db(request).sessions() as s:
            return _users_page(request, s, user, 400, row_error=(user_id, str(exc)))
    car = f", car {changed.start_no}" if changed.start_no else ""
    return done(request, f"{changed.username} is now {changed.role_label.lower()}{car}.", "/organiser/users")


@router.post("/organiser/users/{user_id}/password", response_class=HTMLResponse)
def change_password(
    request: Request, user_id: int, password: str = Form(""), user: users.User = Depends(organiser_only)
) -> Response:
    try:
        changed = users.set_password(_db(request), user_id, password)
    except MigliaError as exc:
        with _db(request).sessions() as s:
            return _users_page(request, s, user, 400, row_error=(user_id, str(exc)))
    return done(request, f"New password set for {changed.username}.", "/organiser/users")


# ---------------------------------------------------------------------------------------------- alerts


@router.get("/organiser/alerts", response_class=HTMLResponse)
def alerts_board(
    request: Request, user: users.User = Depends(alert_staff), s: Session = Depends(session)
) -> Response:
    row = events.event_row(s)
    found = alerts_service.alerts(s, row.id)
    cars = {e.start_no: e for e in events.entries(s, row.id)}
    return render(
        request,
        "organiser/alerts.html",
        "alerts",
        s,
        user=user,
        cars=cars,
        open_alerts=[a for a in found if a.resolved_us is None][::-1],
        resolved_alerts=[a for a in found if a.resolved_us is not None][::-1],
    )


@router.post("/organiser/alerts/{alert_id}/{action}", response_class=HTMLResponse)
def alert_action(
    request: Request, alert_id: int, action: str, user: users.User = Depends(alert_staff)
) -> Response:
    if action == "acknowledge":
        alert = alerts_service.acknowledge(_db(request), alert_id, user.username)
        message = f"Alert for car {alert.start_no} acknowledged by {user.username}."
    elif action == "resolve":
        alert = alerts_service.resolve(_db(request), alert_id, user.username)
        message = f"Alert for car {alert.start_no} resolved by {user.username}."
    else:
        raise events.NotFound(f"action = {action!r}: expected acknowledge or resolve")
    return done(request, message, "/organiser/alerts")


# ---------------------------------------------------------------------------------------------- crew


@router.get("/crew")
def crew_home(user: users.User = Depends(require("crew"))) -> Response:
    if user.role == "crew" and user.start_no is not None:
        return RedirectResponse(f"/cars/{user.start_no}/private", status_code=303)
    return RedirectResponse("/organiser", status_code=303)


@router.get("/cars/{start_no}/private", response_class=HTMLResponse)
def car_private(
    request: Request,
    start_no: int,
    user: users.User = Depends(require("crew", "timekeeper")),
    s: Session = Depends(session),
) -> Response:
    """A car's own data: its raw passages at every control (all sources) and its alerts."""
    if user.role == "crew" and user.start_no != start_no:
        raise Forbidden("A crew account sees only its own car's data.")
    row = events.event_row(s)
    entry = next((e for e in events.entries(s, row.id) if e.start_no == start_no), None)
    if entry is None:
        raise events.NotFound(f"start_no = {start_no}: no car with this start number")
    car_alerts = [a for a in alerts_service.alerts(s, row.id) if a.start_no == start_no]
    passages = marshal_service.passages(s, row.id, start_no=start_no)
    if user.role == "crew" and not row.results_published:
        # Where the secret checks are, and when a car passed them, stays secret until the results are out.
        secret = {
            c.name
            for d in events.load(s, row.slug).days
            for c in d.controls
            if c.kind is ControlKind.SECRET_CHECK
        }
        passages = [p for p in passages if p.control not in secret]
    return render(
        request,
        "organiser/car.html",
        "crew",
        s,
        user=user,
        entry=entry,
        passages=passages,
        car_alerts=car_alerts,
    )
