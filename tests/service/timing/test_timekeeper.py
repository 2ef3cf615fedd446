"""The timekeeper's use cases, on the in-memory store (tests/fake_store.py; the repositories' own tests
run on SQLite and PostgreSQL): device passages, corrections, conflicts."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from miglia.domain.corrections import EVERY_CAR, CorrectionKind
from miglia.domain.errors import MigliaError
from miglia.service.event import events
from miglia.service.timing import results, timekeeper
from tests.fake_store import FakeDatabase

SMALL = Path(__file__).resolve().parents[2] / "data" / "small"
HEADER = "start_no,control,time,source,device\n"


@pytest.fixture
def small(fake_db: FakeDatabase) -> FakeDatabase:
    events.import_event(fake_db, SMALL / "event.toml")
    events.import_entries(fake_db, SMALL / "entries.csv")
    return fake_db


def write(tmp_path: Path, rows: str) -> Path:
    path = tmp_path / "passages.csv"
    path.write_text(HEADER + rows)
    return path


def scored(db: FakeDatabase) -> results.Scored:
    with db.unit_of_work() as uow:
        return results.score(uow)


def test_device_passages_score_a_timed_trial_to_the_hundredth(small: FakeDatabase, tmp_path: Path) -> None:
    # Car 1 starts 08:00 (first in start order); trial target 21.00 s; measured 21.37 s: 37 points.
    path = write(
        tmp_path, "1,D1-PT1,08:05:00.00,device,microgate-1\n1,D1-PT1/finish,08:05:21.37,device,microgate-2\n"
    )
    passages = timekeeper.import_passages(small, path)
    assert [(p.control, p.line, p.recorded_by) for p in passages] == [
        ("D1-PT1", "", "microgate-1"),
        ("D1-PT1", "finish", "microgate-2"),
    ]
    line = scored(small).board.result(1).line("D1-PT1")
    assert line.deviation_us == 370_000
    assert line.penalty == 37
    assert len(small.state.raw) == 4  # event file, route file, entries file, passages file
    assert timekeeper.import_passages(small, path) == []  # the same export again adds nothing
    assert len(small.state.passages) == 2 and len(small.state.raw) == 5


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("9,D1-PT1,08:05:00.00,device,x", "passages.csv:2: row 1: start_no = '9': no accepted entry"),
        ("4,D1-PT1,08:05:00.00,device,x", "passages.csv:2: row 1: start_no = '4': no accepted entry"),
        ("1,D1-PT9,08:05:00.00,device,x", "passages.csv:2: row 1: control = 'D1-PT9': no control"),
        (
            "1,D1-TC1/finish,08:05:00.00,device,x",
            "passages.csv:2: row 1: control = 'D1-TC1/finish': only a timed",
        ),
        ("1,D1-PT1,8h05,device,x", "passages.csv:2: row 1: time = '8h05': expected an ISO 8601 time"),
        (
            "1,D1-PT1,08:05:00.00,radar,x",
            "passages.csv:2: row 1: source = 'radar': expected device, gps or marshal",
        ),
    ],
)
def test_a_bad_row_names_row_and_value_and_stores_nothing(
    small: FakeDatabase, tmp_path: Path, row: str, problem: str
) -> None:
    path = write(tmp_path, "2,D1-PC1,08:20:00,device,x\n" + row + "\n")
    with pytest.raises(MigliaError) as caught:
        timekeeper.import_passages(small, path)
    assert problem.replace(":2: row 1:", ":3: row 2:") in str(caught.value)
    assert len(small.state.passages) == 0
    (refused,) = [r for r in small.state.raw if r.kind == "passages_file"]
    assert (refused.accepted, refused.body) == (False, HEADER + "2,D1-PC1,08:20:00,device,x\n" + row + "\n")
    assert problem.replace(":2: row 1:", ":3: row 2:") in refused.problem


def test_a_penalty_and_its_cancel_give_back_the_original_table(small: FakeDatabase, tmp_path: Path) -> None:
    timekeeper.import_passages(
        small, write(tmp_path, "1,D1-PT1,08:05:00.00,,\n1,D1-PT1/finish,08:05:21.37,,\n")
    )
    before = results.tables(scored(small))
    penalty_before = scored(small).board.result(2).penalty
    added = timekeeper.add_correction(
        small,
        timekeeper.CorrectionRequest(
            kind=CorrectionKind.ADD_PENALTY, start_no=2, by="clerk", why="push start", points=Decimal(60)
        ),
    )
    assert scored(small).board.result(2).penalty == penalty_before + 60
    assert results.tables(scored(small)) != before
    timekeeper.add_correction(
        small,
        timekeeper.CorrectionRequest(
            kind=CorrectionKind.CANCEL, start_no=2, by="clerk", why="appeal upheld", cancels=added
        ),
    )
    assert results.tables(scored(small)) == before
    assert len(small.state.corrections) == 2  # the penalty stays on record beside its cancel


def test_a_bad_correction_is_refused_and_not_stored(small: FakeDatabase) -> None:
    with pytest.raises(MigliaError, match="why"):
        timekeeper.add_correction(
            small,
            timekeeper.CorrectionRequest(kind=CorrectionKind.ADD_PENALTY, start_no=2, by="clerk", why=" "),
        )
    with pytest.raises(MigliaError, match="cancels"):
        timekeeper.add_correction(
            small,
            timekeeper.CorrectionRequest(
                kind=CorrectionKind.CANCEL, start_no=2, by="clerk", why="x", cancels=999
            ),
        )
    assert len(small.state.corrections) == 0 and len(small.state.raw) == 3


def test_sources_that_disagree_are_flagged_not_silently_resolved(small: FakeDatabase, tmp_path: Path) -> None:
    rows = "3,D1-TC1,08:12:10.00,device,\n3,D1-TC1,08:12:14.00,gps,\n"
    timekeeper.import_passages(small, write(tmp_path, rows))
    board = scored(small).board
    (conflict,) = board.conflicts()
    assert (conflict.start_no, conflict.control, conflict.difference_us) == (3, "D1-TC1", 4_000_000)
    # The device time counts (device over gps by default); the gps time stays visible beside it.
    (choice,) = board.result(3).line("D1-TC1").choices
    assert choice.chosen is not None and choice.chosen.source == "device"
    assert [p.source for p in choice.candidates] == ["device", "gps"]


def test_under_the_tour_rules_nobody_is_ranked(fake_db: FakeDatabase, tmp_path: Path) -> None:
    db = fake_db
    (tmp_path / "day1.gpx").write_text((SMALL / "day1.gpx").read_text())
    (tmp_path / "event.toml").write_text(
        (SMALL / "event.toml").read_text().replace('rules = "regularity"', 'rules = "tour"')
    )
    events.import_event(db, tmp_path / "event.toml")
    events.import_entries(db, SMALL / "entries.csv")
    page = results.tables(scored(db))
    assert not page.ranked and page.tables == []
    assert "nobody is ranked" in page.note


def test_a_neutralised_trial_is_recomputed_for_every_car_and_undone_by_its_cancel(
    small: FakeDatabase, tmp_path: Path
) -> None:
    timekeeper.import_passages(
        small, write(tmp_path, "1,D1-PT1,08:05:00.00,,\n1,D1-PT1/finish,08:05:21.37,,\n")
    )
    before = results.tables(scored(small))
    assert scored(small).board.result(1).line("D1-PT1").penalty == 37
    neutralised = timekeeper.add_correction(
        small,
        timekeeper.CorrectionRequest(
            kind=CorrectionKind.NEUTRALISE, start_no=EVERY_CAR, by="clerk", why="tractor", control="D1-PT1"
        ),
    )
    board = scored(small).board
    assert {n: board.result(n).line("D1-PT1").status.value for n in (1, 2, 3)} == dict.fromkeys(
        (1, 2, 3), "neutralised"
    )
    assert board.result(1).line("D1-PT1").penalty == 0
    card = results.card_rows(scored(small), 1)
    (trial,) = [r for r in card if r.control == "D1-PT1"]
    assert (trial.status, trial.penalty) == ("neutralised", "0")
    assert results.tables(scored(small)).neutralised == ["D1-PT1 (clerk: tractor)"]
    timekeeper.add_correction(
        small,
        timekeeper.CorrectionRequest(
            kind=CorrectionKind.CANCEL, start_no=EVERY_CAR, by="clerk", why="it stands", cancels=neutralised
        ),
    )
    assert results.tables(scored(small)) == before
