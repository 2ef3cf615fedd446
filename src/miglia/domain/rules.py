"""A rule set: how passages become penalties, scores and classifications (docs/rules.md).

Rules are data: `RuleSet.from_dict` takes the plain dict read from a rule-set TOML file and checks
every key; a problem raises `InvalidInput` naming the key and the value. The engine in
`miglia.domain.scoring` is generic and only reads these values.

Durations in a rule set are written with a unit, e.g. "0.01s", "1s", "0.01min", "1min", "30min", and
held as integer microseconds.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, TypeVar

from miglia.domain.errors import InvalidInput
from miglia.domain.event import ControlKind
from miglia.domain.instants import US_PER_MIN, US_PER_S

_WHERE = "rule set"


class Rounding(StrEnum):
    """How a measured instant is brought to the resolution of the timing."""

    TRUNCATE = "truncate"
    ROUND = "round"  # to the nearest, halves up


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

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|min|h)\s*$")
_UNIT_US = {"s": US_PER_S, "min": US_PER_MIN, "h": 60 * US_PER_MIN}


def parse_duration_us(value: object, key: str, where: str = _WHERE) -> int:
    """Microseconds from a duration written with its unit: "0.01s", "1s", "0.01min", "30min"."""
    if not isinstance(value, str):
        raise InvalidInput(
            where, key, value, 'expected a duration with its unit, e.g. "0.01s", "1s" or "1min"'
        )
    match = _DURATION.match(value)
    if match is None:
        raise InvalidInput(
            where, key, value, 'expected a duration with its unit, e.g. "0.01s", "1s" or "1min"'
        )
    us = Decimal(match.group(1)) * _UNIT_US[match.group(2)]
    if us != us.to_integral_value() or us <= 0:
        raise InvalidInput(where, key, value, "must be more than zero and a whole number of microseconds")
    return int(us)


def format_duration_us(us: int) -> str:
    """The rule-set spelling of a duration: 10000 -> "0.01s", 60000000 -> "1min"."""
    if us % US_PER_MIN == 0 and us >= US_PER_MIN:
        return f"{us // US_PER_MIN}min"
    return f"{(Decimal(us) / US_PER_S).normalize():f}s"


def _decimal(value: object, key: str, where: str = _WHERE, minimum: Decimal | None = Decimal(0)) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | str | float):
        raise InvalidInput(where, key, value, "expected a number")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise InvalidInput(where, key, value, "expected a number") from None
    if not number.is_finite():
        raise InvalidInput(where, key, value, "expected a finite number")
    if minimum is not None and number < minimum:
        raise InvalidInput(where, key, value, f"must be at least {minimum}")
    return number


E = TypeVar("E", bound=StrEnum)


def _enum(cls: type[E], value: object, key: str) -> E:
    if isinstance(value, str):
        try:
            return cls(value)
        except ValueError:
            pass
    raise InvalidInput(_WHERE, key, value, f"expected one of {', '.join(m.value for m in cls)}")


def _bool(value: object, key: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(_WHERE, key, value, "expected true or false")
    return value


def _int(value: object, key: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidInput(_WHERE, key, value, f"expected a whole number, at least {minimum}")
    return value


def _str(value: object, key: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(_WHERE, key, value, "expected a string")
    return value


class _Table:
    """A table of the rule-set dict being read: takes keys one by one, then refuses any left over."""

    def __init__(self, data: object, key: str) -> None:
        if not isinstance(data, Mapping):
            raise InvalidInput(_WHERE, key, data, "expected a table")
        self.data: dict[str, Any] = dict(data)
        self.key = key

    def path(self, name: str) -> str:
        return f"{self.key}.{name}" if self.key else name

    def take(self, name: str, default: object = None) -> Any:
        return self.data.pop(name, default)

    def has(self, name: str) -> bool:
        return name in self.data

    def done(self) -> None:
        for name, value in self.data.items():
            raise InvalidInput(
                _WHERE, self.path(name), value, "unknown key (check the spelling; see docs/rules.md)"
            )


@dataclass(frozen=True)
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
        if self.rounding is Rounding.TRUNCATE:
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


def _measure(table: _Table, *, resolution: str, unit: str) -> Measure:
    resolution_us = parse_duration_us(table.take("resolution", resolution), table.path("resolution"))
    rounding = _enum(Rounding, table.take("rounding", "truncate"), table.path("rounding"))
    unit_us = parse_duration_us(table.take("unit", unit), table.path("unit"))
    # "points" and "cap" set both the early and the late value; an error names the key as written.
    points = table.take("points", None)
    both = Decimal(1) if points is None else _decimal(points, table.path("points"))
    early = table.take("early_points", None)
    late = table.take("late_points", None)
    cap_value = table.take("cap", None)
    cap = None if cap_value is None else _decimal(cap_value, table.path("cap"))
    early_cap = table.take("early_cap", None)
    late_cap = table.take("late_cap", None)
    return Measure(
        resolution_us=resolution_us,
        rounding=rounding,
        unit_us=unit_us,
        early_points=both if early is None else _decimal(early, table.path("early_points")),
        late_points=both if late is None else _decimal(late, table.path("late_points")),
        early_cap=cap if early_cap is None else _decimal(early_cap, table.path("early_cap")),
        late_cap=cap if late_cap is None else _decimal(late_cap, table.path("late_cap")),
        early_allowed=_bool(table.take("early_allowed", False), table.path("early_allowed")),
    )


@dataclass(frozen=True)
class TimeControlRules:
    measure: Measure
    minute_convention: bool
    """True: a car is on time during the whole due minute (due 10:23 -> 10:23:00.00 to 10:23:59.99)."""
    reference: Reference
    out_of_time_us: int | None
    """Later than this at a time control is out of time (None: no limit)."""
    out_of_time: str | Decimal
    """"exclude", or the points that replace the control's penalty when out of time."""


