"""A juried award in a real Chromium: the organiser defines it and opens the vote; a mechanic casts a secret
ballot from a phone (a duplicate refused with the typed words kept, then changed); the organiser, on a
phone too, sees only how many ballots are in, closes the vote, sees the count and reveals it; the public
page shows the winners with the jurors' reasons."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from miglia.domain.accounts import User
from miglia.service.awards import juries
from miglia.store.db import Database
from tests.browser.conftest import SCREENSHOTS, serving
from tests.browser.test_staff_journeys import fast_hashes, log_in  # noqa: F401  (the fixture is used)
from tests.service.awards.test_juries import jury_event, vote
from tests.web.helpers import make_user

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def jury_site(sqlite_url: str) -> Iterator[tuple[str, Database]]:
    db = Database(sqlite_url)
    jury_event(db, cars=12)
    make_user(db, "olga", "organiser")
    for name in ("meg", "anna", "ben"):
        make_user(db, name, "mechanic")
    with serving(db) as address:
        yield address, db
    db.dispose()


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_a_mechanic_casts_a_ballot_on_a_phone_and_the_organiser_closes_and_reveals(
    jury_site: tuple[str, Database], page: Any, browser: Any
) -> None:
    base, db = jury_site
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # The organiser defines the award at the rally HQ and opens the vote.
    log_in(page, base, "olga")
    page.goto(base + "/organiser/awards")
    page.get_by_label("Name", exact=True).fill("Spirit of the Mille Miglia")
    page.get_by_label("Description").fill("Three chronographs for three extraordinary entrants.")
    page.get_by_label("Number of winners").fill("3")
    page.get_by_label("Crews (never for their own car)").check()
    shot(page, "juries_define")
    page.get_by_role("button", name="Define the award").click()
    page.get_by_text("Award 'Spirit of the Mille Miglia' defined").wait_for()
    award_url = page.url
    assert re.search(r"/organiser/awards/\d+$", award_url)
    page.get_by_role("button", name="Open the vote").click()
    page.get_by_text("The vote is open: jurors find").wait_for()
    award_id = int(award_url.rsplit("/", 1)[1])
    # Two other jurors have voted from their phones.
    vote(db, award_id, "anna", 1, 9)
    vote(db, award_id, "ben", 1, 9)

    # The mechanic, on a phone.
    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    mech = phone.new_page()
    try:
        log_in(mech, base, "meg")
        mech.goto(base + "/ballots")
        shot(mech, "juries_ballots_phone")
        mech.get_by_role("link", name="Cast your ballot").click()
        mech.wait_for_url(f"**/ballots/{award_id}")
        mech.get_by_label("Entrant").first.fill("9 · 1949 Ferrari 166 MM (Ned Fox)")
        mech.locator("#reason-1").fill(
            "Changed a cracked distributor cap in the rain at Sonora Pass, smiling."
        )
        mech.locator("#entrant-2").fill("9")
        mech.locator("#reason-2").fill("Twice, because it deserves it.")
        mech.get_by_role("button", name="Cast my ballot").click()
        error = mech.locator("#ballot-error")
        error.wait_for()
        assert "choice 2 entrant = 9: already on this ballot: name it once" in error.inner_text()
        assert mech.locator("#reason-1").input_value().startswith("Changed a cracked distributor cap")
        shot(mech, "juries_ballot_refused_phone")
        mech.locator("#entrant-2").fill("5 · 1927 Bugatti Type 35B (Jon Berg)")
        mech.locator("#reason-2").fill("Drove a 1927 car over the Sierra without a single tow.")
        mech.get_by_role("button", name="Cast my ballot").click()
        mech.get_by_text("Your ballot for 'Spirit of the Mille Miglia' is cast.").wait_for()
        assert mech.locator("#entrant-1").input_value() == "9 · 1949 Ferrari 166 MM (Ned Fox)"
        shot(mech, "juries_ballot_cast_phone")
        # Changed before the close: the new ballot replaces the first.
        mech.locator("#entrant-3").fill("12")
        mech.locator("#reason-3").fill("Lent us their tow rope on day two.")
        mech.get_by_role("button", name="Change my ballot").click()
        mech.get_by_text("is changed: your earlier ballot is withdrawn").wait_for()
        assert "changed 1 time" in mech.locator("#ballot-state").inner_text()
        assert "zq-anna" not in mech.content() and "zq-ben" not in mech.content()  # nobody else's ballot
    finally:
        phone.close()

    # The organiser, on a phone at the prize-giving: the ballots are sealed until the close.
    page.set_viewport_size(PHONE)
    page.goto(award_url)
    assert page.locator("#ballots-cast").inner_text() == "3"
    assert page.locator("#count").count() == 0
    shot(page, "juries_organiser_sealed_phone")
    page.get_by_role("button", name="Close the vote").click()
    page.get_by_text("The vote is closed: no more ballots.").wait_for()
    count = page.locator("#count")
    # car 9: three ballots, car 1: two, then cars 5 and 12 one each: 5 and 12 tie for the third watch
    assert [r.inner_text().split("\t")[0] for r in count.locator("tbody tr").all()] == ["9", "1", "5", "12"]
    assert page.locator("#tie").count() == 1
    shot(page, "juries_organiser_count_phone")
    page.get_by_role("button", name="Open a run-off among the tied").click()
    page.get_by_text("The run-off is open").wait_for()
    vote(db, award_id, "anna", 5)
    vote(db, award_id, "ben", 5)
    meg = User(id=0, username="meg", role="mechanic")
    juries.cast_ballot(db, award_id, meg, [(12, "The Cisitalia, for its sweeping lines and patience.")])
    page.get_by_role("button", name="Close the vote").click()
    page.get_by_text("The count is settled: 3 winners.").wait_for()
    shot(page, "juries_organiser_runoff_phone")
    page.get_by_role("button", name="Reveal the winners").click()
    page.get_by_text("Revealed: the winners and the jurors' reasons").wait_for()
    page.get_by_role("link", name="The award's public page").click()
    page.wait_for_url(f"**/awards/{award_id}")
    winners = page.locator(".winner")
    assert [w.get_attribute("id") for w in winners.all()] == ["winner-1", "winner-5", "winner-9"]
    assert "Changed a cracked distributor cap in the rain" in page.locator("#winner-9").inner_text()
    assert "meg" not in page.locator("main").inner_text()  # no juror's name unless the organiser allows
    shot(page, "juries_public_award_phone")
    page.goto(base + "/awards")
    assert page.locator(f"#award-{award_id} li").count() == 3
    shot(page, "juries_public_awards_phone")
    page.goto(base + "/organiser/awards")
    shot(page, "juries_organiser_awards_phone")
    page.set_viewport_size({"width": 1200, "height": 900})
    page.goto(award_url)
    shot(page, "juries_organiser_award")
    page.goto(f"{base}/awards/{award_id}")
    shot(page, "juries_public_award")
