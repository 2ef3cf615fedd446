"""Juried awards on the web: the organiser's awards (define, open, close, settle a tie, reveal), the jurors'
secret ballots from their phones, and the public award pages after the reveal.

- /organiser/awards, /organiser/awards/{id}: the organiser only. While a round is open the page says how
  many ballots are cast and nothing else; once it is closed it shows the count, to settle a tie.
- /ballots, /ballots/{id}: any signed-in user; an award's page only for its jurors, showing the juror's
  own ballot and never another's.
- /awards, /awards/{id}, /api/awards: everyone; the winners and the jurors' reasons once revealed, the
  jurors' names only if the organiser ticked "show jurors' names".
Every page here gets what it shows from service/awards/juries.py, where the sealing lives.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from miglia.domain.accounts import ROLE_LABELS, User
from miglia.domain.ballots import JUROR_ROLES, MAX_REASON, MAX_WHY, Award, AwardState, Method, TieRule
from miglia.domain.errors import InvalidInput, MigliaError
from miglia.service.awards import juries
from miglia.service.event import events
from miglia.store.unit_of_work import UnitOfWork
from miglia.web.console import done, render
from miglia.web.deps import database, unit_of_work
from miglia.web.security.errors import Forbidden
from miglia.web.security.roles import require

router = APIRouter()

organiser = require("organiser")
signed_in = require()
MAX_ID = 2**31 - 1
"""Record ids fit a 32-bit integer column: a larger number is not found, never sent to the store."""
JUROR_GROUPS = {
    "mechanic": "Mechanics and the sweep",
    "timekeeper": "Timekeepers",
    "marshal": "Marshals",
    "organiser": "Organisers",
    "crew": "Crews (never for their own car)",
    "photographer": "Photographers",
}
JUROR_PLURALS = {
    "mechanic": "the mechanics and the sweep",
    "timekeeper": "the timekeepers",
    "marshal": "the marshals",
    "organiser": "the organisers",
    "crew": "the crews",
    "photographer": "the photographers",
}
_LEADING_NUMBER = re.compile(r"^\s*(?:#|no\.?\s*)?([0-9]{1,9})(?![0-9])", re.IGNORECASE)


def _number(value: str) -> int | None:
    """A start number as typed (ASCII digits, at most 9), else None."""
    text = value.strip()
    return int(text) if re.fullmatch(r"[0-9]{1,9}", text) else None


def _id(value: int) -> int:
    if not 0 < value <= MAX_ID:
        raise events.NotFound(f"award {value}: there is no such award")
    return value


def _entries(uow: UnitOfWork) -> dict[int, Any]:
    return {e.start_no: e for e in events.entries(uow, events.event_row(uow).id)}


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# The awards' own styles, on top of miglia.css (served from here: the stylesheet the awards pages link).
STYLES = """
textarea { font: inherit; width: 100%; padding: 0.5rem 0.6rem; border: 2px solid #8a8578; border-radius: 8px;
  background: #fff; color: var(--ink); resize: vertical; }
input[type="number"] { font: inherit; padding: 0.5rem 0.6rem; border: 2px solid #8a8578; border-radius: 8px;
  background: #fff; color: var(--ink); max-width: 8rem; }
.award-choices { border: 1px solid var(--line); border-radius: 8px; padding: 0.5rem 0.8rem 0.7rem; margin: 0;
  display: grid; gap: 0.35rem; }
.award-choices legend { font-weight: bold; padding: 0 0.3rem; }
.check-line { display: flex; align-items: center; gap: 0.5rem; }
.check-line input { width: 1.3rem; height: 1.3rem; accent-color: var(--accent); flex: none; }
.badge.award-draft { background: #eee; color: #333; }
.badge.award-open { background: #e3f1e7; color: var(--ok); }
.badge.award-closed { background: #fff4dc; color: #5c3700; }
.badge.award-revealed { background: var(--ink); color: #fff; }
.ballot-slot { display: grid; gap: 0.6rem; } .ballot-slot.card { margin: 0; }
.ballot-slot h2 { font-size: 1.1rem; margin: 0; }
.ballot-slot .field input { width: 100%; }
.ballot-slot .counter { justify-self: end; font-size: 0.85rem; }
.sealed { display: flex; gap: 0.8rem; align-items: center; }
.sealed .seal { flex: none; width: 2.6rem; height: 2.6rem; border-radius: 50%; background: var(--accent);
  color: #fff; display: inline-flex; align-items: center; justify-content: center; font-weight: bold;
  font-size: 1.2rem; }
.winners { list-style: none; padding: 0; margin: 0; display: grid; gap: 0.8rem; }
.winner.card { position: relative; margin: 0; }
.winner h3 { margin: 0.1rem 3.2rem 0.2rem 0; font-size: 1.15rem; } .winner h3 a { color: var(--ink); }
.winner .crew { margin: 0 3.2rem 0.4rem 0; font-weight: bold; }
.reasons { list-style: none; padding: 0; margin: 0; display: grid; gap: 0.45rem; }
.reasons li { border-left: 4px solid #f0b429; padding: 0.15rem 0 0.15rem 0.7rem;
  font-family: Georgia, "DejaVu Serif", serif; }
.reasons li small { display: block; font-family: "DejaVu Sans", system-ui, sans-serif; color: var(--muted); }
.count td.num, .count th.num { width: 4rem; }
#count h3 { margin: 1.1rem 0 0.4rem; }
.count tr.winner-row td { font-weight: bold; } .count tr.tied-row td { background: #fff4dc; }
.steps { list-style: none; padding: 0; margin: 0.3rem 0; display: grid; gap: 0.2rem; }
.steps li::before { content: "✓ "; color: var(--ok); font-weight: bold; }
#winners { list-style: none; padding: 0; display: grid; gap: 0.3rem; }
#winners li { display: flex; align-items: center; gap: 0.5rem; }
#winners .start-no.inline { margin: 0; flex: none; }
.award-actions { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; margin: 0.6rem 0 0; }
.award-actions form { margin: 0; }
@media (max-width: 600px) {
  .awards-table th, .awards-table td { padding: 0.35rem 0.3rem; }
  .count th:nth-child(4), .count td:nth-child(4) { display: none; }
}
"""


@router.get("/awards/style.css", include_in_schema=False)
def styles() -> Response:
    return Response(STYLES, media_type="text/css", headers={"Cache-Control": "public, max-age=3600"})


# -- the organiser ---------------------------------------------------------------------------------------


def _definition(form: Any) -> dict[str, Any]:
    """The award form's fields, for juries.define / juries.change (checked there)."""
    raw = str(form.get("winners") or "").strip()
    winners = _number(raw)
    if winners is None:
        raise InvalidInput("award", "winners", raw[:20], "give the number of winners (1 to 50)")
    return {
        "name": str(form.get("name") or ""),
        "description": str(form.get("description") or ""),
        "winners": winners,
        "roles": [str(r) for r in form.getlist("roles")],
        "method": str(form.get("method") or ""),
        "tie_rule": str(form.get("tie_rule") or ""),
        "show_names": form.get("show_names") in ("on", "true", "1", "yes"),
    }


def _form_context() -> dict[str, Any]:
    return {
        "juror_roles": JUROR_ROLES,
        "juror_groups": JUROR_GROUPS,
        "juror_plurals": JUROR_PLURALS,
        "methods": list(Method),
        "tie_rules": list(TieRule),
        "states": AwardState,
    }


@router.get("/organiser/awards", response_class=HTMLResponse)
def organiser_awards(request: Request, user: User = Depends(organiser)) -> Response:
    with database(request).unit_of_work() as uow:
        return render(
            request,
            "awards/award_list.html",
            "organiser",
            uow,
            views=juries.organiser_list(uow),
            form=None,
            error=None,
            **_form_context(),
        )


@router.post("/organiser/awards")
async def define_award(request: Request, user: User = Depends(organiser)) -> Response:
    form = await request.form()
    db = database(request)
    try:
        award = juries.define(db, user.username, **_definition(form))
    except MigliaError as exc:
        with db.unit_of_work() as uow:
            return render(
                request,
                "awards/award_list.html",
                "organiser",
                uow,
                status=400,
                views=juries.organiser_list(uow),
                form=form,
                error=str(exc),
                **_form_context(),
            )
    return done(
        request, f"Award {award.name!r} defined; open its vote when the jurors are ready.", _page(award)
    )


def _page(award: Award) -> str:
    return f"/organiser/awards/{award.id}"


@router.get("/organiser/awards/{award_id}", response_class=HTMLResponse)
def organiser_award(request: Request, award_id: int, user: User = Depends(organiser)) -> Response:
    with database(request).unit_of_work() as uow:
        view = juries.organiser_view(uow, _id(award_id))
        return render(
            request,
            "awards/award_manage.html",
            "organiser",
            uow,
            view=view,
            award=view.award,
            entries=_entries(uow),
            role_labels=ROLE_LABELS,
            max_why=MAX_WHY,
            **_form_context(),
        )


@router.post("/organiser/awards/{award_id}")
async def change_award(request: Request, award_id: int, user: User = Depends(organiser)) -> Response:
    form = await request.form()
    to = f"/organiser/awards/{_id(award_id)}"
    try:
        award = juries.change(database(request), award_id, **_definition(form))
    except MigliaError as exc:
        return done(request, str(exc), to)
    return done(request, f"Award {award.name!r} saved.", to)


_STEPS = {
    "open": (juries.open_vote, "The vote is open: jurors find the award at /ballots."),
    "close": (juries.close_vote, "The vote is closed: no more ballots. The count is below, for you only."),
    "runoff": (juries.open_runoff, "The run-off is open: jurors find it at /ballots, among the tied only."),
    "reveal": (
        juries.reveal,
        "Revealed: the winners and the jurors' reasons are on the award's public page.",
    ),
}


@router.post("/organiser/awards/{award_id}/{step}")
async def award_step(request: Request, award_id: int, step: str, user: User = Depends(organiser)) -> Response:
    to = f"/organiser/awards/{_id(award_id)}"
    db = database(request)
    try:
        if step == "casting":
            form = await request.form()
            chosen = [n for v in form.getlist("chosen") if (n := _number(str(v))) is not None]
            juries.settle(db, award_id, chosen, user.username, str(form.get("why") or ""))
            message = "Casting choice recorded; the count is settled."
        elif step in _STEPS:
            action, message = _STEPS[step]
            action(db, award_id, user.username)
        else:
            raise events.NotFound(f"step = {step!r}: expected open, close, runoff, casting or reveal")
    except events.NotFound:
        raise
    except MigliaError as exc:
        message = str(exc)
    return done(request, message, to)


# -- the jurors ------------------------------------------------------------------------------------------


@router.get("/ballots", response_class=HTMLResponse)
def ballots(request: Request, user: User = Depends(signed_in)) -> Response:
    with database(request).unit_of_work() as uow:
        return render(
            request,
            "awards/jury_ballots.html",
            "ballots",
            uow,
            views=juries.ballot_list(uow, user),
            user=user,
            states=AwardState,
        )


def _juror_view(uow: UnitOfWork, award_id: int, user: User) -> juries.JurorView:
    try:
        return juries.juror_view(uow, _id(award_id), user)
    except juries.NotAJuror as exc:
        raise Forbidden(str(exc)) from None


def _ballot_page(
    request: Request,
    uow: UnitOfWork,
    view: juries.JurorView,
    *,
    typed: list[tuple[str, str]] | None = None,
    error: str | None = None,
) -> Response:
    seats = view.round.seats if view.round else view.award.winners
    if typed is None:
        held = view.mine.choices if view.mine else ()
        typed = [(str(c.start_no), c.reason) for c in held]
    typed = (typed + [("", "")] * seats)[:seats]
    labels = {e.start_no: f"{e.start_no} · {e.car.title} ({e.crew.driver})" for e in view.candidates}
    slots = [
        {
            "number": i,
            "label": (
                f"{_ordinal(i)} choice ({seats - i + 1} point{'s' if seats - i + 1 != 1 else ''})"
                if view.award.method is Method.BORDA and seats > 1
                else f"Choice {i}"
                if seats > 1
                else "Your choice"
            ),
            "entrant": labels.get(_number(value) or 0, value),
            "start_no": _number(value),
            "reason": reason,
        }
        for i, (value, reason) in enumerate(typed, 1)
    ]
    return render(
        request,
        "awards/jury_ballot.html",
        "ballots",
        uow,
        status=400 if error else 200,
        view=view,
        award=view.award,
        slots=slots,
        labels=labels,
        seats=seats,
        error=error,
        max_reason=MAX_REASON,
        states=AwardState,
    )


@router.get("/ballots/{award_id}", response_class=HTMLResponse)
def ballot(request: Request, award_id: int, user: User = Depends(signed_in)) -> Response:
    with database(request).unit_of_work() as uow:
        return _ballot_page(request, uow, _juror_view(uow, award_id, user))


def _choices(where: str, typed: list[tuple[str, str]]) -> list[tuple[int, str]]:
    """The ballot form's slots as (start number, reason); empty slots skipped; an entrant typed without
    its start number, or a reason without an entrant, is refused naming the slot."""
    out = []
    for i, (entrant, reason) in enumerate(typed, 1):
        if not entrant.strip() and not reason.strip():
            continue
        found = _LEADING_NUMBER.match(entrant)
        if not entrant.strip():
            raise InvalidInput(where, f"choice {i} entrant", "", "choose the entrant this reason is for")
        if found is None:
            raise InvalidInput(
                where,
                f"choice {i} entrant",
                entrant,
                "pick an entrant from the list (its start number first)",
            )
        out.append((int(found.group(1)), reason))
    return out


@router.post("/ballots/{award_id}")
async def cast(request: Request, award_id: int, user: User = Depends(signed_in)) -> Response:
    form = await request.form()
    db = database(request)
    with db.unit_of_work() as uow:
        view = _juror_view(uow, award_id, user)
    seats = view.round.seats if view.round else view.award.winners
    typed = [
        (str(form.get(f"entrant_{i}") or "")[:200], str(form.get(f"reason_{i}") or "")[:2000])
        for i in range(1, seats + 1)
    ]
    try:
        choices = _choices(f"ballot for {view.award.name!r}", typed)
        juries.cast_ballot(db, award_id, user, choices)
    except juries.NotAJuror as exc:
        raise Forbidden(str(exc)) from None
    except MigliaError as exc:
        with db.unit_of_work() as uow:
            return _ballot_page(request, uow, _juror_view(uow, award_id, user), typed=typed, error=str(exc))
    changed = "changed: your earlier ballot is withdrawn" if view.mine else "cast"
    return done(
        request,
        f"Your ballot for {view.award.name!r} is {changed}. You may change it until the vote closes.",
        f"/ballots/{award_id}",
    )


# -- the public ------------------------------------------------------------------------------------------


@router.get("/awards", response_class=HTMLResponse)
def public_awards(request: Request, uow: UnitOfWork = Depends(unit_of_work)) -> Response:
    return render(
        request,
        "awards/award_public_list.html",
        "awards",
        uow,
        awards=juries.public_awards(uow),
        states=AwardState,
    )


@router.get("/awards/{award_id}", response_class=HTMLResponse)
def public_award(request: Request, award_id: int, uow: UnitOfWork = Depends(unit_of_work)) -> Response:
    award, winners = juries.public_award(uow, _id(award_id))
    return render(
        request,
        "awards/award_public.html",
        "awards",
        uow,
        award=award,
        winners=winners,
        entries=_entries(uow),
        states=AwardState,
        juror_plurals=JUROR_PLURALS,
    )


@router.get("/api/awards")
def api_awards(request: Request, uow: UnitOfWork = Depends(unit_of_work)) -> Response:
    """The awards whose vote has opened; winners and reasons only once revealed."""
    return JSONResponse(
        [
            {
                "id": a.id,
                "name": a.name,
                "description": a.description,
                "winners": a.winners,
                "state": a.state.value,
                "revealed_us": a.revealed_us,
                "results": [
                    {
                        "start_no": w.start_no,
                        "car": w.car,
                        "driver": w.driver,
                        "co_driver": w.co_driver,
                        "reasons": list(w.reasons),
                        "jurors": list(w.jurors),
                    }
                    for w in winners
                ],
            }
            for a, winners in juries.public_awards(uow)
        ]
    )


@router.get("/organiser/awards/{award_id}/count.csv")
def count_csv(request: Request, award_id: int, user: User = Depends(organiser)) -> Response:
    """The count as the command prints it, for the organiser once the vote is closed."""
    with database(request).unit_of_work() as uow:
        view = juries.organiser_view(uow, _id(award_id))
    lines = juries.count_lines(database(request), view.award.name)
    return Response(
        "entry,start_no,votes\n" + "".join(f"{line}\n" for line in lines or ()),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="award-{award_id}-count.csv"'},
    )
