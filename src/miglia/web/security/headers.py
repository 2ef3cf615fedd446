"""The security headers every response gets.

X-Content-Type-Options, Referrer-Policy, X-Frame-Options, Cross-Origin-Opener-Policy, a
Content-Security-Policy that allows only this site (plus the map tile server for images), and HSTS over
https. The middleware adds them, and no-store for signed-in pages.

The tile server is the app's (`miglia serve --tiles`) and the event file's `tile_url`; the event's is asked
of the service layer at most once a minute (`TileSources`) rather than on every response, and read again
at once after an event import (`reset`).
"""

from __future__ import annotations

import logging
import time
import urllib.parse
from typing import Any

from starlette.types import Scope

from miglia.service.event import events

log = logging.getLogger(__name__)


def tile_origin(template: str) -> str:
    """The CSP source for a tile URL template: https://{s}.tile.example.org/... -> https://*.tile.example.org"""
    parts = urllib.parse.urlsplit(template.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    host = parts.netloc.replace("{s}.", "*.")
    return f"{parts.scheme}://{host}" if "{" not in host else f"{parts.scheme}:"


class TileSources:
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
                urls.append(events.latest_tile_url(app.state.db))
            except Exception:  # no schema yet, a database hiccup: keep the page working without tiles
                log.debug("could not read the event's tile URL", exc_info=True)
            self._value = " ".join(sorted({o for o in map(tile_origin, urls) if o}))
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


def security_headers(scope: Scope, https: bool) -> list[tuple[str, str]]:
    """The headers for a response to this request (the app's API docs page gets its own CSP)."""
    app = scope.get("app")
    docs = getattr(app, "docs_url", None)
    tiles: TileSources | None = getattr(getattr(app, "state", None), "tile_sources", None)
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
