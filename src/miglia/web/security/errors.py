"""The refusals (not logged in, forbidden, rate limited) and how they are answered.

A JSON client (an /api/ path, or one that accepts JSON) gets `{"error": ...}` with the status; a browser
gets the error page, or for "not logged in" a redirect to the login page that comes back to where it was
going (only for a GET: a form posted again after the login would surprise).
"""

from __future__ import annotations

import urllib.parse

from fastapi import Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from miglia.web.templating import templates


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


def problem(request: Request, message: str, status: int, headers: dict[str, str] | None = None) -> Response:
    """The refusal as JSON or as the error page, whichever the client reads."""
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


async def not_logged_in(request: Request, exc: Exception) -> Response:
    if _wants_json(request):
        return JSONResponse({"error": "not logged in"}, status_code=401)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    next_part = urllib.parse.urlencode({"next": target}) if request.method == "GET" else ""
    return RedirectResponse("/login" + (f"?{next_part}" if next_part else ""), status_code=303)


async def forbidden(request: Request, exc: Exception) -> Response:
    return problem(request, str(exc) or "You are not allowed to do this.", 403)


async def rate_limited(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RateLimited)
    return problem(request, str(exc), 429, {"Retry-After": str(max(1, round(exc.retry_after_s)))})
