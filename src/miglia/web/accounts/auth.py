"""Logging in and out. Accounts are made by the organiser (console or `miglia users add`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from miglia.domain.accounts import User
from miglia.service.accounts import users
from miglia.web.security.csrf import csrf_checked
from miglia.web.security.proxies import client_ip
from miglia.web.security.rate_limits import rate_limit
from miglia.web.security.roles import require, viewer
from miglia.web.security.sessions import session_of
from miglia.web.templating import templates

router = APIRouter()

HOME_BY_ROLE = {
    "organiser": "/organiser",
    "timekeeper": "/organiser/timing",
    "marshal": "/marshal",
    "mechanic": "/organiser/alerts",
    "crew": "/crew",
    "photographer": "/photos/upload",
    "scrutineer": "/scrutineering",
}


def home_of(user: User) -> str:
    return HOME_BY_ROLE.get(user.role, "/")


def _safe_next(target: str) -> str:
    """Only a path on this site (no //host, no scheme): a login link must not send anyone elsewhere."""
    if target.startswith("/") and not target.startswith(("//", "/\\")) and "\n" not in target:
        return target
    return ""


def _login_page(
    request: Request, next_url: str, error: str = "", username: str = "", status: int = 200
) -> Response:
    return templates.TemplateResponse(
        request,
        "accounts/login.html",
        {"nav": "login", "next": next_url, "error": error, "username": username, "user": viewer(request)},
        status_code=status,
    )


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "") -> Response:
    return _login_page(request, _safe_next(next))


@router.post("/login", response_class=HTMLResponse, dependencies=[Depends(csrf_checked)])
def login(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    next: str = Form(""),
) -> Response:
    rate_limit(request, "login", client_ip(request))
    user = users.authenticate(request.app.state.db, username, password)
    if user is None:
        return _login_page(request, _safe_next(next), "Wrong username or password.", username, status=401)
    session = session_of(request)
    session.login(users.start_session(request.app.state.db, user.id, replacing=session.session_id))
    return RedirectResponse(_safe_next(next) or home_of(user), status_code=303)


@router.post("/logout")
def logout(request: Request, user: User = Depends(require())) -> Response:
    session = session_of(request)
    if session.session_id is not None:
        users.end_session(request.app.state.db, session.session_id)
    session.clear()
    return RedirectResponse("/", status_code=303)