@dataclass(frozen=True)
class SecretCheckRules:
    measure: Measure
    reference: Reference


@dataclass(frozen=True)
class PassageRules:
    precedence: tuple[Source, ...]
    tolerances_us: Mapping[frozenset[Source], int]
    by_kind: Mapping[ControlKind, tuple[Source, ...]] = field(default_factory=dict)
    by_control: Mapping[str, tuple[Source, ...]] = field(default_factory=dict)

    def precedence_for(self, control: str, kind: ControlKind) -> tuple[Source, ...]:
        return self.by_control.get(control) or self.by_kind.get(kind) or self.precedence

    def tolerance_us(self, a: Source, b: Source) -> int | None:
        return self.tolerances_us.get(frozenset((a, b)))


@dataclass(frozen=True)
class CoefficientBand:
    first_year: int
    last_year: int
    value: Decimal


@dataclass(frozen=True)
class CoefficientRules:
    applies_to: CoefficientTarget
    operation: CoefficientOperation
    kinds: frozenset[ControlKind]
    bands: tuple[CoefficientBand, ...]
    default: Decimal | None

    def for_year(self, year: int) -> Decimal | None:
        for band in self.bands:
            if band.first_year <= year <= band.last_year:
                return band.value
        return self.default


@dataclass(frozen=True)
class Era:
    name: str
    first_year: int | None
    last_year: int | None

    def includes(self, year: int) -> bool:
        return (self.first_year is None or year >= self.first_year) and (
            self.last_year is None or year <= self.last_year
        )


@dataclass(frozen=True)
class ClassificationRules:
    ranked: bool
    order: Order
    tie_breaks: tuple[TieBreak, ...]
    by_class: bool
    eras: tuple[Era, ...]
    ladies_cup: bool
    team_best: int | None
    """A team's score is the sum of its best N members (None: no team classification)."""
    places: int
    """Decimal places of scores and penalties as shown (the score is rounded half up to them)."""


