"""The car show on the web: the show's cars on a phone (search by make, era, class, with their photos),
each car's placard page, the printable placards (A5, a QR code to the car's page), and the certificates.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from miglia.domain.accounts import User
from miglia.service.awards import show as car_show
from miglia.service.event import events
from miglia.service.photos import gallery
from miglia.store.unit_of_work import UnitOfWork
from miglia.web.deps import database, unit_of_work
from miglia.web.event.pages import entry_choice, era_of, fragment, page
from miglia.web.security.errors import Forbidden
from miglia.web.security.roles import require
from miglia.web.templating import templates

router = APIRouter()
organiser = require("organiser")


def _pdf(data: bytes, name: str) -> Response:
    return Response(
        data, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'}
    )


@router.get("/show", response_class=HTMLResponse)
def show_cars(
    request: Request,
    q: str = "",
    class_name: str = "",
    era: str = "",
    uow: UnitOfWork = Depends(unit_of_work),
) -> HTMLResponse:
    """The show's cars, searchable on a phone, each with its first photo."""
    event, context = entry_choice(uow, q, class_name, era, "", "/show")
    context.update(refused=[], car_href="/show/cars/", has_ladies=False)
    if fragment(request):
        return templates.TemplateResponse(request, "event/_car_list.html", {"event": event, **context})
    return page(
        request, "awards/show.html", "show", uow, event=event, show=car_show.show_of(event), **context
    )


@router.get("/show/cars/{start_no}", response_class=HTMLResponse)
def placard_page(request: Request, start_no: int, uow: UnitOfWork = Depends(unit_of_work)) -> HTMLResponse:
    """A car's page at the show (what its placard's QR code opens): the car, its crew, its story, photos."""
    row = events.event_row(uow)
    event = events.load(uow, row.slug)
    entry = next((e for e in events.entries(uow, row.id) if e.start_no == start_no and e.accepted), None)
    if entry is None:
        raise events.NotFound(f"no car with start number {start_no} at the show")
    return page(
        request,
        "awards/placard.html",
        "show",
        uow,
        event=event,
        entry=entry,
        era=era_of(event, entry.car.year),
        facts=car_show.facts(entry),
        crew=car_show.crew_line(entry),
        show=car_show.show_of(event),
        photos=gallery.car_photos(uow, start_no),
    )


@router.get("/show/placards.pdf")
def placards(request: Request, user: User = Depends(organiser)) -> Response:
    """Every car's placard, A5, to print before the show."""
    return _pdf(car_show.placards_pdf(database(request), str(request.base_url)), "placards.pdf")


@router.get("/show/cars/{start_no}/placard.pdf")
def placard(request: Request, start_no: int, user: User = Depends(organiser)) -> Response:
    return _pdf(
        car_show.placards_pdf(database(request), str(request.base_url), [start_no]), f"placard-{start_no}.pdf"
    )


@router.get("/cars/{start_no}/certificate.pdf")
def participation(
    request: Request, start_no: int, user: User = Depends(require("crew", "timekeeper"))
) -> Response:
    """The crew's certificate of participation (its own car; the organiser and timekeeper: any)."""
    if user.role == "crew" and user.start_no != start_no:
        raise Forbidden("A crew account prints only its own car's certificate.")
    return _pdf(car_show.participation_pdf(database(request), start_no), f"certificate-{start_no}.pdf")


@router.get("/organiser/certificates.pdf")
def all_participation(request: Request, user: User = Depends(organiser)) -> Response:
    """Every crew's certificate of participation, to print for the prize-giving."""
    return _pdf(car_show.participation_pdf(database(request)), "certificates.pdf")


@router.get("/organiser/award-certificates.pdf")
def award_certificates(
    request: Request, award: int | None = None, user: User = Depends(organiser)
) -> Response:
    """A certificate per winner of the revealed awards (or of one), for the prize-giving."""
    return _pdf(car_show.award_pdf(database(request), award), "award-certificates.pdf")
