"""Write the demo event: routes/dayN.gpx, event.toml and entries.csv in one directory.

The controls are placed by km along the generated roads: time controls just past a town, timed trials
on open road between towns, secret checks inside the leg that has a set average speed. Leg targets
come from what a reference car needs on that road (slower in the mountains), at 80 % of its pace,
between 45 and 55 km/h, rounded up to the minute; the leg with lunch gets 90 minutes more.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field, replace
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path

import gpxpy.gpx
import numpy as np

from miglia.demo.driving import road_speed, segment_times
from miglia.demo.entries import write_entries_csv
from miglia.demo.logo import write_logo
from miglia.demo.roads import Road, generate_road
from miglia.demo.towns import DAYS, DayPlan, Venue, all_town_points

EVENT_NAME = "California Mille 2026"
EVENT_SLUG = "california-mille-2026"
TIMEZONE = "America/Los_Angeles"
FIRST_START = "08:00:00"
START_INTERVAL_S = 60
LUNCH_SLACK_MIN = 90
TARGET_SHARE = 0.8
"""Leg targets: the reference car's pace times this (crews have slack), within the range below."""
TARGET_KMH = (45.0, 55.0)
SET_AVERAGES = (36, 42, 45, 48, 54)
"""Set averages (km/h) a secret-check leg may have: a whole number of minutes is a round number of metres."""
TC_PAST_TOWN_KM = 0.3
PC_PAST_TOWN_KM = 0.25

DESCRIPTION = (
    "Four days and a thousand miles of Northern California back roads for cars built before 1958. "
    "We leave Nob Hill at eight on Sunday morning, cross the Golden Gate and run up through Marin, "
    "Petaluma and the Valley of the Moon into the Napa Valley for lunch in St. Helena, then over "
    "Mount St. Helena and down the Geysers Road to Healdsburg. Monday takes the Anderson Valley to the "
    "Mendocino coast, up Highway 1 to Leggett and back down the Redwood Highway to Ukiah. Tuesday "
    "crosses Clear Lake to the Sacramento Valley, returns through the Capay Valley and around Lake "
    "Berryessa and ends in Sonoma. Wednesday follows the Russian River to the sea, the cliffs at Fort "
    "Ross, Bodega Bay and Point Reyes, and finishes on the Sausalito waterfront with a free public car "
    "show. Time controls, passage controls, timed trials to the hundredth and secret checks, in the "
    "spirit of the Mille Miglia."
)
SPONSOR = "Presidio Classic Car Insurance"


@dataclass(frozen=True)
class DemoFiles:
    event_toml: Path
    entries_csv: Path
    route_files: dict[int, Path] = field(default_factory=dict)
    """GPX file of each day, by day number (1-based)."""


@dataclass(frozen=True)
class ControlSpec:
    name: str
    kind: str
    km: Decimal
    target: str | None = None
    average_kmh: int | None = None
    end_km: Decimal | None = None
    description: str = ""


@dataclass(frozen=True)
class StopSpec:
    kind: str
    name: str
    address: str = ""
    lat: float | None = None
    lon: float | None = None
    km: Decimal | None = None
    opens: str | None = None
    closes: str | None = None
    description: str = ""


def _km(value: float) -> Decimal:
    """A km value to the metre, rounded down (never past the end of the road)."""
    return Decimal(repr(value)).quantize(Decimal("0.001"), rounding=ROUND_FLOOR)


def _hms(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}:00"


def _clock(minutes_after_midnight: int) -> str:
    return f"{minutes_after_midnight // 60:02d}:{minutes_after_midnight % 60:02d}:00"


@dataclass
class _DayLayout:
    road: Road
    plan: DayPlan
    time_s: np.ndarray
    """Reference car's cumulative driving time (s) at each vertex."""

    def pace_kmh(self, a_km: float, b_km: float) -> float:
        ch = self.road.chainage_m / 1000.0
        ta, tb = np.interp([a_km, b_km], ch, self.time_s)
        return float((b_km - a_km) / ((tb - ta) / 3600.0))

    def town_km(self, name: str) -> float:
        for i, w in enumerate(self.plan.waypoints):
            if w.name == name:
                return self.road.waypoint_km(i)
        raise KeyError(name)


