"""Security of the web app, one concern a module:

- `sessions`: the signed session cookie (a random id naming a server-side session, the CSRF token, a
  one-shot message; never the user or the role) and its signing key;
- `csrf`: a write carrying the session cookie must carry the session's token;
- `roles`: who is signed in (`viewer`), `require(*roles)` for private routes, `results_visible`;
- `rate_limits`: in-process token buckets (login: 5 attempts a minute per IP);
- `proxies`: the client's address, and which proxies are believed when they forward one;
- `headers`: CSP, HSTS and the other headers every response gets;
- `errors`: the refusals (401/redirect, 403, 429) as JSON or the error page;
- `middleware`: the ASGI middleware that applies sessions, CSRF and headers around each request.

`install` wires them into the app.
"""

from __future__ import annotations

from fastapi import FastAPI

from miglia.web.security.csrf import CSRF_FIELD, csrf_token
from miglia.web.security.errors import (
    Forbidden,
    NotLoggedIn,
    RateLimited,
    forbidden,
    not_logged_in,
    rate_limited,
)
from miglia.web.security.headers import TileSources
from miglia.web.security.middleware import SecurityMiddleware
from miglia.web.security.rate_limits import DEFAULT_LIMITS, TokenBucket
from miglia.web.security.roles import viewer
from miglia.web.security.sessions import secret_from_env
from miglia.web.templating import templates


def install(app: FastAPI, secret: str | None = None) -> None:
    """Add the session/CSRF/headers middleware, the error pages, the rate limits and the template helpers."""
    app.state.tile_sources = TileSources()
    app.state.rate_limits = {name: TokenBucket(*limits) for name, limits in DEFAULT_LIMITS.items()}
    app.add_middleware(SecurityMiddleware, secret=secret or secret_from_env())
    app.add_exception_handler(NotLoggedIn, not_logged_in)
    app.add_exception_handler(Forbidden, forbidden)
    app.add_exception_handler(RateLimited, rate_limited)
    templates.env.globals["viewer"] = viewer
    templates.env.globals["csrf_token"] = csrf_token
    templates.env.globals["csrf_field"] = CSRF_FIELD
