"""The signed session cookie: what it holds, how it is read and written, and the key that signs it.

The cookie (`miglia_session`) is signed with itsdangerous (HMAC-SHA1 over the JSON, with a time stamp;
14 days). It holds only a random session id, the CSRF token and a one-shot message, never the user or the
role. The id names a `user_sessions` row (service.users): each request reads the row and its user in one
query (`roles.viewer`), so a logout, a new password, a role change or a deleted account takes effect at
once, even for a copy of the cookie. HttpOnly, SameSite=Lax, and Secure when the request came over https
(behind a proxy, name it with `miglia serve --trusted-proxy` so the scheme is seen). The signing key is
MIGLIA_SECRET; without it a random key is made when the app starts, so sessions end when the server
restarts and several workers would not share them: set MIGLIA_SECRET in production.
"""

from __future__ import annotations

import logging
import os
import secrets
from typing import Any

from fastapi import Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.types import Scope

log = logging.getLogger(__name__)

SESSION_COOKIE = "miglia_session"
SESSION_MAX_AGE = 14 * 86_400
SESSION_SCOPE_KEY = "miglia.session"
"""Where the middleware leaves the request's `SessionData` in the ASGI scope."""


class SessionData:
    """The signed cookie's content: {"i": session id, "c": CSRF token, "m": message}."""

    def __init__(self, data: dict[str, Any] | None = None, from_cookie: bool = False) -> None:
        self.data: dict[str, Any] = data or {}
        self.from_cookie = from_cookie
        self.modified = False

    @property
    def session_id(self) -> str | None:
        """The server-side session this browser claims; `viewer` checks it is still open."""
        value = self.data.get("i")
        return value if isinstance(value, str) and value else None

    def csrf_token(self) -> str:
        token = self.data.get("c")
        if not isinstance(token, str) or not token:
            token = secrets.token_urlsafe(32)
            self.data["c"] = token
            self.modified = True
        return token

    def login(self, session_id: str) -> None:
        """A fresh session (new CSRF token): nothing from before the login carries over."""
        self.data = {"i": session_id, "c": secrets.token_urlsafe(32)}
        self.modified = True

    def clear(self) -> None:
        self.data = {}
        self.modified = True

    def flash(self, message: str) -> None:
        self.data["m"] = message
        self.modified = True

    def pop_flash(self) -> str:
        message = self.data.pop("m", "")
        if message:
            self.modified = True
        return str(message)


def session_of(request: Request) -> SessionData:
    session: SessionData | None = request.scope.get(SESSION_SCOPE_KEY)
    if session is None:  # the middleware is not installed (a bare router in a test)
        session = request.scope[SESSION_SCOPE_KEY] = SessionData()
    return session


def secret_from_env() -> str:
    secret = os.environ.get("MIGLIA_SECRET", "")
    if secret:
        return secret
    log.warning("MIGLIA_SECRET is not set: using a random key; sessions end when the server restarts")
    return secrets.token_urlsafe(32)


class SessionCookie:
    """Reads the session from a request's cookie and writes the Set-Cookie value that carries it back."""

    def __init__(self, secret: str, max_age: int = SESSION_MAX_AGE) -> None:
        self.serializer = URLSafeTimedSerializer(secret, salt="miglia.session")
        self.max_age = max_age

    def load(self, scope: Scope) -> SessionData:
        """The session the cookie holds; an empty one when there is none, or it is forged or too old."""
        raw = Request(scope).cookies.get(SESSION_COOKIE)
        if not raw:
            return SessionData()
        try:
            data = self.serializer.loads(raw, max_age=self.max_age)
        except BadSignature:
            return SessionData()
        return SessionData(data, from_cookie=True) if isinstance(data, dict) else SessionData()

    def set_cookie(self, session: SessionData, https: bool) -> str:
        """The Set-Cookie header's value: the signed session, or an expired cookie when it was cleared."""
        attributes = "; Path=/; HttpOnly; SameSite=Lax" + ("; Secure" if https else "")
        if not session.data:
            return f"{SESSION_COOKIE}=; Max-Age=0" + attributes
        value = self.serializer.dumps(session.data)
        return f"{SESSION_COOKIE}={value}; Max-Age={self.max_age}" + attributes
