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

The steps, one function each: sort the car's corrections by what they act on (`_sort_corrections`), read
the instant that counts at every control line (`_read_lines`), score each control (`_control_line`,
which hands over to the function of its kind), add the official penalties (`_official_penalty_line`),
then sum the penalties and apply the coefficient (`_penalty_sums`, `_score`).

What does not depend on the car (each control's precedence, the words naming it, what early and late
lines cost and say) is worked out once in a `ScoringPlan`, which a scoreboard builds once and hands to
`score_car` for every car: a full recompute scores tens of thousands of control lines.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import cache, partial

from miglia.domain.corrections import Correction, CorrectionKind
from miglia.domain.entries import Car
from miglia.domain.errors import InvalidInput
from miglia.domain.event import ControlKind
from miglia.domain.instants import US_PER_MIN, format_duration
from miglia.domain.passages import (
    Choice,
    Conflict,
    Passage,
    Picked,
    choice_of,
    choose,
    counts_alone,
    slot_label,
)
from miglia.domain.rules import (
    EXCLUDE,
    CoefficientOperation,
    CoefficientTarget,
    Measure,
    PassageRules,
    PointsTable,
    Reference,
    RuleSet,
    Source,
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
    NEUTRALISED = "neutralised"


# Members read at every control line, bound to module names: on Python 3.11 reading one off its enum
# class (`Status.LATE`) goes through the enum metaclass's __getattr__, ten times the cost of a global.
_ON_TIME, _EARLY, _LATE, _MISSED = Status.ON_TIME, Status.EARLY, Status.LATE, Status.MISSED
_PASSED = Status.PASSED
_SECRET_CHECK = ControlKind.SECRET_CHECK
_ACTUAL = Reference.ACTUAL


# Not frozen, though never changed once built: a recompute builds tens of thousands of lines, and a frozen
# dataclass takes three times as long to build (each field set through object.__setattr__). The lines
# scored most (`_deviation_line`, `_timed_trial_line`, `_passed_line`) pass the fields by position, in
# this order: keywords take three times as long again.
@dataclass(slots=True)
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
    picked: tuple[Picked, ...] = ()
    """What counted at each of its control lines with a passage (a trial: start, then finish); see
    `choices`."""
    corrections: tuple[str, ...] = ()
    """Ids of the corrections that acted on this line."""
    precedence: tuple[Source, ...] = ()
    """The order of the sources at the control (the rule set's)."""

    @property
    def choices(self) -> tuple[Choice, ...]:
        """The passage choice at each of its control lines with a passage: which passage counts, and why."""
        return tuple([choice_of(picked, self.precedence) for picked in self.picked])


@dataclass(frozen=True, slots=True, kw_only=True)
class CarResult:
    start_no: int
    lines: tuple[ControlResult, ...]
    penalty: Decimal
    """All penalty points, before the coefficient."""
    coefficient_penalty: Decimal
    """The part of `penalty` the coefficient acts on."""
    coefficient: Decimal
    score: Decimal
    """The penalty with the coefficient applied, rounded half up to the rule set's decimals; under the
    points method, the trials' points x the coefficient less the other penalties."""
    clean_trials: int
    """Timed trials and secret checks passed with zero deviation (a tie-break)."""
    points: Decimal | None = None
    """The points method: the counted trials' points, before the coefficient."""
    trial_points: Mapping[str, Decimal] = field(default_factory=dict)
    """The points method: control -> what that trial earned from the table (before the coefficient)."""
    dropped: frozenset[str] = frozenset()
    """The points method: the trials not counted, as the car's worst."""
    excluded: bool
    exclusion: str
    conflicts: tuple[Conflict, ...]

    def line(self, control: str) -> ControlResult:
        for line in self.lines:
            if line.control == control:
                return line
        raise KeyError(control)


Slot = tuple[str, str]
"""A control line: (control, line), line "" or a timed trial's "finish"."""


# -- what every car shares -------------------------------------------------------------------------------


class _EarlyLate:
    """What an early or late line at one kind of control costs and says (its status, points and cap, "2
    min late", "37 points, capped at 300"), kept by deviation: a recompute scores tens of thousands of
    lines that share a few hundred deviations, so each is worked out and worded once."""

    __slots__ = ("_early_allowed", "_measure", "_minute", "_texts")

    def __init__(self, measure: Measure, *, minute: bool, early_allowed: bool) -> None:
        """`minute`: under the minute convention (the amount in whole minutes); `early_allowed`: an early
        line says that early arrival is allowed (time controls and secret checks, not timed trials)."""
        self._measure = measure
        self._minute = minute
        self._early_allowed = early_allowed and measure.early_allowed
        self._texts: dict[int, tuple[Status, Decimal, bool, str, str]] = {}

    def line(self, units: int, deviation_us: int) -> tuple[Status, Decimal, bool, str, str]:
        """(status, points, capped, how early or late, what it costs): (LATE, 200, False, "2 min late",
        "200 points"). `units` is not 0; it follows from the deviation (the key) under this measure."""
        key = units if self._minute else deviation_us
        texts = self._texts.get(key)
        if texts is None:
            points, capped = self._measure.points(units)
            status = Status.LATE if units > 0 else Status.EARLY
            if units < 0 and self._early_allowed:
                cost = "early arrival allowed, 0 points"
            else:
                cost = _points_reason(self._measure, units, points, capped)
            how = f"{self.amount(units, deviation_us)} {status.value}"
            texts = self._texts[key] = (status, points, capped, how, cost)
        return texts

    def amount(self, units: int, deviation_us: int) -> str:
        """How early or late: "2 min" under the minute convention, else "3.00 s"."""
        if self._minute:
            return f"{abs(units)} min"
        return format_duration(abs(deviation_us))


@dataclass(frozen=True, slots=True)
class _ControlRules:
    """One control as scoring reads it at every car: its lines, precedence, name in reasons, what its early
    and late lines cost."""

    control: ControlPlan
    slot: Slot
    finish_slot: Slot | None
    """A timed trial's finish line (None: the control has one line)."""
    precedence: tuple[Source, ...]
    at: str
    """The control as reasons name it: "time control TC1"."""
    on_time: str
    """The reason of a line on time: "on time at time control TC1: 0 points" ("on target" at a trial)."""
    passed: str
    """The reason of a passage control passed: "passed passage control PC1"."""
    leg_start: int | None
    """Index in the plan of the control the leg starts at (`ControlPlan.leg_start`), if any."""
    early_late: _EarlyLate
    """For a timed trial, secret check or timed control; a passage control's is never used."""


@dataclass(frozen=True, slots=True)
class ScoringPlan:
    """The event plan and the rule set made ready to score any car: what scoring one control needs and
    does not depend on the car, worked out once (a scoreboard builds one; see `score_car`)."""

    plan: EventPlan
    rules: RuleSet
    controls: tuple[_ControlRules, ...]
    """In route order, as `plan.controls`."""
    trials: tuple[int, ...]
    """The indices of the timed trials and secret checks among `controls` (their lines among a car's)."""
    points_trials: tuple[int, ...]
    """The indices of the controls that earn points from the rule set's table (none without one)."""
    coefficient_lines: tuple[int, ...]
    """The indices of the controls whose penalties the coefficient acts on (its kinds, all, or none)."""

    @classmethod
    def build(cls, plan: EventPlan, rules: RuleSet) -> ScoringPlan:
        tc = rules.time_control
        timed = _EarlyLate(tc.measure, minute=tc.minute_convention, early_allowed=True)
        by_kind = {
            ControlKind.TIMED_TRIAL: _EarlyLate(rules.timed_trial, minute=False, early_allowed=False),
            ControlKind.SECRET_CHECK: _EarlyLate(
                rules.secret_check.measure, minute=False, early_allowed=True
            ),
        }
        controls = tuple(
            _control_rules(c, plan, rules.passages, by_kind.get(c.kind, timed)) for c in plan.controls
        )
        points_kinds = rules.points.kinds if rules.points is not None else frozenset()
        coefficient = rules.coefficient
        return cls(
            plan=plan,
            rules=rules,
            controls=controls,
            trials=tuple(i for i, c in enumerate(plan.controls) if c.kind in _TRIAL_KINDS),
            points_trials=tuple(i for i, c in enumerate(plan.controls) if c.kind in points_kinds),
            coefficient_lines=tuple(
                i
                for i, c in enumerate(plan.controls)
                if coefficient.applies_to is CoefficientTarget.TOTAL
                or (coefficient.applies_to is CoefficientTarget.TRIALS and c.kind in coefficient.kinds)
            ),
        )


def _control_rules(
    control: ControlPlan, plan: EventPlan, rules: PassageRules, early_late: _EarlyLate
) -> _ControlRules:
    at = f"{_KIND_WORDS[control.kind]} {control.name}"
    trial = control.kind is ControlKind.TIMED_TRIAL
    return _ControlRules(
        control=control,
        slot=(control.name, ""),
        finish_slot=(control.name, "finish") if trial else None,
        precedence=rules.precedence_for(control.name, control.kind),
        at=at,
        on_time=f"{'on target' if trial else 'on time'} at {at}: 0 points",
        passed=f"passed {at}",
        leg_start=None if control.leg_start is None else plan.by_name[control.leg_start].index,
        early_late=early_late,
    )


# -- one car ---------------------------------------------------------------------------------------------


@dataclass(slots=True)  # not frozen, for speed, as ControlResult; never changed once built
class _Reading:
    """The instant that counts at one control line of a car, and where it came from."""

    instant_us: int | None
    picked: tuple[Picked, ...]
    """The passage behind it, or the choice made among several, if any (as the line keeps it)."""
    note: str
    used: tuple[str, ...]
    """The id of the correction behind it, if any (as the line shows it)."""


@dataclass(frozen=True, slots=True)
class _SortedCorrections:
    """A car's effective corrections, by what they act on."""

    replaced: Mapping[Slot, Correction]
    """replace_time: the official instant of a control line (the latest correction of a line wins)."""
    voided_lines: Mapping[Slot, Correction]
    """void_passage without a passage id: no passage of the line counts."""
    voided_passages: frozenset[str]
    """void_passage with a passage id: that passage no longer counts."""
    penalties: tuple[Correction, ...]
    exclusions: tuple[Correction, ...]
    neutralised: Mapping[str, Correction]
    """Control -> the correction that neutralised it for every car."""

    @property
    def acts_on_lines(self) -> bool:
        """Whether any correction sets or voids a whole control line (most cars have none)."""
        return bool(self.replaced or self.voided_lines)


_NO_CORRECTIONS = _SortedCorrections({}, {}, frozenset(), (), (), {})


@dataclass(frozen=True, slots=True)
class _Car:
    """What scoring one control of a car needs besides the control itself."""

    rules: RuleSet
    day_starts_us: Sequence[int]
    """The car's start instant on each day."""
    readings: Sequence[tuple[_Reading, _Reading | None]]
    """By control (index in the plan): its reading, and a timed trial's finish-line reading (else None)."""
    closed: frozenset[str] | None
    """The controls closed so far (None: all)."""
    last_seen: int
    """Index (in the whole event) of the last control where the car has a time; -1: none yet."""


def coefficient_for(
    rules: RuleSet, start_no: int, car: Car, overrides: Mapping[int, Decimal] | None = None
) -> Decimal:
    """The car's coefficient: an override (e.g. a published per-model table), else built from the car's
    parts when the rule set says so, else the band of its year."""
    if overrides and start_no in overrides:
        return overrides[start_no]
    if rules.coefficient.applies_to is CoefficientTarget.NONE:
        return Decimal(1)
    if rules.coefficient.parts is not None:
        return rules.coefficient.parts.for_car(car, f"entry {start_no}")
    year = car.year
    value = rules.coefficient.for_year(year)
    if value is None:
        raise InvalidInput(
            f"entry {start_no}",
            "year",
            year,
            "no coefficient band of the rule set covers this year and it has no default",
        )
    return value


def score_car(
    plan: EventPlan,
    start_no: int,
    start_index: int,
    slots: Mapping[Slot, Sequence[Passage]],
    corrections: Sequence[Correction],
    rules: RuleSet,
    coefficient: Decimal,
    closed: frozenset[str] | None = None,
    *,
    scoring: ScoringPlan | None = None,
) -> CarResult:
    """Score one car.

    `start_index` is its index (0-based) in start-number order among the accepted entries, which gives
    its start times; `slots` its raw passages by (control, line); `corrections` the effective corrections
    of this car (see `corrections.effective`); `closed` the controls closed so far (None: all, the final
    results); `scoring` the plan and rules made ready (`ScoringPlan.build(plan, rules)`), to pass when
    scoring many cars.
    """
    if scoring is None:
        scoring = ScoringPlan.build(plan, rules)
    sorted_corrections = _sort_corrections(corrections)
    conflicts: list[Conflict] = []
    readings, last_seen = _read_lines(scoring, start_no, slots, sorted_corrections, conflicts)
    car = _Car(
        rules=rules,
        day_starts_us=[plan.start_us(day, start_index) for day in range(len(plan.event.days))],
        readings=readings,
        closed=closed,
        last_seen=last_seen,
    )
    control_lines: list[ControlResult] = []
    exclusion_reasons: list[str] = []
    neutralised = sorted_corrections.neutralised
    for control in scoring.controls:
        line, excludes = _control_line(control, car)
        if neutralised and control.control.name in neutralised:
            line, excludes = _neutralised(line, neutralised[control.control.name]), False
        control_lines.append(line)
        if excludes:
            exclusion_reasons.append(line.reason)
    penalty_lines = [_official_penalty_line(p, plan, rules) for p in sorted_corrections.penalties]
    exclusion_reasons.extend(
        f"excluded by correction {x.id} ({x.by}: {x.why})" for x in sorted_corrections.exclusions
    )
    penalty, coefficient_penalty = _penalty_sums(control_lines, penalty_lines, scoring)
    points = None
    trial_points: dict[str, Decimal] = {}
    dropped: frozenset[str] = frozenset()
    score = _score(penalty, coefficient_penalty, coefficient, rules)
    if rules.points is not None:
        trial_lines = [control_lines[i] for i in scoring.points_trials]
        trial_points, dropped = _trial_points(trial_lines, rules.points)
        control_lines = _mark_dropped(control_lines, dropped, rules.points.drop_worst)
        points, score = _points_score(trial_lines, trial_points, dropped, penalty, coefficient, rules)
    return CarResult(
        start_no=start_no,
        lines=(*control_lines, *penalty_lines),
        penalty=penalty,
        coefficient_penalty=coefficient_penalty,
        coefficient=coefficient,
        score=score,
        points=points,
        trial_points=trial_points,
        dropped=dropped,
        clean_trials=sum(1 for i in scoring.trials if control_lines[i].status is _ON_TIME),
        excluded=bool(exclusion_reasons),
        exclusion="; ".join(exclusion_reasons),
        conflicts=tuple(conflicts),
    )


# -- corrections and readings ---------------------------------------------------------------------------


def _sort_corrections(corrections: Sequence[Correction]) -> _SortedCorrections:
    if not corrections:
        return _NO_CORRECTIONS
    replaced: dict[Slot, Correction] = {}
    voided_lines: dict[Slot, Correction] = {}
    voided_passages: set[str] = set()
    penalties: list[Correction] = []
    exclusions: list[Correction] = []
    neutralised: dict[str, Correction] = {}
    for correction in corrections:
        if correction.kind is CorrectionKind.REPLACE_TIME:
            replaced[(correction.control, correction.line)] = correction
        elif correction.kind is CorrectionKind.VOID_PASSAGE:
            if correction.passage_id:
                voided_passages.add(correction.passage_id)
            else:
                voided_lines[(correction.control, correction.line)] = correction
        elif correction.kind is CorrectionKind.ADD_PENALTY:
            penalties.append(correction)
        elif correction.kind is CorrectionKind.EXCLUDE:
            exclusions.append(correction)
        elif correction.kind is CorrectionKind.NEUTRALISE:
            neutralised.setdefault(correction.control, correction)
    return _SortedCorrections(
        replaced=replaced,
        voided_lines=voided_lines,
        voided_passages=frozenset(voided_passages),
        penalties=tuple(penalties),
        exclusions=tuple(exclusions),
        neutralised=neutralised,
    )


def _read_lines(
    scoring: ScoringPlan,
    start_no: int,
    slots: Mapping[Slot, Sequence[Passage]],
    corrections: _SortedCorrections,
    conflicts: list[Conflict],
) -> tuple[list[tuple[_Reading, _Reading | None]], int]:
    """The reading of every control (a timed trial: of its start and finish lines), in route order, and
    the index of the last control with a time (-1: none); the conflicts found between sources are added
    to `conflicts`."""
    readings: list[tuple[_Reading, _Reading | None]] = []
    last_seen = -1
    rules = scoring.rules.passages
    read: Callable[..., _Reading] = _read  # most cars: no correction to look up at each line
    if corrections.acts_on_lines or corrections.voided_passages:
        read = partial(_read_corrected, corrections=corrections)
    for control in scoring.controls:
        reading = read(start_no, control, control.slot, slots, rules, conflicts)
        finish = None
        if control.finish_slot is not None:
            finish = read(start_no, control, control.finish_slot, slots, rules, conflicts)
        readings.append((reading, finish))
        if reading.instant_us is not None or (finish is not None and finish.instant_us is not None):
            last_seen = control.control.index
    return readings, last_seen


_NO_READING = _Reading(None, (), "", ())


def _read(
    start_no: int,
    control: _ControlRules,
    slot: Slot,
    slots: Mapping[Slot, Sequence[Passage]],
    rules: PassageRules,
    conflicts: list[Conflict],
) -> _Reading:
    """The instant that counts at one control line: the chosen passage's."""
    passages = slots.get(slot)
    if not passages:
        return _NO_READING
    return _picked(start_no, slot, passages, control.precedence, rules, conflicts)


def _picked(
    start_no: int,
    slot: Slot,
    passages: Sequence[Passage],
    precedence: tuple[Source, ...],
    rules: PassageRules,
    conflicts: list[Conflict],
) -> _Reading:
    """The reading of a control line from its passages: the only one, or the one chosen among several."""
    if counts_alone(passages, precedence):
        alone = tuple(passages)  # a tuple already (the scoreboard's), so kept, not copied
        return _Reading(alone[0].instant_us, alone, "", ())
    choice, found = choose(start_no, slot[0], slot[1], passages, precedence, rules)
    if found:
        conflicts.extend(found)
    chosen = choice.chosen
    return _Reading(None if chosen is None else chosen.instant_us, (choice,), "", ())


def _read_corrected(
    start_no: int,
    control: _ControlRules,
    slot: Slot,
    slots: Mapping[Slot, Sequence[Passage]],
    rules: PassageRules,
    conflicts: list[Conflict],
    *,
    corrections: _SortedCorrections,
) -> _Reading:
    """The instant that counts at one control line of a car with corrections: a correction's, else the
    chosen passage's among those not voided."""
    replacement = corrections.replaced.get(slot)
    if replacement is not None:
        note = f"time set by correction {replacement.id} ({replacement.by}: {replacement.why})"
        return _Reading(replacement.instant_us, (), note, (replacement.id,))
    void = corrections.voided_lines.get(slot)
    if void is not None:
        note = f"passages voided by correction {void.id} ({void.by}: {void.why})"
        return _Reading(None, (), note, (void.id,))
    passages = slots.get(slot)
    if not passages:
        return _NO_READING
    if corrections.voided_passages:
        passages = [p for p in passages if p.id not in corrections.voided_passages]
    return _picked(start_no, slot, passages, control.precedence, rules, conflicts)


# -- one control ----------------------------------------------------------------------------------------


def _control_line(control: _ControlRules, car: _Car) -> tuple[ControlResult, bool]:
    """The line of one control, and whether it excludes the car (then its reason says why)."""
    plan = control.control
    reading, finish = car.readings[plan.index]
    picked, used = reading.picked, reading.used
    if finish is not None:
        picked, used = picked + finish.picked, used + finish.used
        if reading.instant_us is None or finish.instant_us is None:
            return _missing_time_line(control, car, reading, finish, picked, used)
        trial = _timed_trial_line(
            control, car.rules.timed_trial, reading.instant_us, finish.instant_us, picked, used
        )
        return trial, False
    if reading.instant_us is None:
        return _missing_time_line(control, car, reading, None, picked, used)
    if plan.kind in TIMED_KINDS:
        return _time_control_line(control, car, reading.instant_us, picked, used)
    if plan.kind is _SECRET_CHECK:
        return _secret_check_line(control, car, reading.instant_us, picked, used), False
    return _passed_line(control, reading.instant_us, picked, used), False


def _neutralised(line: ControlResult, correction: Correction) -> ControlResult:
    """The line as measured (times and passages stay shown), at no cost: the control counts for no car."""
    return dataclasses.replace(
        line,
        status=Status.NEUTRALISED,
        penalty=Decimal(0),
        capped=False,
        reason=f"{line.control} neutralised for every car by correction {correction.id} "
        f"({correction.by}: {correction.why})",
        corrections=(*line.corrections, correction.id),
    )


def _time_control_line(
    control: _ControlRules, car: _Car, instant_us: int, picked: tuple[Picked, ...], used: tuple[str, ...]
) -> tuple[ControlResult, bool]:
    """A start, time control or finish: its due minute (or instant), early or late, or out of time."""
    rules = car.rules.time_control
    measure = rules.measure
    minute = rules.minute_convention
    due_us = _due_us(control, rules.reference, car, measure, to_minute=minute)
    measured_us = measure.measure(instant_us)
    deviation_us = measured_us - due_us
    units = _minute_units(deviation_us) if minute else _deviation_units(deviation_us, measure.unit_us)
    late_by_us = units * measure.unit_us if minute else deviation_us
    if rules.out_of_time_us is not None and late_by_us > rules.out_of_time_us:
        late = f"{control.early_late.amount(units, deviation_us)} late at {control.at}"
        if rules.out_of_time == EXCLUDE:
            penalty, reason, excludes = _ZERO, f"{late}: out of time, excluded", True
        else:
            assert isinstance(rules.out_of_time, Decimal)
            penalty = rules.out_of_time
            reason, excludes = f"{late}: out of time, {_points_text(penalty)} points", False
        line = ControlResult(
            control=control.control.name,
            kind=control.control.kind,
            status=Status.OUT_OF_TIME,
            due_us=due_us,
            actual_us=measured_us,
            deviation_us=deviation_us,
            penalty=penalty,
            reason=reason,
            capped=False,
            picked=picked,
            corrections=used,
            precedence=control.precedence,
        )
        return line, excludes
    line = _deviation_line(control, measure, due_us, measured_us, deviation_us, units, picked, used)
    return line, False


def _secret_check_line(
    control: _ControlRules, car: _Car, instant_us: int, picked: tuple[Picked, ...], used: tuple[str, ...]
) -> ControlResult:
    """A secret check: the deviation from the ideal instant of the leg's average-speed schedule."""
    rules = car.rules.secret_check
    measure = rules.measure
    ideal_us = measure.measure(_due_us(control, rules.reference, car, measure, to_minute=False))
    measured_us = measure.measure(instant_us)
    deviation_us = measured_us - ideal_us
    units = _deviation_units(deviation_us, measure.unit_us)
    return _deviation_line(control, measure, ideal_us, measured_us, deviation_us, units, picked, used)


def _passed_line(
    control: _ControlRules, instant_us: int, picked: tuple[Picked, ...], used: tuple[str, ...]
) -> ControlResult:
    """A passage control: only its passage counts."""
    plan = control.control
    return ControlResult(
        plan.name, plan.kind, _PASSED, None, instant_us, None, _ZERO, control.passed, False, None, None,
        picked, used, control.precedence,
    )  # fmt: skip


def _due_us(
    control: _ControlRules, reference: Reference, car: _Car, measure: Measure, *, to_minute: bool
) -> int:
    """The due (or ideal) instant of a control for this car, before measuring.

    With reference "actual", it counts from the car's time at the leg's start control, measured with
    `measure` and, for a time control under the minute convention, taken at its minute (the minute
    written on the time card); without a time there, from the fixed time card.
    """
    plan = control.control
    if reference is _ACTUAL and control.leg_start is not None and plan.leg_us is not None:
        leg_start_us = car.readings[control.leg_start][0].instant_us
        if leg_start_us is not None:
            measured_us = measure.measure(leg_start_us)
            if to_minute:
                measured_us -= measured_us % US_PER_MIN
            return measured_us + plan.leg_us
    return car.day_starts_us[plan.day] + (plan.offset_us or 0)


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


@cache  # a few distinct values, formatted tens of thousands of times per recompute
def _points_text(points: Decimal) -> str:
    return f"{points.normalize():f}"


def _points_reason(measure: Measure, units: int, points: Decimal, capped: bool) -> str:
    """The points of an early or late line: "37 points", or "1234 points, capped at 300"."""
    if capped:
        uncapped = abs(units) * (measure.late_points if units > 0 else measure.early_points)
        return f"{_points_text(uncapped)} points, capped at {_points_text(points)}"
    return f"{_points_text(points)} points"


def _deviation_line(
    control: _ControlRules,
    measure: Measure,
    due_us: int,
    measured_us: int,
    deviation_us: int,
    units: int,
    picked: tuple[Picked, ...],
    used: tuple[str, ...],
) -> ControlResult:
    """A time control or secret check reached: on time, or early or late by whole units."""
    if units == 0:
        status, points, capped, reason = _ON_TIME, _ZERO, False, control.on_time
    else:
        status, points, capped, how, cost = control.early_late.line(units, deviation_us)
        reason = f"{how} at {control.at}: {cost}"
    plan = control.control
    return ControlResult(
        plan.name, plan.kind, status, due_us, measured_us, deviation_us, points, reason, capped, None, None,
        picked, used, control.precedence,
    )  # fmt: skip


def _timed_trial_line(
    control: _ControlRules,
    measure: Measure,
    start_us: int,
    finish_us: int,
    picked: tuple[Picked, ...],
    used: tuple[str, ...],
) -> ControlResult:
    """A timed trial: the elapsed time between its start and finish lines against its target."""
    target_us = control.control.trial_target_us or 0
    measured_start_us = measure.measure(start_us)
    measured_finish_us = measure.measure(finish_us)
    deviation_us = (measured_finish_us - measured_start_us) - target_us
    units = _deviation_units(deviation_us, measure.unit_us)
    if units == 0:
        status, points, capped, reason = _ON_TIME, _ZERO, False, control.on_time
    else:
        status, points, capped, how, cost = control.early_late.line(units, deviation_us)
        reason = f"{how} at {control.at}: {cost}"
    plan = control.control
    return ControlResult(
        plan.name, plan.kind, status, None, measured_finish_us, deviation_us, points, reason, capped,
        measured_start_us, target_us, picked, used, control.precedence,
    )  # fmt: skip


def _missing_time_line(
    control: _ControlRules,
    car: _Car,
    reading: _Reading,
    finish: _Reading | None,
    picked: tuple[Picked, ...],
    used: tuple[str, ...],
) -> tuple[ControlResult, bool]:
    """A control without a time (a trial: on either line): pending until closed or passed, then missed;
    and whether missing it excludes the car."""
    plan = control.control
    if finish is None:
        missing = "no time"
    else:
        missing = "no start-line time" if reading.instant_us is None else "no finish-line time"
    notes = [r.note for r in (reading, finish) if r is not None and r.note]
    detail = f" ({'; '.join(notes)})" if notes else ""
    is_closed = car.closed is None or plan.name in car.closed or plan.index < car.last_seen
    if not is_closed:
        status, penalty, excludes = Status.PENDING, _ZERO, False
        reason = f"{missing} at {control.at} yet{detail}"
    else:
        status = Status.MISSED
        missed = car.rules.missed[plan.kind]
        if missed == EXCLUDE:
            penalty, excludes = _ZERO, True
            reason = f"{missing} at {control.at}{detail}: missed, excluded"
        else:
            assert isinstance(missed, Decimal)
            penalty, excludes = missed, False
            reason = f"{missing} at {control.at}{detail}: missed, {_points_text(missed)} points"
    line = ControlResult(
        control=plan.name,
        kind=plan.kind,
        status=status,
        due_us=None,
        actual_us=None,
        deviation_us=None,
        penalty=penalty,
        reason=reason,
        picked=picked,
        corrections=used,
        precedence=control.precedence,
    )
    return line, excludes


# -- official penalties and the score -------------------------------------------------------------------


def _official_penalty_line(correction: Correction, plan: EventPlan, rules: RuleSet) -> ControlResult:
    """An add_penalty correction as a line of its own: points, or a time at the late rate of the kind."""
    control = plan.by_name.get(correction.control)
    points, reason = _official_penalty(correction, plan, rules)
    return ControlResult(
        control=correction.control,
        kind=None if control is None else control.kind,
        status=Status.PENALTY,
        due_us=None,
        actual_us=None,
        deviation_us=None,
        penalty=points,
        reason=reason,
        corrections=(correction.id,),
    )


def _official_penalty(correction: Correction, plan: EventPlan, rules: RuleSet) -> tuple[Decimal, str]:
    who = f"correction {correction.id} ({correction.by}: {correction.why})"
    at = f" at {slot_label(correction.control, correction.line)}" if correction.control else ""
    if correction.points is not None:
        return correction.points, f"official penalty{at}: {_points_text(correction.points)} points, {who}"
    assert correction.time_us is not None
    control = plan.by_name.get(correction.control)
    kind = ControlKind.TIME_CONTROL if control is None else control.kind
    if kind is ControlKind.TIMED_TRIAL:
        measure = rules.timed_trial
    elif kind is ControlKind.SECRET_CHECK:
        measure = rules.secret_check.measure
    else:
        measure = rules.time_control.measure
    points = (correction.time_us // measure.unit_us) * measure.late_points
    return (
        points,
        f"official time penalty{at} of {format_duration(correction.time_us)}: "
        f"{_points_text(points)} points, {who}",
    )


def _penalty_sums(
    control_lines: Sequence[ControlResult], penalty_lines: Sequence[ControlResult], scoring: ScoringPlan
) -> tuple[Decimal, Decimal]:
    """All the penalty points, and the part of them the coefficient acts on (its kinds, or all)."""
    # Control lines without a penalty are left out: a zero may carry an exponent (0.00) that would
    # change how the sum is written.
    penalty = sum([line.penalty for line in control_lines if line.penalty], _ZERO)
    coefficient_lines = (control_lines[i] for i in scoring.coefficient_lines)
    coefficient_penalty = sum([line.penalty for line in coefficient_lines if line.penalty], _ZERO)
    for line in penalty_lines:
        penalty += line.penalty
        if scoring.rules.coefficient.applies_to is CoefficientTarget.TOTAL:
            coefficient_penalty += line.penalty
    return penalty, coefficient_penalty


_EARNS_POINTS = frozenset((Status.ON_TIME, Status.EARLY, Status.LATE, Status.MISSED, Status.OUT_OF_TIME))
"""A trial line that has its points: measured, or missed (floor); pending and neutralised ones have none."""


def _trial_points(
    trial_lines: Sequence[ControlResult], table: PointsTable
) -> tuple[dict[str, Decimal], frozenset[str]]:
    """Each scored trial's points from the table (a missed one the floor), and the worst `drop_worst` of
    them, not counted; `trial_lines` are the car's lines of the kinds the table scores."""
    earned = {
        line.control: table.floor if line.status is _MISSED else table.points(line.penalty)
        for line in trial_lines
        if line.status in _EARNS_POINTS
    }
    if not table.drop_worst:
        return earned, frozenset()
    worst = sorted(earned, key=lambda control: (earned[control], control))[: table.drop_worst]
    return earned, frozenset(worst)


def _mark_dropped(
    lines: list[ControlResult], dropped: frozenset[str], drop_worst: int
) -> list[ControlResult]:
    if not dropped:
        return lines
    note = f"; not counted: one of the car's {drop_worst} worst"
    return [dataclasses.replace(x, reason=x.reason + note) if x.control in dropped else x for x in lines]


def _points_score(
    trial_lines: Sequence[ControlResult],
    trial_points: Mapping[str, Decimal],
    dropped: frozenset[str],
    penalty: Decimal,
    coefficient: Decimal,
    rules: RuleSet,
) -> tuple[Decimal, Decimal]:
    """The counted trials' points, and the score: those points x the coefficient, less every penalty
    that is not a points trial's (time controls, secret checks, official penalties), rounded half up;
    `trial_lines` are the car's lines of the kinds the points table scores."""
    points = sum((p for control, p in trial_points.items() if control not in dropped), _ZERO)
    trials_penalty = sum((line.penalty for line in trial_lines), _ZERO)
    score = points * coefficient - (penalty - trials_penalty)
    return points, score.quantize(Decimal(1).scaleb(-rules.classification.decimals), ROUND_HALF_UP)


def _score(penalty: Decimal, coefficient_penalty: Decimal, coefficient: Decimal, rules: RuleSet) -> Decimal:
    """The penalty with the coefficient applied to its part, rounded half up to the rule set's decimals."""
    score = (
        penalty - coefficient_penalty + _apply(coefficient_penalty, coefficient, rules.coefficient.operation)
    )
    return score.quantize(Decimal(1).scaleb(-rules.classification.decimals), ROUND_HALF_UP)


def _apply(points: Decimal, coefficient: Decimal, operation: CoefficientOperation) -> Decimal:
    if not points:
        return _ZERO
    if operation is CoefficientOperation.MULTIPLY:
        return points * coefficient
    return points / coefficient
