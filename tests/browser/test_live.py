"""Live pages in a real browser: the map shows the cars as their phones report, and the results change
on screen, without a reload, when a passage arrives."""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from miglia.service.clock import local_instant
from miglia.service.live.replay import osmand_batch
from miglia.service.timing import marshal
from miglia.store.db import Database
from miglia.store.models import EventRow
from miglia.tracking.fix import Fix
from tests.browser.conftest import _free_port
from tests.tracking.helpers import token


@pytest.fixture
def live_app(small_db: Database) -> Iterator[tuple[str, FastAPI]]:
    """Like `live_server`, with the app at hand (its tracker's bus)."""
    import uvicorn

    from miglia.web.app import create_app

    app = create_app(small_db, tile_url="")
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", app
    server.should_exit = True
    thread.join(5)


def at(clock: str) -> int:
    return local_instant(dt.date(2026, 4, 26), dt.time.fromisoformat(clock), "America/Los_Angeles")


def send(url: str, fixes: list[Fix]) -> None:
    secret = {"token": token(fixes[0].device_id)}
    answer = httpx.post(url + "/ingest/osmand", json=osmand_batch(fixes), params=secret, timeout=10)
    assert answer.status_code == 200, answer.text


def test_live_map_shows_the_cars_and_follows_them(live_app: tuple[str, FastAPI], page: Any) -> None:
    url, _ = live_app
    send(url, [Fix("dev-1", at("08:05:00"), 38.2935, -122.4575, 54.0, 90.0)])
    send(url, [Fix("dev-2", at("08:05:10"), 38.2950, -122.4500, 0.0, 0.0)])
    page.goto(url + "/map")
    page.wait_for_selector("#map[data-loaded='true']", timeout=10_000)
    page.wait_for_function("() => document.querySelectorAll('.car-marker').length === 2", timeout=10_000)
    assert sorted(page.locator(".car-marker").all_inner_texts()) == ["1", "2"]
    page.wait_for_selector("#map[data-live='connected']", timeout=10_000)
    # A third car's phone reports while the page is open: it appears without a reload.
    page.evaluate("() => { window.__sameDocument = true; }")
    send(url, [Fix("dev-3", at("08:06:00"), 38.2960, -122.4450, 61.2, 45.0)])
    page.wait_for_function("() => document.querySelectorAll('.car-marker').length === 3", timeout=10_000)
    assert page.evaluate("() => window.__sameDocument") is True
    # Car 1 moves on: its marker follows.
    before = page.evaluate("() => window.migliaCars.get(1).marker.getLatLng().lat")
    send(url, [Fix("dev-1", at("08:05:30"), 38.3000, -122.4400, 72.0, 90.0)])
    page.wait_for_function("() => window.migliaCars.get(1).marker.getLatLng().lat > 38.299", timeout=10_000)
    assert before < 38.294
    # Its tooltip says which car it is and how fast it goes; the legend counts the cars.
    page.locator(".car-marker", has_text="3").hover()
    tooltip = page.locator(".leaflet-tooltip").last.inner_text()
    assert "#3 1957 Porsche 356A Speedster" in tooltip and "61 km/h" in tooltip
    page.wait_for_function("() => document.getElementById('cars-total').textContent === '3'", timeout=5_000)
    counts = page.locator(".status-legend b").all_inner_texts()
    assert sum(int(n) for n in counts) == 3
    page.locator("#car-list-details summary").click()
    page.wait_for_function(
        "() => document.querySelectorAll('#car-table-body tr').length === 3", timeout=5_000
    )


def test_live_results_change_when_a_passage_arrives(
    live_app: tuple[str, FastAPI], small_db: Database, page: Any
) -> None:
    url, _ = live_app
    with small_db.unit_of_work() as uow:
        uow.session.execute(update(EventRow).values(results_published=True))
    page.goto(url + "/results")
    page.wait_for_selector("#results-live[data-live='connected']", timeout=10_000)
    first = page.locator("#overall tbody tr").first
    assert first.get_attribute("data-start-no") != "3"
    page.evaluate("() => { window.__sameDocument = true; }")
    # Car 3 is clocked at every control, on time, by marshals: the marshal use case announces it.
    times = [
        ("D1-START", "", "08:02:00"),
        ("D1-PT1", "", "08:05:00.00"),
        ("D1-PT1", "finish", "08:05:21.00"),
        ("D1-TC1", "", "08:12:00"),
        ("D1-PC1", "", "08:14:00"),
        ("D1-SC1", "", "08:18:00"),
        ("D1-FINISH", "", "08:21:00"),
    ]
    items: list[Any] = [
        {
            "uuid": str(uuid.uuid4()),
            "start_no": 3,
            "control": c,
            "line": line,
            "time": f"2026-04-26T{t}-07:00",
        }
        for c, line, t in times
    ]
    assert {o.status for o in marshal.record_passages(small_db, "marshal-test", items)} == {"stored"}
    page.wait_for_function(
        "() => document.querySelector('#overall tbody tr').dataset.startNo === '3'", timeout=10_000
    )
    assert page.evaluate("() => window.__sameDocument") is True  # swapped in place, no reload
    assert page.locator("#results-live").get_attribute("data-version") == "1"
    assert page.locator("#results-status").inner_text().startswith("Updated ")
