"""JSON API: what the pages draw, for anyone who wants the data.

Public: secret checks are left out of the event and the route map (their place is the point of them).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from miglia.formats import event_codec, geojson
from miglia.service.event import events
from miglia.service.event.events import NotFound
from miglia.service.live import tracks
from miglia.web.deps import session

router = APIRouter(prefix="/api")


def _public(definition: dict[str, Any]) -> dict[str, Any]:
    days = [
        {**day, "controls": [c for c in day.get("controls", []) if c.get("kind") != "secret_check"]}
        for day in definition.get("days", [])
    ]
    return {**definition, "days": days}


@router.get("/event")
def event(s: Session = Depends(session)) -> dict[str, Any]:
    row = events.event_row(s)
    return {"event": _public(row.definition), "results_published": row.results_published}


@router.get("/entries")
def entries(s: Session = Depends(session)) -> list[dict[str, Any]]:
    """The entry list; the trackers' device ids stay private (they identify the sender of positions)."""
    out = [event_codec.to_json(e) for e in events.entries(s, events.event_row(s).id)]
    for entry in out:
        entry.pop("device_id", None)
    return out


@router.get("/routes.geojson")
def routes(s: Session = Depends(session)) -> dict[str, Any]:
    row = events.event_row(s)
    return geojson.event_features(events.load(s, row.slug), events.routes(s, row.id))


@router.get("/cars/{start_no}/track.geojson")
def car_track(start_no: int, s: Session = Depends(session)) -> dict[str, Any]:
    """The car's stored positions, one line per day, thinned for the browser."""
    row = events.event_row(s)
    if not any(e.start_no == start_no for e in events.entries(s, row.id)):
        raise NotFound(f"no car with start number {start_no} in the entry list")
    return tracks.car_tracks(s, row.id, events.load(s, row.slug), start_no)
