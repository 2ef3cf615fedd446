"""Issue 12's journeys in a real Chromium, at phone size (390x844) and on a desktop: a new applicant
applies with a photo (a car built too late is refused first, the message next to the year), the organiser
accepts and waitlists, a withdrawal offers the place to the first waiting car, which accepts it on its
page, and the scrutineer fails a car for its missing fire extinguisher and cannot mark it started."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from miglia.domain import scrutineering as checklist
from miglia.formats.photo_file import make_photo
from miglia.service.entries import applications
from miglia.store.db import Database
from tests.browser.conftest import SCREENSHOTS, serving
from tests.browser.test_staff_journeys import fast_hashes, log_in  # noqa: F401  (the fixture is used)
from tests.service.entries.helpers import SOLO, form, open_event, photo
from tests.web.helpers import make_user

pytestmark = pytest.mark.browser

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


@pytest.fixture
def site(sqlite_url: str) -> Iterator[tuple[str, Database]]:
    db = Database(sqlite_url)
    open_event(db, places=5)  # 3 accepted imported entries: 2 places for the applicants
    make_user(db, "olga", "organiser")
    make_user(db, "sam", "scrutineer")
    for i in (1, 2):  # two applications already in
        applications.apply(
            db,
            form(
                **SOLO,
                driver_name=f"Early Bird {i}",
                driver_email=f"bird{i}@example.org",
                make="Fiat",
                model=f"8V Coupé {i}",
                year=str(1952 + i),
            ),
            [photo(i)],
        )
    with serving(db) as address:
        yield address, db
    db.dispose()


def _shot(page: Any, size: str, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"applications_{size}_{name}.png"), full_page=True)


def _context(browser: Any, size: str) -> Any:
    context = browser.new_context(viewport=SIZES[size], device_scale_factor=1, is_mobile=size == "phone")
    context.set_default_timeout(15_000)
    return context


def _fill(page: Any, values: dict[str, str]) -> None:
    for name, value in values.items():
        field = page.locator(f"#f-{name}")
        if not field.count():
            continue
        tag = field.evaluate("e => e.tagName")
        if tag == "SELECT":
            field.select_option(value)
        elif field.get_attribute("type") == "checkbox":
            field.set_checked(bool(value))
        else:
            field.fill(value)


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_apply_select_withdraw_promote_and_scrutineer(
    site: tuple[str, Database], browser: Any, size: str, tmp_path: Path
) -> None:
    base, _ = site
    picture = tmp_path / "my-lancia.jpg"
    picture.write_bytes(make_photo(width=1600, height=1067, lat=38.29, lon=-122.46, camera="Phone", seed=7))

    # 1. A new applicant: a year after the limit first (the message next to the field), then right.
    applicant = _context(browser, size).new_page()
    applicant.goto(base + "/apply")
    _fill(applicant, form(year="1961"))
    applicant.locator("#f-photos").set_input_files(str(picture))
    applicant.get_by_role("button", name="Send the application").click()
    error = applicant.locator("#f-year-error")
    error.wait_for()
    assert error.inner_text() == "Not eligible: built in 1961, after 1957, the latest year this event accepts"
    assert applicant.locator("#f-year").get_attribute("aria-invalid") == "true"
    error.scroll_into_view_if_needed()
    _shot(applicant, size, "1_refused_year")
    applicant.locator("#f-year").fill("1953")
    applicant.locator("#f-photos").set_input_files(str(picture))  # a browser never keeps a file input
    applicant.get_by_role("button", name="Send the application").click()
    applicant.get_by_text("Application received").wait_for()
    own_link = applicant.url
    assert "/apply/" in own_link and applicant.locator(".app-thumbs img").count() == 1
    assert applicant.locator(".app-thumbs img").evaluate("i => i.naturalWidth") == 320
    _shot(applicant, size, "2_applied")

    # 2. The organiser accepts two and waitlists the applicant's car.
    organiser = _context(browser, size).new_page()
    log_in(organiser, base, "olga")
    organiser.goto(base + "/organiser/applications")
    assert organiser.locator(".app-card").count() == 3
    assert organiser.locator("#application-3 .app-thumbs img").count() == 1

    def decide(app: int, status: str, reason: str) -> None:
        card = organiser.locator(f"#application-{app}")
        card.get_by_label("Decision").select_option(status)
        card.get_by_label("Reason").fill(reason)
        card.get_by_role("button", name="Record the decision").click()
        organiser.wait_for_load_state("networkidle")

    decide(1, "accepted", "a rare car with a fine history")
    decide(2, "accepted", "eligible and complete")
    decide(3, "waitlisted", "all places taken")
    assert "Application 3: waitlisted." in organiser.locator("#flash").inner_text()
    assert "Application 3" in organiser.locator(".waitlist-order").inner_text()
    _shot(organiser, size, "3_selection")

    # 3. An accepted car withdraws: the first waiting car is offered the place and takes it.
    decide(1, "withdrawn", "the gearbox failed on the shakedown run")
    assert "offered a place" in organiser.locator(".waitlist-order").inner_text()
    applicant.goto(own_link)
    offer = applicant.locator("#offer-title")
    offer.wait_for()
    _shot(applicant, size, "4_offer")
    applicant.get_by_role("button", name="Accept the place").click()
    applicant.get_by_text("You accepted the place").wait_for()
    assert "accepted" in applicant.locator("#status-title").inner_text()
    organiser.goto(base + "/organiser/outbox")
    assert organiser.get_by_text("a place is free for your 1953 Lancia Aurelia B20 GT").count() == 1
    _shot(organiser, size, "5_outbox")

    # 4. The scrutineer, on a phone, fails car 2 for its missing fire extinguisher.
    scrutineer = _context(browser, "phone").new_page()
    log_in(scrutineer, base, "sam")
    assert scrutineer.url.endswith("/scrutineering")
    scrutineer.get_by_role("link", name="2 1951 Jaguar XK120").click()
    for item in checklist.CHECKLIST:
        fieldset = scrutineer.locator("fieldset", has_text=item.label)
        fieldset.get_by_label("Fail" if item.key == "extinguisher" else "OK").check()
    scrutineer.get_by_label("Note on Fire extinguisher").fill("no fire extinguisher")
    scrutineer.get_by_role("button", name="Save the checklist").click()
    scrutineer.locator("#verdict").wait_for()
    assert scrutineer.locator("#verdict").inner_text() == "failed"
    scrutineer.get_by_role("button", name="Mark started").click()
    refused = scrutineer.locator("#flash")
    refused.wait_for()
    assert (
        "car 2 failed scrutineering" in refused.inner_text()
        and "no fire extinguisher" in refused.inner_text()
    )
    _shot(scrutineer, size, "6_scrutineer_failed")
    organiser.goto(base + "/scrutineering/report")
    assert "no fire extinguisher" in organiser.locator("table").inner_text()
    _shot(organiser, size, "7_report")
    for p in (applicant, organiser, scrutineer):
        p.context.close()
