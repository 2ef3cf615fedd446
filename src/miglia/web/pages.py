"""Server-rendered public pages: the event, its entries, the map and the results."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from miglia.service import events, results, schedule
from miglia.web.deps import session
from miglia.web.templating import templates

router = APIRouter()


def _page(request: Request, name: str, nav: str, s: Session, **context: Any) -> HTMLResponse:
    row = events.event_row(s)
    event = events.load(s, row.slug)
    return templates.TemplateResponse(
        request,
        name,
        {"event": event, "event_row": row, "nav": nav, "tile_url": _tiles(request, event), **context},
    )


def _tiles(request: Request, event: Any) -> str:
    return str(request.app.state.tile_url or event.tile_url or "")


@router.get("/", response_class=HTMLResponse)
def home(request: Request, s: Session = Depends(session)) -> HTMLResponse:
    row = events.event_row(s)
    event = events.load(s, row.slug)
    lengths = {n: r.length_m / 1000 for n, r in events.routes(s, row.id).items()}
    entries = events.entries(s, row.id)
    return _page(
        request,
        "home.html",
        "home",
        s,
        day_km=lengths,
        total_km=sum(lengths.values()),
        accepted=sum(1 for e in entries if e.accepted),
        schedule={day.number: schedule.day_items(event, day) for day in event.days},
    )


@router.get("/entries", response_class=HTMLResponse)
def entry_list(request: Request, s: Session = Depends(session)) -> HTMLResponse:
    entries = events.entries(s, events.event_row(s).id)
    return _page(
        request,
        "entries.html",
        "entries",
        s,
        accepted=[e for e in entries if e.accepted],
        refused=[e for e in entries if not e.accepted],
    )


@router.get("/map", response_class=HTMLResponse)
def route_map(request: Request, s: Session = Depends(session)) -> HTMLResponse:
    return _page(request, "map.html", "map", s)


@router.get("/results", response_class=HTMLResponse)
def results_page(request: Request, s: Session = Depends(session)) -> HTMLResponse:
    return _page(request, "results.html", "results", s, results=results.for_page(s))
