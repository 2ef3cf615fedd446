"""A spectator's visit in a real browser: the event, the entry list and its search, a car's page with its
map and time card, the route map; and the same pages on a phone."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import update

from miglia.service.timing import marshal
from miglia.store.db import Database
from miglia.store.models import EventRow


def test_spectator_sees_event_entries_and_route_map(live_server: str, page: Any) -> None:
    page.goto(live_server + "/")
    assert page.locator("h1").inner_text() == "Sonoma Test Run"
    page.get_by_role("link", name="See the entry list").click()
    cards = page.locator("li.car")
    assert cards.count() == 3
    assert "1951 Jaguar XK120" in cards.nth(1).inner_text()
    page.get_by_role("link", name="Map", exact=True).click()
    page.wait_for_selector("#map[data-loaded='true']", timeout=10_000)
    # The route is drawn by Leaflet, with its controls (the secret check left out) and the lunch stop.
    bounds = page.evaluate("() => window.migliaMap.getBounds().toBBoxString()")
    west, south, east, north = (float(v) for v in bounds.split(","))
    assert west < -122.45 < -122.38 < east and south < 38.30 < 38.35 < north
    layers = page.evaluate("() => Object.keys(window.migliaMap._layers).length")
    assert layers >= 1 + 5 + 1


def test_spectator_journey_search_to_car_page(live_server: str, small_db: Database, page: Any) -> None:
    items: list[Any] = [
        {"uuid": str(uuid.uuid4()), "start_no": 2, "control": c, "line": "", "time": f"2026-04-26T{t}-07:00"}
        for c, t in (("D1-START", "08:01:00"), ("D1-TC1", "08:12:30"))
    ]
    marshal.record_passages(small_db, "marshal-test", items)
    with small_db.unit_of_work() as uow:
        uow.session.execute(update(EventRow).values(results_published=True))
    page.goto(live_server + "/")
    page.get_by_role("link", name="Entries", exact=True).click()
    assert page.locator("li.car").count() == 3
    page.evaluate("() => { window.__sameDocument = true; }")
    page.get_by_label("Search").fill("jaguar")
    page.wait_for_function("() => document.querySelectorAll('li.car').length === 1", timeout=5_000)
    assert "1 of 3 cars match" in page.locator("#car-list").inner_text()
    assert page.evaluate("() => window.__sameDocument") is True  # swapped by HTMX, no reload
    assert "/entries?q=jaguar" in page.url  # the address can be shared
    page.get_by_label("Class").select_option("Pre-war")
    page.wait_for_function("() => document.querySelectorAll('li.car').length === 0", timeout=5_000)
    assert "No car matches." in page.locator("#car-list").inner_text()
    page.get_by_label("Class").select_option("")
    page.wait_for_function("() => document.querySelectorAll('li.car').length === 1", timeout=5_000)
    page.get_by_role("link", name="Number 2: 1951 Jaguar XK120").click()
    assert page.locator("h1").inner_text() == "1951 Jaguar XK120"
    page.wait_for_selector("#map[data-loaded='true']", timeout=10_000)
    card = page.locator("#timecard")
    assert card.locator("tr[data-control='D1-TC1'] td").nth(1).inner_text() == "08:12:30"
    assert card.locator("tr[data-control='D1-TC1'] td").nth(3).inner_text() == "100"
    assert "missed" in card.locator("tr[data-control='D1-FINISH']").inner_text()


def test_entry_list_works_without_javascript(live_server: str, browser: Any) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server + "/entries")
    page.get_by_label("Search").fill("porsche")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/entries?q=porsche**")
    assert page.locator("li.car").count() == 1
    context.close()


def test_pages_fit_a_phone(live_server: str, browser: Any) -> None:
    from tests.browser.conftest import SCREENSHOTS

    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page = context.new_page()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for path in ("/", "/entries", "/cars/1", "/map", "/results"):
        page.goto(live_server + path)
        page.wait_for_load_state("networkidle") if path != "/map" else page.wait_for_timeout(800)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width} px wide on a 390 px phone"
        name = path.strip("/").replace("/", "-") or "home"
        page.screenshot(path=str(SCREENSHOTS / f"phone-{name}.png"), full_page=True)
    context.close()
