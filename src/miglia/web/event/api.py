"""JSON API: what the pages draw, for anyone who wants the data.

Public: secret checks are left out of the event and the route map (their place is the point of them).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from miglia.formats import event_codec, geojson
from miglia.service.event import events
from miglia.service.event.events import NotFound
from miglia.service.live import tracks
from miglia.store.unit_of_work import UnitOfWork
from miglia.web.deps import unit_of_work

router = APIRouter(prefix="/api")


def _public(definition: dict[str, Any]) -> dict[str, Any]:
    days = [
        {**day, "controls": [c for c in day.get("controls", []) if c.get("kind") != "secret_check"]}
        for day in definition.get("days", [])
    ]
    return {**definition, "days": days}


@router.get("/event")
def event(uow: UnitOfWork = Depends(unit_of_work)) -> dict[str, Any]:
    row = events.event_row(uow)
    return {"event": _public(row.definition), "results_published": row.results_published}


@router.get("/entries")
def entries(uow: UnitOfWork = Depends(unit_of_work)) -> list[dict[str, Any]]:
    """The entry list; the trackers' device ids stay private (they identify the sender of positions)."""
    out = [event_codec.to_json(e) for e in events.entries(uow, events.event_row(uow).id)]
    for entry in out:
        entry.pop("device_id", None)
    return out


@router.get("/routes.geojson")
def routes(uow: UnitOfWork = Depends(unit_of_work)) -> dict[str, Any]:
    row = events.event_row(uow)
    return geojson.event_features(events.load(uow, row.slug), events.routes(uow, row.id))


@router.get("/cars/{start_no}/track.geojson")
def car_track(start_no: int, uow: UnitOfWork = Depends(unit_of_work)) -> dict[str, Any]:
    """The car's stored positions, one line per day, thinned for the browser."""
    row = events.event_row(uow)
    if not any(e.start_no == start_no for e in events.entries(uow, row.id)):
        raise NotFound(f"no car with start number {start_no} in the entry list")
    return tracks.car_tracks(uow, row.id, events.load(uow, row.slug), start_no)