def _leg_minutes(layout: _DayLayout, a_km: float, b_km: float) -> int:
    kmh = min(max(TARGET_SHARE * layout.pace_kmh(a_km, b_km), TARGET_KMH[0]), TARGET_KMH[1])
    return math.ceil((b_km - a_km) / kmh * 60.0)


def _clear_of(km: float, taken: list[float], gap: float) -> bool:
    return all(abs(km - t) >= gap for t in taken)


def _plan_controls(
    number: int, layout: _DayLayout, rng: np.random.Generator
) -> tuple[list[ControlSpec], list[StopSpec]]:
    """Day `number`'s controls, named and in driving order, and its stops.

    The time controls and the finish first; then, each keeping clear of what is placed already, the
    secret checks, the timed trials and the passage controls. The draws from `rng` come in that order."""
    plan = layout.plan
    towns = _towns_on_route(layout)
    town_kms = [k for _, k in towns]
    lunch_km = layout.town_km(plan.lunch_at)
    timed = _time_controls(number, layout, towns)
    fuel_kms = [layout.town_km(t) + 0.5 for t in plan.fuel_at]
    taken = [*timed.kms, lunch_km, *fuel_kms]

    controls = list(timed.controls)
    secret_kms = _secret_check_kms(number, timed, taken, town_kms, rng)
    controls += [
        ControlSpec("", "secret_check", _km(km), average_kmh=timed.average, description="Secret check")
        for km in secret_kms
    ]
    taken += secret_kms
    # Timed trials on open road: one before the first time control, one in the last leg.
    for lo, hi in (
        (8.0, float(timed.km_tc1) - 5.0),
        (float(timed.km_tc3) + 5.0, float(timed.km_finish) - 8.0),
    ):
        trial, km = _timed_trial(number, layout, lo, hi, taken, town_kms, rng)
        controls.append(trial)
        taken.append(km)
    controls += _passage_controls(plan, towns, timed.towns, taken, rng)
    return _named_in_driving_order(f"D{number}", controls), _stops(plan, lunch_km, fuel_kms)


def _towns_on_route(layout: _DayLayout) -> list[tuple[str, float]]:
    """(name, km) of each town the day's road goes through, leaving out where it starts and ends."""
    road = layout.road
    return [(w.name, road.waypoint_km(i)) for i, w in enumerate(layout.plan.waypoints) if w.town][1:-1]


def _town_near(
    number: int, plan: DayPlan, towns: list[tuple[str, float]], lo: float, hi: float, aim: float
) -> tuple[str, float]:
    """The town between km `lo` and `hi` nearest to km `aim`, other than the lunch town."""
    options = [(n, k) for n, k in towns if lo <= k <= hi and n != plan.lunch_at]
    if not options:
        raise ValueError(f"day {number}: no town between km {lo:.0f} and {hi:.0f}")
    return min(options, key=lambda t: abs(t[1] - aim))


@dataclass(frozen=True)
class _TimeControls:
    """A day's start, time controls and finish, and what the other controls are placed around."""

    controls: list[ControlSpec]
    """Start, TC1 (before lunch), TC2 (after lunch), TC3 (end of the regularity leg), finish."""
    towns: tuple[str, str, str]
    """The towns of TC1, TC2 and TC3."""
    km_tc1: Decimal
    km_tc2: Decimal
    km_tc3: Decimal
    km_finish: Decimal
    average: int
    """The set average (km/h) of the regularity leg, TC2 to TC3."""

    @property
    def kms(self) -> list[float]:
        """Where a control stands already: the start, the time controls and the finish."""
        return [0.0, float(self.km_tc1), float(self.km_tc2), float(self.km_tc3), float(self.km_finish)]


