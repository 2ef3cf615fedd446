"""The organiser downloads the event's files from the console in a real browser (desktop and phone), and
`miglia event check` accepts what the ZIP holds; imported again, it is the same event."""

from __future__ import annotations

import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from miglia.service.accounts import users
from miglia.service.event import events
from miglia.service.event.events import check_event
from miglia.store.db import Database
from tests.browser.conftest import SCREENSHOTS, serving
from tests.web.helpers import use_fast_hashes

SIZES = {"desktop": (1200, 900), "phone": (390, 844)}


@pytest.mark.parametrize("size", list(SIZES))
def test_the_organiser_downloads_the_event_files_and_they_check(
    small_db: Database, browser: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: str
) -> None:
    use_fast_hashes(monkeypatch)
    users.add_user(small_db, "olga", "organiser", "olga-secret-pw")
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
    page = context.new_page()
    with serving(small_db) as url:
        page.goto(url + "/login")
        page.get_by_label("Username").fill("olga")
        page.get_by_label("Password").fill("olga-secret-pw")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(url + "/**")
        page.goto(url + "/organiser")
        button = page.get_by_role("link", name="Download the event files (.zip)")
        button.scroll_into_view_if_needed()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"console_export_{size}.png"), full_page=False)
        with page.expect_download() as download_info:
            button.click()
        download = download_info.value
        assert download.suggested_filename == "sonoma-test-run.zip"
        saved = tmp_path / download.suggested_filename
        download.save_as(saved)
    context.close()

    with zipfile.ZipFile(saved) as archive:
        assert sorted(archive.namelist()) == ["sonoma-test-run/day1.gpx", "sonoma-test-run/event.toml"]
        archive.extractall(tmp_path / "unzipped")
    exported = tmp_path / "unzipped" / "sonoma-test-run" / "event.toml"
    checked = check_event(exported)
    with small_db.unit_of_work() as uow:
        before = events.load(uow)
    again = Database(f"sqlite:///{tmp_path / 'again.db'}")
    after = events.import_event(again, exported)
    assert replace(after, days=tuple(replace(d, route="") for d in after.days)) == replace(
        before, days=tuple(replace(d, route="") for d in before.days)
    )
    assert checked.event.days[0].route == str((exported.parent / "day1.gpx").resolve())
