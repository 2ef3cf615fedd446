"""HTTP endpoints the trackers post to. Every request body is stored as received before it is read.

- GET or POST /ingest/osmand: Traccar Client / OsmAnd (query string, form body or JSON, one fix or a
  batch). Token: `?token=` or `Authorization: Bearer`.
- POST /ingest/owntracks: OwnTracks HTTP mode; answers `[]` as the app expects. Token: the basic-auth
  password (or Bearer, or ?token=).
- POST /ingest/traccar: a Traccar server's JSON position forwarding.
- POST /ingest/upload: multipart `file` (GPX, NMEA or CSV logger track) with `device_id` or
  `start_no`, for a car whose tracker failed: by an organiser or timekeeper (session and CSRF token, as
  every form), or with the device's own token.

Each request is decoded in the event loop and queued; the tracker's writer stores everything queued in
one transaction and the answer goes back after that commit (see `miglia.service.live.tracker`).

Bounds: a body is read up to MAX_BODY bytes (MAX_UPLOAD for a logger file); a larger one is answered
413 and only its size and first bytes are kept. At most `positions.MAX_FIXES` positions a message.

Answers: 200 {"stored": n, "duplicates": m}; 400 {"error": "...field... value..."} for a message that
cannot be read or whose fixes lie outside the plausible time window; 401 {"error": ...} for a registered
device with a missing or wrong token (or an upload without a staff session or the device's token); 413
for a body too large.
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
from miglia.service.live.devices import Unauthorised
from miglia.service.live.ingest import Message, Receipt, read, refused
from miglia.service.live.tracker import Tracker
from miglia.tracking import osmand, owntracks, traccar
from miglia.tracking.fix import Fix, PayloadError
from miglia.tracking.fix import device_id as checked_device_id
from miglia.web.live.feed import tracker
from miglia.web.security.csrf import csrf_checked
from miglia.web.security.roles import viewer

router = APIRouter(prefix="/ingest", tags=["ingest"])
MAX_BODY = 4 * 1024 * 1024
"""Bytes of a tracker's message at most: 10,000 fixes of Traccar Client's JSON batch take about 2.3 MB."""
MAX_UPLOAD = 20 * 1024 * 1024
"""Bytes of a logger file at most (a day at 1 Hz in GPX is about 5 MB); the same as any staff form."""
LIGHT_BODY = 64 * 1024
"""A body larger than this (some 250 fixes) is decoded in a worker thread: a 10,000-fix batch takes a
third of a second to read, which the event loop must not stop for."""
KEPT_BYTES = 1024
"""Of a body refused as too large, the first bytes kept with its size (for the organiser to see what)."""
STAFF = ("organiser", "timekeeper")


class TooLarge(MigliaError):
    """A body over the limit: refused with 413 before it is read whole."""


@router.api_route("/osmand", methods=["GET", "POST"])
async def osmand_endpoint(request: Request) -> JSONResponse:
    params = [(k, v) for k, v in parse_qsl(request.url.query, keep_blank_values=True) if k != "token"]
    token = request.query_params.get("token") or _bearer(request)
    content_type = request.headers.get("content-type", "")
    if params or request.method == "GET":
        text, content_type = urlencode(params), "application/x-www-form-urlencoded"
    else:
        body = await _body(request, "position_osmand")
        if isinstance(body, JSONResponse):
            return body
        text = body
    received = now_us()

    def decode() -> list[Fix]:
        return osmand.decode(text, content_type, received)

    return await _receive(request, "position_osmand", content_type, text, decode, token)


@router.post("/owntracks")
async def owntracks_endpoint(request: Request) -> JSONResponse:
    text = await _body(request, "position_owntracks")
    if isinstance(text, JSONResponse):
        return text
    user, device = request.headers.get("x-limit-u"), request.headers.get("x-limit-d")
    token = request.query_params.get("token") or _bearer(request) or _basic_password(request)

    def decode() -> list[Fix]:
        return owntracks.decode(text, user=user, device=device)

    answer = await _receive(request, "position_owntracks", "application/json", text, decode, token)
    return answer if answer.status_code != 200 else JSONResponse([])


@router.post("/traccar")
async def traccar_endpoint(request: Request) -> JSONResponse:
    text = await _body(request, "position_traccar")
    if isinstance(text, JSONResponse):
        return text
    token = request.query_params.get("token") or _bearer(request)
    return await _receive(
        request, "position_traccar", "application/json", text, lambda: traccar.decode(text), token
    )


@router.post("/upload")
async def upload_endpoint(request: Request) -> JSONResponse:
    user = viewer(request)
    staff = user is not None and user.has_role(*STAFF)
    if staff:
        csrf_checked(request)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_UPLOAD + 64 * 1024:  # the form's other fields: small
        problem = TooLarge(
            f"upload: body of {int(declared):,} bytes: a logger file may have {MAX_UPLOAD:,} bytes at most"
        )
        return await _refuse(request, "track_file", problem, b"")
    form = await request.form(max_part_size=MAX_UPLOAD)
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        return _error(400, "upload: field file is missing: send the logger's GPX, NMEA or CSV file")
    data = await upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        problem = TooLarge(f"upload: field file = {upload.filename!r}: larger than {MAX_UPLOAD:,} bytes")
        return await _refuse(request, "track_file", problem, data[:KEPT_BYTES])
    name = Path(upload.filename or "track").name
    device_field, start_field = (
        str(form.get("device_id") or "").strip(),
        str(form.get("start_no") or "").strip(),
    )
    token = str(form.get("token") or "") or request.query_params.get("token") or _bearer(request)
    if not staff and not token:
        return _error(
            401, "upload: log in as organiser or timekeeper, or send the device's token (form field token)"
        )
    live = tracker(request)

    def decode() -> list[Fix]:
        if not device_field and not start_field:
            raise PayloadError("upload", "device_id", "", "give device_id or start_no")
        from miglia.formats.trackfiles import read_track

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
    return await _receive(
        request, "track_file", content_type, _text(data), decode, token, name, heavy=True, staff=staff
    )


def _upload_device(live: Tracker, device_id: str, start_no: str, first_us: int) -> str:
    if device_id:
        return checked_device_id("upload", "device_id", device_id)
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
    staff: bool = False,
) -> JSONResponse:
    """Decode here (a logger file in a worker thread), queue for the writer, answer after its commit.
    A staff member's upload is trusted; any other upload must prove its device with the token."""
    source = _source(request, name)
    if heavy or len(text) > LIGHT_BODY:
        message = await run_in_threadpool(read, kind, source, content_type, text, decode, token, staff)
    else:
        message = read(kind, source, content_type, text, decode, token)
    message.proof_required = kind == "track_file" and not staff
    return await _store(request, message)


