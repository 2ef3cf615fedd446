"""The roadbook on the web: the organiser's editor (the day's lines beside the route on the map, edited
in place with HTMX), the files crews take (roadbook PDF, GPX and CSV, the day's schedule), and each
crew's time card.

An edit form posted by HTMX (`HX-Request`) gets back only the day's lines, redrawn; posted without
JavaScript, it gets the whole page again (post/redirect/get).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from miglia.domain.accounts import User
from miglia.domain.errors import MigliaError
from miglia.roadbook.tulip import ICONS, tulip_svg
from miglia.service.event import events
from miglia.service.roadbook import books
from miglia.service.roadbook.render import MEDIA_TYPES
from miglia.service.roadbook.render import render as render_file
from miglia.store.unit_of_work import UnitOfWork
from miglia.web.console import done, organiser_only, render, save_upload
from miglia.web.deps import database, unit_of_work
from miglia.web.security.errors import Forbidden
from miglia.web.security.roles import require
from miglia.web.templating import templates

router = APIRouter()

MAX_ID = 2**31 - 1
"""Record ids fit a 32-bit integer column: a larger number is refused as invalid, never sent to the store."""


# -- the files -------------------------------------------------------------------------------------


@router.get("/roadbook/day-{day}.{fmt}")
def roadbook_file(day: int, fmt: str, uow: UnitOfWork = Depends(unit_of_work)) -> Response:
    """A day's roadbook as PDF (A5, to print), GPX (navigators' apps) or CSV."""
    if fmt not in MEDIA_TYPES:
        raise events.NotFound(f"format = {fmt!r}: the roadbook comes as pdf, gpx or csv")
    made = books.day_book(uow, day)
    name = f"{events.event_row(uow).slug}-day{day}-roadbook.{fmt}"
    return Response(
        render_file(made.book, made.route, fmt),
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )


@router.get("/schedule/day-{day}.pdf")
def schedule_file(day: int, uow: UnitOfWork = Depends(unit_of_work)) -> Response:
    """The day's schedule: the first and the last car's times at every control and stop."""
    name = f"{events.event_row(uow).slug}-day{day}-schedule.pdf"
    return Response(
        books.schedule_file(uow, day),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )


@router.get("/cars/{start_no}/time-card.pdf")
def time_card_file(
    start_no: int,
    user: User = Depends(require("crew", "timekeeper")),
    uow: UnitOfWork = Depends(unit_of_work),
) -> Response:
    """A crew's time card, for its own car (timekeepers and the organiser: any car)."""
    if user.role == "crew" and user.start_no != start_no:
        raise Forbidden("A crew account prints only its own car's time card.")
    return Response(
        books.time_card_file(uow, start_no),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="time-card-{start_no}.pdf"'},
    )


# -- the organiser's editor --------------------------------------------------------------------------


@router.get("/organiser/roadbook")
def first_day(user: User = Depends(organiser_only)) -> Response:
    return RedirectResponse("/organiser/roadbook/day-1", status_code=303)


@router.get("/organiser/roadbook/day-{day}", response_class=HTMLResponse)
def editor(request: Request, day: int, user: User = Depends(organiser_only)) -> Response:
    with database(request).unit_of_work() as uow:
        return render(request, "roadbook/editor.html", "organiser", uow, user=user, **_lines(uow, day))


@router.post("/organiser/roadbook/day-{day}/change", response_class=HTMLResponse)
def change(
    request: Request,
    day: int,
    anchor_m: float = Form(...),
    words: str = Form(""),
    note: str = Form(""),
    stubs: str = Form(""),
    icon: str | None = Form(None),
    user: User = Depends(organiser_only),
) -> Response:
    """A line re-worded, given a note or a symbol, or its side roads drawn."""
    return _edited(
        request,
        day,
        lambda: books.change_line(
            database(request), day, anchor_m, user.username, words=words, note=note, stubs=stubs, icon=icon
        ),
        "Line changed.",
    )


