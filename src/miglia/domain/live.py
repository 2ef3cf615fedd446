"""Live state of each car and the alerts it raises: pure rules, no I/O, testable without a database.

`observe(previous, fix, ...)` takes a car's previous state and a new fix and returns the new state
and the alerts that fix raises; `silent(state, now_us, ...)` tells whether a car has gone quiet.
Persistence (raising each alert once, acknowledging, resolving) is `miglia.service.live.alerts`.

A fix older than the car's last one (a late or out-of-order fix) is stored by the ingest but does not
move the live state back in time.

Where a car is along the day's route (chainage, offset) is measured by the day's `Gauge`, which the
service layer builds on the geo kernel (`miglia.geo.chainage.Gauge`): the rules here do no geometry but
the great-circle distances between two points (a car standing still, a zone, a planned stop).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from enum import StrEnum
from typing import Any, Protocol

from miglia.domain.errors import InvalidInput
from miglia.domain.instants import US_PER_MIN, US_PER_S

EARTH_RADIUS_M = 6_371_008.8


class Fix(Protocol):
    """A tracker's reading as the live rules read it (`miglia.tracking.fix.Fix` is one)."""

    @property
    def device_id(self) -> str: ...
    @property
    def instant_us(self) -> int: ...
    @property
    def lat(self) -> float: ...
    @property
    def lon(self) -> float: ...
    @property
    def speed_kmh(self) -> float | None: ...
    @property
    def course(self) -> float | None: ...
    @property
    def battery(self) -> float | None: ...


class Measured(Protocol):
    """Where a batch of fixes is along a route, before the cars' previous chainages choose among passes."""

    def pick(self, i: int, hint_m: float | None = None) -> tuple[float, float]:
        """(chainage_m, offset_m) of fix i: where the route passes near it more than once, the pass whose
        chainage is nearest `hint_m` (the car's previous chainage: a car is not sent back to an earlier
        pass); else, or without a hint, the route's point nearest to it."""
        ...


class Gauge(Protocol):
    """A day's route as the live rules measure a car against it (`miglia.geo.chainage.Gauge` is one)."""

    @property
    def length_m(self) -> float: ...

    def measure(self, lat: Sequence[float], lon: Sequence[float]) -> Measured:
        """Where the fixes at (lat[i], lon[i]) are along the route."""
        ...


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


class AlertKind(StrEnum):
    STOPPED = "stopped"
    OFF_ROUTE = "off_route"
    NO_SIGNAL = "no_signal"
    SPEEDING = "speeding"
    OUT_OF_TIME = "out_of_time"


@dataclass(frozen=True)
class Thresholds:
    """When live tracking raises an alert. Every value can be set per event (tracking settings)."""

    stopped_min: float = 10.0
    """A car that has not moved more than `stationary_m` for this long, away from a planned stop."""
    stationary_m: float = 60.0
    planned_stop_m: float = 300.0
    """Within this distance of a stop (lunch, fuel, hotel, car show) or a control, stopping is planned."""
    control_wait_m: float = 2000.0
    """Crews early for a time control wait for their minute on the road before it: up to this far ahead
    of the control, until their due minute is over, stopping is planned."""
    off_route_m: float = 500.0
    no_signal_min: float = 10.0
    speeding_margin_kmh: float = 5.0
    """Tolerance over a zone's limit before it is speeding (GPS speed noise)."""
    out_of_time_min: float = 30.0
    """Expected later than this after the due time at the next timed control."""
    eta_min_speed_kmh: float = 10.0
    """Below this the car's own speed says nothing about its arrival; the leg's set average is used."""

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> Thresholds:
        known = {f.name for f in fields(cls)}
        clean: dict[str, float] = {}
        for key, value in values.items():
            if key not in known:
                raise InvalidInput("tracking thresholds", key, value, f"unknown; known are {sorted(known)}")
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise InvalidInput("tracking thresholds", key, value, "expected a number of 0 or more")
            clean[key] = float(value)
        return cls(**clean)

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


@dataclass(frozen=True)
class Zone:
    """A declared speed zone: a circle with a limit (a village, a school, a closed section)."""

    name: str
    lat: float
    lon: float
    radius_m: float
    limit_kmh: float


@dataclass(frozen=True)
class Place:
    name: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Mark:
    """A control at its chainage on the day's route."""

    name: str
    chainage_m: float
    timed: bool
    average_kmh: float | None = None


@dataclass(frozen=True)
class DayCourse:
    """What a car's position is measured against on one day."""

    number: int
    route: Gauge | None
    """The day's route, measuring chainage and offset (none when the day has no route)."""
    controls: tuple[Mark, ...] = ()
    """In route order."""
    stops: tuple[Place, ...] = ()


@dataclass(frozen=True)
class AlertDraft:
    start_no: int
    kind: AlertKind
    subject: str
    instant_us: int
    lat: float | None
    lon: float | None
    message: str