def _time_controls(number: int, layout: _DayLayout, towns: list[tuple[str, float]]) -> _TimeControls:
    """TC1 just past a town halfway to lunch, TC2 past a town after lunch, TC3 ending the regularity
    leg, the finish at the end of the road; each leg's target from the reference car's pace."""
    plan, road = layout.plan, layout.road
    end_km = road.length_m / 1000.0
    lunch_km = layout.town_km(plan.lunch_at)
    tc1_town, tc1 = _town_near(number, plan, towns, 25.0, lunch_km - 20.0, 0.5 * lunch_km)
    tc2_town, tc2 = _town_near(number, plan, towns, lunch_km + 10.0, end_km - 70.0, lunch_km + 25.0)
    km_tc1, km_tc2 = _km(tc1 + TC_PAST_TOWN_KM), _km(tc2 + TC_PAST_TOWN_KM)
    tc3_town, average, km_tc3 = _regularity_leg(number, layout, towns, km_tc2, end_km)
    km_finish = _km(end_km - 0.06)
    p = f"D{number}"
    controls = [
        ControlSpec(f"{p}-START", "start", Decimal("0.000"), description=f"Start: {plan.waypoints[0].name}"),
        ControlSpec(
            f"{p}-TC1",
            "time_control",
            km_tc1,
            _hms(_leg_minutes(layout, 0.0, float(km_tc1))),
            description=f"Time control in {tc1_town}",
        ),
        ControlSpec(
            f"{p}-TC2",
            "time_control",
            km_tc2,
            _hms(_leg_minutes(layout, float(km_tc1), float(km_tc2)) + LUNCH_SLACK_MIN),
            description=f"Time control in {tc2_town}, after lunch in {plan.lunch_at}",
        ),
        ControlSpec(
            f"{p}-TC3",
            "time_control",
            km_tc3,
            average_kmh=average,
            description=f"Time control near {tc3_town}: end of the {average} km/h regularity leg",
        ),
        ControlSpec(
            f"{p}-FINISH",
            "finish",
            km_finish,
            _hms(_leg_minutes(layout, float(km_tc3), float(km_finish))),
            description=f"Finish at {plan.hotel.name}",
        ),
    ]
    return _TimeControls(controls, (tc1_town, tc2_town, tc3_town), km_tc1, km_tc2, km_tc3, km_finish, average)


def _regularity_leg(
    number: int, layout: _DayLayout, towns: list[tuple[str, float]], km_tc2: Decimal, end_km: float
) -> tuple[str, int, Decimal]:
    """The leg from TC2 with a set average, the secret checks' leg: the town its end (TC3) is near, the
    average (the highest of SET_AVERAGES within the reference pace's share) and TC3's km, a whole number
    of minutes from TC2 at that average."""
    tc3_town, tc3_aim = _town_near(
        number,
        layout.plan,
        towns,
        float(km_tc2) + 25.0,
        end_km - 25.0,
        float(km_tc2) + 0.45 * (end_km - float(km_tc2)),
    )
    tc3_aim += TC_PAST_TOWN_KM
    pace = layout.pace_kmh(float(km_tc2), tc3_aim)
    average = max([a for a in SET_AVERAGES if a <= TARGET_SHARE * pace] or [SET_AVERAGES[0]])
    per_minute = Decimal(average) / 60
    minutes = round((Decimal(repr(tc3_aim)) - km_tc2) / per_minute)
    return tc3_town, average, km_tc2 + per_minute * minutes


def _secret_check_kms(
    number: int, timed: _TimeControls, taken: list[float], town_kms: list[float], rng: np.random.Generator
) -> list[float]:
    """Where the secret checks stand inside the regularity leg: two on odd days, one on even days, 5 km
    clear of every other control and stop and 1.5 km clear of a town."""
    leg_a, leg_b = float(timed.km_tc2), float(timed.km_tc3)
    checks = 2 if number % 2 else 1
    kms: list[float] = []
    for _ in range(200):
        if len(kms) == checks:
            break
        km = rng.uniform(leg_a + 5.0, leg_b - 5.0)
        if _clear_of(km, taken + kms, 5.0) and _clear_of(km, town_kms, 1.5):
            kms.append(km)
    return kms


