"""Scoring one car: from its time card, its passages and its corrections to penalties and a score.

`score_car` depends on nothing but that one car's inputs (and the event plan and rules), so cars can be
scored independently and one car rescored alone when a passage arrives (see `scoreboard.Scoreboard`).

Per control (docs/rules.md gives the arithmetic):
- start, time control, finish: due instant from the time card (or from the car's actual time at the
  leg's start, rule `time_control.reference`), minute convention, early/late points, out-of-time limit;
- timed trial: elapsed time between its start line and its finish line against the target;
- secret check: deviation from the ideal instant of the leg's average-speed schedule;
- passage control: only its passage counts;
- a control without a passage is missed once it is closed or the car has been seen at a later
  control; until then it is pending and costs nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from miglia.domain.corrections import Correction, CorrectionKind
from miglia.domain.event import ControlKind
from miglia.domain.instants import US_PER_MIN, format_duration
from miglia.domain.passages import Choice, Conflict, Passage, choose, slot_label
from miglia.domain.rules import (
    EXCLUDE,
    CoefficientOperation,
    CoefficientTarget,
    Measure,
    Reference,
    RuleSet,
)
from miglia.domain.timecard import TIMED_KINDS, ControlPlan, EventPlan

_ZERO = Decimal(0)

_KIND_WORDS = {
    ControlKind.START: "start",
    ControlKind.TIME_CONTROL: "time control",
    ControlKind.PASSAGE_CONTROL: "passage control",
    ControlKind.TIMED_TRIAL: "timed trial",
    ControlKind.SECRET_CHECK: "secret check",
    ControlKind.FINISH: "finish",
}


_TRIAL_KINDS = (ControlKind.TIMED_TRIAL, ControlKind.SECRET_CHECK)


class Status(StrEnum):
    ON_TIME = "on_time"
    EARLY = "early"
    LATE = "late"
    PASSED = "passed"
    MISSED = "missed"
    PENDING = "pending"
    OUT_OF_TIME = "out_of_time"
    PENALTY = "penalty"


@dataclass(frozen=True, slots=True)
class ControlResult:
    """One line of a car's breakdown: a control, or an official penalty."""

    control: str
    kind: ControlKind | None
    """None for an official penalty not tied to a control."""
    status: Status
    due_us: int | None
    """Due instant (start, time control, finish) or ideal instant (secret check), as measured."""
    actual_us: int | None
    """The instant that counted (a trial's finish line), as measured (truncated/rounded)."""
    deviation_us: int | None
    """Measured minus due (a trial: elapsed minus target); negative is early."""
    penalty: Decimal
    reason: str
    capped: bool = False
    start_us: int | None = None
    """Timed trial: the measured start-line instant."""
    target_us: int | None = None
    """Timed trial: the time allowed."""
    choices: tuple[Choice, ...] = ()
    corrections: tuple[str, ...] = ()
    """Ids of the corrections that acted on this line."""


@dataclass(frozen=True, slots=True)
class CarResult:
    start_no: int
    lines: tuple[ControlResult, ...]
    penalty: Decimal
    """All penalty points, before the coefficient."""
    coefficient_penalty: Decimal
    """The part of `penalty` the coefficient acts on."""
    coefficient: Decimal
    score: Decimal
    """The penalty with the coefficient applied, rounded half up to the rule set's places."""
    clean_trials: int
    """Timed trials and secret checks passed with zero deviation (a tie-break)."""
    excluded: bool
    exclusion: str
    conflicts: tuple[Conflict, ...]

    def line(self, control: str) -> ControlResult:
        for line in self.lines:
            if line.control == control:
                return line
        raise KeyError(control)


Slot = tuple[str, str]


@dataclass(frozen=True, slots=True)
class _Reading:
    instant_us: int | None
    choice: Choice | None
    note: str
    correction: str | None


def coefficient_for(
    rules: RuleSet, start_no: int, year: int, overrides: Mapping[int, Decimal] | None = None
) -> Decimal:
    """The car's coefficient: an override (e.g. a published per-model table), else the year band."""
    from miglia.domain.errors import InvalidInput

    if overrides and start_no in overrides:
        return overrides[start_no]
    if rules.coefficient.applies_to is CoefficientTarget.NONE:
        return Decimal(1)
    value = rules.coefficient.for_year(year)
    if value is None:
        raise InvalidInput(
            f"entry {start_no}",
            "year",
            year,
            "no coefficient band of the rule set covers this year and it has no default",
        )
    return value


def _points_text(points: Decimal) -> str:
    return f"{points.normalize():f}"


