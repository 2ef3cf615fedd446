"""The alerts board: cars in trouble, for the timekeepers and the mechanics (acknowledge, resolve)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from miglia.domain.accounts import User
from miglia.service.event import events
from miglia.service.live import alerts as alerts_service
from miglia.store.unit_of_work import UnitOfWork
from miglia.web.console import done, render
from miglia.web.deps import database, unit_of_work
from miglia.web.security.roles import require

alert_staff = require("timekeeper", "mechanic")

router = APIRouter()


@router.get("/organiser/alerts", response_class=HTMLResponse)
def alerts_board(
    request: Request, user: User = Depends(alert_staff), uow: UnitOfWork = Depends(unit_of_work)
) -> Response:
    row = events.event_row(uow)
    found = alerts_service.alerts(uow, row.id)
    cars = {e.start_no: e for e in events.entries(uow, row.id)}
    return render(
        request,
        "live/alerts.html",
        "alerts",
        uow,
        user=user,
        cars=cars,
        open_alerts=[a for a in found if a.resolved_us is None][::-1],
        resolved_alerts=[a for a in found if a.resolved_us is not None][::-1],
    )


@router.post("/organiser/alerts/{alert_id}/{action}", response_class=HTMLResponse)
def alert_action(request: Request, alert_id: int, action: str, user: User = Depends(alert_staff)) -> Response:
    if action == "acknowledge":
        alert = alerts_service.acknowledge(database(request), alert_id, user.username)
        message = f"Alert for car {alert.start_no} acknowledged by {user.username}."
    elif action == "resolve":
        alert = alerts_service.resolve(database(request), alert_id, user.username)
        message = f"Alert for car {alert.start_no} resolved by {user.username}."
    else:
        raise events.NotFound(f"action = {action!r}: expected acknowledge or resolve")
    return done(request, message, "/organiser/alerts")
