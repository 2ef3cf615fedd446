"""The timekeeper, the mechanic and a crew in a real Chromium: each one's main journey."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from miglia.domain.live import AlertDraft, AlertKind
from miglia.service.event import events
from miglia.service.live.alerts import raise_alerts
from miglia.service.timing import timekeeper
from miglia.store.db import Database
from miglia.store.models import AlertRow, CorrectionRow, EventRow
from tests.browser.conftest import SCREENSHOTS
from tests.web.helpers import make_user, password_of, use_fast_hashes

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    use_fast_hashes(monkeypatch)


def log_in(page: Any, base: str, name: str) -> None:
    page.set_default_timeout(15_000)
    page.goto(base + "/login")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(password_of(name))
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("networkidle")


def test_timekeeper_settles_a_conflict_and_gives_a_penalty(
    live_server: str, small_db: Database, page: Any, tmp_path: Path
) -> None:
    make_user(small_db, "tim", "timekeeper")
    passages = tmp_path / "p.csv"
    passages.write_text(
        "start_no,control,time,source\n3,D1-TC1,08:12:10.00,device\n3,D1-TC1,08:12:14.00,gps\n"
    )
    timekeeper.import_passages(small_db, passages)
    log_in(page, live_server, "tim")
    page.goto(live_server + "/organiser/timing")
    page.get_by_role("button", name="Use the gps time").click()
    page.get_by_text("Correction 1 stored for car 3; results recomputed.").wait_for()
    page.get_by_role("link", name="Time card of car 2").click()
    page.wait_for_url(re.compile(r"/organiser/timing/cars/2$"))
    page.get_by_label("What").select_option("add_penalty")
    page.get_by_label("Penalty points").fill("60")
    page.get_by_label("Reason (shown with the results)").fill("push start")
    page.get_by_role("button", name="Store the correction").click()
    page.get_by_text("Correction 2 stored for car 2; results recomputed.").wait_for()
    assert "push start" in page.locator("#corrections-title").locator("xpath=..").inner_text()
    with small_db.unit_of_work() as uow:
        rows = uow.session.scalars(select(CorrectionRow).order_by(CorrectionRow.id)).all()
    assert [(r.kind, r.start_no, r.who, r.reason) for r in rows] == [
        ("replace_time", 3, "tim", "gps time confirmed"),
        ("add_penalty", 2, "tim", "push start"),
    ]


def test_mechanic_acknowledges_then_resolves_a_breakdown(
    live_server: str, small_db: Database, page: Any
) -> None:
    make_user(small_db, "meg", "mechanic")
    with small_db.unit_of_work() as uow:
        event_id = events.event_row(uow).id
        draft = AlertDraft(
            2, AlertKind.STOPPED, "", 1_777_216_000_000_000, 38.30, -122.44, "car 2: stopped 12 min"
        )
        raise_alerts(uow, event_id, [draft])
    log_in(page, live_server, "meg")
    page.goto(live_server + "/organiser/alerts")
    assert "car 2: stopped 12 min" in page.locator("main").inner_text()
    page.get_by_role("button", name="Acknowledge the alert for car 2").click()
    page.get_by_text("Alert for car 2 acknowledged by meg.").wait_for()
    page.get_by_role("button", name="Resolve the alert for car 2").click()
    page.get_by_text("Alert for car 2 resolved by meg.").wait_for()
    with small_db.unit_of_work() as uow:
        row = uow.session.scalars(select(AlertRow)).one()
    assert (row.acknowledged_by, row.resolved_by) == ("meg", "meg")


def test_a_crew_sees_its_own_car_and_not_another(live_server: str, small_db: Database, page: Any) -> None:
    make_user(small_db, "crew1", "crew", 1)
    log_in(page, live_server, "crew1")
    page.get_by_role("link", name="My car").click()
    page.wait_for_url(re.compile(r"/cars/1/private$"))
    assert "1930 Alfa Romeo 6C 1750 Gran Sport" in page.locator("h1").inner_text()
    answer = page.goto(live_server + "/cars/2/private")
    assert answer is not None and answer.status == 403


def test_timekeeper_neutralises_a_trial_for_every_car(
    live_server: str, small_db: Database, page: Any, tmp_path: Path
) -> None:
    make_user(small_db, "tim", "timekeeper")
    passages = tmp_path / "p.csv"
    passages.write_text(
        "start_no,control,time,source\n1,D1-PT1,08:05:00.00,device\n1,D1-PT1/finish,08:05:21.37,device\n"
    )
    timekeeper.import_passages(small_db, passages)
    log_in(page, live_server, "tim")
    page.goto(live_server + "/organiser/timing/cars/1")
    assert "37" in page.locator("tr", has_text="D1-PT1").first.inner_text()
    page.goto(live_server + "/organiser/timing")
    page.get_by_label("Control", exact=True).select_option("D1-PT1")
    page.locator("#neutralise-why").fill("tractor on the trial")
    page.get_by_role("button", name="Neutralise for every car").click()
    page.get_by_text("Correction 1 stored for every car; results recomputed.").wait_for()
    corrections = page.locator("#corrections-title").locator("xpath=..").inner_text()
    assert "every car" in corrections and "neutralise at D1-PT1" in corrections
    page.screenshot(path=str(SCREENSHOTS / "timing_neutralised.png"), full_page=True)
    page.goto(live_server + "/organiser/timing/cars/1")
    trial = page.locator("tr", has_text="D1-PT1").first.inner_text()
    assert "neutralised for every car by correction 1 (tim: tractor on the trial)" in trial
    with small_db.unit_of_work() as uow:
        (row,) = uow.session.scalars(select(CorrectionRow)).all()
    assert (row.kind, row.start_no, row.control, row.who) == ("neutralise", 0, "D1-PT1", "tim")


def test_a_crew_protests_the_clerk_decides_and_the_results_become_final(
    live_server: str, small_db: Database, browser: Any, page: Any
) -> None:
    make_user(small_db, "crew2", "crew", 2)
    make_user(small_db, "tim", "timekeeper")
    events.publish_results(small_db, True)
    crew = page
    log_in(crew, live_server, "crew2")
    crew.goto(live_server + "/cars/2/private")
    crew.get_by_label("What", exact=True).select_option("protest")
    crew.get_by_label("Control it concerns").select_option("D1-TC1")
    crew.get_by_label("What happened").fill("Our clock said 08:12:40 at TC1")
    crew.get_by_role("button", name="File it").click()
    crew.get_by_text("Your protest #1 is filed; the clerk of the course will answer.").wait_for()
    assert "Waiting for the clerk of the course's answer." in crew.locator("#protests").inner_text()

    clerk_context = browser.new_context(
        viewport={"width": 1200, "height": 900}
    )  # a second browser: its own login
    clerk = clerk_context.new_page()
    log_in(clerk, live_server, "tim")
    clerk.goto(live_server + "/organiser/timing")
    assert "Our clock said 08:12:40 at TC1" in clerk.locator("#protests").inner_text()
    clerk.get_by_label("Decision on #1").select_option("refused")
    clerk.get_by_label("Answer (the crew reads it)").fill(
        "The official clock was checked at 08:00: it was right."
    )
    clerk.get_by_role("button", name="Decide #1").click()
    clerk.get_by_text("Protest #1 refused.").wait_for()
    assert clerk.get_by_role("button", name="Declare the results final").is_disabled()  # the window is open
    with small_db.unit_of_work() as uow:  # as if the 30-minute window had passed
        uow.session.execute(
            update(EventRow).values(results_published_us=EventRow.results_published_us - 31 * 60_000_000)
        )
    clerk.goto(live_server + "/organiser/timing")
    clerk.get_by_role("button", name="Declare the results final").click()
    clerk.get_by_text("The results are final.").wait_for()
    clerk.screenshot(path=str(SCREENSHOTS / "timing_final.png"), full_page=True)
    clerk_context.close()

    crew.goto(live_server + "/cars/2/private")
    decided = crew.locator("#protests").inner_text()
    assert "Refused by tim" in decided and "The official clock was checked at 08:00: it was right." in decided
    assert "The results are final." in decided
    crew.goto(live_server + "/results")
    assert crew.locator("#results-state").inner_text().startswith("Final results, declared ")
