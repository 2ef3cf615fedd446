"""The timekeeper's timing review: conflicts decided, penalties given and cancelled, roles enforced."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from miglia.service.timing import results, timekeeper
from miglia.store.db import Database
from miglia.store.models import CorrectionRow
from tests.web.helpers import client_for, login, use_fast_hashes, with_staff

SMALL = Path(__file__).resolve().parents[1] / "data" / "small"


@pytest.fixture
def staff(db: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Database:
    use_fast_hashes(monkeypatch)
    with_staff(db)
    passages = tmp_path / "p.csv"
    passages.write_text(
        "start_no,control,time,source\n3,D1-TC1,08:12:10.00,device\n3,D1-TC1,08:12:14.00,gps\n"
    )
    timekeeper.import_passages(db, passages)
    return db


def penalty(db: Database, start_no: int) -> object:
    with db.unit_of_work() as uow:
        return results.score(uow).board.result(start_no).penalty


def test_a_timekeeper_decides_a_conflict_and_gives_and_cancels_a_penalty(staff: Database) -> None:
    tim = client_for(staff)
    token = login(tim, "tim")
    page = tim.get("/organiser/timing").text
    assert 'Conflicts between sources <small class="meta">1</small>' in page
    assert "device 08:12:10.00" in page and "gps 08:12:14.00" in page and "4.00 s" in page
    answer = tim.post(
        "/organiser/timing/corrections",
        data={
            "csrf": token,
            "kind": "replace_time",
            "start_no": "3",
            "control": "D1-TC1",
            "line": "",
            "time": "08:12:14.00",
            "why": "gps time confirmed",
        },
    )
    assert "Correction 1 stored for car 3; results recomputed." in answer.text
    before = penalty(staff, 2)
    tim.post(
        "/organiser/timing/corrections",
        data={
            "csrf": token,
            "kind": "add_penalty",
            "start_no": "2",
            "points": "60",
            "why": "push start",
            "back": "/organiser/timing/cars/2",
        },
    )
    assert penalty(staff, 2) == before + 60  # type: ignore[operator]
    car = tim.get("/organiser/timing/cars/2").text
    assert "add penalty: 60 points" in car and "tim," in car and "push start" in car
    tim.post(
        "/organiser/timing/corrections",
        data={"csrf": token, "kind": "cancel", "start_no": "2", "cancels": "2", "why": "appeal upheld"},
    )
    assert penalty(staff, 2) == before
    with staff.unit_of_work() as uow:
        rows = uow.session.scalars(select(CorrectionRow).order_by(CorrectionRow.id)).all()
    assert [(r.kind, r.who, r.reverses_id) for r in rows] == [
        ("replace_time", "tim", None),
        ("add_penalty", "tim", None),
        ("cancel", "tim", 2),
    ]


def test_a_bad_correction_says_why_and_stores_nothing(staff: Database) -> None:
    tim = client_for(staff)
    token = login(tim, "tim")
    answer = tim.post(
        "/organiser/timing/corrections",
        data={
            "csrf": token,
            "kind": "replace_time",
            "start_no": "3",
            "control": "D1-TC1",
            "time": "8 past 12",
            "why": "x",
        },
    )
    assert "Not stored: time = &#39;8 past 12&#39;" in answer.text
    for field, value, problem in [
        ("points", "NaN", "points = &#39;NaN&#39;: expected a number of 0 or more"),
        ("seconds", "-5", "seconds = &#39;-5&#39;: expected a number of 0 or more"),
        ("cancels", "two", "cancels = &#39;two&#39;: expected the number of a correction"),
    ]:
        kind = "cancel" if field == "cancels" else "add_penalty"
        answer = tim.post(
            "/organiser/timing/corrections",
            data={"csrf": token, "kind": kind, "start_no": "2", field: value, "why": "x"},
        )
        assert f"Not stored: {problem}" in answer.text
    with staff.unit_of_work() as uow:
        assert uow.session.scalars(select(CorrectionRow)).all() == []


def test_a_marshal_cannot_change_results_and_a_forged_post_is_refused(staff: Database) -> None:
    mario = client_for(staff)
    token = login(mario, "mario")
    assert mario.get("/organiser/timing").status_code == 403
    refused = mario.post(
        "/organiser/timing/corrections",
        data={"csrf": token, "kind": "add_penalty", "start_no": "2", "points": "60", "why": "x"},
    )
    assert refused.status_code == 403
    tim = client_for(staff)
    login(tim, "tim")
    forged = tim.post(
        "/organiser/timing/corrections",
        data={"csrf": "forged", "kind": "add_penalty", "start_no": "2", "points": "60", "why": "x"},
    )
    assert forged.status_code == 403
    with staff.unit_of_work() as uow:
        assert uow.session.scalars(select(CorrectionRow)).all() == []
