"""The sponsor's commemorative items on the web.

- /organiser/items: the organiser's series (a new one: name, pieces, first serial, sponsor);
- /organiser/items/{series}: every serial, the automatic allocation (one per car or one per crew member,
  then the reserve for the award winners), one serial by hand, the award winners, lost / returned and
  replaced, an allocation withdrawn, a hand-over annulled;
- /organiser/items/{series}/sponsor: the sponsor's list (page, .csv, .pdf);
- /items/handover: staff (organiser, timekeeper, marshal) on a phone: find the holder by start number or
  name, record who received the serial, with a signature drawn on the screen (static/js/signature.js).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from miglia.domain.accounts import User
from miglia.domain.errors import InvalidInput, MigliaError
from miglia.domain.items import MAX_SIGNATURE_CHARS, Kind, Per, SerialTaken, Status, crew_names
from miglia.service.awards import items
from miglia.service.event import events
from miglia.store.unit_of_work import UnitOfWork
from miglia.web.console import attempt, render
from miglia.web.deps import database
from miglia.web.security.roles import require
from miglia.web.security.sessions import session_of

router = APIRouter()

organiser = require("organiser")
staff = require("timekeeper", "marshal")
MAX_ID = 2**31 - 1
BAD = "error: "
"""A flash message that says what went wrong starts so (shown as a refusal, not as done)."""
STATUS_BADGES = {
    Status.FREE: "",
    Status.RESERVED: "passage_control",
    Status.ALLOCATED: "timed_trial",
    Status.HANDED: "car_show",
    Status.LOST: "penalty",
    Status.RETURNED: "secret_check",
}
"""The site's badge colours for each state: grey, blue, amber, green, red, dark grey."""


def _id(value: int, what: str = "item series") -> int:
    if not 0 < value <= MAX_ID:
        raise events.NotFound(f"{what} {value}: there is no such {what}")
    return value


def _whole(where: str, field: str, value: str) -> int:
    text = value.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 9:
        raise InvalidInput(where, field, value, "expected a whole number")
    return int(text)


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def _page(request: Request, name: str, uow: UnitOfWork, status: int = 200, **context: Any) -> Response:
    return render(request, name, "items", uow, status, bad_prefix=BAD, badges=STATUS_BADGES, **context)


# -- the organiser's series ----------------------------------------------------------------------------


@router.get("/organiser/items", response_class=HTMLResponse)
def series_list(request: Request, user: User = Depends(organiser)) -> Response:
    with database(request).unit_of_work() as uow:
        event = events.load(uow)
        return _page(
            request,
            "awards/item_series_list.html",
            uow,
            found=items.all_series(uow),
            sponsor=event.sponsor,
            statuses=Status,
        )


@router.post("/organiser/items")
def new_series(
    request: Request,
    name: str = Form(""),
    pieces: str = Form(""),
    first_serial: str = Form("001"),
    sponsor: str = Form(""),
    user: User = Depends(organiser),
) -> Response:
    try:
        series = items.create_series(database(request), name, pieces, first_serial, sponsor, user.username)
    except MigliaError as exc:
        session_of(request).flash(BAD + str(exc))
        return RedirectResponse("/organiser/items", status_code=303)
    session_of(request).flash(f"Series {series.name} made: {series.pieces} pieces, {series.range_label}.")
    return RedirectResponse(f"/organiser/items/{series.id}", status_code=303)


@router.get("/organiser/items/{series_id}", response_class=HTMLResponse)
def series_page(request: Request, series_id: int, user: User = Depends(organiser)) -> Response:
    with database(request).unit_of_work() as uow:
        ledger = items.ledger_of(uow, _id(series_id))
        lines = items.serial_lines(uow, series_id)
        accepted = [e for e in events.entries(uow, events.event_row(uow).id) if e.accepted]
        winners = items.revealed_winners(uow)
        by_award: dict[str, list[Any]] = {}
        for w in winners or []:
            by_award.setdefault(w.award, []).append(w)
        return _page(
            request,
            "awards/item_series.html",
            uow,
            series=ledger.series,
            counts=ledger.counts(),
            lines=lines,
            accepted=accepted,
            reserve=len(ledger.reserved())
            if any(a.live for a in ledger.allocations)
            else max(0, ledger.series.pieces - len(accepted)),
            free=ledger.free(),
            reserved=ledger.reserved(),
            winners=winners,
            by_award=by_award,
            crews={e.start_no: crew_names(e) for e in accepted},
            kinds=[k for k in Kind if k.holds or k is Kind.RESERVE],
            per=Per,
            statuses=Status,
            retire_kinds=(Kind.LOST, Kind.RETURNED),
        )


