"""HTTP endpoints the trackers post to. Every request body is stored as received before it is read.

- GET or POST /ingest/osmand: Traccar Client / OsmAnd (query string, form body or JSON, one fix or a
  batch). Token: `?token=` or `Authorization: Bearer`.
- POST /ingest/owntracks: OwnTracks HTTP mode; answers `[]` as the app expects. Token: the basic-auth
  password (or Bearer, or ?token=).
- POST /ingest/traccar: a Traccar server's JSON position forwarding.
- POST /ingest/upload: multipart `file` (GPX, NMEA or CSV logger track) with `device_id` or
  `start_no`, for a car whose tracker failed.

Each request is decoded in the event loop and queued; the tracker's writer stores everything queued in
one transaction and the answer goes back after that commit (see `miglia.service.positions`).

Answers: 200 {"stored": n, "duplicates": m}; 400 {"error": "...field... value..."} for a message that
cannot be read; 401 {"error": ...} for a registered device with a missing or wrong token.
"""

from __future__ import annotations

import base64
import binascii
import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from miglia.domain.errors import MigliaError
from miglia.service.clock import now_us
from miglia.service.devices import Unauthorised
from miglia.service.positions import Receipt, Tracker, read
from miglia.tracking import osmand, owntracks, traccar
from miglia.tracking.fix import Fix, PayloadError
from miglia.web.live import tracker

router = APIRouter(prefix="/ingest", tags=["ingest"])
MAX_UPLOAD = 50 * 1024 * 1024


@router.api_route("/osmand", methods=["GET", "POST"])
async def osmand_endpoint(request: Request) -> JSONResponse:
    params = [(k, v) for k, v in parse_qsl(request.url.query, keep_blank_values=True) if k != "token"]
    token = request.query_params.get("token") or _bearer(request)
    content_type = request.headers.get("content-type", "")
    if params or request.method == "GET":
        text, content_type = urlencode(params), "application/x-www-form-urlencoded"
    else:
        text = _text(await request.body())
    received = now_us()

    def decode() -> list[Fix]:
        return osmand.decode(text, content_type, received)

    return await _receive(request, "position_osmand", content_type, text, decode, token)


@router.post("/owntracks")
async def owntracks_endpoint(request: Request) -> JSONResponse:
    text = _text(await request.body())
    user, device = request.headers.get("x-limit-u"), request.headers.get("x-limit-d")
    token = request.query_params.get("token") or _bearer(request) or _basic_password(request)

    def decode() -> list[Fix]:
        return owntracks.decode(text, user=user, device=device)

    answer = await _receive(request, "position_owntracks", "application/json", text, decode, token)
    return answer if answer.status_code != 200 else JSONResponse([])


@router.post("/traccar")
async def traccar_endpoint(request: Request) -> JSONResponse:
    text = _text(await request.body())
    token = request.query_params.get("token") or _bearer(request)
    return await _receive(
        request, "position_traccar", "application/json", text, lambda: traccar.decode(text), token
    )


@router.post("/upload")
async def upload_endpoint(request: Request) -> JSONResponse:
    form = await request.form()
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        return _error(400, "upload: field file is missing: send the logger's GPX, NMEA or CSV file")
    data = await upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        return _error(400, f"upload: field file = {upload.filename!r}: larger than {MAX_UPLOAD} bytes")
    name = Path(upload.filename or "track").name
    device_field, start_field = (
        str(form.get("device_id") or "").strip(),
        str(form.get("start_no") or "").strip(),
    )
    token = str(form.get("token") or "") or request.query_params.get("token") or _bearer(request)
    live = tracker(request)

    def decode() -> list[Fix]:
        if not device_field and not start_field:
            raise PayloadError("upload", "device_id", "", "give device_id or start_no")
        from miglia.tracking.trackfiles import read_track

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / name
            path.write_bytes(data)
            try:
                track = read_track(path)
            except MigliaError:
                raise
            except (ValueError, OSError) as exc:
                raise PayloadError("upload", "file", name, str(exc)) from None
        if len(track.t_us) == 0:
            raise PayloadError("upload", "file", name, "no positions in this file")
        device = _upload_device(live, device_field, start_field, int(track.t_us[0]))
        return [
            Fix(device, int(t), float(lat), float(lon))
            for t, lat, lon in zip(track.t_us.tolist(), track.lat.tolist(), track.lon.tolist(), strict=True)
        ]

    content_type = upload.content_type or "application/octet-stream"
    return await _receive(request, "track_file", content_type, _text(data), decode, token, name, heavy=True)


def _upload_device(live: Tracker, device_id: str, start_no: str, first_us: int) -> str:
    if device_id:
        return device_id
    try:
        car = int(start_no)
    except ValueError:
        raise PayloadError("upload", "start_no", start_no, "expected a whole number") from None
    watch = live.watch()
    course = watch.course(first_us)
    table = watch.cars.get(course.number, watch.default_cars) if course else watch.default_cars
    devices = sorted(d for d, n in table.items() if n == car)
    if not devices:
        raise PayloadError("upload", "start_no", car, "this car has no device that day; give device_id")
    return devices[0]


async def _receive(
    request: Request,
    kind: str,
    content_type: str,
    text: str,
    decode: Callable[[], list[Fix]],
    token: str | None,
    name: str = "",
    heavy: bool = False,
) -> JSONResponse:
    """Decode here (a logger file in a worker thread), queue for the writer, answer after its commit."""
    live = tracker(request)
    host = request.client.host if request.client else "?"
    source = f"http {request.url.path} from {host}" + (f" file {name}" if name else "")
    if heavy:
        message = await run_in_threadpool(read, kind, source, content_type, text, decode, token)
    else:
        message = read(kind, source, content_type, text, decode, token)
    try:
        receipt: Receipt = await live.store(message)
    except Unauthorised as exc:
        return _error(401, str(exc))
    except MigliaError as exc:
        return _error(400, str(exc))
    return JSONResponse({"stored": len(receipt.stored), "duplicates": receipt.duplicates})


def _text(body: bytes) -> str:
    """The body as text; bytes that are not UTF-8 are kept as \\x escapes (and the payload then fails),
    and so is a NUL byte, which PostgreSQL text cannot hold (SQLite could: both databases keep the same)."""
    return body.decode("utf-8", "backslashreplace").replace("\x00", "\\x00")


def _bearer(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def _basic_password(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        _, _, password = base64.b64decode(value.strip()).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return password or None


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)