def _timed_trial(
    number: int,
    layout: _DayLayout,
    lo: float,
    hi: float,
    taken: list[float],
    town_kms: list[float],
    rng: np.random.Generator,
) -> tuple[ControlSpec, float]:
    """A timed trial of 200-500 m on open road between km `lo` and `hi` (3 km clear of the other controls,
    2 km of a town), its target at 90 % of the reference pace (at most 60 km/h) rounded up to the half
    second; and the km where it starts."""
    for _ in range(500):
        km = rng.uniform(lo, hi)
        length = float(rng.integers(20, 51)) * 10.0
        if _clear_of(km, taken, 3.0) and _clear_of(km, town_kms, 2.0):
            break
    else:  # pragma: no cover - the legs are tens of km long
        raise ValueError(f"day {number}: no room for a timed trial between km {lo:.1f} and {hi:.1f}")
    kmh = min(layout.pace_kmh(km, km + length / 1000.0) * 0.9, 60.0)
    target = math.ceil(length / (kmh / 3.6) * 2.0) / 2.0
    start = _km(km)
    trial = ControlSpec(
        "",
        "timed_trial",
        start,
        f"{target:.2f}",
        end_km=start + Decimal(int(length)) / 1000,
        description=f"Timed trial, {int(length)} m",
    )
    return trial, km


def _passage_controls(
    plan: DayPlan,
    towns: list[tuple[str, float]],
    time_control_towns: tuple[str, ...],
    taken: list[float],
    rng: np.random.Generator,
) -> list[ControlSpec]:
    """Two or three passage controls just past towns no other control or stop uses, 3 km clear of the
    controls placed already (fewer when fewer towns are free)."""
    used = {*time_control_towns, plan.lunch_at, *plan.fuel_at}
    free = [(n, k) for n, k in towns if n not in used and _clear_of(k + PC_PAST_TOWN_KM, taken, 3.0)]
    count = min(len(free), 2 + int(rng.integers(0, 2)))
    chosen = sorted(rng.choice(len(free), size=count, replace=False)) if count else []
    controls = []
    for i in chosen:
        name, km = free[int(i)]
        controls.append(
            ControlSpec(
                "", "passage_control", _km(km + PC_PAST_TOWN_KM), description=f"Passage control in {name}"
            )
        )
    return controls


_NUMBERED = {"passage_control": "PC", "timed_trial": "PT", "secret_check": "SC"}
"""The kinds named by their order in the day: D1-PC1, D1-PC2, D1-PT1, D1-SC1..."""


def _named_in_driving_order(prefix: str, controls: list[ControlSpec]) -> list[ControlSpec]:
    """The controls sorted by km (the start before anything at km 0), the unnamed ones named."""
    counts: dict[str, int] = {}
    named: list[ControlSpec] = []
    for c in sorted(controls, key=lambda c: (c.km, c.kind != "start")):
        if c.kind in _NUMBERED:
            counts[c.kind] = counts.get(c.kind, 0) + 1
            c = replace(c, name=f"{prefix}-{_NUMBERED[c.kind]}{counts[c.kind]}")
        named.append(c)
    return named