@dataclass(frozen=True)
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

    @property
    def ranked(self) -> bool:
        return self.classification.ranked

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RuleSet:
        root = _Table(data, "")
        head = _Table(root.take("rule_set", {}), "rule_set")
        name = _str(head.take("name"), "rule_set.name") if head.has("name") else ""
        if not name:
            raise InvalidInput(_WHERE, "rule_set.name", head.take("name"), "required: the rule set's name")
        version = str(head.take("version", ""))
        description = _str(head.take("description", ""), "rule_set.description")
        head.done()

        trial = _Table(root.take("timed_trial", {}), "timed_trial")
        timed_trial = _measure(trial, resolution="0.01s", unit="0.01s")
        trial.done()

        sc = _Table(root.take("secret_check", {}), "secret_check")
        secret_check = SecretCheckRules(
            measure=_measure(sc, resolution="1s", unit="1s"),
            reference=_enum(Reference, sc.take("reference", "actual"), "secret_check.reference"),
        )
        sc.done()

        tc = _Table(root.take("time_control", {}), "time_control")
        tc_measure = _measure(tc, resolution="1s", unit="1min")
        minute = _bool(tc.take("minute_convention", True), "time_control.minute_convention")
        if minute and tc_measure.unit_us != US_PER_MIN:
            raise InvalidInput(
                _WHERE,
                "time_control.unit",
                format_duration_us(tc_measure.unit_us),
                "must be 1min with minute_convention",
            )
        limit = tc.take("out_of_time_after", None)
        out = tc.take("out_of_time", EXCLUDE)
        time_control = TimeControlRules(
            measure=tc_measure,
            minute_convention=minute,
            reference=_enum(Reference, tc.take("reference", "due"), "time_control.reference"),
            out_of_time_us=None
            if limit is None
            else parse_duration_us(limit, "time_control.out_of_time_after"),
            out_of_time=_points_or_exclude(out, "time_control.out_of_time"),
        )
        tc.done()

        missed_table = _Table(root.take("missed", {}), "missed")
        missed: dict[ControlKind, str | Decimal] = {}
        for kind in ControlKind:
            value = missed_table.take(kind.value, 0)
            missed[kind] = _points_or_exclude(value, f"missed.{kind.value}")
        missed_table.done()

        passages = _passage_rules(_Table(root.take("passages", {}), "passages"))
        coefficient = _coefficient_rules(_Table(root.take("coefficient", {}), "coefficient"))
        classification = _classification_rules(_Table(root.take("classification", {}), "classification"))
        root.done()
        return cls(
            name=name,
            version=version,
            description=description,
            timed_trial=timed_trial,
            secret_check=secret_check,
            time_control=time_control,
            missed=missed,
            passages=passages,
            coefficient=coefficient,
            classification=classification,
        )


def _points_or_exclude(value: object, key: str) -> str | Decimal:
    if value == EXCLUDE:
        return EXCLUDE
    try:
        return _decimal(value, key)
    except InvalidInput:
        raise InvalidInput(
            _WHERE, key, value, 'expected points (a number, at least 0) or "exclude"'
        ) from None


def _sources(value: object, key: str) -> tuple[Source, ...]:
    if not isinstance(value, list) or not value:
        raise InvalidInput(
            _WHERE, key, value, 'expected a list of sources, e.g. ["device", "gps", "marshal"]'
        )
    sources = tuple(_enum(Source, v, key) for v in value)
    if len(set(sources)) != len(sources):
        raise InvalidInput(_WHERE, key, value, "a source is listed twice")
    return sources


def _passage_rules(table: _Table) -> PassageRules:
    precedence = _sources(table.take("precedence", ["device", "gps", "marshal"]), "passages.precedence")
    tol = _Table(
        table.take("tolerance", {"device/gps": "0.5s", "device/marshal": "60s", "gps/marshal": "60s"}),
        "passages.tolerance",
    )
    tolerances: dict[frozenset[Source], int] = {}
    for pair, value in list(tol.data.items()):
        key = f"passages.tolerance.{pair}"
        parts = pair.split("/")
        if len(parts) != 2 or parts[0] == parts[1]:
            raise InvalidInput(_WHERE, key, value, 'expected a pair of sources such as "device/gps"')
        a, b = (_enum(Source, p, key) for p in parts)
        tolerances[frozenset((a, b))] = parse_duration_us(value, key)
    by_kind: dict[ControlKind, tuple[Source, ...]] = {}
    kinds = _Table(table.take("by_kind", {}), "passages.by_kind")
    for kind_name, value in list(kinds.data.items()):
        key = f"passages.by_kind.{kind_name}"
        kind = _enum(ControlKind, kind_name, key)
        by_kind[kind] = _sources(_Table(value, key).data.get("precedence"), key + ".precedence")
    by_control: dict[str, tuple[Source, ...]] = {}
    controls = _Table(table.take("by_control", {}), "passages.by_control")
    for control, value in list(controls.data.items()):
        key = f"passages.by_control.{control}"
        by_control[control] = _sources(_Table(value, key).data.get("precedence"), key + ".precedence")
    table.done()
    return PassageRules(precedence, tolerances, by_kind, by_control)


