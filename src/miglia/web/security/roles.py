"""Roles: who is signed in, and the dependency every private route takes.

`require(*roles)` is the dependency every private route takes; the organiser may do everything. The
signed-in user is read from the database once per request (`viewer`), never from the cookie, so a role
change or a deleted account takes effect at once.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

from miglia.domain.accounts import ROLE_LABELS, User
from miglia.service.accounts import users
from miglia.service.event import events
from miglia.store.db import Database
from miglia.web.security.csrf import csrf_checked
from miglia.web.security.errors import Forbidden, NotLoggedIn
from miglia.web.security.sessions import SESSION_MAX_AGE, session_of

_VIEWER = "miglia.viewer"


def viewer(request: Request) -> User | None:
    """The signed-in user, read from the database once per request; None for the public."""
    if _VIEWER in request.scope:
        return request.scope[_VIEWER]  # type: ignore[no-any-return]
    user = None
    session = session_of(request)
    if session.session_id is not None:
        user = users.session_user(request.app.state.db, session.session_id, SESSION_MAX_AGE)
        if user is None:
            # Logged out, a new password, a deleted account or too old: drop the cookie too.
            session.clear()
    request.scope[_VIEWER] = user
    return user


def require(*roles: str) -> Callable[[Request], User]:
    """A dependency: the signed-in user holding one of `roles` (any role if none given; organiser always).

    Not signed in: a redirect to the login page (401 for /api/ paths). Wrong role: 403.
    A request that changes something must also have passed the CSRF check.
    """

    def dependency(request: Request) -> User:
        user = viewer(request)
        if user is None:
            raise NotLoggedIn()
        if roles and not user.has_role(*roles):
            needed = " or ".join(ROLE_LABELS[r].lower() for r in roles)
            raise Forbidden(f"This needs the {needed} role; you are signed in as {user.role_label.lower()}.")
        csrf_checked(request)
        return user

    dependency.__name__ = f"require_{'_'.join(roles) or 'user'}"
    return dependency


def results_visible(request: Request) -> bool:
    """True when the results may be shown to this viewer: published, or a viewer who checks them."""
    user = viewer(request)
    if user is not None and user.has_role("timekeeper"):
        return True
    db: Database = request.app.state.db
    with db.unit_of_work() as uow:
        return events.results_published(uow)
