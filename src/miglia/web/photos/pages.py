"""Photos on the web: the public galleries (per day, per stop, each photo's page, a car's photos and its
crew's ZIP), the photographer's upload (file by file with a progress bar, or one plain form without
JavaScript), the camera's offset and the session's spot, the review queue, and the organiser's hiding.

Every picture served is a re-encoded copy without metadata; the original (with the camera's EXIF, its
position included) is never served.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response

from miglia.domain.accounts import User
from miglia.domain.errors import MigliaError
from miglia.domain.photos import PhotoStatus
from miglia.formats.photo_file import MAX_BYTES, SIZES
from miglia.service.event import events
from miglia.service.photos import gallery, upload
from miglia.store.unit_of_work import UnitOfWork
from miglia.web.console import attempt, done, render
from miglia.web.deps import database, unit_of_work
from miglia.web.security.errors import Forbidden
from miglia.web.security.roles import require, viewer

router = APIRouter()

photographer = require("photographer")
organiser = require("organiser")
MAX_ID = 2**31 - 1
"""Record ids fit a 32-bit integer column: a larger number is not found, never sent to the store."""
MAX_FILES = 500
"""Files in one plain (no JavaScript) upload form."""


def _is_staff(request: Request) -> bool:
    user = viewer(request)
    return user is not None and user.has_role("photographer")


def _id(value: int, what: str = "photo") -> int:
    if not 0 < value <= MAX_ID:
        raise events.NotFound(f"{what} {value}: there is no such {what}")
    return value


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


# -- the public galleries ----------------------------------------------------------------------------


@router.get("/photos", response_class=HTMLResponse)
def index(request: Request, uow: UnitOfWork = Depends(unit_of_work)) -> Response:
    event = events.load(uow, events.event_row(uow).slug)
    days = [(day, gallery.day_photos(uow, day.number)) for day in event.days]
    stops = [s for s in gallery.stops(uow, event) if s.photos]
    return render(request, "photos/index.html", "photos", uow, days=days, stops=stops)


@router.get("/photos/day-{day}", response_class=HTMLResponse)
def day_gallery(request: Request, day: int, uow: UnitOfWork = Depends(unit_of_work)) -> Response:
    event = events.load(uow, events.event_row(uow).slug)
    the_day = next((d for d in event.days if d.number == day), None)
    if the_day is None:
        raise events.NotFound(f"day = {day}: the event has days 1 to {len(event.days)}")
    photos = gallery.day_photos(uow, day)
    stops = [s for s in gallery.stops(uow, event) if s.day == day and s.photos]
    return render(
        request,
        "photos/gallery.html",
        "photos",
        uow,
        day=the_day,
        photos=photos,
        stops=stops,
        stop=None,
        entries=_entries(uow),
    )


@router.get("/photos/day-{day}/stop-{index}", response_class=HTMLResponse)
def stop_gallery(request: Request, day: int, index: int, uow: UnitOfWork = Depends(unit_of_work)) -> Response:
    event = events.load(uow, events.event_row(uow).slug)
    found = next((s for s in gallery.stops(uow, event) if s.day == day and s.index == index), None)
    if found is None:
        raise events.NotFound(f"day {day}, stop {index}: there is no such stop")
    the_day = next(d for d in event.days if d.number == day)
    return render(
        request,
        "photos/gallery.html",
        "photos",
        uow,
        day=the_day,
        photos=list(found.photos),
        stops=[],
        stop=found,
        entries=_entries(uow),
    )


@router.get("/cars/{start_no}/photos.zip")
def car_zip(
    request: Request, start_no: int, user: User = Depends(require("crew", "photographer", "timekeeper"))
) -> Response:
    """All photos of a car in one ZIP, for its crew (and staff)."""
    if user.role == "crew" and user.start_no != start_no:
        raise Forbidden("A crew account downloads only its own car's photos.")
    data = gallery.car_zip(database(request), start_no)
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="car-{start_no}-photos.zip"'},
    )


# -- the photographer's upload -----------------------------------------------------------------------


@router.get("/photos/upload", response_class=HTMLResponse)
def upload_start(request: Request, user: User = Depends(photographer)) -> Response:
    with database(request).unit_of_work() as uow:
        row = events.event_row(uow)
        sessions = [
            s
            for s in uow.photos.sessions(row.id)
            if user.role == "organiser" or s.photographer == user.username
        ]
        counts = {s.id: len(uow.photos.all(row.id, session_id=s.id)) for s in sessions}
        queue = len(gallery.review_queue(uow))
        return render(
            request,
            "photos/upload.html",
            "upload",
            uow,
            user=user,
            sessions=sessions[::-1],
            counts=counts,
            queue=queue,
        )


@router.post("/photos/sessions")
def new_session(
    request: Request,
    photographer_name: str = Form("", alias="photographer"),
    offset_s: float = Form(0.0),
    user: User = Depends(photographer),
) -> Response:
    try:
        session = upload.open_session(database(request), photographer_name or user.username, offset_s)
    except MigliaError as exc:
        return done(request, str(exc), "/photos/upload")
    return RedirectResponse(f"/photos/sessions/{session.id}", status_code=303)


@router.get("/photos/sessions/{session_id}", response_class=HTMLResponse)
def session_page(
    request: Request, session_id: int, propose: bool = False, user: User = Depends(photographer)
) -> Response:
    """The session's page; with `propose`, the offset the tracks propose (it reads every car's positions
    of the photos' days, so it is asked for, not worked out at every visit)."""
    db = database(request)
    _id(session_id, "session")
    proposal = upload.proposal(db, session_id) if propose else None
    with db.unit_of_work() as uow:
        session = upload.session_of(uow, session_id)
        row = events.event_row(uow)
        photos = uow.photos.all(row.id, session_id=session_id)
        return render(
            request,
            "photos/session.html",
            "upload",
            uow,
            session=session,
            photos=photos,
            proposal=proposal,
            proposed=propose,
            how=upload.OFFSET_HOW,
            statuses=PhotoStatus,
            max_mb=MAX_BYTES // 2**20,
            queue=gallery.review_queue(uow, session_id),
            entries=_entries(uow),
        )


