"""The spectators' vote on the web: the voting pages (small, server-rendered, working without JavaScript),
the vote block of a car's page, the results once revealed, and the organiser's page and fraud report.

One vote per person per category, held three ways:
- the voter cookie (`miglia_voter`, a random id signed with the event's vote key, 30 days);
- the device token: the voting page's few lines of script (static/js/vote.js) keep a random token in the
  browser's storage and send it with each vote (without JavaScript, the cookie alone);
- a rate limit per address: VOTE_RATE votes a minute, in bursts of up to VOTE_BURST (a vote refused by it
  gets 429 and a page saying when to try again).
The address itself goes only into a salted hash (service.awards.votes).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeSerializer

from miglia.domain.accounts import User
from miglia.domain.errors import MigliaError
from miglia.domain.votes import BURST_VOTES, BURST_WINDOW_US, Category, Step, VoteState, address_key
from miglia.service.awards import votes
from miglia.service.event import events
from miglia.store.unit_of_work import UnitOfWork
from miglia.web.console import attempt, done, render
from miglia.web.deps import database, unit_of_work
from miglia.web.security.csrf import csrf_checked
from miglia.web.security.proxies import client_ip
from miglia.web.security.rate_limits import TokenBucket
from miglia.web.security.roles import require
from miglia.web.templating import templates

router = APIRouter()
organiser = require("organiser")

VOTER_COOKIE = "miglia_voter"
VOTER_MAX_AGE = 30 * 86_400
VOTE_RATE = 10
"""Votes a minute from one address (an IPv6 address by its /64)..."""
VOTE_BURST = 10
"""... in bursts of up to this many: a family at the show's Wi-Fi votes freely, a script does not."""
MAX_ID = 2**31 - 1
STEPS = {s.value: s for s in Step}


def _id(value: int, what: str) -> int:
    if not 0 < value <= MAX_ID:
        raise events.NotFound(f"{what} {value}: there is no such {what}")
    return value


# -- the voter cookie ----------------------------------------------------------------------------------


def _serializer(key: str) -> URLSafeSerializer:
    return URLSafeSerializer(key, salt="miglia.voter")


def voter_of(request: Request, key: str | None) -> str | None:
    """The voter id of the signed cookie; None without one (or forged, or signed with another key)."""
    raw = request.cookies.get(VOTER_COOKIE)
    if not raw or key is None:
        return None
    try:
        value = _serializer(key).loads(raw)
    except BadSignature:
        return None
    return value if isinstance(value, str) and votes.VOTER_ID.fullmatch(value) else None


