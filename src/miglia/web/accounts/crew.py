"""A crew's own pages: where a crew lands after logging in, and its car's private data."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from miglia.domain.accounts import User
from miglia.domain.errors import MigliaError
from miglia.domain.event import ControlKind
from miglia.service.clock import now_us
from miglia.service.event import events
from miglia.service.live import alerts as alerts_service
from miglia.service.timing import marshal as marshal_service
from miglia.service.timing import protests as protests_service
from miglia.store.unit_of_work import UnitOfWork
from miglia.web.console import done, render
from miglia.web.deps import database, unit_of_work
from miglia.web.security.errors import Forbidden
from miglia.web.security.roles import require

router = APIRouter()


@router.get("/crew")
def crew_home(user: User = Depends(require("crew"))) -> Response:
    if user.role == "crew" and user.start_no is not None:
        return RedirectResponse(f"/cars/{user.start_no}/private", status_code=303)
    return RedirectResponse("/organiser", status_code=303)


@router.get("/cars/{start_no}/private", response_class=HTMLResponse)
def car_private(
    request: Request,
    start_no: int,
    user: User = Depends(require("crew", "timekeeper")),
    uow: UnitOfWork = Depends(unit_of_work),
) -> Response:
    """A car's own data: its raw passages at every control (all sources) and its alerts."""
    if user.role == "crew" and user.start_no != start_no:
        raise Forbidden("A crew account sees only its own car's data.")
    row = events.event_row(uow)
    entry = next((e for e in events.entries(uow, row.id) if e.start_no == start_no), None)
    if entry is None:
        raise events.NotFound(f"start_no = {start_no}: no car with this start number")
    car_alerts = [a for a in alerts_service.alerts(uow, row.id) if a.start_no == start_no]
    passages = marshal_service.passages(uow, row.id, start_no=start_no)
    if user.role == "crew" and not row.results_published:
        # Where the secret checks are, and when a car passed them, stays secret until the results are out.
        secret = {
            c.name
            for d in events.load(uow, row.slug).days
            for c in d.controls
            if c.kind is ControlKind.SECRET_CHECK
        }
        passages = [p for p in passages if p.control not in secret]
    return render(
        request,
        "accounts/crew_car.html",
        "crew",
        uow,
        user=user,
        entry=entry,
        passages=passages,
        car_alerts=car_alerts,
        protests=protests_service.protests(uow, start_no),
        results=protests_service.state(uow),
        now_us=now_us(),
    )


@router.post("/cars/{start_no}/private/protests", response_class=HTMLResponse)
def file_protest(
    request: Request,
    start_no: int,
    kind: str = Form("protest"),
    control: str = Form(""),
    text: str = Form(""),
    user: User = Depends(require("crew")),
) -> Response:
    """A crew's inquiry or protest about its own car, while the provisional results' window is open."""
    if user.role == "crew" and user.start_no != start_no:
        raise Forbidden("A crew files only for its own car.")
    back = f"/cars/{start_no}/private#protests"
    try:
        filed = protests_service.file(database(request), start_no, user.username, kind, control, text)
    except MigliaError as exc:
        return done(request, f"Not filed: {exc}", back)
    return done(
        request, f"Your {filed.kind.value} #{filed.id} is filed; the clerk of the course will answer.", back
    )
