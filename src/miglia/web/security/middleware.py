"""The ASGI middleware that puts sessions, CSRF and the security headers around every HTTP request.

Pure ASGI rather than Starlette's BaseHTTPMiddleware, so the live SSE stream passes through untouched.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from miglia.web.security import csrf
from miglia.web.security.csrf import CSRF_OK_SCOPE_KEY, SAFE_METHODS
from miglia.web.security.headers import security_headers
from miglia.web.security.sessions import SESSION_MAX_AGE, SESSION_SCOPE_KEY, SessionCookie


class SecurityMiddleware:
    """Reads the session cookie, refuses cookie-carrying writes without the CSRF token, writes the cookie
    back when the session changed, and adds the security headers to every response."""

    def __init__(self, app: ASGIApp, secret: str, max_age: int = SESSION_MAX_AGE) -> None:
        self.app = app
        self.cookie = SessionCookie(secret, max_age)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        session = self.cookie.load(scope)
        scope[SESSION_SCOPE_KEY] = session
        scope[CSRF_OK_SCOPE_KEY] = False
        https = scope.get("scheme") == "https"
        headers_to_add = security_headers(scope, https)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in headers_to_add:
                    if name not in headers:
                        headers[name] = value
                if session.session_id is not None and "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
                if session.modified:
                    headers.append("Set-Cookie", self.cookie.set_cookie(session, https))
            await send(message)

        if scope["method"] not in SAFE_METHODS and session.from_cookie:
            refused, receive = await csrf.refusal(scope, receive, session)
            if refused is not None:
                await refused(scope, receive, send_with_headers)
                return
            scope[CSRF_OK_SCOPE_KEY] = True
        await self.app(scope, receive, send_with_headers)
