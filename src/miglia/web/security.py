"""Security of the web app: the signed session cookie, CSRF, roles, rate limits and security headers.

- Session: a cookie (`miglia_session`) signed with itsdangerous (HMAC-SHA1 over the JSON, with a time
  stamp; 14 days). It holds only a random session id, the CSRF token and a one-shot message, never the
  user or the role. The id names a `user_sessions` row (service.users): each request reads the row and
  its user in one query, so a logout, a new password, a role change or a deleted account takes effect at
  once, even for a copy of the cookie. HttpOnly, SameSite=Lax, and Secure when the request came over
  https (behind a proxy, name it with `miglia serve --trusted-proxy` so the scheme is seen). The signing
  key is MIGLIA_SECRET; without it a random key is made when the app starts, so sessions end when the
  server restarts and several workers would not share them: set MIGLIA_SECRET in production.
- CSRF: every request that carries the session cookie and is not GET/HEAD/OPTIONS must carry the
  session's token, in the `csrf` form field (HTML forms) or the `X-CSRF-Token` header (the marshal page's
  JSON posts), or it is refused with 403 before any route runs. `require(...)` and `csrf_checked` check it
  again in the route, so a POST with no cookie at all gets no further either.
- Roles: `require(*roles)` is the dependency every private route takes; the organiser may do everything.
- Rate limits: small in-process token buckets (per worker), e.g. login: 5 attempts per minute per IP.
  The IP is the peer's, or the one a trusted proxy forwarded (`trusted_proxies`; none by default).
- Headers: X-Content-Type-Options, Referrer-Policy, X-Frame-Options, a Content-Security-Policy that
  allows only this site (plus the map tile server for images), HSTS over https, no-store for signed-in pages.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import secrets
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from miglia.domain.errors import InvalidInput
from miglia.service.accounts import users
from miglia.service.accounts.users import User
from miglia.service.event import events
from miglia.store.db import Database
from miglia.store.models import EventRow
from miglia.web.templating import templates

log = logging.getLogger(__name__)

SESSION_COOKIE = "miglia_session"
SESSION_MAX_AGE = 14 * 86_400
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_FORM_BYTES = 20 * 1024 * 1024
_SESSION = "miglia.session"
_CSRF_OK = "miglia.csrf_ok"
_VIEWER = "miglia.viewer"


# ---------------------------------------------------------------------------------------------- session


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
    session: SessionData | None = request.scope.get(_SESSION)
    if session is None:  # the middleware is not installed (a bare router in a test)
        session = request.scope[_SESSION] = SessionData()
    return session


def csrf_token(request: Request) -> str:
    """The session's CSRF token (made on first use); templates put it in every form."""
    return session_of(request).csrf_token()


def secret_from_env() -> str:
    secret = os.environ.get("MIGLIA_SECRET", "")
    if secret:
        return secret
    log.warning("MIGLIA_SECRET is not set: using a random key; sessions end when the server restarts")
    return secrets.token_urlsafe(32)


# ---------------------------------------------------------------------------------------------- errors


class NotLoggedIn(Exception):
    pass


class Forbidden(Exception):
    pass


class RateLimited(Exception):
    def __init__(self, retry_after_s: float) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(f"too many attempts; try again in {retry_after_s:.0f} s")


def _wants_json(request: Request) -> bool:
    path = request.url.path
    return (
        "/api/" in path or path.startswith("/api") or "application/json" in request.headers.get("accept", "")
    )


def _problem(request: Request, message: str, status: int, headers: dict[str, str] | None = None) -> Response:
    if _wants_json(request):
        return JSONResponse({"error": message}, status_code=status, headers=headers)
    return templates.TemplateResponse(
        request,
        "error.html",
        {"message": message, "status": status, "title": _TITLES.get(status)},
        status_code=status,
        headers=headers,
    )


_TITLES = {401: "Please log in", 403: "Not allowed", 429: "Too many attempts"}


async def _not_logged_in(request: Request, exc: Exception) -> Response:
    if _wants_json(request):
        return JSONResponse({"error": "not logged in"}, status_code=401)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    next_part = urllib.parse.urlencode({"next": target}) if request.method == "GET" else ""
    return RedirectResponse("/login" + (f"?{next_part}" if next_part else ""), status_code=303)


async def _forbidden(request: Request, exc: Exception) -> Response:
    return _problem(request, str(exc) or "You are not allowed to do this.", 403)


async def _rate_limited(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RateLimited)
    return _problem(request, str(exc), 429, {"Retry-After": str(max(1, round(exc.retry_after_s)))})


# ---------------------------------------------------------------------------------------------- roles


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


