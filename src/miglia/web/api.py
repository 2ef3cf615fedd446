"""JSON API: what the pages draw, for anyone who wants the data."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from miglia.service import event_codec, events, geojson
from miglia.web.deps import session

router = APIRouter(prefix="/api")


@router.get("/event")
def event(s: Session = Depends(session)) -> dict[str, Any]:
    row = events.event_row(s)
    return {"event": row.definition, "results_published": row.results_published}


@router.get("/entries")
def entries(s: Session = Depends(session)) -> list[dict[str, Any]]:
    return [event_codec.to_json(e) for e in events.entries(s, events.event_row(s).id)]


@router.get("/routes.geojson")
def routes(s: Session = Depends(session)) -> dict[str, Any]:
    row = events.event_row(s)
    return geojson.event_features(events.load(s, row.slug), events.routes(s, row.id))
