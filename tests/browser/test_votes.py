"""The spectators' vote in a real Chromium, on a phone (390 x 844): the organiser opens People's Choice,
a spectator votes from a car's page, a second vote is refused (the same cookie, then cookies cleared but
the device token kept), a phone without JavaScript votes with its cookie alone, and the organiser closes
the vote and reveals the tally on the results page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from miglia.domain.votes import PEOPLES_CHOICE
from miglia.service.awards import votes
from miglia.store.db import Database
from tests.browser.conftest import SCREENSHOTS, serving
from tests.browser.test_staff_journeys import fast_hashes, log_in  # noqa: F401  (the fixture is used)
from tests.web.helpers import with_staff

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def show_site(sqlite_url: str) -> Iterator[tuple[str, Database]]:
    db = with_staff(Database(sqlite_url))
    with serving(db) as address:
        yield address, db
    db.dispose()


def _phone(browser: Any, javascript: bool = True) -> Any:
    context = browser.new_context(viewport=PHONE, java_script_enabled=javascript, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def _shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_a_spectator_votes_from_a_cars_page_and_the_organiser_reveals_the_tally(
    show_site: tuple[str, Database], browser: Any
) -> None:
    base, db = show_site
    organiser = _phone(browser)
    log_in(organiser, base, "olga")
    organiser.goto(base + "/organiser/votes")
    organiser.get_by_role("button", name="Open People's Choice").click()
    organiser.get_by_text("People's Choice is open").wait_for()
    _shot(organiser, "votes_organiser_open")
    with db.unit_of_work() as uow:
        (people,) = votes.categories(uow)

    # A spectator on the show's lawn opens car 2's page and votes.
    spectator = _phone(browser)
    spectator.goto(base + "/cars/2")
    box = spectator.locator("#vote")
    assert "People's Choice" in box.inner_text()
    _shot(spectator, "votes_car_page")
    box.get_by_role("button", name="Vote for car 2").click()
    spectator.wait_for_url("**/cars/2#vote")
    spectator.locator("#vote").get_by_text("You voted for this car in People's Choice").wait_for()
    _shot(spectator, "votes_car_page_voted")
    token = spectator.evaluate("() => localStorage.getItem('miglia.device')")
    assert len(token) == 32
    with db.unit_of_work() as uow:
        (first,) = uow.votes.all([people.id])
    assert first.start_no == 2 and first.device  # the device token came with the vote

    # Another car's voting page remembers the vote; with the cookies cleared, the device still does.
    spectator.goto(base + f"/show/vote/{people.id}/3")
    spectator.get_by_text("You already voted for car 2 in People's Choice.").wait_for()
    spectator.context.clear_cookies()
    spectator.goto(base + f"/show/vote/{people.id}")
    spectator.get_by_label("1957 Porsche 356A Speedster").check()
    _shot(spectator, "votes_choose_a_car")
    spectator.get_by_role("button", name="Vote in People's Choice").click()
    refusal = spectator.locator("#refusal")
    assert refusal.inner_text() == "You already voted for car 2 in People's Choice."
    _shot(spectator, "votes_refused")

    # A phone without JavaScript: the plain form and the cookie.
    plain = _phone(browser, javascript=False)
    plain.goto(base + f"/show/vote/{people.id}/1")
    plain.get_by_role("button", name="Vote for this car").click()
    plain.get_by_text("You voted for this car in People's Choice").wait_for()
    _shot(plain, "votes_without_javascript")
    with db.unit_of_work() as uow:
        assert sorted(v.start_no for v in uow.votes.all([people.id])) == [1, 2]

    # Before the reveal, the results page says the tally is sealed.
    spectator.goto(base + "/show/results")
    assert "sealed until the organiser reveals it" in spectator.locator("main").inner_text()
    assert spectator.locator("[data-tally]").count() == 0

    # The organiser closes the vote and reveals the tally at the prize-giving.
    organiser.goto(base + "/organiser/votes")
    organiser.get_by_role("button", name="Close the vote").click()
    organiser.get_by_text("People's Choice: closed.").wait_for()
    organiser.get_by_role("button", name="Reveal the tally").click()
    organiser.get_by_text("the tally is revealed on /show/results").wait_for()
    _shot(organiser, "votes_organiser_revealed")
    organiser.get_by_role("link", name="See the results").click()
    organiser.wait_for_url("**/show/results*")
    rows = organiser.locator(f'[data-tally="{people.id}"] tbody tr')
    assert rows.count() == 2
    assert [rows.nth(i).inner_text().split()[:2] for i in range(2)] == [["1=", "1"], ["1=", "2"]]
    _shot(organiser, "votes_results")
    assert votes.count_lines(db, PEOPLES_CHOICE) == [
        "entry,start_no,votes",
        "1930 Alfa Romeo 6C 1750 Gran Sport,1,1",
        "1951 Jaguar XK120,2,1",
    ]
    for p in (organiser, spectator, plain):
        p.context.close()
