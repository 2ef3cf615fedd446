"""Rate limits: small in-process token buckets (per worker), e.g. login: 5 attempts per minute per IP.

In process memory rather than the database: a limit is there to slow a guesser down, and losing the
counts when the server restarts costs nothing. The IP is the peer's, or the one a trusted proxy forwarded
(`proxies.client_ip`).
"""

from __future__ import annotations

import threading
import time

from fastapi import Request

from miglia.web.security.errors import RateLimited


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


def rate_limit(request: Request, name: str, key: str) -> None:
    bucket: TokenBucket = request.app.state.rate_limits[name]
    wait = bucket.take(key)
    if wait:
        raise RateLimited(wait)
