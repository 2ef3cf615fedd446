"""The organiser's trackers page: each car's device, whether it is enrolled, and the code that
configures the crew's phone; a printable sheet of every car's code; the trust warning of a casual tour.

- GET /organiser/trackers[?day=N]: the cars, their devices on day N (default: the entry list's), status
  (not registered / enrolled / registered with its own token), the first position that confirmed it,
  and per enrolled car a QR code for Traccar Client (and OwnTracks where the device id is USER/DEVICE).
- POST /organiser/trackers/enrol: enrol every car's device not registered yet, or one (`device`).
- GET /organiser/trackers/sheet[?day=N]: the printable sheet, one card per car.

The codes carry the device's token: these pages are the organiser's only (and never cached).
"""

from __future__ import annotations

import os
from typing import Any

import segno
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from miglia.domain.accounts import User
from miglia.service.event import events
from miglia.service.live import enrolment
from miglia.service.live.enrolment import Enrolment
from miglia.store.unit_of_work import UnitOfWork
from miglia.web.console import done, organiser_only, render
from miglia.web.deps import database, unit_of_work

router = APIRouter(prefix="/organiser/trackers")


def public_url(request: Request) -> str:
    """The address phones reach the server at: MIGLIA_PUBLIC_URL, else the one this page was asked on."""
    return os.environ.get("MIGLIA_PUBLIC_URL", "").strip() or str(request.base_url)


def qr_data_uri(text: str) -> str:
    """A QR code as an SVG data URI (an image the page's policy allows; no inline markup to escape)."""
    return str(segno.make(text, error="m").svg_data_uri(scale=3, border=2))


def _codes(request: Request, items: list[Enrolment]) -> dict[int, dict[str, str]]:
    base = public_url(request)
    out: dict[int, dict[str, str]] = {}
    for item in items:
        if item.token is None:
            continue
        traccar = enrolment.traccar_client_link(base, item.device_id, item.token)
        codes = {"traccar": traccar, "traccar_qr": qr_data_uri(traccar)}
        owntracks = enrolment.owntracks_link(base, item.device_id, item.token)
        if owntracks is not None:
            codes |= {"owntracks": owntracks, "owntracks_qr": qr_data_uri(owntracks)}
        out[item.start_no] = codes
    return out


def _context(request: Request, day: int | None) -> dict[str, Any]:
    db = database(request)
    with db.unit_of_work() as uow:
        row = events.event_row(uow)
        items = enrolment.enrolments(uow, row.id, day)
    live = getattr(request.app.state, "tracker", None)
    watch = live.watch() if live is not None else None
    return {
        "items": items,
        "codes": _codes(request, items),
        "day": day,
        "server": public_url(request),
        "accept_unregistered": bool(watch and watch.accept_unregistered),
        "counts": {
            status: sum(i.status == status for i in items)
            for status in (enrolment.NOT_REGISTERED, enrolment.ENROLLED, enrolment.OWN_TOKEN)
        },
        "confirmed": sum(i.first_us is not None for i in items),
    }


@router.get("", response_class=HTMLResponse)
def trackers(
    request: Request,
    day: int | None = None,
    user: User = Depends(organiser_only),
    uow: UnitOfWork = Depends(unit_of_work),
) -> Response:
    return render(request, "live/trackers.html", "organiser", uow, user=user, **_context(request, day))


@router.get("/sheet", response_class=HTMLResponse)
def sheet(
    request: Request,
    day: int | None = None,
    user: User = Depends(organiser_only),
    uow: UnitOfWork = Depends(unit_of_work),
) -> Response:
    return render(request, "live/tracker_sheet.html", "organiser", uow, user=user, **_context(request, day))


@router.post("/enrol", response_class=HTMLResponse)
def enrol(
    request: Request,
    device: str = Form(""),
    day: str = Form(""),
    user: User = Depends(organiser_only),
) -> Response:
    db = database(request)
    with db.unit_of_work() as uow:
        event_id = events.event_row(uow).id
    chosen = int(day) if day.strip().isdigit() else None
    count = enrolment.enrol(db, event_id, [device.strip()] if device.strip() else None, chosen)
    live = getattr(request.app.state, "tracker", None)
    if live is not None:
        live.tokens.invalidate()
    back = "/organiser/trackers" + (f"?day={chosen}" if chosen else "")
    if not count:
        return done(request, "Every car's tracker was already registered: nothing to enrol.", back)
    return done(
        request,
        f"Enrolled {count} tracker{'s' if count != 1 else ''}: give each crew its code "
        "(the printable sheet has them all). A car's first position confirms it.",
        back,
    )
