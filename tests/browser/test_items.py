"""A marshal hands over a watch on a phone in a real Chromium: finds the car by its start number, draws
the crew member's signature on the screen, records it; the second try is refused; the organiser sees it
on the series page and the sponsor's list."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from PIL import Image

from miglia.domain.items import Per, signature_png
from miglia.service.awards import items
from miglia.store.db import Database
from tests.browser.conftest import SCREENSHOTS, serving
from tests.browser.test_staff_journeys import fast_hashes, log_in  # noqa: F401  (the fixture is used)
from tests.web.helpers import make_user, with_event

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def watch_site(sqlite_url: str) -> Iterator[tuple[str, Database, int]]:
    db = with_event(Database(sqlite_url))
    make_user(db, "mario", "marshal")
    make_user(db, "olga", "organiser")
    series = items.create_series(db, "Chronograph, Sonoma Test Run edition", 5, "001", "Test Garage", "olga")
    items.allocate_auto(db, series.id, Per.CAR, 2, "olga")
    with serving(db) as address:
        yield address, db, series.id
    db.dispose()


def _sign(page: Any) -> None:
    """A pen stroke across the pad, as a finger would draw it."""
    canvas = page.locator("[data-signature] canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None and box["width"] > 300
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x + 0.1 * w, y + 0.6 * h)
    page.mouse.down()
    for i in range(1, 25):
        page.mouse.move(x + (0.1 + 0.033 * i) * w, y + (0.6 - 0.3 * (i % 2)) * h, steps=2)
    page.mouse.up()


def test_a_marshal_hands_over_a_watch_with_a_signature_on_a_phone(
    watch_site: tuple[str, Database, int], page: Any
) -> None:
    base, db, series_id = watch_site
    page.set_viewport_size(PHONE)
    log_in(page, base, "mario")
    page.goto(base + "/items/handover")
    assert "3 to go" in page.locator("main").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "items_handover_list_phone.png"), full_page=True)
    page.get_by_label("Start number or name").fill("2")
    page.get_by_role("button", name="Find").click()
    holder = page.locator("#holder-002")
    holder.wait_for()
    assert "Carl Meyer & Dora Meyer" in holder.inner_text() and "To hand over" in holder.inner_text()
    holder.get_by_label("Received by").fill("Dora Meyer")
    assert holder.locator("[data-signature-state]").inner_text() == "Not signed"
    _sign(page)
    assert holder.locator("[data-signature-state]").inner_text() == "Signed"
    page.screenshot(path=str(SCREENSHOTS / "items_handover_signed_phone.png"), full_page=True)
    holder.get_by_role("button", name="Hand over 002").click()
    page.get_by_text("Serial 002 handed to Dora Meyer by mario (signed)").wait_for()
    assert "2 to go" in page.locator("main").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "items_handover_done_phone.png"), full_page=True)
    with db.unit_of_work() as uow:
        ledger = items.ledger_of(uow, series_id)
        (handed,) = ledger.handovers
        stored = uow.items.signature(series_id, handed.id)
    assert (handed.serial, handed.received_by, handed.given_by, handed.signed) == (
        2,
        "Dora Meyer",
        "mario",
        True,
    )
    assert stored is not None
    drawing = Image.open(io.BytesIO(signature_png(stored)))
    assert drawing.size == (600, 200) and drawing.getbbox() is not None  # something was drawn
    # the same car again: shown as handed over, no form
    page.get_by_label("Start number or name").fill("Meyer")
    page.get_by_role("button", name="Find").click()
    page.locator("#holder-002").wait_for()
    assert "Handed to Dora Meyer" in page.locator("#holder-002").inner_text()
    assert page.locator("#holder-002 form").count() == 0
    # a second phone had the form open: its hand-over is refused, naming who has the watch
    items.annul(db, series_id, "002", "test: put back", "olga")
    items.hand_over(db, series_id, "003", "Ed Park", "tim")
    page.get_by_label("Start number or name").fill("3")
    page.get_by_role("button", name="Find").click()
    page.locator("#holder-003").wait_for()
    page.goto(base + "/items/handover?q=1")
    page.locator("#holder-001").get_by_role("button", name="Hand over 001").wait_for()
    items.hand_over(db, series_id, "001", "Anna Rossi", "tim")  # another phone, a second earlier
    page.locator("#holder-001").get_by_role("button", name="Hand over 001").click()
    page.locator("#refusal").wait_for()
    assert "serial 001 was handed to Anna Rossi at" in page.locator("#refusal").inner_text()
    assert "by tim; it cannot be handed over twice" in page.locator("#refusal").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "items_handover_refused_phone.png"), full_page=True)


def test_the_organiser_sees_the_serials_and_the_sponsors_list(
    watch_site: tuple[str, Database, int], page: Any
) -> None:
    base, db, series_id = watch_site
    items.hand_over(db, series_id, "001", "Anna Rossi", "mario", signature=items.demo_signature("Anna", 3))
    items.retire(db, series_id, "003", "lost", "left at the hotel", "olga", replacement="next")
    log_in(page, base, "olga")
    page.goto(base + f"/organiser/items/{series_id}")
    assert page.locator("#count-handed_over").inner_text() == "1"
    assert page.locator("#serial-001 img").evaluate("img => img.naturalWidth") == 600
    page.screenshot(path=str(SCREENSHOTS / "items_series.png"), full_page=True)
    page.get_by_role("link", name="The sponsor's list").click()
    page.wait_for_url("**/sponsor")
    assert "in place of 003" in page.locator("#serial-004").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "items_sponsor.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.reload()
    page.screenshot(path=str(SCREENSHOTS / "items_sponsor_phone.png"), full_page=True)