def _set_voter(response: Response, request: Request, key: str, voter: str) -> None:
    response.set_cookie(
        VOTER_COOKIE,
        _serializer(key).dumps(voter),
        max_age=VOTER_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def _bucket(request: Request) -> TokenBucket:
    limits: dict[str, TokenBucket] = request.app.state.rate_limits
    if "vote" not in limits:
        limits["vote"] = TokenBucket(VOTE_RATE, VOTE_BURST)
    return limits["vote"]


# -- what a car's page shows (templates/awards/vote_block.html) ----------------------------------------


def vote_block(request: Request, start_no: int) -> dict[str, Any]:
    """For a car's page: the open categories, each with this browser's vote in it (if any), and whether
    any results are out. Never a count."""
    db = database(request)
    key = votes.voter_key(db)
    if key is None:
        return {"open": [], "results": False}
    with db.unit_of_work() as uow:
        cats = votes.categories(uow)
        mine = votes.my_votes(uow, voter_of(request, key))
    return {
        "open": [(c, mine.get(c.id)) for c in cats if c.state is VoteState.OPEN],
        "results": any(c.state is VoteState.REVEALED for c in cats),
        "start_no": start_no,
    }


templates.env.globals["vote_block"] = vote_block


# -- the spectator's pages -----------------------------------------------------------------------------


def _page(request: Request, name: str, uow: UnitOfWork, status: int = 200, **context: Any) -> Response:
    return render(request, name, "show", uow, status=status, **context)


@router.get("/show/vote", response_class=HTMLResponse)
def vote_index(request: Request, uow: UnitOfWork = Depends(unit_of_work)) -> Response:
    """The categories open for voting (and a word on the others)."""
    key = votes.voter_key(database(request))
    cats = votes.categories(uow)
    return _page(
        request,
        "awards/vote_index.html",
        uow,
        categories=cats,
        mine=votes.my_votes(uow, voter_of(request, key)),
        entries={e.start_no: e for e in votes.show_entries(uow)},
    )


@router.get("/show/vote/{category_id}", response_class=HTMLResponse)
def vote_category(request: Request, category_id: int, uow: UnitOfWork = Depends(unit_of_work)) -> Response:
    """One category: every car of the show, one to choose (a plain form)."""
    category = votes.category_of(uow, _id(category_id, "vote category"))
    key = votes.voter_key(database(request))
    return _page(
        request,
        "awards/vote_category.html",
        uow,
        category=category,
        mine=votes.my_votes(uow, voter_of(request, key)).get(category.id),
        entries=votes.show_entries(uow),
    )


@router.get("/show/vote/{category_id}/{start_no}", response_class=HTMLResponse)
def vote_car(
    request: Request, category_id: int, start_no: int, uow: UnitOfWork = Depends(unit_of_work)
) -> Response:
    """One car in one category: the button, or what this browser voted."""
    category = votes.category_of(uow, _id(category_id, "vote category"))
    entry = votes.show_entry(uow, _id(start_no, "car"), category.name)
    key = votes.voter_key(database(request))
    return _page(
        request,
        "awards/vote_car.html",
        uow,
        category=category,
        entry=entry,
        mine=votes.my_votes(uow, voter_of(request, key)).get(category.id),
    )


@router.post("/show/vote/{category_id}", response_class=HTMLResponse)
def cast_vote(
    request: Request,
    category_id: int,
    start_no: str = Form(""),
    device: str = Form(""),
    back: str = Form(""),
) -> Response:
    """A spectator's vote. Every attempt spends a token of the address's rate limit; a refusal is a small
    page saying why (409 for a second vote or a closed category, 429 for the rate limit, 400 for bad
    input), and changes nothing."""
    db = database(request)
    csrf_checked(request)
    cid = _id(category_id, "vote category")
    address = client_ip(request)
    wait = _bucket(request).take(address_key(address))
    if wait:
        return _refused(
            request,
            cid,
            f"Too many votes from your network: please wait {max(1, round(wait))} s and try again "
            f"(at most {VOTE_RATE} votes a minute from one address).",
            429,
            {"Retry-After": str(max(1, round(wait)))},
        )
    key = votes.voter_key(db)
    if key is None:
        raise events.NotFound(f"vote category {cid}: there is no such category")
    voter = voter_of(request, key) or votes.new_voter_id()
    try:
        car = int(start_no)
    except ValueError:
        return _refused(request, cid, f"vote: car = {start_no!r}: choose a car (its start number)", 400)
    try:
        made = votes.cast(db, cid, _id(car, "car"), voter, device, address)
    except (votes.AlreadyVoted, votes.NotOpen) as exc:
        return _refused(request, cid, str(exc), 409)
    except events.NotFound:
        raise
    except MigliaError as exc:
        return _refused(request, cid, str(exc), 400)
    car = made.entry.start_no
    to = {"car": f"/cars/{car}#vote", "show": f"/show/cars/{car}#vote"}.get(back, f"/show/vote/{cid}/{car}")
    response = RedirectResponse(to, status_code=303)
    _set_voter(response, request, key, voter)
    return response


def _refused(
    request: Request, category_id: int, message: str, status: int, headers: dict[str, str] | None = None
) -> Response:
    with database(request).unit_of_work() as uow:
        category = votes.category_of(uow, category_id)
        tone = "warn" if status == 409 else "bad"
        response = _page(
            request, "awards/vote_refused.html", uow, status, category=category, message=message, tone=tone
        )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


@router.get("/show/results", response_class=HTMLResponse)
def results(request: Request, uow: UnitOfWork = Depends(unit_of_work)) -> Response:
    """The tally of each revealed category; the others say they are sealed."""
    return _page(
        request,
        "awards/vote_results.html",
        uow,
        results=votes.results(uow),
        sealed=[c for c in votes.categories(uow) if c.state is not VoteState.REVEALED],
        entries={e.start_no: e for e in events.entries(uow, events.event_row(uow).id)},
    )


# -- the organiser -------------------------------------------------------------------------------------


@router.get("/organiser/votes", response_class=HTMLResponse)
def organiser_page(request: Request, user: User = Depends(organiser)) -> Response:
    with database(request).unit_of_work() as uow:
        report = votes.report(uow)
        return render(
            request,
            "awards/vote_organiser.html",
            "organiser",
            uow,
            categories=votes.categories(uow),
            cast=report.cast,
            bursts=len(report.bursts),
            voided=len(report.voided),
            states=VoteState,
        )


@router.post("/organiser/votes/peoples-choice")
def open_peoples_choice(request: Request, user: User = Depends(organiser)) -> Response:
    def action() -> str:
        category = votes.open_peoples_choice(database(request), user.username)
        return f"{category.name} is open: spectators can vote from each car's page."

    return attempt(request, "/organiser/votes", action)


@router.post("/organiser/votes/categories")
def add_category(
    request: Request, name: str = Form(""), description: str = Form(""), user: User = Depends(organiser)
) -> Response:
    def action() -> str:
        category = votes.add_category(database(request), name, description, user.username)
        return f"Category {category.name} added; open it when the spectators may vote."

    return attempt(request, "/organiser/votes", action)


@router.post("/organiser/votes/categories/{category_id}/{step}")
def take_step(request: Request, category_id: int, step: str, user: User = Depends(organiser)) -> Response:
    def action() -> str:
        chosen = STEPS.get(step)
        if chosen is None:
            raise events.NotFound(f"step = {step!r}: a vote is opened, closed or revealed")
        category = votes.take_step(
            database(request), _id(category_id, "vote category"), chosen, user.username
        )
        if chosen is Step.REVEAL:
            return f"{category.name}: the tally is revealed on /show/results."
        return f"{category.name}: {chosen.done}."

    return attempt(request, "/organiser/votes", action)


@router.get("/organiser/votes/report", response_class=HTMLResponse)
def fraud_report(request: Request, user: User = Depends(organiser)) -> Response:
    with database(request).unit_of_work() as uow:
        return render(
            request,
            "awards/vote_report.html",
            "organiser",
            uow,
            report=votes.report(uow),
            entries={e.start_no: e for e in events.entries(uow, events.event_row(uow).id)},
            names={c.id: c.name for c in votes.categories(uow)},
            burst_votes=BURST_VOTES,
            burst_minutes=BURST_WINDOW_US // 60_000_000,
        )


@router.post("/organiser/votes/void")
async def void_votes(request: Request, user: User = Depends(organiser)) -> Response:
    """Void the chosen votes (one, or a whole burst), saying why."""
    form = await request.form()
    try:
        ids = [_id(int(str(v)), "vote") for v in form.getlist("vote") if str(v).strip()]
        n = votes.void(database(request), ids, user.username, str(form.get("why") or ""))
        message = (
            "1 vote voided: it no longer counts." if n == 1 else f"{n} votes voided: they no longer count."
        )
    except ValueError as exc:
        message = str(exc)
    return done(request, message, "/organiser/votes/report")


@router.post("/organiser/votes/restore/{vote_id}")
def restore_vote(request: Request, vote_id: int, user: User = Depends(organiser)) -> Response:
    try:
        votes.restore(database(request), _id(vote_id, "vote"), user.username)
        message = f"Vote {vote_id} counts again (its void is kept in the record)."
    except MigliaError as exc:
        message = str(exc)
    return done(request, message, "/organiser/votes/report")


def category_steps(category: Category) -> list[tuple[str, str, int]]:
    """A category's steps as (what, who, when) for the organiser's page."""
    return [(s.step.done.capitalize(), s.by, s.at_us) for s in category.steps]


templates.env.globals["vote_steps"] = category_steps
