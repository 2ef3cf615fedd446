"""Time cards: when each car is due at each control, in integer microseconds UTC.

`EventPlan.build(event)` works out, once per event, the ideal time of every control after a car's
start of the day (it is the same for every car); `time_cards(plan, entries)` then gives each car its
start time (the day's first start + its index in start-number order among accepted entries x the
start interval) and its due instants.

- start, time control, finish: the leg from the previous timed control takes the control's `target`,
  or its distance (difference of `km`) at its `average_kmh`;
- secret check: the ideal time from the leg's start control at the leg's average speed (the secret
  check's own `average_kmh`, else the one of the timed control closing the leg, else the leg's distance
  over its target), changed by `speed_changes` at their km (those of the check and of the closing control);
- timed trial: its `target` between its start line and its finish line; no due time of day;
- passage control: no time, only the passage.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from miglia.domain.entries import Entry
from miglia.domain.errors import InvalidInput
from miglia.domain.event import Control, ControlKind, Event, SpeedChange
from miglia.domain.instants import US_PER_HOUR, US_PER_S, format_duration, local_to_utc_us, seconds_to_us

# Re-exported for cli/results.py, cli/timing.py and service/timing/results.py, which import them from here
# (they are being reworked for the unit of work); the time functions live in domain.instants.

TIMED_KINDS = (ControlKind.START, ControlKind.TIME_CONTROL, ControlKind.FINISH)


def travel_us(km: Decimal, kmh: Decimal) -> int:
    """Time to drive `km` at an average of `kmh`, in whole microseconds (rounded half up)."""
    return int((km / kmh * US_PER_HOUR).to_integral_value(ROUND_HALF_UP))


@dataclass(frozen=True, slots=True, kw_only=True)
class ControlPlan:
    """One control of the event, with what does not depend on the car."""

    name: str
    kind: ControlKind
    day: int
    """Index of the control's day in `event.days`."""
    index: int
    """Position of the control in the whole event, in route order (day by day)."""
    km: Decimal | None
    offset_us: int | None
    """Ideal time after the car's start of the day (start, time controls, finish, secret checks)."""
    leg_start: str | None
    """The timed control the leg starts at (time controls, finish, secret checks); None for a start."""
    leg_us: int | None
    """Ideal time from the leg's start control to this control."""
    trial_target_us: int | None
    """Timed trial: the time allowed between its start and finish lines."""

    @property
    def is_timed(self) -> bool:
        return self.kind in TIMED_KINDS


@dataclass(frozen=True)
class EventPlan:
    event: Event
    controls: tuple[ControlPlan, ...]
    by_name: Mapping[str, ControlPlan]
    day_first_start_us: tuple[int, ...]
    day_interval_us: tuple[int, ...]

    @classmethod
    def build(cls, event: Event) -> EventPlan:
        plans: list[ControlPlan] = []
        for d, day in enumerate(event.days):
            plans.extend(_plan_day(d, day.controls, len(plans)))
        by_name: dict[str, ControlPlan] = {}
        for plan in plans:
            if plan.name in by_name:
                raise InvalidInput(f"control {plan.name}", "name", plan.name, "used twice; names are unique")
            by_name[plan.name] = plan
        return cls(
            event=event,
            controls=tuple(plans),
            by_name=by_name,
            day_first_start_us=tuple(
                local_to_utc_us(d.date, d.first_start, event.timezone) for d in event.days
            ),
            day_interval_us=tuple(d.start_interval_s * US_PER_S for d in event.days),
        )

    def start_us(self, day: int, start_index: int) -> int:
        """The start instant on `day` of the car at `start_index` (0-based) in start-number order."""
        return self.day_first_start_us[day] + start_index * self.day_interval_us[day]


def _where(control: Control) -> str:
    return f"control {control.name}"


def _require_km(control: Control) -> Decimal:
    if control.km is None:
        raise InvalidInput(_where(control), "km", None, "needed to time this control from distance and speed")
    return control.km