@dataclass(frozen=True)
class CarState:
    device_id: str
    start_no: int | None
    day: int | None
    instant_us: int
    lat: float
    lon: float
    speed_kmh: float | None
    course: float | None
    battery: float | None
    chainage_m: float | None = None
    offset_m: float | None = None
    next_control: str | None = None
    expected_us: int | None = None
    due_us: int | None = None
    still_since_us: int = 0
    still_lat: float = 0.0
    still_lon: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """The car as the public live map shows it: not its tracker's id (which would let anyone send
        positions in its name) nor the phone's battery."""
        return {
            "start_no": self.start_no,
            "day": self.day,
            "instant_us": self.instant_us,
            "lat": self.lat,
            "lon": self.lon,
            "speed_kmh": self.speed_kmh,
            "course": self.course,
            "chainage_m": self.chainage_m,
            "offset_m": self.offset_m,
            "next_control": self.next_control,
            "expected_us": self.expected_us,
            "due_us": self.due_us,
            "stopped_s": (self.instant_us - self.still_since_us) // US_PER_S,
        }


def observe(
    previous: CarState | None,
    fix: Fix,
    start_no: int | None,
    course: DayCourse | None,
    due_us: Mapping[str, int] | None = None,
    zones: Sequence[Zone] = (),
    thresholds: Thresholds | None = None,
) -> tuple[CarState, list[AlertDraft]]:
    """The car's state after `fix`, and the alerts the fix raises (only for a car with a start number)."""
    return _observe(previous, fix, start_no, course, due_us, zones, thresholds or Thresholds(), None)


Observation = tuple[Fix, int | None, DayCourse | None, Mapping[str, int] | None]
"""A fix with what `observe` measures it against: (fix, start number, day course, due instants)."""


def observe_many(
    states: Mapping[str, CarState],
    observations: Sequence[Observation],
    zones: Sequence[Zone] = (),
    thresholds: Thresholds | None = None,
) -> tuple[dict[str, CarState], list[AlertDraft]]:
    """`observe` for a batch of fixes in time order, the cars' states taken from `states`: the new
    states of the cars that moved, and every alert raised. Same result as one `observe` per fix; the
    fixes on one route are measured by its gauge in one call."""
    th = thresholds or Thresholds()
    located: list[tuple[Measured, int] | None] = [None] * len(observations)
    routes: dict[int, tuple[Gauge, list[int]]] = {}
    for i, (_, _, course, _) in enumerate(observations):
        if course is not None and course.route is not None:
            routes.setdefault(id(course.route), (course.route, []))[1].append(i)
    for route, at in routes.values():
        measured = route.measure([observations[i][0].lat for i in at], [observations[i][0].lon for i in at])
        for k, i in enumerate(at):
            located[i] = (measured, k)
    moved: dict[str, CarState] = {}
    drafts: list[AlertDraft] = []
    for (fix, start_no, course, due), where in zip(observations, located, strict=True):
        previous = moved.get(fix.device_id)
        if previous is None:
            previous = states.get(fix.device_id)
        state, raised = _observe(previous, fix, start_no, course, due, zones, th, where)
        if state is not previous:
            moved[fix.device_id] = state
        drafts += raised
    return moved, drafts


def _observe(
    previous: CarState | None,
    fix: Fix,
    start_no: int | None,
    course: DayCourse | None,
    due_us: Mapping[str, int] | None,
    zones: Sequence[Zone],
    th: Thresholds,
    where: tuple[Measured, int] | None,
) -> tuple[CarState, list[AlertDraft]]:
    if previous is not None and fix.instant_us <= previous.instant_us:
        return previous, []
    still_since, still_lat, still_lon = fix.instant_us, fix.lat, fix.lon
    if (
        previous is not None
        and distance_m(previous.still_lat, previous.still_lon, fix.lat, fix.lon) <= th.stationary_m
    ):
        still_since, still_lat, still_lon = previous.still_since_us, previous.still_lat, previous.still_lon
    chainage = offset = None
    next_control: str | None = None
    expected: int | None = None
    due: int | None = None
    if course is not None and course.route is not None:
        hint = previous.chainage_m if previous is not None and previous.day == course.number else None
        measured, k = where if where is not None else (course.route.measure([fix.lat], [fix.lon]), 0)
        chainage, offset = measured.pick(k, hint)
        next_control, expected, due = _next_control(
            fix.instant_us, chainage, fix.speed_kmh, course, due_us or {}, th
        )
    state = CarState(
        fix.device_id,
        start_no,
        course.number if course else None,
        fix.instant_us,
        fix.lat,
        fix.lon,
        fix.speed_kmh,
        fix.course,
        fix.battery,
        chainage,
        offset,
        next_control,
        expected,
        due,
        still_since,
        still_lat,
        still_lon,
    )
    if start_no is None:
        return state, []
    return state, _alerts(state, fix, start_no, course, zones, th)


def silent(
    state: CarState, now_us: int, thresholds: Thresholds | None = None, course: DayCourse | None = None
) -> AlertDraft | None:
    """A no-signal alert when the car's last fix is older than the threshold, unless the car has done
    the day (at or past its last control: the phone may rest at the hotel)."""
    th = thresholds or Thresholds()
    quiet = now_us - state.instant_us
    if state.start_no is None or quiet <= th.no_signal_min * US_PER_MIN:
        return None
    done = course is not None and course.controls and state.chainage_m is not None
    if done and state.chainage_m >= course.controls[-1].chainage_m - th.planned_stop_m:  # type: ignore[union-attr,operator]
        return None
    return AlertDraft(
        state.start_no,
        AlertKind.NO_SIGNAL,
        "",
        now_us,
        state.lat,
        state.lon,
        f"car {state.start_no}: no position for {quiet // US_PER_MIN} min (device {state.device_id})",
    )


