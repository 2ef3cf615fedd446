"""A rule set: how passages become penalties, scores and classifications (docs/rules.md).

Rules are data: these are the values of a rule-set file, as the engine in `miglia.domain.scoring` and
`miglia.domain.classification` reads them. Reading and checking the file (every key, a problem named by
its key and value) is the job of `miglia.rules.rule_set_file`.

Durations are integer microseconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from miglia.domain.entries import Car, CarCategory, RaceHistory
from miglia.domain.errors import InvalidInput
from miglia.domain.event import ControlKind
from miglia.domain.instants import US_PER_MIN


class Rounding(StrEnum):
    """How a measured instant is brought to the resolution of the timing."""

    TRUNCATE = "truncate"
    ROUND = "round"  # to the nearest, halves up


_TRUNCATE = Rounding.TRUNCATE
"""Bound once: `Measure.measure` runs at every control line, and reading a member off its enum class goes
through the enum metaclass's __getattr__ (Python 3.11), ten times the cost of a global."""


class Reference(StrEnum):
    """What the ideal time at a control is counted from: the car's actual time at the leg's start
    control (its clock-in there) or its due time there (the fixed time card)."""

    ACTUAL = "actual"
    DUE = "due"


class CoefficientTarget(StrEnum):
    TRIALS = "trials"  # the penalties of the kinds listed in `kinds` only
    TOTAL = "total"
    NONE = "none"


class CoefficientOperation(StrEnum):
    MULTIPLY = "multiply"
    DIVIDE = "divide"


class Order(StrEnum):
    LOWEST = "lowest"  # the lowest score wins
    HIGHEST = "highest"


class Source(StrEnum):
    GPS = "gps"
    DEVICE = "device"
    MARSHAL = "marshal"


class TieBreak(StrEnum):
    CLEAN_TRIALS = "clean_trials"  # more timed trials with zero penalty first
    OLDER_CAR = "older_car"  # the earlier year of construction first
    LOWER_PENALTY = "lower_penalty"  # the lower penalty before the coefficient first
    START_NO = "start_no"  # the lower start number first


EXCLUDE = "exclude"
"""In place of points (a missed control, out of time): the car is excluded, not classified."""