@dataclass(frozen=True, slots=True, kw_only=True)
class LegSchedule:
    """The set averages of a leg: `kmh` from `start_km` on, then each speed change from its km on.

    The one source of ideal times on an average-speed leg: the secret checks on it and, unless the
    closing control gives a `target`, the closing time control or finish (so a crew that drives the
    schedule exactly is on time at every control of the leg)."""

    start_km: Decimal
    kmh: Decimal
    changes: tuple[SpeedChange, ...]
    """After `start_km`, in increasing km."""

    def ideal_us(self, km: Decimal) -> int:
        """Ideal time from the leg's start to `km`, in whole microseconds (rounded half up, once)."""
        hours = Decimal(0)
        at_km, speed = self.start_km, self.kmh
        for change in self.changes:
            if change.km >= km:
                break
            hours += (change.km - at_km) / speed
            at_km, speed = change.km, change.kmh
        hours += (km - at_km) / speed
        return int((hours * US_PER_HOUR).to_integral_value(ROUND_HALF_UP))


def leg_schedule(
    leg_start: Control | None, leg_end: Control, checks: Iterable[Control] = ()
) -> LegSchedule | None:
    """The schedule of the leg from `leg_start` (None: the day's start, km 0) to `leg_end` through the
    secret checks `checks`; None when the leg is set by a `target` alone and has nothing to time on it.

    The leg's average is the closing control's `average_kmh`, else one given on a secret check of the
    leg, else the leg's distance over its `target`. Its speed changes are those of the closing control
    and of the checks (a change at or before the leg's start sets the starting average)."""
    checks = tuple(checks)
    start_km = Decimal(0) if leg_start is None else _require_km(leg_start)
    changes = _speed_changes(leg_end, checks)
    if leg_end.target is not None and changes:
        raise InvalidInput(
            _where(leg_end),
            "target",
            format_duration(seconds_to_us(leg_end.target), places=0),
            "give either a target or average_kmh with speed_changes: the leg's time follows its speeds",
        )
    kmh = _leg_average(leg_end, checks, start_km)
    if kmh is None:
        if changes:
            raise InvalidInput(
                _where(leg_end),
                "speed_changes",
                [str(c.km) for c in changes],
                "a leg with speed changes needs its average_kmh (its target cannot say the speeds)",
            )
        return None
    later = []
    for change in changes:
        if change.km <= start_km:
            kmh = change.kmh
        else:
            later.append(change)
    return LegSchedule(start_km=start_km, kmh=kmh, changes=tuple(later))


def _leg_average(leg_end: Control, checks: tuple[Control, ...], start_km: Decimal) -> Decimal | None:
    given = [c for c in (leg_end, *checks) if c.average_kmh is not None]
    for control in given[1:]:
        if control.average_kmh != given[0].average_kmh:
            raise InvalidInput(
                _where(control),
                "average_kmh",
                str(control.average_kmh),
                f"differs from the leg's {given[0].average_kmh} km/h at {given[0].name}; "
                "change the average along the leg with speed_changes",
            )
    if given:
        return given[0].average_kmh
    if leg_end.target is None or leg_end.km is None or not checks:
        return None
    distance = leg_end.km - start_km
    if distance <= 0 or leg_end.target <= 0:
        return None
    return distance / (leg_end.target / 3600)


def _speed_changes(leg_end: Control, checks: tuple[Control, ...]) -> tuple[SpeedChange, ...]:
    by_km: dict[Decimal, SpeedChange] = {}
    for control in (leg_end, *checks):
        for change in control.speed_changes:
            known = by_km.get(change.km)
            if known is not None and known.kmh != change.kmh:
                raise InvalidInput(
                    _where(control),
                    "speed_changes",
                    f"km {change.km}: {change.kmh} km/h",
                    f"another control of the leg sets {known.kmh} km/h at that km",
                )
            by_km[change.km] = change
    return tuple(sorted(by_km.values(), key=lambda c: c.km))