def _next_control(
    instant_us: int,
    chainage_m: float,
    speed_kmh: float | None,
    course: DayCourse,
    due_us: Mapping[str, int],
    th: Thresholds,
) -> tuple[str | None, int | None, int | None]:
    """(next control, expected instant there, its due instant) for a car at `chainage_m`."""
    mark = next((m for m in course.controls if m.chainage_m > chainage_m), None)
    if mark is None:
        return None, None, None
    timed = next((m for m in course.controls if m.chainage_m > chainage_m and m.timed), None)
    own = speed_kmh if speed_kmh and speed_kmh >= th.eta_min_speed_kmh else None
    # A car slowed by a hairpin, or waiting, is not late: it is expected to drive at least the leg's
    # set pace (the distance between its timed controls over the time between their due minutes).
    speeds = [own, _pace_kmh(course, timed, due_us), timed.average_kmh if timed else None, mark.average_kmh]
    speed = max((v for v in speeds if v), default=None)
    expected = None
    if speed:
        expected = instant_us + round((mark.chainage_m - chainage_m) / (speed / 3.6) * US_PER_S)
    due = due_us.get(mark.name) if mark.timed else None
    return mark.name, expected, due


def _pace_kmh(course: DayCourse, timed: Mark | None, due_us: Mapping[str, int]) -> float | None:
    """The set pace of the leg ending at the timed control `timed`, in km/h, from the due times."""
    if timed is None or timed.name not in due_us:
        return None
    before = [m for m in course.controls if m.timed and m.chainage_m < timed.chainage_m and m.name in due_us]
    if not before:
        return None
    start = before[-1]
    seconds = (due_us[timed.name] - due_us[start.name]) / US_PER_S
    return (timed.chainage_m - start.chainage_m) / seconds * 3.6 if seconds > 0 else None


def _alerts(
    state: CarState, fix: Fix, start_no: int, course: DayCourse | None, zones: Sequence[Zone], th: Thresholds
) -> list[AlertDraft]:
    out: list[AlertDraft] = []

    def alert(
        kind: AlertKind, subject: str, message: str, lat: float = fix.lat, lon: float = fix.lon
    ) -> None:
        out.append(
            AlertDraft(start_no, kind, subject, fix.instant_us, lat, lon, f"car {start_no}: {message}")
        )

    still_us = state.instant_us - state.still_since_us
    if still_us >= th.stopped_min * US_PER_MIN and not _planned_stop(state, course, th):
        alert(
            AlertKind.STOPPED,
            "",
            f"stopped for {still_us // US_PER_MIN} min away from a planned stop",
            state.still_lat,
            state.still_lon,
        )
    if state.offset_m is not None and state.offset_m > th.off_route_m:
        alert(AlertKind.OFF_ROUTE, "", f"{state.offset_m:,.0f} m off the route")
    for zone in zones:
        limit = zone.limit_kmh + th.speeding_margin_kmh
        if (
            fix.speed_kmh is not None
            and fix.speed_kmh > limit
            and (distance_m(zone.lat, zone.lon, fix.lat, fix.lon) <= zone.radius_m)
        ):
            alert(
                AlertKind.SPEEDING,
                zone.name,
                f"{fix.speed_kmh:.0f} km/h in {zone.name} (limit {zone.limit_kmh:.0f} km/h)",
            )
    if state.due_us is not None and state.expected_us is not None and state.next_control is not None:
        late_us = state.expected_us - state.due_us
        if late_us > th.out_of_time_min * US_PER_MIN:
            alert(
                AlertKind.OUT_OF_TIME,
                state.next_control,
                f"expected at {state.next_control} {late_us // US_PER_MIN} min after its due time",
            )
    return out


def _planned_stop(state: CarState, course: DayCourse | None, th: Thresholds) -> bool:
    if course is None:
        return True  # no day planned for today: nothing is unplanned
    lat, lon = state.still_lat, state.still_lon
    if any(distance_m(p.lat, p.lon, lat, lon) <= th.planned_stop_m for p in course.stops):
        return True
    if state.chainage_m is None or state.offset_m is None or state.offset_m > th.planned_stop_m:
        return False
    chainage = state.chainage_m
    ahead = next((m for m in course.controls if m.chainage_m > chainage and m.timed), None)
    if (
        ahead is not None
        and ahead.name == state.next_control
        and ahead.chainage_m - chainage <= th.control_wait_m
        and state.due_us is not None
        and state.instant_us < state.due_us + US_PER_MIN
    ):
        return True  # early for its time control: waiting for the due minute
    return any(abs(m.chainage_m - chainage) <= th.planned_stop_m for m in course.controls) or (
        course.route is not None and chainage >= course.route.length_m - th.planned_stop_m
    )
