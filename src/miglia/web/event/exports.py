"""The organiser's download of the event as files (service/event/export.py): one ZIP holding the event file,
the route files, the logo and the tile archive, which `miglia event import` (or the console's import)
takes back into the same event."""

from __future__ import annotations

import os
import tempfile

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from miglia.domain.accounts import User
from miglia.service.event.export import exported_event, write_zip
from miglia.web.console import organiser_only
from miglia.web.deps import database

router = APIRouter()


@router.get("/organiser/event/export.zip")
def export_zip(request: Request, user: User = Depends(organiser_only)) -> Response:
    exported = exported_event(database(request))
    handle, name = tempfile.mkstemp(prefix="miglia-export-", suffix=".zip")
    try:
        with os.fdopen(handle, "wb") as target:
            write_zip(exported, target)
    except BaseException:
        os.unlink(name)
        raise
    return FileResponse(
        name,
        media_type="application/zip",
        filename=f"{exported.slug}.zip",
        headers={"Cache-Control": "private, no-store"},
        background=BackgroundTask(os.unlink, name),
    )