def _coefficient_rules(table: _Table) -> CoefficientRules:
    applies_to = _enum(CoefficientTarget, table.take("applies_to", "none"), "coefficient.applies_to")
    operation = _enum(CoefficientOperation, table.take("operation", "multiply"), "coefficient.operation")
    kinds_value = table.take("kinds", ["timed_trial"])
    if not isinstance(kinds_value, list):
        raise InvalidInput(_WHERE, "coefficient.kinds", kinds_value, "expected a list of control kinds")
    kinds = frozenset(_enum(ControlKind, k, "coefficient.kinds") for k in kinds_value)
    default_value = table.take("default", None)
    default = (
        None
        if default_value is None
        else _decimal(default_value, "coefficient.default", minimum=Decimal("0.01"))
    )
    bands_value = table.take("bands", [])
    if not isinstance(bands_value, list):
        raise InvalidInput(_WHERE, "coefficient.bands", bands_value, "expected a list of bands")
    bands: list[CoefficientBand] = []
    for i, raw in enumerate(bands_value):
        band = _Table(raw, f"coefficient.bands[{i}]")
        first = _int(band.take("from"), band.path("from"))
        last = _int(band.take("to"), band.path("to"))
        if last < first:
            raise InvalidInput(_WHERE, band.path("to"), last, f"must not be before from = {first}")
        value = _decimal(band.take("value"), band.path("value"), minimum=Decimal("0.01"))
        band.done()
        for other in bands:
            if first <= other.last_year and other.first_year <= last:
                raise InvalidInput(
                    _WHERE,
                    band.path("from"),
                    first,
                    f"overlaps the band {other.first_year}-{other.last_year}",
                )
        bands.append(CoefficientBand(first, last, value))
    table.done()
    if applies_to is not CoefficientTarget.NONE and not bands and default is None:
        raise InvalidInput(_WHERE, "coefficient.bands", [], "a coefficient needs bands or a default")
    return CoefficientRules(applies_to, operation, kinds, tuple(bands), default)


def _classification_rules(table: _Table) -> ClassificationRules:
    ranked = _bool(table.take("ranked", True), "classification.ranked")
    order = _enum(Order, table.take("order", "lowest"), "classification.order")
    tie_value = table.take("tie_breaks", ["clean_trials", "older_car", "start_no"])
    if not isinstance(tie_value, list):
        raise InvalidInput(_WHERE, "classification.tie_breaks", tie_value, "expected a list")
    tie_breaks = tuple(_enum(TieBreak, t, "classification.tie_breaks") for t in tie_value)
    by_class = _bool(table.take("by_class", True), "classification.by_class")
    eras_value = table.take("eras", [])
    if not isinstance(eras_value, list):
        raise InvalidInput(_WHERE, "classification.eras", eras_value, "expected a list of eras")
    eras: list[Era] = []
    for i, raw in enumerate(eras_value):
        era = _Table(raw, f"classification.eras[{i}]")
        name = _str(era.take("name"), era.path("name"))
        first = era.take("from")
        last = era.take("to")
        eras.append(
            Era(
                name=name,
                first_year=None if first is None else _int(first, era.path("from")),
                last_year=None if last is None else _int(last, era.path("to")),
            )
        )
        era.done()
    ladies = _bool(table.take("ladies_cup", True), "classification.ladies_cup")
    team_value = table.take("team_best", None)
    team_best = None if team_value is None else _int(team_value, "classification.team_best", minimum=1)
    places = _int(table.take("places", 2), "classification.places")
    table.done()
    return ClassificationRules(ranked, order, tie_breaks, by_class, tuple(eras), ladies, team_best, places)
