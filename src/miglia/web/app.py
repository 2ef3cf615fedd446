"""The web application: public pages, the JSON API and (from tracking) the ingest endpoints."""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from miglia.domain.errors import MigliaError
from miglia.store.db import Database
from miglia.web import api, auth, ingest, live, marshal, organiser, pages, review, security, trackers
from miglia.web.templating import templates

STATIC = Path(__file__).parent / "static"


def create_app(db: Database | None = None, tile_url: str | None = None) -> FastAPI:
    app = FastAPI(title="Miglia", docs_url="/api/docs", redoc_url=None, lifespan=live.lifespan)
    app.state.db = db or Database()
    app.state.tile_url = tile_url if tile_url is not None else os.environ.get("MIGLIA_TILES", "")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(pages.router)
    app.include_router(api.router)
    app.include_router(ingest.router)
    app.include_router(live.router)
    app.include_router(auth.router)
    app.include_router(marshal.router)
    app.include_router(organiser.router)
    app.include_router(review.router)
    app.include_router(trackers.router)
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
