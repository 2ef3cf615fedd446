"""Who the client is: the peer's address, or the one a trusted proxy forwarded.

No proxy is trusted by default: any client can send X-Forwarded-For / X-Forwarded-Proto, and believing
them would let it pick its own rate-limit key (and claim https). uvicorn does the replacing, for the
proxies named here.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterable

from fastapi import Request

from miglia.domain.errors import InvalidInput


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