@dataclass(frozen=True, slots=True)
class _Leg:
    """A timed control with the one its leg starts at (None: the day's start) and the checks on it."""

    start: Control | None
    end: Control
    checks: tuple[Control, ...]


def _legs(controls: tuple[Control, ...]) -> list[_Leg]:
    legs: list[_Leg] = []
    previous: Control | None = None
    checks: list[Control] = []
    for control in controls:
        if control.kind is ControlKind.SECRET_CHECK:
            checks.append(control)
        elif control.kind in TIMED_KINDS:
            start = None if control.kind is ControlKind.START else previous
            legs.append(_Leg(start, control, tuple(checks) if start is not None or previous is None else ()))
            previous, checks = control, []
    return legs


def leg_averages(controls: tuple[Control, ...]) -> list[tuple[Control | None, Control, Decimal | None]]:
    """Each leg of a day after its start: (the control it starts at, None for the day's start; the control
    that closes it; its set average at its start, None when a target time alone sets it)."""
    out: list[tuple[Control | None, Control, Decimal | None]] = []
    for leg in _legs(controls):
        if leg.end.kind is ControlKind.START:
            continue
        schedule = leg_schedule(leg.start, leg.end, leg.checks)
        out.append((leg.start, leg.end, None if schedule is None else schedule.kmh))
    return out


def ideal_offset_us(controls: tuple[Control, ...], km: Decimal) -> int | None:
    """The ideal time from the car's start of the day to `km` of the day's route (a stop, a roadbook line):
    on a leg with a set average, from its schedule (`LegSchedule`, the one the controls use); on a leg set
    by a target time alone, in proportion to the distance. None outside the timed legs (before the start
    control, after the finish)."""
    offset = 0
    for leg in _legs(controls):
        if leg.end.kind is ControlKind.START:
            if km < _require_km(leg.end):
                return None
            continue
        start_km = Decimal(0) if leg.start is None else _require_km(leg.start)
        end_km = _require_km(leg.end)
        schedule = leg_schedule(leg.start, leg.end, leg.checks)
        leg_us = _leg_us(leg.end, leg.start, schedule)
        if km <= end_km:
            if schedule is not None:
                return offset + schedule.ideal_us(max(km, start_km))
            share = (km - start_km) / (end_km - start_km)
            return offset + int((share * leg_us).to_integral_value(ROUND_HALF_UP))
        offset += leg_us
    return None


def _plan_day(day: int, controls: tuple[Control, ...], first_index: int) -> list[ControlPlan]:
    legs = {leg.end.name: leg for leg in _legs(controls)}
    offsets: dict[str, int] = {}  # ideal time after the start of the day
    legs_us: dict[str, int | None] = {}
    leg_starts: dict[str, str | None] = {}
    offset = 0
    for control in controls:
        if control.kind in TIMED_KINDS:
            leg = legs[control.name]
            if control.kind is ControlKind.START:
                legs_us[control.name], leg_starts[control.name], offset = None, None, 0
            else:
                schedule = leg_schedule(leg.start, control, leg.checks)
                leg_us = _leg_us(control, leg.start, schedule)
                legs_us[control.name] = leg_us
                leg_starts[control.name] = leg.start.name if leg.start else None
                start_offset = offsets[leg.start.name] if leg.start else 0
                for check in leg.checks:
                    if schedule is None:
                        raise InvalidInput(
                            _where(check), "average_kmh", None, "no average speed for the leg it lies on"
                        )
                    check_us = _check_us(check, leg.start, schedule)
                    legs_us[check.name] = check_us
                    leg_starts[check.name] = leg.start.name if leg.start else None
                    offsets[check.name] = start_offset + check_us
                offset = start_offset + leg_us
            offsets[control.name] = offset
    return [
        _control_plan(day, first_index + i, c, offsets, legs_us, leg_starts) for i, c in enumerate(controls)
    ]


