"""The organiser in a real Chromium: logs in, sees a broken entries file refused with its line, imports the
good one, adds a marshal's account, publishes the results; and the console works with the keyboard."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from miglia.service.event import events
from miglia.store.db import Database
from miglia.store.models import AlertRow
from tests.browser.conftest import SCREENSHOTS
from tests.web.helpers import make_user, password_of, use_fast_hashes


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    use_fast_hashes(monkeypatch)


pytestmark = pytest.mark.browser
SMALL = Path(__file__).resolve().parents[1] / "data" / "small"


def test_organiser_uploads_entries_sees_errors_and_publishes(
    live_server: str, small_db: Database, page: Any, tmp_path: Path
) -> None:
    make_user(small_db, "olga", "organiser")
    page.set_default_timeout(15_000)
    page.goto(live_server + "/organiser")
    page.get_by_label("Username").fill("olga")
    page.get_by_label("Password").fill(password_of("olga"))
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/organiser$"))
    assert page.locator("h1").inner_text() == "Organiser's console"
    assert "olga · Organiser" in page.locator("header.site").inner_text()

    broken = tmp_path / "entries.csv"
    broken.write_text((SMALL / "entries.csv").read_text() + "5,Ida,,MG,TC,nineteen47,1,x,dev-5,,no\n")
    page.get_by_label("Entries file (.csv)").set_input_files(str(broken))
    page.get_by_role("button", name="Import the entries").click()
    errors = page.locator("#entries-errors")
    errors.wait_for()
    assert "entries.csv:6: year = 'nineteen47'" in errors.inner_text()
    assert "nothing changed" in errors.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "organiser_entries_error.png"), full_page=True)

    page.get_by_label("Entries file (.csv)").set_input_files(str(SMALL / "entries.csv"))
    page.get_by_role("button", name="Import the entries").click()
    page.get_by_text("Imported 4 entries: 3 accepted, 1 refused.").wait_for()

    page.get_by_role("button", name="Publish the results").click()
    page.get_by_text("The results are now public.").wait_for()
    assert "public" in page.locator("#results").inner_text()
    with small_db.unit_of_work() as uow:
        assert events.event_row(uow).results_published is True

    # Accounts: add a marshal with the keyboard only.
    page.get_by_role("link", name="Accounts and roles").click()
    page.get_by_label("Username").fill("mario")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "new-role"
    page.get_by_label("Role", exact=True).select_option("marshal")
    page.get_by_label("Password (at least 8 characters)").fill("marshal-pw-1")
    page.get_by_label("Password (at least 8 characters)").press("Enter")
    page.get_by_text("Added mario (Marshal).").wait_for()
    assert "mario" in page.locator("table.accounts").inner_text()
    # Focus is visible: the focused control has an outline.
    page.get_by_role("button", name="Add the account").focus()
    page.keyboard.press("Shift+Tab")
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"

    page.screenshot(path=str(SCREENSHOTS / "organiser_accounts.png"), full_page=True)

    page.get_by_role("link", name="Console").first.click()
    page.get_by_role("link", name="Controls, day by day").click()
    assert "D1-PT1" in page.locator("main").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "organiser_controls.png"), full_page=True)

    # The alerts board: a car stopped; the organiser acknowledges, then resolves it.
    with small_db.unit_of_work() as uow:
        uow.session.add(
            AlertRow(
                event_id=events.event_row(uow).id,
                start_no=2,
                kind="stopped",
                subject="",
                raised_us=1_777_219_323_000_000,
                lat=38.3,
                lon=-122.45,
                message="stopped for 12 min at km 7.4",
                acknowledged_by="",
                resolved_by="",
            )
        )
    page.get_by_role("link", name="Alerts", exact=True).click()
    row = page.locator("table.alerts tbody tr").first
    assert "stopped for 12 min" in row.inner_text() and "No one yet" in row.inner_text()
    row.get_by_role("button", name=re.compile("Acknowledge")).click()
    page.get_by_text("acknowledged by olga").wait_for()
    assert "olga" in page.locator("table.alerts tbody tr").first.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "organiser_alerts.png"), full_page=True)
    page.locator("table.alerts tbody tr").first.get_by_role("button", name=re.compile("Resolve")).click()
    page.get_by_text("Resolved (1)").wait_for()
    page.goto(live_server + "/organiser")
