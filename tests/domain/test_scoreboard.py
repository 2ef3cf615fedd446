"""The scoreboard: every car scored, kept up to date as passages and corrections arrive."""

from __future__ import annotations

from decimal import Decimal

import pytest

from miglia.domain.corrections import Correction, CorrectionKind
from miglia.domain.errors import InvalidInput
from miglia.domain.scoreboard import Scoreboard
from tests.domain.scoring_factory import entry, event, on_time_run, p, rules

D = Decimal


def test_incremental_update_reports_the_moves():
    entries = [entry(1), entry(2)]
    board = Scoreboard(event(), entries, rules(), passages=on_time_run(1, 0) + on_time_run(2, 1))
    assert [s.start_no for s in board.overall().standings] == [1, 2]
    update = board.add_passage(p(1, "PC1", "10:40:00", "gps", id="late-gps"))
    assert update.rescored == (1,) and update.moves == ()
    update = board.add_correction(
        Correction(
            id="c1",
            kind=CorrectionKind.ADD_PENALTY,
            start_no=1,
            by="clerk",
            at_us=0,
            why="speeding",
            points=D(5),
        )
    )
    assert {(m.start_no, m.before, m.after) for m in update.moves} == {(1, 1, 2), (2, 2, 1)}
    assert board.classification().overall.position_of(2) == 1


def test_unknown_year_without_default_is_refused():
    with pytest.raises(InvalidInput, match="entry 1: year = 1899"):
        Scoreboard(event(), [entry(1, 1899)], rules(coefficient={"default": None}))
    board = Scoreboard(event(), [entry(1, 1899)], rules(), coefficients={1: D("2.10")})
    assert board.result(1).coefficient == D("2.10")