def _check_us(check: Control, leg_start: Control | None, schedule: LegSchedule) -> int:
    km = _require_km(check)
    if km < schedule.start_km:
        name = leg_start.name if leg_start else "the start"
        raise InvalidInput(
            _where(check), "km", km, f"before the leg's start {name} at km {schedule.start_km}"
        )
    return schedule.ideal_us(km)


def _control_plan(
    day: int,
    index: int,
    control: Control,
    offsets: Mapping[str, int],
    legs_us: Mapping[str, int | None],
    leg_starts: Mapping[str, str | None],
) -> ControlPlan:
    if control.kind is ControlKind.SECRET_CHECK and control.name not in offsets:
        raise InvalidInput(
            _where(control), "kind", control.kind.value, "a secret check lies between two timed controls"
        )
    if control.kind is ControlKind.TIMED_TRIAL and control.target is None:
        raise InvalidInput(_where(control), "target", None, "a timed trial needs a target time")
    timed = control.kind in TIMED_KINDS or control.kind is ControlKind.SECRET_CHECK
    return ControlPlan(
        name=control.name,
        kind=control.kind,
        day=day,
        index=index,
        km=control.km,
        offset_us=offsets[control.name] if timed else None,
        leg_start=leg_starts.get(control.name) if timed else None,
        leg_us=legs_us.get(control.name) if timed else None,
        trial_target_us=seconds_to_us(control.target)
        if control.kind is ControlKind.TIMED_TRIAL and control.target is not None
        else None,
    )


def _leg_us(control: Control, previous: Control | None, schedule: LegSchedule | None) -> int:
    """The ideal time of a whole leg: its `target`, else its schedule to the closing control's km."""
    if control.target is not None:
        return seconds_to_us(control.target)
    if schedule is None:
        raise InvalidInput(_where(control), "target", None, "a time control needs a target or an average_kmh")
    start_km = schedule.start_km
    if _require_km(control) <= start_km:
        raise InvalidInput(
            _where(control), "km", control.km, f"must be after the leg's start at km {start_km}"
        )
    return schedule.ideal_us(_require_km(control))


@dataclass(frozen=True, slots=True, kw_only=True)
class CardLine:
    control: str
    kind: ControlKind
    due_us: int | None
    """Due instant (start, time controls, finish) or ideal instant (secret checks) on the fixed schedule."""
    target_us: int | None
    """Timed trial: the time allowed."""


@dataclass(frozen=True, kw_only=True)
class TimeCard:
    start_no: int
    day_start_us: tuple[int, ...]
    lines: tuple[CardLine, ...]

    def line(self, control: str) -> CardLine:
        for line in self.lines:
            if line.control == control:
                return line
        raise KeyError(control)


def start_order(entries: Iterable[Entry]) -> dict[int, int]:
    """Each accepted entry's index (0-based) in start-number order, by start number: the order the cars
    start in, one start interval apart."""
    numbers = sorted(e.start_no for e in entries if e.accepted)
    return {n: start_index for start_index, n in enumerate(numbers)}


def time_card(plan: EventPlan, start_no: int, start_index: int) -> TimeCard:
    """The time card of the car `start_no`, the `start_index`-th (0-based) in start-number order."""
    day_start = tuple(plan.start_us(d, start_index) for d in range(len(plan.event.days)))
    lines = tuple(
        CardLine(
            control=c.name,
            kind=c.kind,
            due_us=None if c.offset_us is None else day_start[c.day] + c.offset_us,
            target_us=c.trial_target_us,
        )
        for c in plan.controls
    )
    return TimeCard(start_no=start_no, day_start_us=day_start, lines=lines)


def time_cards(plan: EventPlan, entries: Iterable[Entry]) -> dict[int, TimeCard]:
    """The time card of every accepted entry, by start number."""
    return {n: time_card(plan, n, start_index) for n, start_index in start_order(entries).items()}
