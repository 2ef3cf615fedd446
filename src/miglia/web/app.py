"""The web application: public pages, the JSON API and (from tracking) the ingest endpoints."""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from miglia.domain.errors import MigliaError
from miglia.store.db import Database
from miglia.web import security
from miglia.web.accounts import auth, crew, users
from miglia.web.awards import items, juries, show, votes
from miglia.web.entries import pages as entry_pages
from miglia.web.event import api, console, exports, pages, tiles
from miglia.web.hospitality import pages as hospitality_pages
from miglia.web.live import alerts, feed, ingest, trackers
from miglia.web.photos import pages as photo_pages
from miglia.web.roadbook import pages as roadbook_pages
from miglia.web.templating import templates
from miglia.web.timing import marshal, results, review

STATIC = Path(__file__).parent / "static"


def create_app(db: Database | None = None, tile_url: str | None = None) -> FastAPI:
    app = FastAPI(title="Miglia", docs_url="/api/docs", redoc_url=None, lifespan=feed.lifespan)
    app.state.db = db or Database()
    app.state.tile_url = tile_url if tile_url is not None else os.environ.get("MIGLIA_TILES", "")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for capability in (
        (pages, api, console, exports, tiles),  # the event and its entries, its files, its map tiles
        (results, review, marshal),  # timing
        (ingest, feed, trackers, alerts),  # live tracking
        (auth, users, crew),  # accounts
        (roadbook_pages,),  # the roadbook, time cards and schedules
        (photo_pages,),  # the photographers' pictures
        (show, votes, juries, items),  # the car show and the prize-giving
        (entry_pages,),  # applications, selection, scrutineering
        (hospitality_pages,),  # hotels, meals, itineraries
    ):
        for module in capability:
            app.include_router(module.router)
    security.install(app)

    @app.exception_handler(MigliaError)
    async def _bad_input(request: Request, exc: MigliaError) -> HTMLResponse:
        status = 404 if type(exc).__name__ == "NotFound" else 400
        if request.url.path.startswith("/api/"):
            from fastapi.responses import JSONResponse

            return JSONResponse({"error": str(exc)}, status_code=status)  # type: ignore[return-value]
        return templates.TemplateResponse(
            request, "error.html", {"message": str(exc), "status": status}, status_code=status
        )

    return app
