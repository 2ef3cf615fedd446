"""A photographer uploads a folder in a real Chromium (a progress bar, a line per file), reviews the two
doubtful photos, and the car pages show them; the pages on a phone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from miglia.store.db import Database
from tests.browser.conftest import SCREENSHOTS, serving
from tests.browser.test_staff_journeys import fast_hashes, log_in  # noqa: F401  (the fixture is used)
from tests.service.photos.helpers import Driven, drive_cars, photo_at
from tests.web.helpers import make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def photo_site(sqlite_url: str) -> Iterator[tuple[str, Driven]]:
    db = Database(sqlite_url)
    driven = drive_cars(db)
    make_user(db, "pat", "photographer")
    with serving(db) as address:
        yield address, driven
    db.dispose()


def test_a_photographer_uploads_a_folder_and_reviews_two_doubtful_photos(
    photo_site: tuple[str, Driven], page: Any, tmp_path: Path
) -> None:
    base, driven = photo_site
    folder = tmp_path / "card"
    folder.mkdir()
    for i, m in enumerate((2000, 3500, 8000, 11000)):  # car 1, alone on the road
        (folder / f"IMG_{i + 1:04d}.jpg").write_bytes(photo_at(*driven.where(1, m), seed=i, start_no=1))
    (folder / "IMG_0005.jpg").write_bytes(photo_at(*driven.where(2, 5000), seed=5, start_no=2))  # car 3 close
    (folder / "IMG_0006.jpg").write_bytes(photo_at(*driven.where(3, 0), seed=6, start_no=3))  # at lunch
    (folder / "notes.txt").write_text("shot list")
    log_in(page, base, "pat")
    assert page.url.endswith("/photos/upload")
    page.get_by_label("Photographer (credited on every photo)").fill("Pat Lens")
    page.get_by_role("button", name="Start the upload").click()
    page.wait_for_url("**/photos/sessions/*")
    page.locator("#folder").set_input_files(str(folder))
    page.get_by_role("button", name="Upload").click()
    page.get_by_role("link", name="See the photos").wait_for()
    status = page.locator("#progress-text").inner_text()
    assert (
        status
        == "6 of 6 stored. 6 photos matched: 4 tagged, 2 to review, 0 with no car there, 0 without a place."
    )
    assert page.locator("#progress-bar").evaluate("b => b.value") == 100
    assert page.locator("#progress-files li").count() == 6  # notes.txt is not a photo: not sent
    page.screenshot(path=str(SCREENSHOTS / "photos_upload.png"), full_page=True)
    page.get_by_role("link", name="See the photos").click()
    page.get_by_role("link", name="Review 2 doubtful").click()
    page.wait_for_url("**/photos/review*")
    assert page.locator(".review-item").count() == 2
    page.screenshot(path=str(SCREENSHOTS / "photos_review.png"), full_page=True)
    pair = page.locator(".review-item", has_text="IMG_0005.jpg")  # car 2 with car 3 two seconds behind
    pair.locator("input[name=car][value='2']").check()
    pair.get_by_role("button", name="Confirm").click()
    page.get_by_text("IMG_0005.jpg: confirmed, car 2.").wait_for()
    lunch = page.locator(".review-item", has_text="IMG_0006.jpg")  # at the lunch stop: a person says
    lunch.get_by_label("Another car (start number)").fill("3")
    lunch.get_by_role("button", name="Confirm").click()
    page.get_by_text("IMG_0006.jpg: confirmed, car 3.").wait_for()
    assert "Nothing to review" in page.locator("main").inner_text()
    page.goto(base + "/cars/3")
    assert page.locator("#car-photos img").count() == 1
    page.goto(base + "/cars/1")
    assert page.locator("#car-photos img").count() == 4
    page.wait_for_load_state("networkidle")
    assert page.locator("#car-photos img").first.evaluate("img => img.naturalWidth") == 320
    page.screenshot(path=str(SCREENSHOTS / "photos_car_page.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(base + "/photos/day-1")
    assert page.locator(".photo-grid li").count() == 6
    page.screenshot(path=str(SCREENSHOTS / "photos_gallery_phone.png"), full_page=True)
    page.locator(".photo-grid a").first.click()
    page.wait_for_url("**/photos/*")
    page.screenshot(path=str(SCREENSHOTS / "photos_photo_phone.png"), full_page=True)
