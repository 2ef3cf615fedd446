"""Reading a rule-set file: the plain dict of its TOML checked key by key into a `domain.rules.RuleSet`.

Every key is checked and any unknown one refused; a problem raises `InvalidInput` naming the key (as
written in the file, e.g. `coefficient.bands[0].to`) and the value. `rule_set_from_dict` gives the rule
set; `load_rules` (in this package) reads the file and names it in the error.

Durations are written with a unit, e.g. "0.01s", "1s", "0.01min", "1min", "30min", and held as integer
microseconds. A key left out takes the default given here (docs/rules.md lists them).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, TypeVar

from miglia.domain.entries import CarCategory, RaceHistory
from miglia.domain.errors import InvalidInput
from miglia.domain.event import ControlKind
from miglia.domain.instants import US_PER_HOUR, US_PER_MIN, US_PER_S
from miglia.domain.rules import (
    EXCLUDE,
    ClassificationRules,
    CoefficientBand,
    CoefficientOperation,
    CoefficientParts,
    CoefficientRules,
    CoefficientTarget,
    DisplacementClass,
    Era,
    Measure,
    Order,
    PassageRules,
    PointsTable,
    Reference,
    Rounding,
    RuleSet,
    SecretCheckRules,
    Source,
    TieBreak,
    TimeControlRules,
)

_WHERE = "rule set"

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|min|h)\s*$")
_UNIT_US = {"s": US_PER_S, "min": US_PER_MIN, "h": US_PER_HOUR}


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
    raise InvalidInput(_WHERE, key, value, f"expected one of {', '.join(member.value for member in cls)}")


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


def rule_set_from_dict(data: Mapping[str, Any]) -> RuleSet:
    """The rule set of a rule-set file's TOML, read as a dict; `InvalidInput` names a bad key and value.

    The tables are checked in the order of the file's documentation: `rule_set`, `timed_trial`,
    `secret_check`, `time_control`, `missed`, `passages`, `coefficient`, `classification`, `points`,
    `protests`.
    """
    root = _Table(data, "")
    name, version, description = _head(_Table(root.take("rule_set", {}), "rule_set"))
    timed_trial = _timed_trial(_Table(root.take("timed_trial", {}), "timed_trial"))
    secret_check = _secret_check_rules(_Table(root.take("secret_check", {}), "secret_check"))
    time_control = _time_control_rules(_Table(root.take("time_control", {}), "time_control"))
    missed = _missed(_Table(root.take("missed", {}), "missed"))
    passages = _passage_rules(_Table(root.take("passages", {}), "passages"))
    coefficient = _coefficient_rules(_Table(root.take("coefficient", {}), "coefficient"))
    classification = _classification_rules(_Table(root.take("classification", {}), "classification"))
    points = _points_table(_Table(root.take("points"), "points")) if root.has("points") else None
    protests = _Table(root.take("protests", {}), "protests")
    protest_window_us = parse_duration_us(protests.take("window", "30min"), "protests.window")
    protests.done()
    root.done()
    if points is not None and classification.order is not Order.HIGHEST:
        raise InvalidInput(
            _WHERE,
            "classification.order",
            classification.order.value,
            'the points method ranks the highest total first: set order = "highest"',
        )
    return RuleSet(
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
        points=points,
        protest_window_us=protest_window_us,
    )


def _head(table: _Table) -> tuple[str, str, str]:
    """The rule set's name (required), version and description."""
    name = _str(table.take("name"), "rule_set.name") if table.has("name") else ""
    if not name:
        raise InvalidInput(_WHERE, "rule_set.name", table.take("name"), "required: the rule set's name")
    version = str(table.take("version", ""))
    description = _str(table.take("description", ""), "rule_set.description")
    table.done()
    return name, version, description


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


def _timed_trial(table: _Table) -> Measure:
    measure = _measure(table, resolution="0.01s", unit="0.01s")
    table.done()
    return measure


