"""Forwarded client addresses (cli/main.py server_config, web/security/proxies.py): believed only
from the proxies named, so a client cannot pick its own login rate-limit key with X-Forwarded-For.

The login tests run the real uvicorn server (the proxy headers are uvicorn's doing, not the app's)."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from typer.testing import CliRunner

from miglia.cli.main import app as miglia_cli
from miglia.cli.main import server_config
from miglia.domain.errors import InvalidInput
from miglia.store.db import Database
from miglia.web.app import create_app
from miglia.web.security.proxies import TRUSTED_PROXIES_ENV, trusted_proxies

_TOKEN = re.compile(r'name="csrf" value="([^"]+)"')


@contextmanager
def serving(db: Database, proxies: Sequence[str]) -> Iterator[httpx.Client]:
    """The app under uvicorn as `miglia serve` configures it, on a free port; a client talking to it."""
    config = server_config(create_app(db, tile_url=""), "127.0.0.1", 0, proxies)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture
def tmp_db(sqlite_url: str) -> Iterator[Database]:
    database = Database(sqlite_url)
    yield database
    database.dispose()


def _login_as(client: httpx.Client, forwarded_for: str) -> int:
    """One wrong login, claiming to come from `forwarded_for`; the status code."""
    token = _TOKEN.search(client.get("/login").text)
    assert token
    data = {"username": "nobody", "password": "wrong-password", "csrf": token.group(1)}
    return client.post("/login", data=data, headers={"X-Forwarded-For": forwarded_for}).status_code


def test_with_no_trusted_proxy_a_forged_forwarded_for_keeps_the_login_limit(
    tmp_db: Database,
) -> None:
    with serving(tmp_db, []) as client:
        codes = [_login_as(client, f"203.0.113.{i}") for i in range(6)]
    assert codes == [401] * 5 + [429]


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(tmp_db: Database) -> None:
    with serving(tmp_db, ["127.0.0.1"]) as client:
        first = [_login_as(client, "203.0.113.1") for _ in range(6)]
        other = _login_as(client, "203.0.113.2")
        # A client writing its own X-Forwarded-For gets it prefixed: the proxy's hop (the rightmost) counts.
        forged_prefix = _login_as(client, "198.51.100.9, 203.0.113.1")
    assert first == [401] * 5 + [429]
    assert other == 401
    assert forged_prefix == 429


@pytest.mark.parametrize(("proxies", "https"), [([], False), (["127.0.0.0/8"], True)])
def test_forwarded_proto_is_believed_only_from_a_trusted_proxy(
    tmp_db: Database, proxies: list[str], https: bool
) -> None:
    with serving(tmp_db, proxies) as client:
        answer = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert ("; Secure" in answer.headers["set-cookie"]) is https
    assert ("strict-transport-security" in answer.headers) is https


def test_trusted_proxies_come_from_the_option_else_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TRUSTED_PROXIES_ENV, raising=False)
    assert trusted_proxies() == []
    monkeypatch.setenv(TRUSTED_PROXIES_ENV, "10.0.0.2, 172.16.0.0/12,::1")
    assert trusted_proxies() == ["10.0.0.2", "172.16.0.0/12", "::1"]
    given = ["127.0.0.1", "10.1.0.0/16,10.2.0.0/16"]  # the option wins over the environment
    assert trusted_proxies(given) == ["127.0.0.1", "10.1.0.0/16", "10.2.0.0/16"]


@pytest.mark.parametrize("bad", ["proxy.example", "10.0.0.1/8", "*"])
def test_a_bad_trusted_proxy_is_refused_naming_it(bad: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(repr(bad))):
        trusted_proxies([f"127.0.0.1,{bad}"])


def test_serve_refuses_a_bad_trusted_proxy_before_serving(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        miglia_cli, ["serve", "--db", f"sqlite:///{tmp_path / 'm.db'}", "--trusted-proxy", "localhost"]
    )
    assert result.exit_code == 2
    assert "trusted_proxy = 'localhost'" in result.output


def test_server_config_reads_forwarded_headers_only_with_trusted_proxies() -> None:
    closed = server_config(object(), "127.0.0.1", 8000, [])
    assert closed.proxy_headers is False
    behind = server_config(object(), "0.0.0.0", 8000, ["127.0.0.1", "10.0.0.0/8"])
    assert behind.proxy_headers is True and behind.forwarded_allow_ips == ["127.0.0.1", "10.0.0.0/8"]
