"""The organiser proof-reads a day's roadbook in a real Chromium: the map and the lines side by side,
a line corrected in place (no page load), the correction in the crews' files; and on a phone."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from miglia.store.db import Database
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_staff_journeys import fast_hashes, log_in  # noqa: F401  (the fixture is used)
from tests.web.helpers import make_user

pytestmark = pytest.mark.browser


def test_the_organiser_corrects_a_line_beside_the_map(
    live_server: str, small_db: Database, page: Any
) -> None:
    make_user(small_db, "olga", "organiser")
    log_in(page, live_server, "olga")
    page.goto(live_server + "/organiser/roadbook/day-1")
    page.locator(".leaflet-interactive").first.wait_for()  # the route is drawn
    markers = page.locator("path.leaflet-interactive").count()
    assert markers == 1 + page.locator(".roadbook-line").count()  # the route and a marker per line
    page.evaluate("window.loaded = true")  # gone if the page reloads
    line = page.locator("#line-3")
    line.get_by_text("Edit").click()
    line.get_by_label("Note").fill("! loose gravel after the bridge")
    line.get_by_role("button", name="Save").click()
    page.get_by_text("Line changed.").wait_for()
    assert page.evaluate("window.loaded") is True  # only the lines were swapped
    assert "! loose gravel after the bridge" in page.locator("#line-3").inner_text()
    assert page.locator("#line-3").evaluate("l => l.classList.contains('edited')")
    page.locator("#line-3 .n").click()  # the line's number shows it on the map
    page.locator(".leaflet-tooltip").wait_for()
    page.screenshot(path=str(SCREENSHOTS / "roadbook_editor.png"))
    csv = httpx.get(live_server + "/roadbook/day-1.csv").text
    assert "! loose gravel after the bridge" in csv
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server + "/organiser/roadbook/day-1")
    page.locator(".leaflet-interactive").first.wait_for()
    map_box = page.locator("#map").bounding_box()
    first_line = page.locator("#line-1").bounding_box()
    assert (
        map_box is not None and first_line is not None and first_line["y"] > map_box["y"] + map_box["height"]
    )
    page.screenshot(path=str(SCREENSHOTS / "roadbook_editor_phone.png"), full_page=True)