def _secret_check_rules(table: _Table) -> SecretCheckRules:
    rules = SecretCheckRules(
        measure=_measure(table, resolution="1s", unit="1s"),
        reference=_enum(Reference, table.take("reference", "actual"), "secret_check.reference"),
    )
    table.done()
    return rules


def _time_control_rules(table: _Table) -> TimeControlRules:
    measure = _measure(table, resolution="1s", unit="1min")
    minute = _bool(table.take("minute_convention", True), "time_control.minute_convention")
    if minute and measure.unit_us != US_PER_MIN:
        raise InvalidInput(
            _WHERE,
            "time_control.unit",
            format_duration_us(measure.unit_us),
            "must be 1min with minute_convention",
        )
    limit = table.take("out_of_time_after", None)
    out = table.take("out_of_time", EXCLUDE)
    rules = TimeControlRules(
        measure=measure,
        minute_convention=minute,
        reference=_enum(Reference, table.take("reference", "due"), "time_control.reference"),
        out_of_time_us=None if limit is None else parse_duration_us(limit, "time_control.out_of_time_after"),
        out_of_time=_points_or_exclude(out, "time_control.out_of_time"),
    )
    table.done()
    return rules


def _missed(table: _Table) -> dict[ControlKind, str | Decimal]:
    """Per kind of control, the points for a missed one (0 when not given) or "exclude"."""
    missed: dict[ControlKind, str | Decimal] = {}
    for kind in ControlKind:
        value = table.take(kind.value, 0)
        missed[kind] = _points_or_exclude(value, f"missed.{kind.value}")
    table.done()
    return missed


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
    tolerance = _Table(
        table.take("tolerance", {"device/gps": "0.5s", "device/marshal": "60s", "gps/marshal": "60s"}),
        "passages.tolerance",
    )
    tolerances: dict[frozenset[Source], int] = {}
    for pair, value in list(tolerance.data.items()):
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
    return PassageRules(
        precedence=precedence, tolerances_us=tolerances, by_kind=by_kind, by_control=by_control
    )


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
    bands = _bands(table.take("bands", []), "coefficient.bands")
    parts = (
        _coefficient_parts(_Table(table.take("parts"), "coefficient.parts")) if table.has("parts") else None
    )
    table.done()
    if applies_to is not CoefficientTarget.NONE and not bands and default is None and parts is None:
        raise InvalidInput(_WHERE, "coefficient.bands", [], "a coefficient needs bands, parts or a default")
    return CoefficientRules(
        applies_to=applies_to,
        operation=operation,
        kinds=kinds,
        bands=bands,
        default=default,
        parts=parts,
    )


def _bands(value: object, key: str) -> tuple[CoefficientBand, ...]:
    if not isinstance(value, list):
        raise InvalidInput(_WHERE, key, value, "expected a list of bands")
    bands: list[CoefficientBand] = []
    for i, raw in enumerate(value):
        bands.append(_coefficient_band(_Table(raw, f"{key}[{i}]"), bands))
    return tuple(bands)


def _coefficient_parts(table: _Table) -> CoefficientParts:
    """[coefficient.parts]: periods (year bands), classes (by displacement), categories, history."""
    periods = _bands(table.take("periods", []), "coefficient.parts.periods")
    if not periods:
        raise InvalidInput(_WHERE, "coefficient.parts.periods", [], "required: the period of each year")
    classes = _displacement_classes(table.take("classes", []), "coefficient.parts.classes")
    categories = {
        _enum(CarCategory, name, "coefficient.parts.categories"): _decimal(
            value, f"coefficient.parts.categories.{name}"
        )
        for name, value in _Table(table.take("categories", {}), "coefficient.parts.categories").data.items()
    }
    history = {
        _enum(RaceHistory, name, "coefficient.parts.history"): _decimal(
            value, f"coefficient.parts.history.{name}"
        )
        for name, value in _Table(table.take("history", {}), "coefficient.parts.history").data.items()
    }
    table.done()
    return CoefficientParts(periods=periods, classes=classes, categories=categories, history=history)