@dataclass(frozen=True, kw_only=True)
class Measure:
    """How a kind of control turns a deviation from the ideal time into penalty points.

    The measured instant (and the ideal one) is first brought to `resolution_us` by `rounding`; the
    deviation is then counted in whole `unit_us` (a part of a unit is dropped) and each unit costs
    `early_points` or `late_points`, up to `early_cap` / `late_cap` (None: no cap).
    """

    resolution_us: int
    rounding: Rounding
    unit_us: int
    early_points: Decimal
    late_points: Decimal
    early_cap: Decimal | None
    late_cap: Decimal | None
    early_allowed: bool = False
    """True: arriving early costs nothing (e.g. at a TC where early check-in is allowed)."""

    def measure(self, instant_us: int) -> int:
        r = self.resolution_us
        if self.rounding is _TRUNCATE:
            return (instant_us // r) * r
        return ((instant_us + r // 2) // r) * r

    def points(self, deviation_units: int) -> tuple[Decimal, bool]:
        """Points for a deviation counted in units (negative: early), and whether a cap applied."""
        if deviation_units == 0:
            return Decimal(0), False
        if deviation_units < 0:
            if self.early_allowed:
                return Decimal(0), False
            raw = -deviation_units * self.early_points
            cap = self.early_cap
        else:
            raw = deviation_units * self.late_points
            cap = self.late_cap
        if cap is not None and raw > cap:
            return cap, True
        return raw, False


@dataclass(frozen=True, kw_only=True)
class TimeControlRules:
    measure: Measure
    minute_convention: bool
    """True: a car is on time during the whole due minute (due 10:23 -> 10:23:00.00 to 10:23:59.99)."""
    reference: Reference
    out_of_time_us: int | None
    """Later than this at a time control is out of time (None: no limit)."""
    out_of_time: str | Decimal
    """"exclude", or the points that replace the control's penalty when out of time."""


@dataclass(frozen=True, kw_only=True)
class SecretCheckRules:
    measure: Measure
    reference: Reference


@dataclass(frozen=True, kw_only=True)
class PassageRules:
    precedence: tuple[Source, ...]
    tolerances_us: Mapping[frozenset[Source], int]
    by_kind: Mapping[ControlKind, tuple[Source, ...]] = field(default_factory=dict)
    by_control: Mapping[str, tuple[Source, ...]] = field(default_factory=dict)

    def precedence_for(self, control: str, kind: ControlKind) -> tuple[Source, ...]:
        return self.by_control.get(control) or self.by_kind.get(kind) or self.precedence

    def tolerance_us(self, a: Source, b: Source) -> int | None:
        return self.tolerances_us.get(frozenset((a, b)))


@dataclass(frozen=True, kw_only=True)
class CoefficientBand:
    first_year: int
    last_year: int
    value: Decimal


@dataclass(frozen=True, kw_only=True)
class DisplacementClass:
    """Cars up to `up_to_cc` (None: any larger) take `value` (the 1000 Miglia's class coefficient)."""

    up_to_cc: int | None
    value: Decimal


@dataclass(frozen=True, kw_only=True)
class CoefficientParts:
    """A coefficient built from the car: 1 + period + (class - category) + history bonus
    (millemiglia.it, "Coefficients"). Periods are year bands; classes by displacement, smallest first."""

    periods: tuple[CoefficientBand, ...]
    classes: tuple[DisplacementClass, ...]
    categories: Mapping[CarCategory, Decimal]
    history: Mapping[RaceHistory, Decimal]

    def for_car(self, car: Car, where: str) -> Decimal:
        """The car's coefficient; `InvalidInput` naming the entry (`where`) and the missing part."""
        period = next((p.value for p in self.periods if p.first_year <= car.year <= p.last_year), None)
        if period is None:
            raise InvalidInput(where, "year", car.year, "no period of the rule set's coefficient covers it")
        if car.displacement_cc is None:
            raise InvalidInput(where, "displacement_cc", None, "needed for the coefficient's class")
        size = next(
            (c.value for c in self.classes if c.up_to_cc is None or car.displacement_cc <= c.up_to_cc), None
        )
        if size is None:
            raise InvalidInput(
                where, "displacement_cc", car.displacement_cc, "no class of the rule set fits it"
            )
        if car.category is None:
            raise InvalidInput(
                where, "category", None, "needed for the coefficient: sport, gran_turismo, touring"
            )
        category = self.categories.get(car.category, Decimal(0))
        bonus = self.history.get(car.history, Decimal(0))
        return 1 + period + (size - category) + bonus


@dataclass(frozen=True, kw_only=True)
class CoefficientRules:
    applies_to: CoefficientTarget
    operation: CoefficientOperation
    kinds: frozenset[ControlKind]
    bands: tuple[CoefficientBand, ...]
    default: Decimal | None
    parts: CoefficientParts | None = None
    """When given, each car's coefficient is built from its parts instead of a year band."""

    def for_year(self, year: int) -> Decimal | None:
        for band in self.bands:
            if band.first_year <= year <= band.last_year:
                return band.value
        return self.default


@dataclass(frozen=True, kw_only=True)
class PointsTable:
    """The 1000 Miglia's method: each scored trial's penalty becomes points from a decreasing table (420
    for none, 395 for one hundredth, ...), multiplied by the car's coefficient; the highest total wins.

    `table[k]` is the points for a penalty of k units; past the table the points fall by `then_per_unit`
    a unit, never below `floor`. A missed or excluded trial earns `floor`."""

    kinds: frozenset[ControlKind]
    table: tuple[Decimal, ...]
    then_per_unit: Decimal
    floor: Decimal
    drop_worst: int
    """Each car's N lowest-scoring trials are not counted (a bad day at one trial is forgiven)."""

    def points(self, penalty: Decimal) -> Decimal:
        units = int(penalty)
        if units < len(self.table):
            return self.table[units]
        return max(self.floor, self.table[-1] - (units - len(self.table) + 1) * self.then_per_unit)


@dataclass(frozen=True, kw_only=True)
class Era:
    name: str
    first_year: int | None
    last_year: int | None

    def includes(self, year: int) -> bool:
        return (self.first_year is None or year >= self.first_year) and (
            self.last_year is None or year <= self.last_year
        )


@dataclass(frozen=True, kw_only=True)
class ClassificationRules:
    ranked: bool
    order: Order
    tie_breaks: tuple[TieBreak, ...]
    by_class: bool
    eras: tuple[Era, ...]
    ladies_cup: bool
    team_best: int | None
    """A team's score is the sum of its best N members (None: no team classification)."""
    decimals: int
    """Decimal places of scores and penalties as shown (the score is rounded half up to them); the key
    `places` of the rule-set file."""


@dataclass(frozen=True, kw_only=True)
class RuleSet:
    name: str
    version: str
    description: str
    timed_trial: Measure
    secret_check: SecretCheckRules
    time_control: TimeControlRules
    missed: Mapping[ControlKind, str | Decimal]
    """Per kind: the points for a missed control, or "exclude"."""
    passages: PassageRules
    coefficient: CoefficientRules
    classification: ClassificationRules
    points: PointsTable | None = None
    """The points method (the 1000 Miglia's); None: the total penalty is the score."""
    protest_window_us: int = 30 * US_PER_MIN
    """How long after the provisional results are published a crew may file a protest."""

    @property
    def ranked(self) -> bool:
        return self.classification.ranked
