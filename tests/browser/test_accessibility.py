"""Pages fit for people who are not engineers: axe-core (vendored, v4.10.2) finds no serious or critical
WCAG 2 A/AA problem (labels, contrast, names of buttons and links, landmarks) on the main pages of
each role, and the marshal's page works with the keyboard alone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from miglia.service.accounts import users
from miglia.store.db import Database
from tests.web.helpers import use_fast_hashes

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")


def problems(page: Any) -> list[str]:
    page.add_script_tag(content=AXE)
    found = page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa"]}});
            return r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
              .map(v => v.id + ": " + v.help + " @ "
                + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", "));
        }"""
    )
    return list(found)


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A page whose context lets the test inject axe-core past the site's Content Security Policy."""
    context = browser.new_context(viewport={"width": 1200, "height": 900}, bypass_csp=True)
    yield context.new_page()
    context.close()


@pytest.fixture
def accounts(small_db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    use_fast_hashes(monkeypatch)
    for name, role in [("olga", "organiser"), ("tim", "timekeeper"), ("mario", "marshal")]:
        users.add_user(small_db, name, role, f"{name}-secret-pw")
    return small_db


def log_in(page: Any, base: str, name: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(f"{name}-secret-pw")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("path", ["/", "/entries", "/map", "/results", "/login"])
def test_public_pages_have_no_serious_accessibility_problem(live_server: str, page: Any, path: str) -> None:
    page.goto(live_server + path)
    page.wait_for_load_state("networkidle")
    assert problems(page) == []


@pytest.mark.parametrize(
    ("name", "paths"),
    [
        ("olga", ["/organiser", "/organiser/users", "/organiser/alerts"]),
        ("tim", ["/organiser/timing", "/organiser/timing/cars/1"]),
        ("mario", ["/marshal", "/marshal/D1-TC1"]),
    ],
)
def test_staff_pages_have_no_serious_accessibility_problem(
    accounts: Database, live_server: str, page: Any, name: str, paths: list[str]
) -> None:
    log_in(page, live_server, name)
    for path in paths:
        page.goto(live_server + path)
        page.wait_for_load_state("networkidle")
        assert problems(page) == [], path


def test_the_audit_catches_an_unlabelled_field(live_server: str, page: Any) -> None:
    page.goto(live_server + "/")
    page.evaluate("() => document.querySelector('main').insertAdjacentHTML('beforeend', '<input id=x>')")
    assert any(p.startswith("label:") for p in problems(page))


def test_a_marshal_records_a_car_with_the_keyboard_alone(
    accounts: Database, live_server: str, page: Any
) -> None:
    log_in(page, live_server, "mario")
    page.goto(live_server + "/marshal/D1-TC1")
    page.wait_for_load_state("networkidle")
    # Tab from the top of the page until the car number field has the focus, as a keyboard user would.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == "start-no":
            break
    else:
        raise AssertionError("the car number field cannot be reached with Tab")
    page.keyboard.type("2")
    page.keyboard.press("Enter")  # submits the form: the "Passing now" tap
    page.wait_for_function("() => document.getElementById('summary').dataset.synced === '1'")
    with accounts.unit_of_work() as uow:
        from sqlalchemy import select

        from miglia.store.models import PassageRow

        rows = uow.session.scalars(select(PassageRow)).all()
    assert [(r.start_no, r.control, r.source, r.recorded_by) for r in rows] == [
        (2, "D1-TC1", "marshal", "mario")
    ]