def _deviation_units(deviation_us: int, unit_us: int) -> int:
    """Whole units of a deviation, the part of a unit dropped, with the deviation's sign."""
    if deviation_us >= 0:
        return deviation_us // unit_us
    return -((-deviation_us) // unit_us)


def _minute_units(deviation_us: int) -> int:
    """Minute convention: on time during the whole due minute; late minutes count down, early ones up."""
    if deviation_us >= 0:
        return deviation_us // US_PER_MIN
    return -((-deviation_us + US_PER_MIN - 1) // US_PER_MIN)


def _time_words(units: int, unit_us: int, deviation_us: int, minute: bool) -> str:
    if minute:
        return f"{abs(units)} min"
    return format_duration(abs(deviation_us))


def _read(
    start_no: int,
    plan: ControlPlan,
    line: str,
    slots: Mapping[Slot, Sequence[Passage]],
    rules: RuleSet,
    replaced: Mapping[Slot, Correction],
    voided_slots: Mapping[Slot, Correction],
    voided_ids: frozenset[str],
    conflicts: list[Conflict],
) -> _Reading:
    slot = (plan.name, line)
    correction = replaced.get(slot)
    if correction is not None:
        note = f"time set by correction {correction.id} ({correction.by}: {correction.why})"
        return _Reading(correction.instant_us, None, note, correction.id)
    void = voided_slots.get(slot)
    if void is not None:
        note = f"passages voided by correction {void.id} ({void.by}: {void.why})"
        return _Reading(None, None, note, void.id)
    passages = slots.get(slot)
    if not passages:
        return _Reading(None, None, "", None)
    if voided_ids:
        passages = [p for p in passages if p.id not in voided_ids]
    precedence = rules.passages.precedence_for(plan.name, plan.kind)
    choice, found = choose(start_no, plan.name, line, passages, precedence, rules.passages)
    if found:
        conflicts.extend(found)
    chosen = choice.chosen
    return _Reading(None if chosen is None else chosen.instant_us, choice, "", None)


def score_car(
    plan: EventPlan,
    start_no: int,
    rank: int,
    slots: Mapping[Slot, Sequence[Passage]],
    corrections: Sequence[Correction],
    rules: RuleSet,
    coefficient: Decimal,
    closed: frozenset[str] | None = None,
) -> CarResult:
    """Score one car.

    `rank` is its place (0-based) in start-number order, which gives its start times; `slots` its raw
    passages by (control, line); `corrections` the effective corrections of this car (see
    `corrections.effective`); `closed` the controls closed so far (None: all, the final results).
    """
    day_start = [plan.start_us(d, rank) for d in range(len(plan.event.days))]
    replaced: dict[Slot, Correction] = {}
    voided_slots: dict[Slot, Correction] = {}
    voided: set[str] = set()
    penalties: list[Correction] = []
    exclusions: list[Correction] = []
    for corr in corrections:
        if corr.kind is CorrectionKind.REPLACE_TIME:
            replaced[(corr.control, corr.line)] = corr
        elif corr.kind is CorrectionKind.VOID_PASSAGE:
            if corr.passage_id:
                voided.add(corr.passage_id)
            else:
                voided_slots[(corr.control, corr.line)] = corr
        elif corr.kind is CorrectionKind.ADD_PENALTY:
            penalties.append(corr)
        elif corr.kind is CorrectionKind.EXCLUDE:
            exclusions.append(corr)
    voided_ids = frozenset(voided)
    conflicts: list[Conflict] = []

    readings: dict[Slot, _Reading] = {}
    last_seen = -1
    for c in plan.controls:
        lines = ("", "finish") if c.kind is ControlKind.TIMED_TRIAL else ("",)
        for line in lines:
            reading = _read(start_no, c, line, slots, rules, replaced, voided_slots, voided_ids, conflicts)
            readings[(c.name, line)] = reading
            if reading.instant_us is not None:
                last_seen = c.index

    tc = rules.time_control
    tcm = tc.measure
    results: list[ControlResult] = []
    exclusion_reasons: list[str] = []
    total = _ZERO
    coef_part = _ZERO
    coef_kinds = rules.coefficient.kinds
    coef_all = rules.coefficient.applies_to is CoefficientTarget.TOTAL
    coef_trials = rules.coefficient.applies_to is CoefficientTarget.TRIALS
    clean = 0

    for c in plan.controls:
        words = _KIND_WORDS[c.kind]
        reading = readings[(c.name, "")]
        choices: tuple[Choice, ...] = () if reading.choice is None else (reading.choice,)
        used = () if reading.correction is None else (reading.correction,)
        if c.kind is ControlKind.TIMED_TRIAL:
            finish = readings[(c.name, "finish")]
            if finish.choice is not None:
                choices = (*choices, finish.choice)
            if finish.correction is not None:
                used = (*used, finish.correction)
            if reading.instant_us is None or finish.instant_us is None:
                result = _no_time(
                    c, words, rules, closed, last_seen, reading, finish, choices, used, exclusion_reasons
                )
            else:
                result = _trial(
                    c, words, rules.timed_trial, reading.instant_us, finish.instant_us, choices, used
                )
        elif reading.instant_us is None:
            result = _no_time(
                c, words, rules, closed, last_seen, reading, None, choices, used, exclusion_reasons
            )
        elif c.kind in TIMED_KINDS:
            due = _reference(c, tc.reference, day_start, readings, tcm, tc.minute_convention)
            t = tcm.measure(reading.instant_us)
            d = t - due
            units = _minute_units(d) if tc.minute_convention else _deviation_units(d, tcm.unit_us)
            late_by = units * tcm.unit_us if tc.minute_convention else d
            if tc.out_of_time_us is not None and late_by > tc.out_of_time_us:
                amount = _time_words(units, tcm.unit_us, d, tc.minute_convention)
                if tc.out_of_time == EXCLUDE:
                    text = f"{amount} late at {words} {c.name}: out of time, excluded"
                    exclusion_reasons.append(text)
                    penalty = _ZERO
                else:
                    assert isinstance(tc.out_of_time, Decimal)
                    penalty = tc.out_of_time
                    text = f"{amount} late at {words} {c.name}: out of time, {_points_text(penalty)} points"
                result = ControlResult(
                    c.name,
                    c.kind,
                    Status.OUT_OF_TIME,
                    due,
                    t,
                    d,
                    penalty,
                    text,
                    False,
                    choices=choices,
                    corrections=used,
                )
            else:
                result = _deviation_result(
                    c, words, tcm, due, t, d, units, tc.minute_convention, choices, used
                )
        elif c.kind is ControlKind.SECRET_CHECK:
            sc = rules.secret_check
            m = sc.measure
            ideal = m.measure(_reference(c, sc.reference, day_start, readings, m, False))
            t = m.measure(reading.instant_us)
            d = t - ideal
            units = _deviation_units(d, m.unit_us)
            result = _deviation_result(c, words, m, ideal, t, d, units, False, choices, used)
        else:
            result = ControlResult(
                c.name,
                c.kind,
                Status.PASSED,
                None,
                reading.instant_us,
                None,
                _ZERO,
                f"passed {words} {c.name}",
                choices=choices,
                corrections=used,
            )
        results.append(result)
        if result.status is Status.ON_TIME and c.kind in _TRIAL_KINDS:
            clean += 1
        if result.penalty:
            total += result.penalty
            if coef_all or (coef_trials and c.kind in coef_kinds):
                coef_part += result.penalty

    for p in penalties:
        points, text = _official_penalty(p, plan, rules)
        kind = plan.by_name[p.control].kind if p.control in plan.by_name else None
        results.append(
            ControlResult(
                p.control, kind, Status.PENALTY, None, None, None, points, text, corrections=(p.id,)
            )
        )
        total += points
        if coef_all:
            coef_part += points
    for x in exclusions:
        exclusion_reasons.append(f"excluded by correction {x.id} ({x.by}: {x.why})")

    score = total - coef_part + _apply(coef_part, coefficient, rules.coefficient.operation)
    score = score.quantize(Decimal(1).scaleb(-rules.classification.decimals), ROUND_HALF_UP)
    return CarResult(
        start_no=start_no,
        lines=tuple(results),
        penalty=total,
        coefficient_penalty=coef_part,
        coefficient=coefficient,
        score=score,
        clean_trials=clean,
        excluded=bool(exclusion_reasons),
        exclusion="; ".join(exclusion_reasons),
        conflicts=tuple(conflicts),
    )


def _apply(points: Decimal, coefficient: Decimal, operation: CoefficientOperation) -> Decimal:
    if not points:
        return _ZERO
    if operation is CoefficientOperation.MULTIPLY:
        return points * coefficient
    return points / coefficient


def _reference(
    c: ControlPlan,
    reference: Reference,
    day_start: list[int],
    readings: Mapping[Slot, _Reading],
    measure: Measure,
    to_minute: bool,
) -> int:
    """The due (or ideal) instant of a control for this car, before measuring.

    With reference "actual", it counts from the car's time at the leg's start control, measured with
    `measure` and, for a time control under the minute convention, taken at its minute (the minute
    written on the time card); without a time there, from the fixed time card.
    """
    if reference is Reference.ACTUAL and c.leg_start is not None and c.leg_us is not None:
        start = readings[(c.leg_start, "")].instant_us
        if start is not None:
            measured = measure.measure(start)
            if to_minute:
                measured -= measured % US_PER_MIN
            return measured + c.leg_us
    return day_start[c.day] + (c.offset_us or 0)


def _deviation_result(
    c: ControlPlan,
    words: str,
    m: Measure,
    due: int,
    t: int,
    d: int,
    units: int,
    minute: bool,
    choices: tuple[Choice, ...],
    used: tuple[str, ...],
) -> ControlResult:
    if units == 0:
        return ControlResult(
            c.name,
            c.kind,
            Status.ON_TIME,
            due,
            t,
            d,
            _ZERO,
            f"on time at {words} {c.name}: 0 points",
            choices=choices,
            corrections=used,
        )
    points, capped = m.points(units)
    status = Status.LATE if units > 0 else Status.EARLY
    amount = _time_words(units, m.unit_us, d, minute)
    text = f"{amount} {status.value} at {words} {c.name}: "
    if units < 0 and m.early_allowed:
        text += "early arrival allowed, 0 points"
    elif capped:
        raw = abs(units) * (m.late_points if units > 0 else m.early_points)
        text += f"{_points_text(raw)} points, capped at {_points_text(points)}"
    else:
        text += f"{_points_text(points)} points"
    return ControlResult(
        c.name, c.kind, status, due, t, d, points, text, capped, choices=choices, corrections=used
    )


def _trial(
    c: ControlPlan,
    words: str,
    m: Measure,
    start: int,
    finish: int,
    choices: tuple[Choice, ...],
    used: tuple[str, ...],
) -> ControlResult:
    target = c.trial_target_us or 0
    s = m.measure(start)
    f = m.measure(finish)
    d = (f - s) - target
    units = _deviation_units(d, m.unit_us)
    if units == 0:
        return ControlResult(
            c.name,
            c.kind,
            Status.ON_TIME,
            None,
            f,
            d,
            _ZERO,
            f"on target at {words} {c.name}: 0 points",
            False,
            s,
            target,
            choices,
            used,
        )
    points, capped = m.points(units)
    status = Status.LATE if units > 0 else Status.EARLY
    text = f"{format_duration(abs(d))} {status.value} at {words} {c.name}: "
    if capped:
        raw = abs(units) * (m.late_points if units > 0 else m.early_points)
        text += f"{_points_text(raw)} points, capped at {_points_text(points)}"
    else:
        text += f"{_points_text(points)} points"
    return ControlResult(c.name, c.kind, status, None, f, d, points, text, capped, s, target, choices, used)


def _no_time(
    c: ControlPlan,
    words: str,
    rules: RuleSet,
    closed: frozenset[str] | None,
    last_seen: int,
    reading: _Reading,
    finish: _Reading | None,
    choices: tuple[Choice, ...],
    used: tuple[str, ...],
    exclusion_reasons: list[str],
) -> ControlResult:
    missing = (
        "no time"
        if finish is None
        else ("no start-line time" if reading.instant_us is None else "no finish-line time")
    )
    notes = [r.note for r in (reading, finish) if r is not None and r.note]
    detail = f" ({'; '.join(notes)})" if notes else ""
    is_closed = closed is None or c.name in closed or c.index < last_seen
    if not is_closed:
        return ControlResult(
            c.name,
            c.kind,
            Status.PENDING,
            None,
            None,
            None,
            _ZERO,
            f"{missing} at {words} {c.name} yet{detail}",
            choices=choices,
            corrections=used,
        )
    missed = rules.missed[c.kind]
    if missed == EXCLUDE:
        text = f"{missing} at {words} {c.name}{detail}: missed, excluded"
        exclusion_reasons.append(text)
        return ControlResult(
            c.name, c.kind, Status.MISSED, None, None, None, _ZERO, text, choices=choices, corrections=used
        )
    assert isinstance(missed, Decimal)
    text = f"{missing} at {words} {c.name}{detail}: missed, {_points_text(missed)} points"
    return ControlResult(
        c.name, c.kind, Status.MISSED, None, None, None, missed, text, choices=choices, corrections=used
    )


def _official_penalty(p: Correction, plan: EventPlan, rules: RuleSet) -> tuple[Decimal, str]:
    who = f"correction {p.id} ({p.by}: {p.why})"
    place = f" at {slot_label(p.control, p.line)}" if p.control else ""
    if p.points is not None:
        return p.points, f"official penalty{place}: {_points_text(p.points)} points, {who}"
    assert p.time_us is not None
    kind = plan.by_name[p.control].kind if p.control in plan.by_name else ControlKind.TIME_CONTROL
    if kind is ControlKind.TIMED_TRIAL:
        m = rules.timed_trial
    elif kind is ControlKind.SECRET_CHECK:
        m = rules.secret_check.measure
    else:
        m = rules.time_control.measure
    points = (p.time_us // m.unit_us) * m.late_points
    return (
        points,
        f"official time penalty{place} of {format_duration(p.time_us)}: {_points_text(points)} points, {who}",
    )