def csrf_checked(request: Request) -> None:
    """For routes that change something: the request carried the session's CSRF token."""
    if request.method not in SAFE_METHODS and not request.scope.get(_CSRF_OK):
        raise Forbidden(
            "This form has expired or did not come from this site. Reload the page and try again."
        )


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
            needed = " or ".join(users.ROLE_LABELS[r].lower() for r in roles)
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
    with db.sessions() as s:
        return events.results_published(s)


# ---------------------------------------------------------------------------------------------- rate limits


class TokenBucket:
    """`per_minute` requests a minute per key, in bursts of up to `burst`; in process memory, per worker."""

    def __init__(self, per_minute: float, burst: int) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str, now: float | None = None) -> float:
        """0 if the request may go ahead (a token is spent), else the seconds until it may."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, then = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - then) * self.rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                if len(self._buckets) > 10_000:
                    self._forget_full(now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self.rate

    def _forget_full(self, now: float) -> None:
        for key, (tokens, then) in list(self._buckets.items()):
            if tokens + (now - then) * self.rate >= self.burst:
                del self._buckets[key]


DEFAULT_LIMITS = {
    "login": (5, 5),  # per client IP: 5 attempts a minute
    "marshal": (120, 60),  # per marshal: sync batches from the phone
}


def client_ip(request: Request) -> str:
    """The peer's address; uvicorn has already replaced it by the forwarded client's when the peer is a
    trusted proxy (see `trusted_proxies`), so nothing here reads X-Forwarded-For itself."""
    return request.client.host if request.client else "unknown"


TRUSTED_PROXIES_ENV = "MIGLIA_TRUSTED_PROXIES"


def trusted_proxies(given: Iterable[str] = ()) -> list[str]:
    """The proxies whose X-Forwarded-For / X-Forwarded-Proto are believed: `given` (`--trusted-proxy`),
    else MIGLIA_TRUSTED_PROXIES; each value may list several, comma-separated. None by default: any
    client can send those headers, and believing them would let it pick its own rate-limit key.

    A value that is not an IP address or network is refused naming it (uvicorn would quietly compare it
    as text and never match)."""
    values = list(given) or [os.environ.get(TRUSTED_PROXIES_ENV, "")]
    return [_checked_proxy(item.strip()) for value in values for item in value.split(",") if item.strip()]


def _checked_proxy(value: str) -> str:
    try:
        # uvicorn reads a value with "/" as a strict network (no host bits), any other as one address.
        ipaddress.ip_network(value) if "/" in value else ipaddress.ip_address(value)
    except ValueError as exc:
        raise InvalidInput(
            "trusted proxies", "trusted_proxy", value, f"expected an IP address or a network (CIDR): {exc}"
        ) from None
    return value


def rate_limit(request: Request, name: str, key: str) -> None:
    bucket: TokenBucket = request.app.state.rate_limits[name]
    wait = bucket.take(key)
    if wait:
        raise RateLimited(wait)


# ---------------------------------------------------------------------------------------------- middleware


def _origin(template: str) -> str:
    """The CSP source for a tile URL template: https://{s}.tile.example.org/... -> https://*.tile.example.org"""
    parts = urllib.parse.urlsplit(template.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    host = parts.netloc.replace("{s}.", "*.")
    return f"{parts.scheme}://{host}" if "{" not in host else f"{parts.scheme}:"


class _TileSources:
    """Where the map may load tile images from: the app's and the event's tile URL, read again each minute."""

    def __init__(self) -> None:
        self._value = ""
        self._read_at = -1e9

    def get(self, app: Any) -> str:
        now = time.monotonic()
        if now - self._read_at > 60:
            self._read_at = now
            urls = [str(getattr(app.state, "tile_url", "") or "")]
            try:
                with app.state.db.sessions() as s:
                    definition = s.scalars(select(EventRow.definition).order_by(EventRow.id.desc())).first()
                urls.append(str((definition or {}).get("tile_url", "") or ""))
            except Exception:  # no schema yet, a database hiccup: keep the page working without tiles
                log.debug("could not read the event's tile URL", exc_info=True)
            self._value = " ".join(sorted({o for o in map(_origin, urls) if o}))
        return self._value

    def reset(self) -> None:
        """Read again on the next request (after an event import)."""
        self._read_at = -1e9


def content_security_policy(tile_sources: str = "") -> str:
    img = " ".join(s for s in ("'self'", "data:", tile_sources) if s)
    return (
        f"default-src 'self'; img-src {img}; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
        "frame-ancestors 'none'"
    )


# FastAPI's own API docs page loads Swagger UI from a CDN with an inline script.
_DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com; "
    "frame-ancestors 'none'"
)


