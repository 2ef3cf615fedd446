"""CSRF: a write that carries the session cookie must carry the session's token too.

Every request that carries the session cookie and is not GET/HEAD/OPTIONS must carry the session's token,
in the `csrf` form field (HTML forms) or the `X-CSRF-Token` header (the marshal page's JSON posts), or the
middleware refuses it with 403 before any route runs (`refusal`). `require(...)` and `csrf_checked` check
it again in the route, so a POST with no cookie at all gets no further either.
"""

from __future__ import annotations

import hmac
import urllib.parse

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from starlette.types import Message, Receive, Scope

from miglia.web.security.errors import Forbidden, problem
from miglia.web.security.sessions import SessionData, session_of

CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_FORM_BYTES = 20 * 1024 * 1024
CSRF_OK_SCOPE_KEY = "miglia.csrf_ok"
"""Set in the ASGI scope by the middleware once the request's token matched the session's."""


def csrf_token(request: Request) -> str:
    """The session's CSRF token (made on first use); templates put it in every form."""
    return session_of(request).csrf_token()


def csrf_checked(request: Request) -> None:
    """For routes that change something: the request carried the session's CSRF token."""
    if request.method not in SAFE_METHODS and not request.scope.get(CSRF_OK_SCOPE_KEY):
        raise Forbidden(
            "This form has expired or did not come from this site. Reload the page and try again."
        )


async def refusal(scope: Scope, receive: Receive, session: SessionData) -> tuple[Response | None, Receive]:
    """For a write carrying the session cookie: (None, the receive to go on with) when it carries the
    session's token, else (the response refusing it, the receive to send it with): 413 for a form too
    large to read, 403 for a missing or wrong token."""
    try:
        token, replay = await _submitted_token(scope, receive)
    except _TooLarge:
        return JSONResponse({"error": "the upload is too large"}, status_code=413), receive
    expected = session.data.get("c")
    if not (token and isinstance(expected, str) and hmac.compare_digest(token, expected)):
        response = problem(
            Request(scope, replay),
            "This form has expired or did not come from this site (CSRF check failed). "
            "Reload the page and try again.",
            403,
        )
        return response, replay
    return None, replay


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