@router.post("/photos/sessions/{session_id}/files")
async def session_files(
    request: Request,
    session_id: int,
    files: list[UploadFile] = File(...),
    user: User = Depends(photographer),
) -> Response:
    """Files of the session: one at a time from the upload page's script (JSON back, matched later by
    /match), or many from the plain form (matched at once, then the session's page)."""
    db = database(request)
    _id(session_id, "session")
    if len(files) > MAX_FILES:
        raise MigliaError(f"{len(files)} files in one form: send at most {MAX_FILES} at a time")
    added = []
    for f in files:
        data = await f.read(MAX_BYTES + 1)
        added.append(upload.add_file(db, session_id, f.filename or "photo", data))
    if _wants_json(request):
        return JSONResponse({"files": [a.__dict__ for a in added]})
    found = upload.match_session(db, session_id)
    refused = [a.message for a in added if not a.ok]
    message = f"{sum(a.ok for a in added)} of {len(added)} files stored; " + _matched_text(found)
    if refused:
        message += " Refused: " + "; ".join(refused)
    return done(request, message, f"/photos/sessions/{session_id}")


@router.post("/photos/sessions/{session_id}/match")
def session_match(request: Request, session_id: int, user: User = Depends(photographer)) -> Response:
    found = upload.match_session(database(request), _id(session_id, "session"))
    if _wants_json(request):
        return JSONResponse({**found.__dict__, "text": _matched_text(found)})
    return done(request, _matched_text(found), f"/photos/sessions/{session_id}")


@router.post("/photos/sessions/{session_id}/offset")
def session_offset(
    request: Request,
    session_id: int,
    offset_s: float = Form(...),
    how: str = Form("typed"),
    user: User = Depends(photographer),
) -> Response:
    def action() -> str:
        found = upload.set_offset(database(request), _id(session_id, "session"), offset_s, how, user.username)
        return f"Camera offset {offset_s:+.1f} s set; " + _matched_text(found)

    return attempt(request, f"/photos/sessions/{session_id}", action)


@router.post("/photos/sessions/{session_id}/offset-from-car")
def session_offset_from_car(
    request: Request,
    session_id: int,
    photo_id: int = Form(...),
    start_no: int = Form(...),
    user: User = Depends(photographer),
) -> Response:
    def action() -> str:
        offset = upload.offset_from_car(
            database(request), _id(session_id, "session"), _id(photo_id), _id(start_no, "car"), user.username
        )
        return f"Camera offset {offset:+.1f} s, from car {start_no} in the photo; photos matched again."

    return attempt(request, f"/photos/sessions/{session_id}", action)


