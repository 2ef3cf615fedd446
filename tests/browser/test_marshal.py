"""A marshal on a phone (390×844) in a real Chromium: records two cars with no signal, then the records
go to the server exactly once when the signal returns; sending them all again stores nothing more."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from miglia.service.clock import clock_text
from miglia.store.db import Database
from miglia.store.models import PassageRow
from tests.browser.conftest import SCREENSHOTS
from tests.web.helpers import make_user, password_of, use_fast_hashes


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    use_fast_hashes(monkeypatch)


pytestmark = pytest.mark.browser


@pytest.fixture
def phone(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def passages(db: Database) -> list[PassageRow]:
    with db.unit_of_work() as uow:
        return list(uow.session.scalars(select(PassageRow).order_by(PassageRow.start_no)))


def test_marshal_records_offline_and_syncs_exactly_once(
    live_server: str, small_db: Database, phone: Any
) -> None:
    make_user(small_db, "mario", "marshal")
    page = phone
    page.goto(live_server + "/marshal")
    assert "/login" in page.url  # not signed in: the login page first
    page.get_by_label("Username").fill("mario")
    page.get_by_label("Password").fill(password_of("mario"))
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/marshal$"))
    page.get_by_role("link", name=re.compile("D1-PT1")).click()
    page.wait_for_url(re.compile(r"/marshal/D1-PT1$"))
    page.locator("#net.on").wait_for()
    page.wait_for_function("() => window.caches && caches.match(location.pathname).then((hit) => !!hit)")
    # Nothing is wider than the phone.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SCREENSHOTS / "marshal_phone_ready.png"), full_page=True)

    page.context.set_offline(True)
    page.locator("#net.off").wait_for()

    # Car 1 at the start line, with the on-screen keypad and a tap.
    page.get_by_role("button", name="1", exact=True).tap()
    assert page.get_by_label("Car number", exact=True).input_value() == "1"
    page.get_by_role("button", name="Passing now").tap()
    taken_1 = page.locator("#taken").inner_text()
    assert re.fullmatch(r"Car 1 · \d\d:\d\d:\d\d\.\d\d · waiting to send", taken_1), taken_1
    # Car 2 at the finish line, with the keyboard only: pick the line, type the number, press Enter.
    page.get_by_text("Finish line").click()
    page.get_by_label("Car number", exact=True).fill("2")
    page.get_by_label("Car number", exact=True).press("Enter")
    taken_2 = page.locator("#taken").inner_text()
    assert taken_2.startswith("Car 2 · ")
    page.locator("#summary[data-waiting='2']").wait_for()
    assert page.locator("#records li[data-state='waiting']").count() == 2
    assert "Waiting to send" in page.locator("#records").inner_text()
    page.locator("#send-now").click()  # no signal: still waiting, nothing lost
    page.locator("#summary[data-waiting='2']").wait_for()
    assert passages(small_db) == []
    page.screenshot(path=str(SCREENSHOTS / "marshal_phone_offline_queue.png"), full_page=True)

    # With no signal the page reopens from the phone (the service worker's copy), queue intact.
    page.reload()
    assert page.url.endswith("/marshal/D1-PT1")
    page.locator("#marshal[data-control='D1-PT1'] #summary[data-waiting='2']").wait_for()
    assert page.locator("#line-finish").is_checked()  # the line this marshal stands at is remembered

    page.context.set_offline(False)
    page.locator("#summary[data-synced='2'][data-waiting='0']").wait_for(timeout=30_000)
    assert page.locator("#records li[data-state='synced']").count() == 2
    assert "Sent ✓" in page.locator("#records").inner_text()

    stored = passages(small_db)
    assert [(p.start_no, p.control, p.line, p.source, p.recorded_by) for p in stored] == [
        (1, "D1-PT1", "", "marshal", "mario"),
        (2, "D1-PT1", "finish", "marshal", "mario"),
    ]
    local = page.evaluate("() => window.migliaMarshal.state().records")
    assert sorted(r["uuid"] for r in local) == sorted(p.client_uuid for p in stored)
    # The time stored is the time shown at the tap, to the hundredth.
    shown = {1: taken_1.split(" · ")[1], 2: taken_2.split(" · ")[1]}
    for p in stored:
        assert clock_text(p.instant_us, "America/Los_Angeles", hundredths=True) == shown[p.start_no]

    # Sending everything again stores nothing more: the server recognises each UUID.
    page.evaluate("() => window.migliaMarshal.resendAll()")
    page.locator("#summary[data-synced='2'][data-waiting='0']").wait_for()
    assert page.locator("#records").inner_text().count("already there") == 2
    assert len(passages(small_db)) == 2


def test_a_time_without_a_number_is_kept_until_the_number_is_added(
    live_server: str, small_db: Database, phone: Any
) -> None:
    make_user(small_db, "mario", "marshal")
    page = phone
    page.goto(live_server + "/login?next=/marshal/D1-TC1")
    page.get_by_label("Username").fill("mario")
    page.get_by_label("Password").fill(password_of("mario"))
    page.get_by_label("Password").press("Enter")
    page.wait_for_url(re.compile(r"/marshal/D1-TC1$"))
    page.get_by_role("button", name="Passing now").tap()  # the car was quicker than the marshal
    assert "add the car number below" in page.locator("#taken").inner_text()
    field = page.get_by_label(re.compile(r"Car number for \d\d:\d\d:\d\d\.\d\d at D1-TC1"))
    field.fill("77")
    field.press("Enter")
    assert "No car 77 in the entry list." in page.locator("#unnumbered").inner_text()
    field.fill("3")
    field.press("Enter")
    page.locator("#summary[data-synced='1']").wait_for()
    assert page.locator("#unnumbered-section").is_hidden()
    assert [(p.start_no, p.control) for p in passages(small_db)] == [(3, "D1-TC1")]
