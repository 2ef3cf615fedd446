"""A spectator's first visit in a real browser: the event, the entry list, the map with the route."""

from __future__ import annotations

from typing import Any


def test_spectator_sees_event_entries_and_route_map(live_server: str, page: Any) -> None:
    page.goto(live_server + "/")
    assert page.locator("h1").inner_text() == "Sonoma Test Run"
    page.get_by_role("link", name="See the entry list").click()
    cards = page.locator("li.car")
    assert cards.count() == 3
    assert "1951 Jaguar XK120" in cards.nth(1).inner_text()
    page.get_by_role("link", name="Map", exact=True).click()
    page.wait_for_selector("#map[data-loaded='true']", timeout=10_000)
    # The route is drawn as one SVG/canvas path by Leaflet, with its controls and the lunch stop.
    bounds = page.evaluate("() => window.migliaMap.getBounds().toBBoxString()")
    west, south, east, north = (float(v) for v in bounds.split(","))
    assert west < -122.45 < -122.38 < east and south < 38.30 < 38.35 < north
    layers = page.evaluate("() => Object.keys(window.migliaMap._layers).length")
    assert layers >= 1 + 6 + 1