@router.post("/photos/sessions/{session_id}/spot")
def session_spot(
    request: Request,
    session_id: int,
    day: int = Form(...),
    lat: float = Form(...),
    lon: float = Form(...),
    user: User = Depends(photographer),
) -> Response:
    to = f"/photos/sessions/{session_id}"
    try:
        km, s_lat, s_lon = upload.set_spot(database(request), _id(session_id, "session"), day, lat, lon)
    except MigliaError as exc:
        if _wants_json(request):
            return JSONResponse({"error": str(exc)}, status_code=400)
        return done(request, str(exc), to)
    if _wants_json(request):
        return JSONResponse({"day": day, "km": km, "lat": s_lat, "lon": s_lon})
    return done(
        request, f"Spot set on day {day} at km {km:.2f}; photos without a position matched again.", to
    )


def _matched_text(found: upload.Matched) -> str:
    return (
        f"{found.photos} photos matched: {found.tagged} tagged, {found.review} to review, "
        f"{found.unmatched} with no car there, {found.no_spot} without a place."
    )


# -- the review queue --------------------------------------------------------------------------------


@router.get("/photos/review", response_class=HTMLResponse)
def review_page(request: Request, session: int | None = None, user: User = Depends(photographer)) -> Response:
    with database(request).unit_of_work() as uow:
        queue = gallery.review_queue(uow, session)
        examples = gallery.example_of(uow, {n for p in queue for n, _, _ in p.candidates})
        return render(
            request,
            "photos/review.html",
            "upload",
            uow,
            queue=queue,
            examples=examples,
            entries=_entries(uow),
            session=session,
        )


@router.post("/photos/{photo_id}/review")
async def review_photo(request: Request, photo_id: int, user: User = Depends(photographer)) -> Response:
    form = await request.form()
    back = str(form.get("back") or "/photos/review")
    if not back.startswith("/photos/"):
        back = "/photos/review"
    try:
        cars = [_id(int(str(v)), "car") for v in form.getlist("car") if str(v).strip()]
        other = str(form.get("other") or "").strip()
        if other:
            cars.append(_id(int(other), "car"))
        photo = gallery.review(database(request), _id(photo_id), cars, user.username)
    except ValueError as exc:
        return done(request, f"photo {photo_id}: {exc}", back)
    shown = ", ".join(f"car {n}" for n in photo.cars) or "no car"
    return done(request, f"{photo.file_name}: confirmed, {shown}.", back)


# -- the organiser hides a photo ---------------------------------------------------------------------


@router.post("/photos/{photo_id}/hide")
def hide_photo(
    request: Request, photo_id: int, why: str = Form(""), user: User = Depends(organiser)
) -> Response:
    def action() -> str:
        gallery.hide(database(request), _id(photo_id), user.username, why)
        return "Photo hidden from the public pages."

    return attempt(request, f"/photos/{photo_id}", action)


@router.post("/photos/{photo_id}/show")
def show_photo(request: Request, photo_id: int, user: User = Depends(organiser)) -> Response:
    def action() -> str:
        gallery.show(database(request), _id(photo_id), user.username)
        return "Photo shown on the public pages again."

    return attempt(request, f"/photos/{photo_id}", action)


# -- one photo (after the fixed addresses above: /photos/upload is not photo 'upload') -------------


@router.get("/photos/{photo_id}", response_class=HTMLResponse)
def photo_page(request: Request, photo_id: int, uow: UnitOfWork = Depends(unit_of_work)) -> Response:
    staff = _is_staff(request)
    photo = gallery.photo(uow, _id(photo_id), staff=staff)
    return render(
        request,
        "photos/photo.html",
        "photos",
        uow,
        photo=photo,
        staff=staff,
        entries=_entries(uow),
        statuses=PhotoStatus,
    )


@router.get("/photos/{photo_id}/{size}.jpg")
def photo_file(
    request: Request, photo_id: int, size: str, uow: UnitOfWork = Depends(unit_of_work)
) -> Response:
    """A re-encoded copy (thumb, screen or full); hidden photos only for staff."""
    if size not in SIZES:
        raise events.NotFound(f"size = {size!r}: photos come as {', '.join(SIZES)}")
    photo = gallery.photo(uow, _id(photo_id), staff=_is_staff(request))
    path = database(request).media.copy_path(photo.sha256, size)
    if not path.exists():
        raise events.NotFound(f"photo {photo_id}: its {size} copy is missing from the media folder")
    # A photo's copies never change (named by the original's hash): browsers may keep them.
    headers = {"Cache-Control": "public, max-age=86400" if photo.hidden is None else "private, no-store"}
    return FileResponse(path, media_type="image/jpeg", headers=headers)


def _entries(uow: UnitOfWork) -> dict[int, Any]:
    return {e.start_no: e for e in events.entries(uow, events.event_row(uow).id)}
