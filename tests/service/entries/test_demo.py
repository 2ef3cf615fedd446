"""The demo's applications: twelve through the same use cases as the form and the organiser's page, on
SQLite and PostgreSQL; on the real demo (its 70 entries), the results of the 70 are not changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from miglia.domain.applications import Status
from miglia.domain.scrutineering import Verdict
from miglia.service.accounts import users
from miglia.service.entries import demo, scrutineering, selection
from miglia.service.event import events
from miglia.service.timing.results import score, tables
from miglia.store.db import Database
from tests.web.helpers import with_event


def test_the_demo_s_applications_on_the_small_event(db: Database) -> None:
    with_event(db)  # 3 accepted entries, one refused
    summary = demo.seed_demo_applications(db)
    assert summary == (
        "12 applications: 4 accepted (numbers 5-8), one withdrew, 3 declined, a waitlist of 5 "
        "(the MG TD Midget offered the place); 3 scrutineering sheets, one failed"
    )
    with db.unit_of_work() as uow:
        over = selection.overview(uow)
        report = scrutineering.report(uow)
        entries = {e.start_no: e for e in events.entries(uow, events.event_row(uow).id)}
    assert over.counts == {"applied": 0, "accepted": 3, "waitlisted": 5, "declined": 3, "withdrawn": 1}
    assert [r.application.form["make"] for r in over.rows if r.offer] == ["MG"]
    assert [r.application.form["make"] for r in over.rows if r.status is Status.WAITLISTED] == [
        "MG",
        "Austin-Healey",
        "Mercedes-Benz",
        "Triumph",
        "Fiat",
    ]
    declined = [r.decision.reason for r in over.rows if r.status is Status.DECLINED and r.decision]
    assert any("built after 1957" in reason for reason in declined)
    assert [e.crew.driver for n, e in sorted(entries.items()) if n > 4] == [
        "Jean Marchal",
        "Ed Castro",
        "Paola Neri",
        "Hugh Mallory",
    ]  # by age: 1948, 1952, 1953, 1954
    assert entries[6].refusal_reason == "withdrawn: the gearbox failed on the shakedown run"
    failed = next(c for c in report if c.entry.start_no <= 3)
    assert (failed.entry.start_no, failed.sheet.verdict, failed.sheet.reason) == (
        3,
        Verdict.FAILED,
        "Fire extinguisher, fixed and in date: no fire extinguisher",
    )
    assert users.authenticate(db, "scrutineer", demo.demo_password("scrutineer")) is not None
    assert demo.seed_demo_applications(db) == "applications: there already (12)"


def test_on_the_real_demo_the_70_entries_results_do_not_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo built without its applications, scored; then the applications seeded, scored again."""
    from miglia.service import demo as whole_demo

    assert demo.demo_password("x") == whole_demo.demo_password("x")  # one rule for the demo's passwords
    monkeypatch.setattr(whole_demo, "seed_demo_applications", lambda db: "applications: later")
    db, _ = whole_demo.build_demo(tmp_path / "demo")

    def results() -> dict[str, list[list[str]]]:
        with db.unit_of_work() as uow:
            found = tables(score(uow))
        return {  # a car's row in each table (the 70 are numbered up to 71); the teams' table whole
            t.title: [r for r, n in zip(t.rows, t.start_nos, strict=True) if n <= 71]
            if t.start_nos
            else t.rows
            for t in found.tables
        }

    before = results()
    summary = demo.seed_demo_applications(db)
    assert summary.startswith("12 applications: 4 accepted (numbers 72-75), one withdrew, 3 declined")
    assert results() == before
