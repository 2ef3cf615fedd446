"""The timekeeper's timing review: conflicts between sources, each car's scored time card with the
passages behind every line, and the corrections and official penalties (who, when, why; cancellable).

Results shown here are recomputed from what is stored on every request, so what the timekeeper sees
is exactly what the rules make of the raw passages and the corrections in force.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from miglia.domain.accounts import User
from miglia.domain.corrections import EVERY_CAR, CorrectionKind, effective
from miglia.domain.errors import MigliaError
from miglia.domain.instants import seconds_to_us
from miglia.formats.passages_csv import parse_time
from miglia.service.event import events
from miglia.service.timing import protests as protests_service
from miglia.service.timing import results, timekeeper
from miglia.store.unit_of_work import UnitOfWork
from miglia.web.console import done, render
from miglia.web.deps import unit_of_work
from miglia.web.security.roles import require

router = APIRouter()
timing_staff = require("timekeeper")


@router.get("/organiser/timing", response_class=HTMLResponse)
def review(
    request: Request, user: User = Depends(timing_staff), uow: UnitOfWork = Depends(unit_of_work)
) -> Response:
    scored = results.score(uow)
    in_force = {c.id for c in effective(scored.board.corrections)}
    return render(
        request,
        "timing/review.html",
        "timing",
        uow,
        user=user,
        scored=scored,
        conflicts=scored.board.conflicts(),
        corrections=scored.board.corrections,
        in_force=in_force,
        standings=scored.board.overall().standings,
        protests=protests_service.protests(uow),
        results_state=protests_service.state(uow, scored.rules),
    )


@router.get("/organiser/timing/cars/{start_no}", response_class=HTMLResponse)
def car_review(
    request: Request,
    start_no: int,
    user: User = Depends(timing_staff),
    uow: UnitOfWork = Depends(unit_of_work),
) -> Response:
    scored = results.score(uow)
    entry = scored.entries.get(start_no)
    if entry is None or not entry.accepted:
        raise events.NotFound(f"start_no = {start_no}: no accepted car with this start number")
    return render(
        request,
        "timing/review_car.html",
        "timing",
        uow,
        user=user,
        scored=scored,
        entry=entry,
        result=scored.board.result(start_no),
        in_force={c.id for c in effective(scored.board.corrections)},
        corrections=[c for c in scored.board.corrections if c.start_no == start_no],
    )


def _correction_id(value: str, field: str = "cancels") -> int | None:
    if not value.strip():
        return None
    if not value.strip().isdigit():
        raise MigliaError(f"{field} = {value!r}: expected the number of a correction")
    return int(value)


@router.post("/organiser/timing/corrections", response_class=HTMLResponse)
def add_correction(
    request: Request,
    kind: str = Form(...),
    start_no: int = Form(...),
    why: str = Form(""),
    control: str = Form(""),
    line: str = Form(""),
    time: str = Form(""),
    points: str = Form(""),
    seconds: str = Form(""),
    cancels: str = Form(""),
    back: str = Form("/organiser/timing"),
    user: User = Depends(timing_staff),
    uow: UnitOfWork = Depends(unit_of_work),
) -> Response:
    """One form for every kind of correction; the domain says what each kind needs."""
    back = back if back.startswith("/organiser/timing") else "/organiser/timing"
    try:
        try:
            correction_kind = CorrectionKind(kind)
        except ValueError:
            raise MigliaError(f"kind = {kind!r}: not a kind of correction") from None
        instant_us = None
        if time.strip():
            event = events.load(uow)
            try:
                day, _ = event.control(control)
            except KeyError:
                raise MigliaError(f"control = {control!r}: no control of the event has this name") from None
            try:
                instant_us = parse_time(time, day.date, event.timezone)
            except ValueError as exc:
                raise MigliaError(f"time = {time!r}: {exc}") from None
        secs = timekeeper.parse_amount(seconds, "seconds")
        new_id = timekeeper.add_correction(
            request.app.state.db,
            timekeeper.CorrectionRequest(
                kind=correction_kind,
                start_no=start_no,
                by=user.username,
                why=why,
                control=control,
                line=line,
                instant_us=instant_us,
                points=timekeeper.parse_amount(points, "points"),
                time_us=None if secs is None else seconds_to_us(secs),
                cancels=_correction_id(cancels),
            ),
        )
    except MigliaError as exc:
        return done(request, f"Not stored: {exc}", back)
    verb = "cancels correction " + cancels if correction_kind is CorrectionKind.CANCEL else "stored"
    whom = "every car" if start_no == EVERY_CAR else f"car {start_no}"
    return done(request, f"Correction {new_id} {verb} for {whom}; results recomputed.", back)


@router.post("/organiser/timing/protests/{protest_id}", response_class=HTMLResponse)
def decide_protest(
    request: Request,
    protest_id: int,
    decision: str = Form(""),
    answer: str = Form(""),
    correction: str = Form(""),
    user: User = Depends(timing_staff),
) -> Response:
    """The clerk of the course's answer to an inquiry or a protest."""
    back = "/organiser/timing#protests"
    try:
        decided = protests_service.decide(
            request.app.state.db,
            protest_id,
            user.username,
            decision,
            answer,
            _correction_id(correction, "correction"),
        )
    except MigliaError as exc:
        return done(request, f"Not decided: {exc}", back)
    return done(request, f"{decided.kind.value.capitalize()} #{decided.id} {decided.decision.value}.", back)


@router.post("/organiser/timing/final", response_class=HTMLResponse)
def declare_final(request: Request, user: User = Depends(timing_staff)) -> Response:
    try:
        protests_service.declare_final(request.app.state.db, user.username)
    except MigliaError as exc:
        return done(request, f"Not final yet: {exc}", "/organiser/timing")
    return done(request, "The results are final.", "/organiser/timing")
