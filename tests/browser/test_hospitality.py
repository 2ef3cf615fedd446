"""A crew downloads its itinerary on a phone (390x844) in a real Chromium: from its private page to the
itinerary (its own start time, lunch, hotel and room, dinner), the PDF and the calendar file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from miglia.service.hospitality import hotels
from miglia.store.db import Database
from tests.browser.conftest import SCREENSHOTS, serving
from tests.browser.test_staff_journeys import fast_hashes, log_in  # noqa: F401  (the fixture is used)
from tests.web.helpers import make_user, with_event

pytestmark = pytest.mark.browser


@pytest.fixture
def site(sqlite_url: str) -> Iterator[str]:
    db = with_event(Database(sqlite_url))
    hotel = hotels.add_venue(
        db,
        day=1,
        kind="hotel",
        name="Hotel Sonoma",
        address="110 W Spain St, Sonoma",
        opens="15:00",
        by="olga",
    )
    hotels.set_rooms(db, hotel.id, {"double": "2", "twin": "2"}, "olga")
    dinner = hotels.add_venue(
        db,
        day=1,
        kind="dinner",
        name="Dinner on the plaza",
        address="Sonoma Plaza",
        opens="19:30",
        closes="22:30",
        menu="Beef, Fish",
        by="olga",
    )
    hotels.record_needs(db, 2, room="twin", menu={dinner.id: ("Fish", "Beef")}, by="olga")
    hotels.allocate(db, "olga")
    make_user(db, "crew2", "crew", 2)
    with serving(db) as address:
        yield address
    db.dispose()


def test_a_crew_downloads_its_itinerary_on_a_phone(site: str, page: Any, tmp_path: Path) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, site, "crew2")
    page.goto(site + "/cars/2/private")
    page.get_by_role("link", name="Your itinerary").click()
    page.wait_for_url("**/cars/2/itinerary")
    day = page.locator("section.day").first
    text = day.inner_text()
    assert "08:01 Start" in text  # the second car, one minute after the first
    assert "Lunch: The Girl & the Fig" in text
    assert "Hotel: Hotel Sonoma" in text and "twin room" in text
    assert "Dinner: Dinner on the plaza" in text and "Carl: Fish, Dora: Beef" in text
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width} px)"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "hospitality_itinerary_phone.png"), full_page=True)
    with page.expect_download() as got:
        page.get_by_role("link", name="Download the PDF").click()
    pdf = tmp_path / "itinerary.pdf"
    got.value.save_as(pdf)
    assert got.value.suggested_filename == "itinerary-car-2.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    with page.expect_download() as got_ics:
        page.get_by_role("link", name="Calendar file (.ics)").click()
    ics = tmp_path / "itinerary.ics"
    got_ics.value.save_as(ics)
    assert "SUMMARY:Hotel: Hotel Sonoma" in ics.read_text()
    feed = page.locator("#feed-url").input_value()
    assert feed.startswith(site + "/calendar/") and feed.endswith(".ics")