@router.post("/organiser/roadbook/day-{day}/remove", response_class=HTMLResponse)
def remove(
    request: Request, day: int, anchor_m: float = Form(...), user: User = Depends(organiser_only)
) -> Response:
    return _edited(
        request,
        day,
        lambda: books.remove_line(database(request), day, anchor_m, user.username),
        "Line removed.",
    )


@router.post("/organiser/roadbook/day-{day}/add", response_class=HTMLResponse)
def add(
    request: Request,
    day: int,
    km: float = Form(...),
    words: str = Form(""),
    note: str = Form(""),
    icon: str = Form("caution"),
    user: User = Depends(organiser_only),
) -> Response:
    """A line of the organiser's own at a km (a caution, a landmark), with its symbol."""
    return _edited(
        request,
        day,
        lambda: books.add_line(database(request), day, km, user.username, words=words, note=note, icon=icon),
        "Line added.",
    )


@router.post("/organiser/roadbook/day-{day}/withdraw", response_class=HTMLResponse)
def withdraw(
    request: Request,
    day: int,
    edit_id: int = Form(..., ge=1, le=MAX_ID),
    user: User = Depends(organiser_only),
) -> Response:
    """An edit withdrawn: the generated line comes back (the edit stays in the history)."""
    return _edited(
        request, day, lambda: books.withdraw(database(request), edit_id, user.username), "Edit withdrawn."
    )


@router.post("/organiser/roadbook/streets", response_class=HTMLResponse)
async def upload_streets(
    request: Request, streets_file: UploadFile | None = File(None), user: User = Depends(organiser_only)
) -> Response:
    """An OpenStreetMap extract of the event's area: the roads near its routes give the tulips' side roads
    and the roundabouts' exits."""
    back = "/organiser/roadbook"
    folder = Path(tempfile.mkdtemp(prefix="miglia-upload-"))
    try:
        if streets_file is None or not streets_file.filename:
            return done(request, "Not saved: choose an OpenStreetMap extract (.osm.pbf or .osm)", back)
        path = await save_upload(streets_file, folder, "extract.osm.pbf")
        kept = books.import_streets(database(request), path, path.name, user.username)
    except MigliaError as exc:
        return done(request, f"Not saved: {str(exc).replace(str(folder) + '/', '')}", back)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return done(request, f"Side roads from {path.name}: {kept} roads along the routes kept.", back)


def _edited(request: Request, day: int, change: Callable[[], object], message: str) -> Response:
    error = ""
    try:
        change()
    except MigliaError as exc:
        error = str(exc)
    if request.headers.get("HX-Request") != "true":
        return done(request, f"Not saved: {error}" if error else message, f"/organiser/roadbook/day-{day}")
    with database(request).unit_of_work() as uow:
        return templates.TemplateResponse(
            request,
            "roadbook/_lines.html",
            {**_lines(uow, day), "message": error or message, "failed": bool(error)},
            status_code=422 if error else 200,
        )


def _lines(uow: UnitOfWork, day: int) -> dict[str, Any]:
    made = books.day_book(uow, day)
    event = events.load(uow)
    points = [
        {"n": n, "lat": round(i.lat, 6), "lon": round(i.lon, 6), "words": i.words, "km": f"{i.km:.2f}"}
        for n, i in enumerate(made.book.instructions, start=1)
    ]
    step = max(1, made.route.lat.size // 4000)  # enough for the map, small for the page
    line = [
        [round(float(a), 5), round(float(b), 5)]
        for a, b in zip(made.route.lat[::step], made.route.lon[::step], strict=True)
    ]
    return {
        "book": made.book,
        "day": day,
        "days": event.days,
        "tulips": [tulip_svg(i, size=64) for i in made.book.instructions],
        "history": books.edit_history(uow, day),
        "street_map": books.street_map(uow),
        "timezone": event.timezone,
        "icons": ICONS,
        "turns": ("turn", "straight", "hairpin", "roundabout"),
        "map_data": json.dumps({"route": line, "points": points}),
    }