@router.post("/organiser/items/{series_id}/allocate")
def allocate(
    request: Request,
    series_id: int,
    per: str = Form("car"),
    reserve: str = Form("0"),
    user: User = Depends(organiser),
) -> Response:
    def action() -> str:
        held_back = _whole("allocation", "reserve", reserve)
        made = items.allocate_auto(database(request), _id(series_id), per, held_back, user.username)
        held = sum(a.kind is Kind.RESERVE for a in made)
        given = len(made) - held
        return f"{given} serials allocated ({Per(per).label}), {held} more reserved for the award winners."

    return attempt(request, f"/organiser/items/{series_id}", action, BAD)


@router.post("/organiser/items/{series_id}/allocate-one")
def allocate_one(
    request: Request,
    series_id: int,
    serial: str = Form(""),
    kind: str = Form("award"),
    start_no: str = Form(""),
    holder: str = Form(""),
    reason: str = Form(""),
    user: User = Depends(organiser),
) -> Response:
    def action() -> str:
        number = _whole("allocation", "start number", start_no) if start_no.strip() else None
        made = items.allocate_one(
            database(request),
            _id(series_id),
            serial,
            kind,
            user.username,
            start_no=number,
            holder=holder,
            reason=reason,
        )
        with database(request).unit_of_work() as uow:
            label = items.series_of(uow, series_id).label(made.serial)
        who = made.holder or made.kind.label.lower()
        return f"Serial {label} allocated: {who}" + (f" ({made.reason})." if made.reason else ".")

    return attempt(request, f"/organiser/items/{series_id}", action, BAD)


@router.post("/organiser/items/{series_id}/winners")
def allocate_winners(
    request: Request, series_id: int, award: str = Form(""), user: User = Depends(organiser)
) -> Response:
    def action() -> str:
        made, short = items.allocate_winners(database(request), _id(series_id), user.username, award or None)
        text = (
            f"{len(made)} {award} winners given a serial."
            if award
            else f"{len(made)} winners given a serial."
        )
        return text + (f" {short} left without one: no serial is free or reserved." if short else "")

    return attempt(request, f"/organiser/items/{series_id}", action, BAD)


@router.post("/organiser/items/{series_id}/serials/{serial}/retire")
def retire(
    request: Request,
    series_id: int,
    serial: str,
    kind: str = Form("lost"),
    why: str = Form(""),
    replacement: str = Form(""),
    user: User = Depends(organiser),
) -> Response:
    def action() -> str:
        made = items.retire(
            database(request), _id(series_id), serial, kind, why, user.username, replacement=replacement
        )
        with database(request).unit_of_work() as uow:
            series = items.series_of(uow, series_id)
        old = made[0]
        text = f"Serial {series.label(old.serial)} marked {old.kind.value}."
        new = [a for a in made if a.kind.holds]
        if new:
            text += f" {new[0].holder} is given serial {series.label(new[0].serial)} in its place."
        return text

    return attempt(request, f"/organiser/items/{series_id}#serial-{serial}", action, BAD)


@router.post("/organiser/items/{series_id}/serials/{serial}/withdraw")
def withdraw(
    request: Request, series_id: int, serial: str, why: str = Form(""), user: User = Depends(organiser)
) -> Response:
    def action() -> str:
        items.withdraw(database(request), _id(series_id), serial, why, user.username)
        return f"Allocation of serial {serial} withdrawn; the serial is free."

    return attempt(request, f"/organiser/items/{series_id}#serial-{serial}", action, BAD)


@router.post("/organiser/items/{series_id}/serials/{serial}/annul")
def annul(
    request: Request, series_id: int, serial: str, why: str = Form(""), user: User = Depends(organiser)
) -> Response:
    def action() -> str:
        handed = items.annul(database(request), _id(series_id), serial, why, user.username)
        return f"Hand-over of serial {serial} to {handed.received_by} annulled."

    return attempt(request, f"/organiser/items/{series_id}#serial-{serial}", action, BAD)


# -- the sponsor's list -----------------------------------------------------------------------------------


