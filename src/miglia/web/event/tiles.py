"""Map tiles served by Miglia itself at /tiles/{z}/{x}/{y}.png (service/event/tiles.py, docs/maps.md): the
event's tile archive, then the shipped world base map; /tiles/tiles.json tells the map the zooms and the
attribution. Public, like the map; cached by browsers for a day, revalidated by ETag."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from miglia.service.event.tiles import OutOfRange, TileServer
from miglia.web.deps import database

router = APIRouter()

CACHE = "public, max-age=86400"
MISSING_CACHE = "public, max-age=300"


def tile_server(request: Request) -> TileServer:
    """The app's tile server, made on first use."""
    server: TileServer | None = getattr(request.app.state, "tile_server", None)
    if server is None:
        server = request.app.state.tile_server = TileServer()
    return server


@router.get("/tiles/tiles.json", include_in_schema=False)
def tilejson(request: Request) -> Response:
    return JSONResponse(
        tile_server(request).tilejson(database(request)), headers={"Cache-Control": "no-cache"}
    )


@router.get("/tiles/{z}/{x}/{y}.png", include_in_schema=False)
def tile(request: Request, z: int, x: int, y: int) -> Response:
    """The tile's bytes as the archive holds them (a PNG, or the JPEG or WebP of an organiser's archive);
    404 where no source has a tile, 400 for a z/x/y that names no tile on Earth."""
    try:
        found = tile_server(request).tile(database(request), z, x, y)
    except OutOfRange as exc:
        return PlainTextResponse(f"no such tile: {exc}", status_code=400)
    if found is None:
        return PlainTextResponse(
            f"no map tile at {z}/{x}/{y}", status_code=404, headers={"Cache-Control": MISSING_CACHE}
        )
    headers = {"Cache-Control": CACHE, "ETag": found.etag}
    if found.etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(found.data, media_type=found.media_type, headers=headers)
