"""A real Chromium (Debian's /usr/bin/chromium) driven by Playwright against a live server."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from miglia.store.db import Database
from tests.conftest import REPO, need

CHROMIUM = os.environ.get("MIGLIA_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = REPO / "artifacts" / "screenshots"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(db: Database) -> Iterator[str]:
    """The site on `db`, served by uvicorn on a free port for the block; its address."""
    import uvicorn

    from miglia.web.app import create_app

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(db, tile_url=""), port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(5)


@pytest.fixture
def live_server(small_db: Database) -> Iterator[str]:
    with serving(small_db) as address:
        yield address


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    need(
        Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is not None,
        f"Chromium not found at {CHROMIUM}; install Debian's package: apt-get install chromium",
    )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: object, request: pytest.FixtureRequest) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    yield page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"), full_page=True)
    context.close()