@router.get("/organiser/items/{series_id}/sponsor", response_class=HTMLResponse)
def sponsor_page(request: Request, series_id: int, user: User = Depends(organiser)) -> Response:
    with database(request).unit_of_work() as uow:
        ledger = items.ledger_of(uow, _id(series_id))
        return _page(
            request,
            "awards/item_sponsor.html",
            uow,
            series=ledger.series,
            counts=ledger.counts(),
            lines=items.serial_lines(uow, series_id),
            statuses=Status,
        )


@router.get("/organiser/items/{series_id}/sponsor.csv")
def sponsor_csv(request: Request, series_id: int, user: User = Depends(organiser)) -> Response:
    with database(request).unit_of_work() as uow:
        text = items.sponsor_csv(uow, _id(series_id))
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="items-{series_id}.csv"'},
    )


@router.get("/organiser/items/{series_id}/sponsor.pdf")
def sponsor_pdf(request: Request, series_id: int, user: User = Depends(organiser)) -> Response:
    with database(request).unit_of_work() as uow:
        data = items.sponsor_pdf(uow, _id(series_id))
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="items-{series_id}.pdf"'},
    )


@router.get("/organiser/items/{series_id}/handovers/{handover_id}/signature.png")
def signature(
    request: Request, series_id: int, handover_id: int, user: User = Depends(organiser)
) -> Response:
    data = items.signature_png(database(request), _id(series_id), _id(handover_id, "hand-over"))
    return Response(data, media_type="image/png", headers={"Cache-Control": "private, no-store"})


# -- the hand-over, on a phone -----------------------------------------------------------------------------


def _handover_page(
    request: Request, user: User, series: int | None, q: str, status: int = 200, error: str = ""
) -> Response:
    with database(request).unit_of_work() as uow:
        found = [s for s, _ in items.all_series(uow)]
        chosen = next((s for s in found if s.id == series), found[-1] if found else None)
        results: list[items.SerialLine] = []
        pending: list[items.SerialLine] = []
        counts: dict[Status, int] = {}
        crews: dict[int, list[str]] = {}
        if chosen is not None:
            results = items.search(uow, chosen.id, q) if q.strip() else []
            pending = items.still_to_hand(uow, chosen.id)
            counts = items.ledger_of(uow, chosen.id).counts()
            for e in events.entries(uow, events.event_row(uow).id):
                crews[e.start_no] = [n for n in (e.crew.driver, e.crew.co_driver) if n]
        return _page(
            request,
            "awards/item_handover.html",
            uow,
            status,
            user=user,
            all_series=found,
            series=chosen,
            q=q,
            results=results,
            pending=pending,
            counts=counts,
            crews=crews,
            error=error,
            statuses=Status,
            max_kb=MAX_SIGNATURE_CHARS // 1024,
        )


@router.get("/items/handover", response_class=HTMLResponse)
def handover_page(
    request: Request, series: int | None = None, q: str = "", user: User = Depends(staff)
) -> Response:
    return _handover_page(request, user, series, q[:200])


@router.post("/items/handover")
def handover(
    request: Request,
    series: int = Form(...),
    serial: str = Form(...),
    allocation: int | None = Form(None),
    received_by: str = Form(""),
    signature: str = Form("", max_length=MAX_SIGNATURE_CHARS * 2),
    q: str = Form(""),
    user: User = Depends(staff),
) -> Response:
    """Record a hand-over (the form, or a script asking for JSON): 409 when the serial was handed over
    already, with who received it, when and from whom; 400 for anything else wrong; nothing stored."""
    try:
        handed = items.hand_over(
            database(request),
            _id(series),
            serial,
            received_by,
            user.username,
            signature=signature or None,
            allocation_id=allocation,
        )
    except MigliaError as exc:
        status = 409 if isinstance(exc, SerialTaken) else (404 if type(exc).__name__ == "NotFound" else 400)
        if _wants_json(request):
            return JSONResponse({"ok": False, "error": str(exc)}, status_code=status)
        return _handover_page(request, user, series, q or serial, status, str(exc))
    with database(request).unit_of_work() as uow:
        found = items.series_of(uow, series)
        timezone = events.event_row(uow).timezone
    label = found.label(handed.serial)
    message = (
        f"Serial {label} handed to {handed.received_by} by {handed.given_by}"
        f"{' (signed)' if handed.signed else ''}, {items.local_text(handed.given_us, timezone)}."
    )
    if _wants_json(request):
        return JSONResponse({"ok": True, "serial": label, "handover": handed.id, "message": message})
    session_of(request).flash(message)
    return RedirectResponse(f"/items/handover?series={series}", status_code=303)
