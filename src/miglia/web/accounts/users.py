"""The organiser's users page: accounts, their roles and passwords."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from miglia.domain.accounts import ROLES, User
from miglia.domain.errors import MigliaError
from miglia.service.accounts import users
from miglia.store.unit_of_work import UnitOfWork
from miglia.web.console import done, organiser_only, render
from miglia.web.deps import database, unit_of_work

router = APIRouter()


@router.get("/organiser/users", response_class=HTMLResponse)
def user_list(
    request: Request, user: User = Depends(organiser_only), uow: UnitOfWork = Depends(unit_of_work)
) -> Response:
    return _users_page(request, uow, user)


def _users_page(request: Request, uow: UnitOfWork, user: User, status: int = 200, **context: Any) -> Response:
    return render(
        request,
        "accounts/users.html",
        "organiser",
        uow,
        status,
        user=user,
        accounts=users.all_users(uow),
        roles=ROLES,
        **context,
    )


def _start_no(value: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not value.isdigit():
        raise MigliaError(f"start_no = {value!r}: expected a start number")
    return int(value)


@router.post("/organiser/users", response_class=HTMLResponse)
def add_user(
    request: Request,
    username: str = Form(""),
    role: str = Form(""),
    password: str = Form(""),
    start_no: str = Form(""),
    user: User = Depends(organiser_only),
) -> Response:
    try:
        added = users.add_user(database(request), username, role, password, _start_no(start_no))
    except MigliaError as exc:
        with database(request).unit_of_work() as uow:
            form = {"username": username, "role": role, "start_no": start_no}
            return _users_page(request, uow, user, 400, add_error=str(exc), form=form)
    return done(request, f"Added {added.username} ({added.role_label}).", "/organiser/users")


@router.post("/organiser/users/{user_id}/role", response_class=HTMLResponse)
def change_role(
    request: Request,
    user_id: int,
    role: str = Form(""),
    start_no: str = Form(""),
    user: User = Depends(organiser_only),
) -> Response:
    try:
        changed = users.set_role(database(request), user_id, role, _start_no(start_no))
    except MigliaError as exc:
        with database(request).unit_of_work() as uow:
            return _users_page(request, uow, user, 400, row_error=(user_id, str(exc)))
    car = f", car {changed.start_no}" if changed.start_no else ""
    return done(request, f"{changed.username} is now {changed.role_label.lower()}{car}.", "/organiser/users")


@router.post("/organiser/users/{user_id}/password", response_class=HTMLResponse)
def change_password(
    request: Request, user_id: int, password: str = Form(""), user: User = Depends(organiser_only)
) -> Response:
    try:
        changed = users.set_password(database(request), user_id, password)
    except MigliaError as exc:
        with database(request).unit_of_work() as uow:
            return _users_page(request, uow, user, 400, row_error=(user_id, str(exc)))
    return done(request, f"New password set for {changed.username}.", "/organiser/users")
