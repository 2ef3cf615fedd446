"""The shipped rule sets, and loading a rule-set file by name or path."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from miglia.domain.errors import InvalidInput, MigliaError
from miglia.domain.rules import CoefficientOperation, Order, Source, TieBreak
from miglia.rules import load_rules, shipped

D = Decimal


def test_the_shipped_rule_sets_load():
    assert shipped() == ["mille-miglia", "regularity", "tour", "tsd"]
    aci = load_rules("regularity")
    assert (aci.timed_trial.unit_us, aci.timed_trial.late_points, aci.timed_trial.late_cap) == (
        10_000,
        1,
        300,
    )
    assert (aci.time_control.measure.late_points, aci.time_control.measure.late_cap) == (100, 300)
    assert aci.coefficient.for_year(1927) == D("1.85")
    assert aci.coefficient.for_year(1957) == D("1.00")
    assert aci.passages.precedence == (Source.DEVICE, Source.GPS, Source.MARSHAL)
    assert aci.classification.tie_breaks == (TieBreak.CLEAN_TRIALS, TieBreak.OLDER_CAR, TieBreak.START_NO)
    assert (aci.points, aci.classification.order) == (None, Order.LOWEST)
    mm = load_rules("mille-miglia")
    assert (mm.classification.order, mm.coefficient.operation) == (
        Order.HIGHEST,
        CoefficientOperation.MULTIPLY,
    )
    assert mm.points is not None and mm.points.table[:2] == (D(420), D(395))  # La Gazzetta, 18 May 2017
    assert (mm.timed_trial.unit_us, mm.timed_trial.late_cap) == (10_000, 300)
    tsd = load_rules("tsd")
    assert (tsd.secret_check.measure.unit_us, tsd.secret_check.measure.late_cap) == (600_000, 500)
    assert not load_rules("tour").ranked


def test_a_rule_set_file_by_path(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('[rule_set]\nname = "Mine"\n[timed_trial]\npoints = 2\n')
    mine = load_rules(path)
    assert (mine.name, mine.timed_trial.late_points) == ("Mine", 2)
    assert load_rules(str(path)).name == "Mine"


def test_load_rules_names_the_file(tmp_path: Path):
    path = tmp_path / "mine.toml"
    path.write_text('[rule_set]\nname = "x"\n[timed_trial]\npoints = "lots"\n')
    with pytest.raises(InvalidInput, match=r"mine.toml: timed_trial.points = 'lots'"):
        load_rules(path)
    with pytest.raises(MigliaError, match="no such rule set"):
        load_rules("nope")
    path.write_text("[rule_set\n")
    with pytest.raises(MigliaError, match=r"mine.toml: not valid TOML"):
        load_rules(path)