def _stops(plan: DayPlan, lunch_km: float, fuel_kms: list[float]) -> list[StopSpec]:
    """Lunch, the fuel stops, the hotel and the car show. Lunch opens half an hour before the first car
    can be there (at 50 km/h from the 08:00 start) and stays open four hours."""
    first_at = 8 * 60 + (lunch_km / 50.0) * 60.0
    opens = int(first_at // 30) * 30 - 30
    stops = [
        _venue_stop("lunch", plan.lunch, _clock(opens), _clock(opens + 240)),
        *[
            StopSpec(
                "fuel", f"Fuel stop, {t}", f"{t}, CA", km=_km(k), description="Fuel and water for the cars."
            )
            for t, k in zip(plan.fuel_at, fuel_kms, strict=True)
        ],
        _venue_stop("hotel", plan.hotel, "14:00:00", "23:59:00"),
    ]
    if plan.car_show is not None:
        stops.append(_venue_stop("car_show", plan.car_show, "15:30:00", "19:30:00"))
    return stops


def _venue_stop(kind: str, venue: Venue, opens: str, closes: str) -> StopSpec:
    return StopSpec(
        kind, venue.name, venue.address, venue.lat, venue.lon, None, opens, closes, venue.description
    )


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _control_toml(c: ControlSpec) -> list[str]:
    lines = ["[[days.controls]]", f"name = {_q(c.name)}", f"kind = {_q(c.kind)}", f"km = {c.km}"]
    if c.end_km is not None:
        lines.append(f"end_km = {c.end_km}")
    if c.target is not None:
        lines.append(f"target = {_q(c.target)}")
    if c.average_kmh is not None:
        lines.append(f"average_kmh = {c.average_kmh}")
    if c.description:
        lines.append(f"description = {_q(c.description)}")
    return [*lines, ""]


def _stop_toml(s: StopSpec) -> list[str]:
    lines = ["[[days.stops]]", f"kind = {_q(s.kind)}", f"name = {_q(s.name)}"]
    if s.address:
        lines.append(f"address = {_q(s.address)}")
    if s.lat is not None and s.lon is not None:
        lines += [f"lat = {s.lat}", f"lon = {s.lon}"]
    if s.km is not None:
        lines.append(f"km = {s.km}")
    if s.opens:
        lines.append(f"opens = {s.opens}")
    if s.closes:
        lines.append(f"closes = {s.closes}")
    if s.description:
        lines.append(f"description = {_q(s.description)}")
    return [*lines, ""]


def event_toml(days: list[tuple[DayPlan, str, list[ControlSpec], list[StopSpec]]]) -> str:
    """The event file's text (docs/event-file.md)."""
    lines = [
        f"# {EVENT_NAME}: demo event written by `miglia demo` (real towns, invented roads).",
        "",
        "[event]",
        f"name = {_q(EVENT_NAME)}",
        f"slug = {_q(EVENT_SLUG)}",
        f"timezone = {_q(TIMEZONE)}",
        'rules = "mille-miglia"',
        f"description = {_q(DESCRIPTION)}",
        f"sponsor = {_q(SPONSOR)}",
        'logo = "logo.png"',
        "latest_year = 1957",
        "",
    ]
    for plan, route, controls, stops in days:
        lines += [
            "[[days]]",
            f"date = {dt.date.fromisoformat(plan.date).isoformat()}",
            f"title = {_q(plan.title)}",
            f"route = {_q(route)}",
            f"first_start = {FIRST_START}",
            f"start_interval = {START_INTERVAL_S}",
            # a measured 5 km just after the start, for the crews to set their trip meters by
            "odometer_check = { from_km = 1.0, to_km = 6.0 }",
            "",
        ]
        for c in controls:
            lines += _control_toml(c)
        for s in stops:
            lines += _stop_toml(s)
    return "\n".join(lines)


def write_gpx(path: Path, name: str, road: Road) -> Path:
    gpx = gpxpy.gpx.GPX()
    gpx.creator = "Miglia demo"
    track = gpxpy.gpx.GPXTrack(name=name)
    segment = gpxpy.gpx.GPXTrackSegment()
    segment.points = [
        gpxpy.gpx.GPXTrackPoint(float(a), float(o)) for a, o in zip(road.lat, road.lon, strict=True)
    ]
    track.segments.append(segment)
    gpx.tracks.append(track)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(gpx.to_xml(), encoding="utf-8")
    return path


def demo_roads(seed: int = 1927) -> list[Road]:
    """The generated road of every day, in order (deterministic for a seed)."""
    rng = np.random.default_rng(seed)
    return [generate_road(plan.waypoints, plan.target_km, rng) for plan in DAYS]


def write_demo_event(directory: Path, seed: int = 1927) -> DemoFiles:
    """Write event.toml, entries.csv and routes/dayN.gpx into `directory` (created if needed)."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed + 1)
    towns = all_town_points()
    days: list[tuple[DayPlan, str, list[ControlSpec], list[StopSpec]]] = []
    route_files: dict[int, Path] = {}
    for number, (plan, road) in enumerate(zip(DAYS, demo_roads(seed), strict=True), start=1):
        speed = road_speed(road.lat, road.lon, road.chainage_m, towns)
        time_s = np.concatenate([[0.0], np.cumsum(segment_times(road.chainage_m, speed))])
        layout = _DayLayout(road, plan, time_s)
        controls, stops = _plan_controls(number, layout, rng)
        relative = f"routes/day{number}.gpx"
        route_files[number] = write_gpx(directory / relative, f"Day {number}: {plan.title}", road)
        days.append((plan, relative, controls, stops))
    event_path = directory / "event.toml"
    write_logo(directory / "logo.png")
    event_path.write_text(event_toml(days), encoding="utf-8")
    entries_path = write_entries_csv(directory / "entries.csv", seed)
    return DemoFiles(event_path, entries_path, route_files)
