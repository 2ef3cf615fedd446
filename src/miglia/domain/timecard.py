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
from miglia.domain.instants import US_PER_HOUR, US_PER_S, local_to_utc_us, seconds_to_us

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


def _plan_day(day: int, controls: tuple[Control, ...], first_index: int) -> list[ControlPlan]:
    # First pass: the timed controls and their offsets after the start of the day.
    timed: list[tuple[int, Control, int]] = []  # (index in the day, control, offset)
    offsets: dict[int, int] = {}
    leg_of: dict[int, tuple[Control | None, int | None]] = {}
    previous: tuple[Control, int] | None = None
    for i, control in enumerate(controls):
        if control.kind not in TIMED_KINDS:
            continue
        if control.kind is ControlKind.START or previous is None:
            offset, leg = 0, None
            if control.kind is not ControlKind.START:
                leg = _leg_us(control, None)
                offset = leg
        else:
            leg = _leg_us(control, previous[0])
            offset = previous[1] + leg
        offsets[i] = offset
        leg_of[i] = (previous[0] if previous else None, leg)
        timed.append((i, control, offset))
        previous = (control, offset)

    plans: list[ControlPlan] = []
    for i, control in enumerate(controls):
        index = first_index + i
        if control.kind in TIMED_KINDS:
            start_control, leg = leg_of[i]
            plans.append(
                ControlPlan(
                    name=control.name,
                    kind=control.kind,
                    day=day,
                    index=index,
                    km=control.km,
                    offset_us=offsets[i],
                    leg_start=start_control.name if start_control else None,
                    leg_us=leg,
                    trial_target_us=None,
                )
            )
        elif control.kind is ControlKind.SECRET_CHECK:
            before = [t for t in timed if t[0] < i]
            after = [t for t in timed if t[0] > i]
            if not before or not after:
                raise InvalidInput(
                    _where(control),
                    "kind",
                    control.kind.value,
                    "a secret check lies between two timed controls",
                )
            leg_start, leg_start_offset = before[-1][1], before[-1][2]
            leg_end = after[0][1]
            ideal = _secret_check_us(control, leg_start, leg_end)
            plans.append(
                ControlPlan(
                    name=control.name,
                    kind=control.kind,
                    day=day,
                    index=index,
                    km=control.km,
                    offset_us=leg_start_offset + ideal,
                    leg_start=leg_start.name,
                    leg_us=ideal,
                    trial_target_us=None,
                )
            )
        elif control.kind is ControlKind.TIMED_TRIAL:
            if control.target is None:
                raise InvalidInput(_where(control), "target", None, "a timed trial needs a target time")
            plans.append(
                ControlPlan(
                    name=control.name,
                    kind=control.kind,
                    day=day,
                    index=index,
                    km=control.km,
                    offset_us=None,
                    leg_start=None,
                    leg_us=None,
                    trial_target_us=seconds_to_us(control.target),
                )
            )
        else:
            plans.append(
                ControlPlan(
                    name=control.name,
                    kind=control.kind,
                    day=day,
                    index=index,
                    km=control.km,
                    offset_us=None,
                    leg_start=None,
                    leg_us=None,
                    trial_target_us=None,
                )
            )
    return plans


def _leg_us(control: Control, previous: Control | None) -> int:
    if control.target is not None:
        return seconds_to_us(control.target)
    if control.average_kmh is None:
        raise InvalidInput(_where(control), "target", None, "a time control needs a target or an average_kmh")
    start_km = Decimal(0) if previous is None else _require_km(previous)
    distance = _require_km(control) - start_km
    if distance <= 0:
        raise InvalidInput(
            _where(control), "km", control.km, f"must be after the leg's start at km {start_km}"
        )
    return travel_us(distance, control.average_kmh)


def _secret_check_us(check: Control, leg_start: Control, leg_end: Control) -> int:
    start_km = _require_km(leg_start)
    km = _require_km(check)
    speed = check.average_kmh or leg_end.average_kmh
    if speed is None:
        if leg_end.target is None:
            raise InvalidInput(_where(check), "average_kmh", None, "no average speed for the leg it lies on")
        distance = _require_km(leg_end) - start_km
        speed = distance / (leg_end.target / 3600)
    changes: dict[Decimal, SpeedChange] = {c.km: c for c in leg_end.speed_changes}
    changes.update({c.km: c for c in check.speed_changes})
    hours = Decimal(0)
    at_km = start_km
    for change in sorted(changes.values(), key=lambda c: c.km):
        if change.km <= start_km:
            speed = change.kmh
            continue
        if change.km >= km:
            break
        hours += (change.km - at_km) / speed
        at_km = change.km
        speed = change.kmh
    hours += (km - at_km) / speed
    if km < start_km:
        raise InvalidInput(
            _where(check), "km", km, f"before the leg's start {leg_start.name} at km {start_km}"
        )
    return int((hours * US_PER_HOUR).to_integral_value(ROUND_HALF_UP))


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