async def _store(request: Request, message: Message) -> JSONResponse:
    try:
        receipt: Receipt = await tracker(request).store(message)
    except Unauthorised as exc:
        return _error(401, str(exc))
    except TooLarge as exc:
        return _error(413, str(exc))
    except MigliaError as exc:
        return _error(400, str(exc))
    except Exception:  # the database refused it: kept raw as refused by the writer, said plainly here
        return _error(500, "the server could not store this message; it is kept and the organiser can see it")
    return JSONResponse({"stored": len(receipt.stored), "duplicates": receipt.duplicates})


def _source(request: Request, name: str = "") -> str:
    host = request.client.host if request.client else "?"
    return f"http {request.url.path} from {host}" + (f" file {name}" if name else "")


async def _body(request: Request, kind: str) -> str | JSONResponse:
    """The body as text, read no further than MAX_BODY: a larger one is answered 413 and kept only as
    its size and first bytes."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        chunks.append(chunk)
        if size > MAX_BODY:
            declared = request.headers.get("content-length", "")
            said = f"{int(declared):,} bytes" if declared.isdigit() else f"over {MAX_BODY:,} bytes"
            problem = TooLarge(
                f"{kind.removeprefix('position_')}: body of {said}: a message may have {MAX_BODY:,} bytes "
                "at most; send fewer positions at a time"
            )
            return await _refuse(request, kind, problem, b"".join(chunks)[:KEPT_BYTES])
    return _text(b"".join(chunks))


async def _refuse(request: Request, kind: str, problem: TooLarge, head: bytes) -> JSONResponse:
    """Keep a refused body's first bytes with the problem (which says its size), and answer 413."""
    content_type = request.headers.get("content-type", "")
    return await _store(request, refused(kind, _source(request), content_type, _text(head), problem))


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