def _displacement_classes(value: object, key: str) -> tuple[DisplacementClass, ...]:
    if not isinstance(value, list) or not value:
        raise InvalidInput(_WHERE, key, value, "expected a list of classes, smallest first")
    classes: list[DisplacementClass] = []
    for i, raw in enumerate(value):
        entry = _Table(raw, f"{key}[{i}]")
        limit = entry.take("up_to_cc")
        up_to = None if limit is None else _int(limit, entry.path("up_to_cc"), minimum=1)
        if classes and (
            classes[-1].up_to_cc is None or (up_to is not None and up_to <= classes[-1].up_to_cc)
        ):
            raise InvalidInput(_WHERE, entry.path("up_to_cc"), limit, "classes go from the smallest up")
        classes.append(
            DisplacementClass(up_to_cc=up_to, value=_decimal(entry.take("value"), entry.path("value")))
        )
        entry.done()
    return tuple(classes)


def _points_table(table: _Table) -> PointsTable:
    """[points]: the points method (1000 Miglia): a decreasing table of points by trial penalty."""
    kinds_value = table.take("kinds", ["timed_trial"])
    if not isinstance(kinds_value, list) or not kinds_value:
        raise InvalidInput(_WHERE, "points.kinds", kinds_value, "expected a list of control kinds")
    kinds = frozenset(_enum(ControlKind, k, "points.kinds") for k in kinds_value)
    values = table.take("table", [])
    if not isinstance(values, list) or not values:
        raise InvalidInput(
            _WHERE, "points.table", values, "expected the points for a penalty of 0, 1, 2, ..."
        )
    points = tuple(_decimal(v, f"points.table[{i}]") for i, v in enumerate(values))
    for i in range(1, len(points)):
        if points[i] > points[i - 1]:
            raise InvalidInput(_WHERE, f"points.table[{i}]", values[i], "the table must not increase")
    then = _decimal(table.take("then_per_unit", 1), "points.then_per_unit")
    floor = _decimal(table.take("floor", 0), "points.floor")
    if floor > points[-1]:
        raise InvalidInput(_WHERE, "points.floor", str(floor), "must not be above the table's last value")
    drop_worst = _int(table.take("drop_worst", 0), "points.drop_worst")
    table.done()
    return PointsTable(kinds=kinds, table=points, then_per_unit=then, floor=floor, drop_worst=drop_worst)


def _coefficient_band(band: _Table, earlier: list[CoefficientBand]) -> CoefficientBand:
    """One band of years and its coefficient; it may not overlap an `earlier` band."""
    first = _int(band.take("from"), band.path("from"))
    last = _int(band.take("to"), band.path("to"))
    if last < first:
        raise InvalidInput(_WHERE, band.path("to"), last, f"must not be before from = {first}")
    value = _decimal(band.take("value"), band.path("value"), minimum=Decimal("0.01"))
    band.done()
    for other in earlier:
        if first <= other.last_year and other.first_year <= last:
            raise InvalidInput(
                _WHERE,
                band.path("from"),
                first,
                f"overlaps the band {other.first_year}-{other.last_year}",
            )
    return CoefficientBand(first_year=first, last_year=last, value=value)


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
    eras = tuple(_era(_Table(raw, f"classification.eras[{i}]")) for i, raw in enumerate(eras_value))
    ladies = _bool(table.take("ladies_cup", True), "classification.ladies_cup")
    team_value = table.take("team_best", None)
    team_best = None if team_value is None else _int(team_value, "classification.team_best", minimum=1)
    decimals = _int(table.take("places", 2), "classification.places")
    table.done()
    return ClassificationRules(
        ranked=ranked,
        order=order,
        tie_breaks=tie_breaks,
        by_class=by_class,
        eras=eras,
        ladies_cup=ladies,
        team_best=team_best,
        decimals=decimals,
    )


def _era(era: _Table) -> Era:
    name = _str(era.take("name"), era.path("name"))
    first = era.take("from")
    last = era.take("to")
    result = Era(
        name=name,
        first_year=None if first is None else _int(first, era.path("from")),
        last_year=None if last is None else _int(last, era.path("to")),
    )
    era.done()
    return result
