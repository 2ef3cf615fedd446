"""Hotels, meals and itineraries on the web (issue 12): the organiser's hospitality pages (venues and their
rooms, seats and menus; each crew's needs; the automatic allocation and moves by hand; the venues' lists as
PDF and CSV, marked sent, and what changed since), each crew's itinerary page (its own car only; staff any)
with its PDF and .ics, and the calendar feed fetched by a phone's calendar with the crew's secret token and
no login (/calendar/{token}.ics)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from miglia.domain import hospitality as h
from miglia.domain.accounts import User
from miglia.service.event import events
from miglia.service.hospitality import hotels, itinerary, reports
from miglia.store.unit_of_work import UnitOfWork
from miglia.web.console import attempt, done, render
from miglia.web.deps import database, unit_of_work
from miglia.web.security.errors import Forbidden
from miglia.web.security.roles import require

router = APIRouter()

organiser = require("organiser")
crew_or_staff = require("crew", "timekeeper")
BASE = "/organiser/hospitality"
NOT_SAVED = "Not saved: "
"""What a refused change of hotels and meals is shown with (nothing was changed)."""
MAX_ID = 2**31 - 1
MEDIA = {"csv": "text/csv; charset=utf-8", "pdf": "application/pdf"}


def _id(value: int, what: str) -> int:
    if not 0 < value <= MAX_ID:
        raise events.NotFound(f"{what} {value}: there is no such {what}")
    return value


# -- the organiser --------------------------------------------------------------------------------


@router.get(BASE, response_class=HTMLResponse)
def overview(
    request: Request, user: User = Depends(organiser), uow: UnitOfWork = Depends(unit_of_work)
) -> Response:
    hosp = hotels.load(uow)
    return render(
        request,
        "hospitality/overview.html",
        "organiser",
        uow,
        hosp=hosp,
        unhoused=hosp.unhoused(),
        guests=hosp.guests(),
        changes=reports.changes(uow, hosp),
        sent=reports.last_sent(uow),
        room_types=list(h.RoomType),
        venue_kinds=list(h.VenueKind),
    )


@router.post(f"{BASE}/allocate")
def allocate(request: Request, again: str = Form(""), user: User = Depends(organiser)) -> Response:
    return attempt(
        request,
        BASE,
        lambda: hotels.allocate(database(request), user.username, again=bool(again)).text,
        NOT_SAVED,
    )


@router.post(f"{BASE}/venues")
def add_venue(
    request: Request,
    day: int = Form(...),
    kind: str = Form(...),
    name: str = Form(""),
    address: str = Form(""),
    opens: str = Form(""),
    closes: str = Form(""),
    seats: str = Form(""),
    menu: str = Form(""),
    user: User = Depends(organiser),
) -> Response:
    def action() -> str:
        v = hotels.add_venue(
            database(request),
            day=day,
            kind=kind,
            name=name,
            address=address,
            opens=opens,
            closes=closes,
            seats=seats,
            menu=menu,
            by=user.username,
        )
        return f"{v.kind.label} {v.name} added on day {v.day}"

    return attempt(request, BASE, action, NOT_SAVED)


@router.post(f"{BASE}/venues/{{venue_id}}/rooms")
async def set_rooms_form(request: Request, venue_id: int, user: User = Depends(organiser)) -> Response:
    form = await request.form()
    counts = {t.value: str(form.get(t.value, "")) for t in h.RoomType}
    nights = []
    for n in form.getlist("night"):
        if not str(n).isdigit():
            return done(request, f"Not saved: rooms: night = {str(n)!r}: a night's number", BASE)
        nights.append(int(str(n)))

    def action() -> str:
        changed = hotels.set_rooms(
            database(request), _id(venue_id, "venue"), counts, user.username, nights=nights
        )
        return f"rooms saved for {changed} night{'s' if changed > 1 else ''}"

    return attempt(request, BASE, action, NOT_SAVED)


@router.post(f"{BASE}/venues/{{venue_id}}/meal")
def change_meal(
    request: Request,
    venue_id: int,
    seats: str = Form(""),
    menu: str = Form(""),
    opens: str = Form(""),
    closes: str = Form(""),
    user: User = Depends(organiser),
) -> Response:
    def action() -> str:
        v = hotels.change_meal(
            database(request),
            _id(venue_id, "venue"),
            seats=seats,
            menu=menu,
            opens=opens,
            closes=closes,
            by=user.username,
        )
        return f"{v.kind.label} {v.name} (day {v.day}) saved"

    return attempt(request, BASE, action, NOT_SAVED)


@router.get(f"{BASE}/crews/{{start_no}}", response_class=HTMLResponse)
def crew_page(
    request: Request, start_no: int, user: User = Depends(organiser), uow: UnitOfWork = Depends(unit_of_work)
) -> Response:
    hosp = hotels.load(uow)
    crew = hosp.crews.get(start_no)
    if crew is None:
        raise events.NotFound(f"start_no = {start_no}: no accepted car with this start number")
    return render(
        request,
        "hospitality/crew.html",
        "organiser",
        uow,
        hosp=hosp,
        crew=crew,
        history=hotels.history(uow, start_no),
        rooms={a.night: a for a in hosp.allocations if a.start_no == start_no},
        room_types=list(h.RoomType),
        diets=list(h.Diet),
    )


@router.post(f"{BASE}/crews/{{start_no}}/needs")
async def crew_needs(request: Request, start_no: int, user: User = Depends(organiser)) -> Response:
    form = await request.form()
    to = f"{BASE}/crews/{start_no}"
    menu: dict[int, tuple[str, str]] = {}
    for key in form:
        if key.startswith("menu-") and key.endswith("-driver"):
            vid = key[5:-7]
            if vid.isdigit():
                menu[int(vid)] = (str(form.get(key, "")), str(form.get(f"menu-{vid}-co_driver", "")))

    def action() -> str:
        hotels.record_needs(
            database(request),
            _id(start_no, "car"),
            room=str(form.get("room", "")),
            driver_diet=str(form.get("driver_diet", "")),
            driver_allergies=str(form.get("driver_allergies", "")),
            co_driver_diet=str(form.get("co_driver_diet", "")),
            co_driver_allergies=str(form.get("co_driver_allergies", "")),
            menu=menu,
            by=user.username,
        )
        return f"car {start_no}: needs saved"

    return attempt(request, to, action, NOT_SAVED)


@router.post(f"{BASE}/crews/{{start_no}}/move")
def crew_move(
    request: Request,
    start_no: int,
    night: int = Form(...),
    venue_id: int = Form(...),
    room_type: str = Form(...),
    why: str = Form(""),
    user: User = Depends(organiser),
) -> Response:
    return attempt(
        request,
        f"{BASE}/crews/{start_no}",
        lambda: hotels.move(
            database(request),
            start_no=_id(start_no, "car"),
            night=night,
            venue_id=_id(venue_id, "venue"),
            room_type=room_type,
            by=user.username,
            why=why,
        ),
        NOT_SAVED,
    )


@router.get(f"{BASE}/report")
def report(request: Request, venue: str, format: str = "pdf", user: User = Depends(organiser)) -> Response:
    name, data = reports.report_file(database(request), venue, format)
    return Response(
        data, media_type=MEDIA[format], headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.post(f"{BASE}/report/sent")
def report_sent(request: Request, venue: str = Form(...), user: User = Depends(organiser)) -> Response:
    return attempt(
        request, BASE, lambda: reports.mark_sent(database(request), venue, user.username), NOT_SAVED
    )


# -- the crew's itinerary ------------------------------------------------------------------------------


def _own(user: User, start_no: int) -> int:
    if user.role == "crew" and user.start_no != start_no:
        raise Forbidden("A crew account sees only its own car's itinerary.")
    return _id(start_no, "car")


@router.get("/crew/itinerary")
def my_itinerary(user: User = Depends(crew_or_staff)) -> Response:
    if user.start_no is None:
        return RedirectResponse(BASE if user.role == "organiser" else "/", status_code=303)
    return RedirectResponse(f"/cars/{user.start_no}/itinerary", status_code=303)


@router.get("/cars/{start_no}/itinerary", response_class=HTMLResponse)
def itinerary_page(
    request: Request,
    start_no: int,
    user: User = Depends(crew_or_staff),
    uow: UnitOfWork = Depends(unit_of_work),
) -> Response:
    it = itinerary.build(uow, _own(user, start_no))
    token = itinerary.feed_token(database(request), start_no)
    feed = str(request.url_for("calendar_feed", token=token))
    return render(
        request,
        "hospitality/itinerary.html",
        "crew",
        uow,
        it=it,
        feed=feed,
        webcal="webcal://" + feed.split("://", 1)[1],
    )


@router.get("/cars/{start_no}/itinerary.pdf")
def itinerary_pdf(request: Request, start_no: int, user: User = Depends(crew_or_staff)) -> Response:
    data = itinerary.itinerary_file(database(request), _own(user, start_no), "pdf")
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="itinerary-car-{start_no}.pdf"'},
    )


@router.get("/cars/{start_no}/itinerary.ics")
def itinerary_ics(request: Request, start_no: int, user: User = Depends(crew_or_staff)) -> Response:
    data = itinerary.itinerary_file(database(request), _own(user, start_no), "ics")
    return Response(
        data,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="itinerary-car-{start_no}.ics"'},
    )


@router.get("/calendar/{token}.ics", name="calendar_feed")
def calendar_feed(request: Request, token: str) -> Response:
    """The crew's calendar to subscribe to: no login, the secret token is the key; never cached by proxies."""
    start_no, data = itinerary.feed(database(request), token)
    return Response(
        data,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": f'inline; filename="itinerary-car-{start_no}.ics"',
            "Cache-Control": "private, no-store",
            "Referrer-Policy": "no-referrer",
        },
    )