class SecurityMiddleware:
    """Reads the session cookie, refuses cookie-carrying writes without the CSRF token, writes the cookie
    back when the session changed, and adds the security headers to every response. Pure ASGI, so the
    live SSE stream passes through untouched."""

    def __init__(self, app: ASGIApp, secret: str, max_age: int = SESSION_MAX_AGE) -> None:
        self.app = app
        self.serializer = URLSafeTimedSerializer(secret, salt="miglia.session")
        self.max_age = max_age

    def _load(self, scope: Scope) -> SessionData:
        raw = Request(scope).cookies.get(SESSION_COOKIE)
        if not raw:
            return SessionData()
        try:
            data = self.serializer.loads(raw, max_age=self.max_age)
        except BadSignature:
            return SessionData()
        return SessionData(data, from_cookie=True) if isinstance(data, dict) else SessionData()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        session = self._load(scope)
        scope[_SESSION] = session
        scope[_CSRF_OK] = False
        https = scope.get("scheme") == "https"
        headers_to_add = self._headers(scope, https)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in headers_to_add:
                    if name not in headers:
                        headers[name] = value
                if session.session_id is not None and "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
                if session.modified:
                    headers.append("Set-Cookie", self._cookie(session, https))
            await send(message)

        if scope["method"] not in SAFE_METHODS and session.from_cookie:
            try:
                token, receive = await _submitted_token(scope, receive)
            except _TooLarge:
                response: Response = JSONResponse({"error": "the upload is too large"}, status_code=413)
                await response(scope, receive, send_with_headers)
                return
            expected = session.data.get("c")
            if not (token and isinstance(expected, str) and hmac.compare_digest(token, expected)):
                request = Request(scope, receive)
                response = _problem(
                    request,
                    "This form has expired or did not come from this site (CSRF check failed). "
                    "Reload the page and try again.",
                    403,
                )
                await response(scope, receive, send_with_headers)
                return
            scope[_CSRF_OK] = True
        await self.app(scope, receive, send_with_headers)

    def _headers(self, scope: Scope, https: bool) -> list[tuple[str, str]]:
        app = scope.get("app")
        docs = getattr(app, "docs_url", None)
        tiles: _TileSources | None = getattr(getattr(app, "state", None), "tile_sources", None)
        sources = tiles.get(app) if tiles else ""
        csp = _DOCS_CSP if docs and scope["path"] == docs else content_security_policy(sources)
        headers = [
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "same-origin"),
            ("X-Frame-Options", "DENY"),
            ("Cross-Origin-Opener-Policy", "same-origin"),
            ("Content-Security-Policy", csp),
        ]
        if https:
            headers.append(("Strict-Transport-Security", "max-age=31536000"))
        return headers

    def _cookie(self, session: SessionData, https: bool) -> str:
        attributes = "; Path=/; HttpOnly; SameSite=Lax" + ("; Secure" if https else "")
        if not session.data:
            return f"{SESSION_COOKIE}=; Max-Age=0" + attributes
        value = self.serializer.dumps(session.data)
        return f"{SESSION_COOKIE}={value}; Max-Age={self.max_age}" + attributes


class _TooLarge(Exception):
    pass


async def _submitted_token(scope: Scope, receive: Receive) -> tuple[str, Receive]:
    """The CSRF token of a write: from the header, else from the form body (which is then replayed)."""
    headers = dict((k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in scope["headers"])
    if headers.get(CSRF_HEADER):
        return headers[CSRF_HEADER], receive
    content_type = headers.get("content-type", "")
    if not content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        return "", receive
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            raise _TooLarge()
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    replay = _replay(body, receive)
    if content_type.startswith("application/x-www-form-urlencoded"):
        values = urllib.parse.parse_qs(body.decode("latin-1"))
        token = values.get(CSRF_FIELD, [""])[0]
    else:
        async with Request(scope, _replay(body, receive)).form() as form:
            value = form.get(CSRF_FIELD)
            token = value if isinstance(value, str) else ""
    return token, replay


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


# ---------------------------------------------------------------------------------------------- install


def install(app: FastAPI, secret: str | None = None) -> None:
    """Add the session/CSRF/headers middleware, the error pages, the rate limits and the template helpers."""
    app.state.tile_sources = _TileSources()
    app.state.rate_limits = {name: TokenBucket(*limits) for name, limits in DEFAULT_LIMITS.items()}
    app.add_middleware(SecurityMiddleware, secret=secret or secret_from_env())
    app.add_exception_handler(NotLoggedIn, _not_logged_in)
    app.add_exception_handler(Forbidden, _forbidden)
    app.add_exception_handler(RateLimited, _rate_limited)
    templates.env.globals["viewer"] = viewer
    templates.env.globals["csrf_token"] = csrf_token
    templates.env.globals["csrf_field"] = CSRF_FIELD
