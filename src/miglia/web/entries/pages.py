"""Issue 12.1-3 on the web: the public application form (/apply) and the applicant's own page behind its
secret link (/apply/{token}: see, change until the deadline, withdraw, answer an offered place); the
organiser's selection (/organiser/applications) and outbox (/organiser/outbox); the scrutineer's
checklists on a phone (/scrutineering) and the report the timekeeper reads (/scrutineering/report).

Phone numbers, e-mails, licences and emergency contacts are shown only to the organiser and on the
applicant's own page; the applicant's page and its photos are served with `no-store`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.datastructures import FormData, UploadFile

from miglia.domain import applications as rules
from miglia.domain import scrutineering as checklist
from miglia.domain.accounts import User
from miglia.domain.applications import FeeStatus, Status
from miglia.domain.errors import MigliaError
from miglia.formats.photo_file import SIZES
from miglia.service.clock import clock_text, now_us
from miglia.service.entries import applications, common, scrutineering, selection
from miglia.service.event import events
from miglia.web.console import done, render
from miglia.web.deps import database
from miglia.web.security.csrf import csrf_checked
from miglia.web.security.errors import RateLimited
from miglia.web.security.proxies import client_ip
from miglia.web.security.rate_limits import TokenBucket
from miglia.web.security.roles import require

router = APIRouter()

organiser = require("organiser")
scrutineer = require("scrutineer")
reader = require("scrutineer", "timekeeper")
MAX_ID = 2**31 - 1
APPLY_RATE, APPLY_BURST = 6, 3
"""Applications and changes a minute per address (a person types one; a script is slowed down)."""
PRIVATE = {"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"}


def _id(value: int, what: str = "application") -> int:
    if not 0 < value <= MAX_ID:
        raise events.NotFound(f"{what} {value}: there is no such {what}")
    return value


def _limit(request: Request) -> None:
    limits: dict[str, TokenBucket] = request.app.state.rate_limits
    if "apply" not in limits:
        limits["apply"] = TokenBucket(APPLY_RATE, APPLY_BURST)
    wait = limits["apply"].take(client_ip(request))
    if wait:
        raise RateLimited(wait)


def _refused(request: Request, message: str, to: str) -> Response:
    """What was refused, shown on the page `to` (in red: the message starts "Not done: ")."""
    return done(request, f"Not done: {message}", to)


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


async def _uploads(form: FormData) -> list[applications.Upload]:
    out = []
    for value in form.getlist(applications.PHOTOS_FIELD)[: rules.MAX_PHOTOS + 1]:
        if isinstance(value, UploadFile) and value.filename:
            out.append(
                applications.Upload(value.filename, await value.read(applications.MAX_PHOTO_BYTES + 1))
            )
    return out


def _values(form: FormData) -> dict[str, str]:
    return {f.name: str(form.get(f.name) or "") for f in rules.FIELDS}


def _form_page(request: Request, name: str, status: int = 200, **context: Any) -> Response:
    with database(request).unit_of_work() as uow:
        row = events.event_row(uow)
        event = events.event_of(row)
        response = render(
            request,
            name,
            "apply",
            uow,
            status,
            car_fields=rules.CAR_FIELDS,
            driver_fields=rules.DRIVER_FIELDS,
            co_fields=rules.CO_DRIVER_FIELDS,
            consent=rules.CONSENT,
            sizes=rules.SIZES,
            max_photos=rules.MAX_PHOTOS,
            max_mb=applications.MAX_PHOTO_BYTES // 2**20,
            eligibility=event.eligibility,
            deadline=(deadline := common.settings(uow, row, event).deadline),
            closed=now_us() > common.deadline_us(dt.date.fromisoformat(deadline), event),
            **context,
        )
    response.headers.update(PRIVATE)
    return response


# -- the public form ---------------------------------------------------------------------------------

STYLES = (Path(__file__).parents[1] / "templates" / "entries" / "style.css").read_text(encoding="utf-8")


@router.get("/applications/style.css", include_in_schema=False)
def styles() -> Response:
    return Response(STYLES, media_type="text/css", headers={"Cache-Control": "public, max-age=3600"})


@router.get("/apply", response_class=HTMLResponse)
def apply_page(request: Request) -> Response:
    return _form_page(request, "entries/apply.html", values={}, errors={})


@router.post("/apply")
async def apply_submit(request: Request) -> Response:
    csrf_checked(request)
    _limit(request)
    form = await request.form()
    values = _values(form)
    try:
        applied = applications.apply(database(request), values, await _uploads(form), _base(request))
    except applications.FormErrors as exc:
        return _form_page(request, "entries/apply.html", 400, values=values, errors=exc.errors)
    return done(
        request,
        "Application received. A link to see and change it was e-mailed to you: it is this page's address.",
        f"/apply/{applied.token}",
    )


@router.get("/apply/{token}", response_class=HTMLResponse)
def own_page(request: Request, token: str) -> Response:
    db = database(request)
    selection.refresh(db, _base(request))
    with db.unit_of_work() as uow:
        row, found = applications.find(uow, token)
        seen = applications.view(uow, row, found)
    return _form_page(
        request, "entries/own.html", token=token, seen=seen, values=found.form, errors={}, when=_when
    )


@router.post("/apply/{token}")
async def own_change(request: Request, token: str) -> Response:
    csrf_checked(request)
    _limit(request)
    form = await request.form()
    values = _values(form)
    remove = [int(str(v)) for v in form.getlist("remove") if str(v).isdigit()]
    db = database(request)
    try:
        applications.change(db, token, values, await _uploads(form), remove)
    except applications.FormErrors as exc:
        with db.unit_of_work() as uow:
            row, found = applications.find(uow, token)
            seen = applications.view(uow, row, found)
        return _form_page(
            request,
            "entries/own.html",
            400,
            token=token,
            seen=seen,
            values=values,
            errors=exc.errors,
            when=_when,
        )
    return done(request, "Your changes are saved.", f"/apply/{token}")


@router.post("/apply/{token}/withdraw")
def own_withdraw(request: Request, token: str, reason: str = Form("")) -> Response:
    csrf_checked(request)
    try:
        applications.withdraw(database(request), token, reason)
    except MigliaError as exc:
        return _refused(request, str(exc), f"/apply/{token}")
    return done(request, "Your withdrawal is recorded.", f"/apply/{token}")


@router.post("/apply/{token}/offer")
def own_offer(request: Request, token: str, answer: str = Form("")) -> Response:
    csrf_checked(request)
    if answer not in ("accept", "decline"):
        return _refused(request, "answer the offer with Accept or Decline.", f"/apply/{token}")
    try:
        status = applications.answer_offer(database(request), token, answer == "accept")
    except MigliaError as exc:
        return _refused(request, str(exc), f"/apply/{token}")
    text = "You accepted the place: welcome!" if status is Status.ACCEPTED else "You declined the place."
    return done(request, text, f"/apply/{token}")


@router.get("/apply/{token}/photos/{photo_id}/{size}.jpg")
def own_photo(request: Request, token: str, photo_id: int, size: str) -> Response:
    db = database(request)
    with db.unit_of_work() as uow:
        row, found = applications.find(uow, token)
        photos = uow.applications.photos(row.id).get(found.id, [])
    return _photo_file(db, photos, photo_id, size)


def _photo_file(db: Any, photos: list[Any], photo_id: int, size: str) -> Response:
    if size not in SIZES:
        raise events.NotFound(f"size = {size!r}: photos come as {', '.join(SIZES)}")
    photo = next((p for p in photos if p.id == photo_id), None)
    if photo is None:
        raise events.NotFound(f"photo {photo_id}: there is no such photo of this application")
    path = db.media.copy_path(photo.sha256, size)
    if not path.exists():
        raise events.NotFound(f"photo {photo_id}: its {size} copy is missing from the media folder")
    return FileResponse(path, media_type="image/jpeg", headers=PRIVATE)


def _when(instant_us: int | None, timezone: str) -> str:
    if instant_us is None:
        return ""
    from miglia.domain.instants import us_to_local

    return f"{us_to_local(instant_us, timezone):%a %d %b} {clock_text(instant_us, timezone)}"


# -- the organiser's selection -----------------------------------------------------------------------


def _year(value: str) -> int | None:
    return int(value) if value.strip().isdigit() and len(value.strip()) <= 4 else None


@router.get("/organiser/applications", response_class=HTMLResponse)
def selection_page(
    request: Request,
    status: str = "",
    make: str = "",
    year_from: str = "",
    year_to: str = "",
    user: User = Depends(organiser),
) -> Response:
    db = database(request)
    selection.refresh(db, _base(request))
    filters = selection.Filters(
        status if status in {s.value for s in Status} else "",
        make.strip()[:100],
        _year(year_from),
        _year(year_to),
    )
    with db.unit_of_work() as uow:
        row = events.event_row(uow)
        event = events.event_of(row)
        over = selection.overview(uow, filters)
        settings = common.settings(uow, row, event)
        return render(
            request,
            "entries/selection.html",
            "applications",
            uow,
            over=over,
            filters=filters,
            settings=settings,
            statuses=list(Status),
            decisions=rules.DECISIONS,
            fees=list(FeeStatus),
            when=_when,
            tz=event.timezone,
        )


def _back(request: Request, form_back: str) -> str:
    return form_back if form_back.startswith("/organiser/applications") else "/organiser/applications"


@router.post("/organiser/applications/settings")
def selection_settings(
    request: Request,
    deadline: str = Form(""),
    places: str = Form(""),
    offer_hours: str = Form(""),
    user: User = Depends(organiser),
) -> Response:
    try:
        applications.save_settings(
            database(request),
            deadline,
            int(places) if places.strip().isdigit() else -1,
            int(offer_hours) if offer_hours.strip().isdigit() else -1,
            user.username,
        )
    except applications.FormErrors as exc:
        return done(
            request, "Settings not saved: " + "; ".join(exc.errors.values()), "/organiser/applications"
        )
    return done(request, "Settings saved.", "/organiser/applications")


@router.post("/organiser/applications/numbers")
def selection_numbers(request: Request, user: User = Depends(organiser)) -> Response:
    numbers = selection.numbers_by_age(database(request), user.username)
    return done(
        request, f"Start numbers given by age to {len(numbers)} accepted cars.", "/organiser/applications"
    )


@router.post("/organiser/applications/{application_id}/decide")
def selection_decide(
    request: Request,
    application_id: int,
    status: str = Form(""),
    reason: str = Form(""),
    back: str = Form(""),
    user: User = Depends(organiser),
) -> Response:
    allowed = {s.value: s for s in (*rules.DECISIONS, Status.WITHDRAWN)}
    if status not in allowed:
        return _refused(
            request, f"status {status!r}: choose accept, waitlist, decline or withdraw", _back(request, back)
        )
    try:
        selection.decide(
            database(request), _id(application_id), allowed[status], reason, user.username, _base(request)
        )
    except MigliaError as exc:
        return _refused(request, str(exc), _back(request, back) + f"#application-{application_id}")
    return done(
        request,
        f"Application {application_id}: {status}.",
        _back(request, back) + f"#application-{application_id}",
    )


@router.post("/organiser/applications/{application_id}/note")
def selection_note(
    request: Request,
    application_id: int,
    text: str = Form(""),
    back: str = Form(""),
    user: User = Depends(organiser),
) -> Response:
    try:
        selection.add_note(database(request), _id(application_id), text, user.username)
    except MigliaError as exc:
        return _refused(request, str(exc), _back(request, back))
    return done(
        request,
        f"Application {application_id}: note added.",
        _back(request, back) + f"#application-{application_id}",
    )


@router.post("/organiser/applications/{application_id}/fee")
def selection_fee(
    request: Request,
    application_id: int,
    status: str = Form(""),
    note: str = Form(""),
    back: str = Form(""),
    user: User = Depends(organiser),
) -> Response:
    try:
        selection.set_fee(database(request), _id(application_id), status, note, user.username)
    except MigliaError as exc:
        return _refused(request, str(exc), _back(request, back))
    return done(
        request,
        f"Application {application_id}: fee {status}.",
        _back(request, back) + f"#application-{application_id}",
    )


@router.post("/organiser/applications/{application_id}/number")
def selection_number(
    request: Request,
    application_id: int,
    start_no: str = Form(""),
    back: str = Form(""),
    user: User = Depends(organiser),
) -> Response:
    try:
        if not start_no.strip().isdigit():
            raise MigliaError(f"start number {start_no!r}: give a whole number")
        selection.set_number(database(request), _id(application_id), int(start_no), user.username)
    except MigliaError as exc:
        return _refused(request, str(exc), _back(request, back))
    return done(
        request,
        f"Application {application_id}: start number {start_no}.",
        _back(request, back) + f"#application-{application_id}",
    )


@router.get("/organiser/applications/photos/{photo_id}/{size}.jpg")
def selection_photo(request: Request, photo_id: int, size: str, user: User = Depends(organiser)) -> Response:
    db = database(request)
    with db.unit_of_work() as uow:
        row = events.event_row(uow)
        photos = [p for ps in uow.applications.photos(row.id).values() for p in ps]
    return _photo_file(db, photos, _id(photo_id, "photo"), size)


@router.get("/organiser/outbox", response_class=HTMLResponse)
def outbox_page(request: Request, user: User = Depends(organiser)) -> Response:
    with database(request).unit_of_work() as uow:
        row = events.event_row(uow)
        return render(
            request,
            "entries/outbox.html",
            "applications",
            uow,
            messages=uow.applications.outbox(row.id),
            when=_when,
            tz=events.event_of(row).timezone,
        )


# -- scrutineering -----------------------------------------------------------------------------------


@router.get("/scrutineering", response_class=HTMLResponse)
def scrutineering_page(request: Request, user: User = Depends(scrutineer)) -> Response:
    with database(request).unit_of_work() as uow:
        cars = scrutineering.cars(uow)
        return render(
            request, "entries/scrutineering.html", "scrutineering", uow, cars=cars, verdicts=checklist.Verdict
        )


@router.get("/scrutineering/report", response_class=HTMLResponse)
def scrutineering_report(request: Request, user: User = Depends(reader)) -> Response:
    with database(request).unit_of_work() as uow:
        row = events.event_row(uow)
        cars = scrutineering.cars(uow)
        return render(
            request,
            "entries/scrutineering_report.html",
            "scrutineering",
            uow,
            report=scrutineering.report(uow),
            cars=cars,
            verdicts=checklist.Verdict,
            when=_when,
            tz=events.event_of(row).timezone,
        )


@router.get("/scrutineering/{start_no}", response_class=HTMLResponse)
def scrutineering_car(request: Request, start_no: int, user: User = Depends(scrutineer)) -> Response:
    with database(request).unit_of_work() as uow:
        row = events.event_row(uow)
        car = scrutineering.car(uow, _id(start_no, "car"))
        return render(
            request,
            "entries/scrutineering_car.html",
            "scrutineering",
            uow,
            car=car,
            items=checklist.CHECKLIST,
            verdicts=checklist.Verdict,
            when=_when,
            tz=events.event_of(row).timezone,
        )


@router.post("/scrutineering/{start_no}")
async def scrutineering_record(request: Request, start_no: int, user: User = Depends(scrutineer)) -> Response:
    form = await request.form()
    results: dict[str, tuple[bool, str]] = {}
    for item in checklist.KEYS:
        value = str(form.get(item) or "")
        if value in ("ok", "fail"):
            results[item] = (value == "ok", str(form.get(f"{item}_note") or ""))
    to = f"/scrutineering/{_id(start_no, 'car')}"
    try:
        sheet = scrutineering.record(database(request), start_no, results, user.username)
    except MigliaError as exc:
        return _refused(request, str(exc), to)
    text = {
        checklist.Verdict.PASSED: f"Car {start_no} passed scrutineering.",
        checklist.Verdict.FAILED: f"Car {start_no} failed: {sheet.reason}.",
    }.get(sheet.verdict, f"Car {start_no}: saved; {sheet.reason}.")
    return done(request, text, to)


@router.post("/scrutineering/{start_no}/start")
def scrutineering_start(request: Request, start_no: int, user: User = Depends(scrutineer)) -> Response:
    to = f"/scrutineering/{_id(start_no, 'car')}"
    try:
        scrutineering.mark_started(database(request), start_no, user.username)
    except MigliaError as exc:
        return _refused(request, str(exc), to)
    return done(request, f"Car {start_no} is marked started.", to)
