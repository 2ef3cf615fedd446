"""The rule model: measuring an instant, points for a deviation, precedence, coefficients and eras."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from miglia.domain.event import ControlKind
from miglia.domain.rules import (
    CoefficientBand,
    CoefficientOperation,
    CoefficientRules,
    CoefficientTarget,
    Era,
    Measure,
    PassageRules,
    Rounding,
    Source,
)
from tests.domain.scoring_factory import rules

D = Decimal


def measure(**changes: object) -> Measure:
    values: dict[str, object] = dict(
        resolution_us=10_000,
        rounding=Rounding.TRUNCATE,
        unit_us=10_000,
        early_points=D(1),
        late_points=D(1),
        early_cap=None,
        late_cap=D(300),
    )
    values.update(changes)
    return Measure(**values)  # type: ignore[arg-type]


def test_truncate_drops_what_is_below_the_resolution_and_round_takes_the_nearest_halves_up() -> None:
    truncate = measure()
    assert truncate.measure(21_009_999) == 21_000_000
    assert truncate.measure(-1) == -10_000  # floor, also before the epoch
    rounding = measure(rounding=Rounding.ROUND)
    assert rounding.measure(21_004_999) == 21_000_000
    assert rounding.measure(21_005_000) == 21_010_000  # half up


@given(st.integers(-(10**15), 10**15), st.sampled_from([1, 10_000, 1_000_000]))
def test_a_measured_instant_is_a_multiple_of_the_resolution_within_one_of_it(instant: int, r: int) -> None:
    for rounding in Rounding:
        measured = measure(resolution_us=r, rounding=rounding).measure(instant)
        assert measured % r == 0
        assert abs(measured - instant) <= (r if rounding is Rounding.TRUNCATE else r // 2)


def test_points_per_unit_early_and_late_and_the_cap() -> None:
    m = measure(early_points=D(2), late_points=D(3), early_cap=D(10), late_cap=D(300))
    assert m.points(0) == (D(0), False)
    assert m.points(-4) == (D(8), False)
    assert m.points(-6) == (D(10), True)  # 12 capped at 10
    assert m.points(100) == (D(300), False)  # exactly at the cap: not capped
    assert m.points(101) == (D(300), True)
    assert measure(late_cap=None).points(10**6) == (D(10**6), False)


def test_early_allowed_makes_early_free_but_not_late() -> None:
    m = measure(early_allowed=True, early_points=D(100), late_points=D(100))
    assert m.points(-3) == (D(0), False)
    assert m.points(3) == (D(300), False)


def test_precedence_by_control_then_by_kind_then_the_default() -> None:
    rules_ = PassageRules(
        precedence=(Source.DEVICE, Source.GPS),
        tolerances_us={frozenset((Source.DEVICE, Source.GPS)): 500_000},
        by_kind={ControlKind.TIME_CONTROL: (Source.MARSHAL,)},
        by_control={"TC2": (Source.GPS,)},
    )
    assert rules_.precedence_for("TC2", ControlKind.TIME_CONTROL) == (Source.GPS,)
    assert rules_.precedence_for("TC1", ControlKind.TIME_CONTROL) == (Source.MARSHAL,)
    assert rules_.precedence_for("PT1", ControlKind.TIMED_TRIAL) == (Source.DEVICE, Source.GPS)
    assert rules_.tolerance_us(Source.GPS, Source.DEVICE) == 500_000  # either order
    assert rules_.tolerance_us(Source.GPS, Source.MARSHAL) is None


def test_coefficient_by_year_band_else_the_default() -> None:
    coefficient = CoefficientRules(
        applies_to=CoefficientTarget.TRIALS,
        operation=CoefficientOperation.DIVIDE,
        kinds=frozenset({ControlKind.TIMED_TRIAL}),
        bands=(
            CoefficientBand(first_year=1900, last_year=1929, value=D("1.85")),
            CoefficientBand(first_year=1930, last_year=1932, value=D("1.75")),
        ),
        default=D("1.00"),
    )
    assert coefficient.for_year(1929) == D("1.85")
    assert coefficient.for_year(1930) == D("1.75")
    assert coefficient.for_year(1958) == D("1.00")
    assert coefficient.for_year(1899) == D("1.00")


def test_an_era_includes_its_first_and_last_year_and_may_be_open() -> None:
    pre_war = Era(name="pre-war", first_year=None, last_year=1939)
    assert pre_war.includes(1900) and pre_war.includes(1939) and not pre_war.includes(1940)
    post_war = Era(name="post-war", first_year=1946, last_year=None)
    assert post_war.includes(1946) and post_war.includes(2000) and not post_war.includes(1945)


def test_a_rule_set_ranks_as_its_classification_says() -> None:
    assert rules().ranked
    assert not rules(classification={"ranked": False}).ranked
