"""Synthetic GPS tracks of the demo cars: each car drives its day's route as a crew would.

For every accepted entry and day: the car lines up behind the start line and leaves at its start time
(first start + its place in start-number order x the interval, as on its time card); between timed
controls it drives the road at its own pace (the reference speed of `driving` times its skill factor,
slowed evenly when it has time to spare), stops for lunch (45-75 min) and, some cars, for fuel, waits a
few hundred metres before each time control and clocks in during its due minute; on the timed trials
it queues at the start line and drives the section in the target +- a few tenths; on the leg with a set
average (secret checks) it follows the schedule to a few seconds. Positions are sampled every
`interval_s` with phone noise (3-8 m), and a few signal gaps (1-5 min, never at a control line).

The instant a car is at km X is the instant its simulated chainage reaches X: crossings computed from
the tracks give back these instants (to the sampling and the noise). `simulate_event` also returns
them exactly (`Simulation.crossings`).

Two incidents, always the same cars:
- breakdown: car 3 (1929 Bentley 4½ Litre) stops by the road on day 2, in the first leg, for about 40
  minutes (a magneto fault), at least 5 km from any control or stop, then continues and reaches the
  first time control late;
- wrong turn: car 38 (1953 Lancia Aurelia B20 GT 2500) on day 3 misses the turn 250 m after passage
  control D3-PC3, follows a side road for 2 km, turns round, drives back along the route past the
  control (against the direction of travel) to ask the marshal, turns again and crosses the control's
  line a second time in the direction of travel.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import gpxpy
import numpy as np
import numpy.typing as npt

from miglia.demo.driving import road_speed, segment_times
from miglia.demo.roads import FloatArray, geodesic_chainage, metres_per_degree
from miglia.demo.towns import all_town_points
from miglia.domain.entries import Entry
from miglia.domain.event import Control, ControlKind, Day, Event, StopKind
from miglia.domain.instants import US_PER_S
from miglia.domain.timecard import EventPlan, TimeCard, time_cards
from miglia.formats.entries_csv import read_entries
from miglia.formats.event_file import load_event
from miglia.geo.track import Track

BREAKDOWN_START_NO = 3
BREAKDOWN_DAY = 2
WRONG_TURN_START_NO = 38
WRONG_TURN_DAY = 3

_BEHIND_START_M = 60.0
_PAST_END_M = 80.0
_TIMED = (ControlKind.START, ControlKind.TIME_CONTROL, ControlKind.FINISH)

BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Incident:
    kind: str
    """"breakdown" or "wrong_turn"."""
    start_no: int
    day: int
    start_us: int
    end_us: int
    km: float
    """Where along the route it began."""
    description: str


@dataclass(frozen=True)
class Simulation:
    tracks: dict[tuple[int, int], Track]
    """By (start number, day number)."""
    crossings: dict[tuple[int, int], dict[str, tuple[int, ...]]]
    """True instants (µs UTC) each car crossed each control's line in the direction of travel, by
    (start number, day number) and control name; a timed trial's finish line is "<name>:end"."""
    stops: dict[tuple[int, int], tuple[tuple[str, int, int], ...]] = field(default_factory=dict)
    """(what, from µs, to µs) of every halt: lunch, fuel, waiting at a time control, a trial queue,
    the breakdown."""
    incidents: tuple[Incident, ...] = ()


# --------------------------------------------------------------------------------------------------
# The day's road as the simulation sees it.


@dataclass
class _Road:
    lat: FloatArray
    lon: FloatArray
    s: FloatArray
    """Chainage (m) of each vertex, extended before the start and after the end."""
    ref_time: FloatArray
    """Reference car's cumulative driving time (s) at each vertex."""

    @classmethod
    def read(cls, day: Day, towns: Sequence[tuple[float, float]]) -> _Road:
        with open(day.route, encoding="utf-8") as f:
            gpx = gpxpy.parse(f)
        pairs = [(p.latitude, p.longitude) for t in gpx.tracks for seg in t.segments for p in seg.points]
        pairs += [(p.latitude, p.longitude) for r in gpx.routes for p in r.points]
        lat = np.array([a for a, _ in pairs], dtype=np.float64)
        lon = np.array([o for _, o in pairs], dtype=np.float64)
        s = geodesic_chainage(lat, lon)
        stops = [(st.lat, st.lon) for st in day.stops if st.lat is not None and st.lon is not None]
        speed = road_speed(lat, lon, s, [*towns, *stops])
        t = np.concatenate([[0.0], np.cumsum(segment_times(s, speed))])
        # Extend straight on beyond both ends: the start queue and the hotel car park.
        before = _extend(lat[:2], lon[:2], s[1] - s[0], _BEHIND_START_M)
        after = _extend(lat[-1:-3:-1], lon[-1:-3:-1], s[-1] - s[-2], _PAST_END_M)
        lat = np.concatenate([[before[0]], lat, [after[0]]])
        lon = np.concatenate([[before[1]], lon, [after[1]]])
        s = np.concatenate([[-_BEHIND_START_M], s, [s[-1] + _PAST_END_M]])
        slow = _BEHIND_START_M / (15.0 / 3.6)
        t = np.concatenate([[-slow], t, [t[-1] + _PAST_END_M / (15.0 / 3.6)]])
        return cls(lat, lon, s, t)

    @property
    def length_m(self) -> float:
        return float(self.s[-2])

    def at(self, s: FloatArray) -> tuple[FloatArray, FloatArray]:
        return np.interp(s, self.s, self.lat), np.interp(s, self.s, self.lon)

    def km_of(self, lat: float, lon: float) -> float:
        ky, kx = metres_per_degree(lat)
        d2 = ((self.lat - lat) * ky) ** 2 + ((self.lon - lon) * kx) ** 2
        return float(self.s[int(np.argmin(d2))])


def _extend(lat: FloatArray, lon: FloatArray, step_m: float, by_m: float) -> tuple[float, float]:
    """The point `by_m` beyond lat[0] on the line from lat[1] through lat[0]."""
    f = by_m / max(step_m, 1e-6)
    return float(lat[0] + (lat[0] - lat[1]) * f), float(lon[0] + (lon[0] - lon[1]) * f)


# --------------------------------------------------------------------------------------------------
# One car's day: knots (chainage, time) joined linearly, plus special positions during some halts.


@dataclass
class _Crew:
    skill: float
    """Pace relative to the reference car."""
    trial_sigma_s: float
    schedule_sigma_s: float
    early_min: float
    noise_m: float
    fuel_stops: bool


def _crew(seed: int, start_no: int) -> _Crew:
    rng = np.random.default_rng([seed, start_no, 0])
    return _Crew(
        skill=float(rng.uniform(0.95, 1.05)),
        trial_sigma_s=float(rng.uniform(0.04, 0.35)),
        schedule_sigma_s=float(rng.uniform(1.0, 12.0)),
        early_min=float(rng.uniform(1.0, 6.0)),
        noise_m=float(rng.uniform(3.0, 8.0)),
        fuel_stops=bool(rng.random() < 0.45),
    )


@dataclass
class _Hold:
    s: float
    seconds: float
    what: str
    planned: bool = True
    path: tuple[FloatArray, FloatArray, FloatArray, FloatArray] | None = None
    """Excursion: (path lat, path lon, path distance m, time s at each path point from the hold's start)."""
    lateral_m: float = 0.0


@dataclass
class _Trial:
    name: str
    s: float
    end: float
    target_s: float


class _Drive:
    """Builds the knots of one car's day, leg by leg."""

    def __init__(self, road: _Road, crew: _Crew, rng: np.random.Generator) -> None:
        self.road = road
        self.crew = crew
        self.rng = rng
        self.cum = road.ref_time / crew.skill
        self.s: list[float] = []
        self.t: list[float] = []
        self.halts: list[tuple[str, float, float, _Hold | None]] = []

    def natural(self, a: float, b: float) -> float:
        ca, cb = np.interp([a, b], self.road.s, self.cum)
        return float(cb - ca)

    def knot(self, s: float, t: float) -> None:
        if self.t and t <= self.t[-1]:
            t = self.t[-1] + 1e-3
        self.s.append(s)
        self.t.append(t)

    def drive(self, b: float, factor: float) -> None:
        """Drive from the last knot to chainage b at `factor` times the car's own pace."""
        a, t0 = self.s[-1], self.t[-1]
        if b <= a:
            return
        inside = (self.road.s > a) & (self.road.s < b)
        ss = np.concatenate([self.road.s[inside], [b]])
        ca = float(np.interp(a, self.road.s, self.cum))
        tt = t0 + (np.interp(ss, self.road.s, self.cum) - ca) / factor
        self.s.extend(ss.tolist())
        self.t.extend(tt.tolist())

    def hold(self, seconds: float, what: str, hold: _Hold | None = None) -> None:
        start = self.t[-1]
        self.knot(self.s[-1], start + seconds)
        self.halts.append((what, start, start + seconds, hold))

    def trial(self, trial: _Trial, factor: float) -> tuple[float, float]:
        """Queue 250 m short of the start line, get up to speed over 150 m, then hold that speed from
        100 m before the start line to 100 m past the finish line (a flying start)."""
        self.drive(trial.s - 250.0, factor)
        self.hold(float(self.rng.uniform(15.0, 60.0)), "trial queue")
        elapsed = trial.target_s + float(self.rng.normal(0.0, self.crew.trial_sigma_s))
        v = (trial.end - trial.s) / elapsed
        self.knot(trial.s - 100.0, self.t[-1] + 150.0 / (0.5 * v))
        self.knot(trial.s, self.t[-1] + 100.0 / v)
        t_start = self.t[-1]
        self.knot(trial.end, t_start + elapsed)
        t_end = self.t[-1]
        self.knot(trial.end + 100.0, t_end + 100.0 / v)
        return t_start, t_end

    def trial_fixed(self, trial: _Trial) -> tuple[float, float]:
        """(natural time replaced, fixed time spent) by a trial: for planning the leg."""
        v = (trial.end - trial.s) / trial.target_s
        return self.natural(trial.s - 250.0, trial.end + 100.0), 40.0 + (300.0 + 200.0) / v + trial.target_s

    def target_leg(
        self, b: float, due: float, holds: list[_Hold], trials: list[_Trial], out: dict[str, list[float]]
    ) -> float:
        """A leg with a target time: drive, halt, wait short of the control, clock in in the due minute."""
        rng, crew = self.rng, self.crew
        clock_in = due + float(rng.uniform(4.0, 52.0))
        wait_at = b - float(rng.uniform(120.0, 300.0))
        last_bit = self.natural(wait_at, b) * 1.4 + 3.0
        goal = clock_in - last_bit - crew.early_min * 60.0 * float(rng.uniform(0.6, 1.4))
        events: list[tuple[float, _Hold | _Trial]] = [(h.s, h) for h in holds] + [(tr.s, tr) for tr in trials]
        events.sort(key=lambda e: e[0])

        def plan(from_index: int) -> float:
            fixed, replaced = 0.0, 0.0
            for _, ev in events[from_index:]:
                if isinstance(ev, _Trial):
                    r, f = self.trial_fixed(ev)
                    replaced, fixed = replaced + r, fixed + f
                elif ev.planned:
                    fixed += ev.seconds
            need = self.natural(self.s[-1], wait_at) - replaced
            available = goal - self.t[-1] - fixed
            if available <= 0:
                return 1.08
            return float(np.clip(need / available, 0.72, 1.08))

        factor = plan(0)
        for i, (_, ev) in enumerate(events):
            if isinstance(ev, _Trial):
                t0, t1 = self.trial(ev, factor)
                out.setdefault(ev.name, []).append(t0)
                out.setdefault(f"{ev.name}:end", []).append(t1)
            else:
                self.drive(ev.s, factor)
                self.hold(ev.seconds, ev.what, ev)
                if not ev.planned:
                    factor = plan(i + 1)
        self.drive(wait_at, factor)
        if self.t[-1] < clock_in - last_bit:
            self.hold(clock_in - last_bit - self.t[-1], "waiting for the due minute")
            self.knot(b, clock_in)
        else:
            self.knot(b, self.t[-1] + self.natural(wait_at, b) / factor)
        return self.t[-1]

    def average_leg(self, a: float, due_a: float, b: float, kmh: float) -> float:
        """A leg with a set average: follow the schedule to a few seconds, clock in in the due minute."""
        rng = self.rng
        v = kmh / 3.6
        inside = (self.road.s > a) & (self.road.s < b)
        ss = np.concatenate([self.road.s[inside], [b]])
        late0 = self.t[-1] - (due_a + (self.s[-1] - a) / v)
        late1 = float(rng.uniform(4.0, 40.0))
        taper = np.minimum(1.0, np.minimum(ss - a, b - ss) / 3000.0)
        wander = np.zeros_like(ss)
        for _ in range(3):
            wavelength = float(rng.uniform(3000.0, 12000.0))
            wander += rng.normal(0.0, 1.0) * np.sin(
                2 * np.pi * (ss - a) / wavelength + rng.uniform(0, 2 * np.pi)
            )
        wander *= self.crew.schedule_sigma_s / np.sqrt(1.5) * taper
        ideal = due_a + (ss - a) / v
        err = late0 * np.exp(-(ss - self.s[-1]) / 2000.0) + late1 * np.exp(-(b - ss) / 1500.0) + wander
        tt = ideal + err
        # Never faster than 100 km/h, never backwards in time.
        dt = np.diff(np.concatenate([[self.t[-1]], tt]))
        ds = np.diff(np.concatenate([[self.s[-1]], ss]))
        dt = np.maximum(dt, ds / (100.0 / 3.6))
        tt = self.t[-1] + np.cumsum(dt)
        self.s.extend(ss.tolist())
        self.t.extend(tt.tolist())
        return self.t[-1]


# --------------------------------------------------------------------------------------------------
# Incidents.


def _side_road(road: _Road, junction: float, rng: np.random.Generator) -> tuple[FloatArray, FloatArray]:
    """A 2 km side road leaving the route at `junction`, on the side away from the route."""
    lat0, lon0 = (float(v[0]) for v in road.at(np.array([junction])))
    ky, kx = metres_per_degree(lat0)
    la, lo = road.at(np.array([junction - 30.0, junction + 30.0]))
    heading = np.arctan2((la[1] - la[0]) * ky, (lo[1] - lo[0]) * kx)
    d = np.arange(0.0, 2001.0, 10.0)
    best: tuple[float, FloatArray, FloatArray] | None = None
    near = np.abs(road.s - junction) > 600.0
    for side in (1.0, -1.0):
        wiggle = np.radians(12.0) * np.sin(2 * np.pi * d / 700.0 + rng.uniform(0, 2 * np.pi))
        theta = heading + side * np.radians(75.0) + wiggle
        x = np.concatenate([[0.0], np.cumsum(np.cos(theta[:-1]) * 10.0)])
        y = np.concatenate([[0.0], np.cumsum(np.sin(theta[:-1]) * 10.0)])
        plat, plon = lat0 + y / ky, lon0 + x / kx
        far = np.min(((road.lat[near] - plat[-1]) * ky) ** 2 + ((road.lon[near] - plon[-1]) * kx) ** 2)
        if best is None or far > best[0]:
            best = (float(far), plat, plon)
    assert best is not None
    return best[1], best[2]


def _wrong_turn(road: _Road, control_km: float, rng: np.random.Generator) -> tuple[_Hold, float, float]:
    """The excursion hold at the missed junction, and its two crossings of the control (reverse, forward)
    as seconds after the excursion starts."""
    junction = control_km + 250.0
    turn_back = control_km - 100.0
    plat, plon = _side_road(road, junction, rng)
    back = np.linspace(junction, turn_back, 36)
    blat, blon = road.at(back)
    fwd = back[::-1]
    flat, flon = road.at(fwd)
    lat = np.concatenate([plat, plat[::-1], blat, flat])
    lon = np.concatenate([plon, plon[::-1], blon, flon])
    ky, kx = metres_per_degree(float(lat[0]))
    step = np.hypot(np.diff(lat) * ky, np.diff(lon) * kx)
    dist = np.concatenate([[0.0], np.cumsum(step)])
    n_side = plat.size
    v_out, v_back, v_route = 9.0, 11.0, 8.0
    # Times along the path: out, 20 s to turn round, back, along the route backwards, 40 s with the
    # marshal and turning round, forwards to the junction.
    t = np.empty_like(dist)
    t[:n_side] = dist[:n_side] / v_out
    t_turn = t[n_side - 1] + 20.0
    t[n_side : 2 * n_side] = t_turn + (dist[n_side : 2 * n_side] - dist[n_side]) / v_back
    t_join = t[2 * n_side - 1] + 2.0
    t[2 * n_side : 2 * n_side + 36] = (
        t_join + (dist[2 * n_side : 2 * n_side + 36] - dist[2 * n_side]) / v_route
    )
    t_marshal = t[2 * n_side + 35] + 40.0
    t[2 * n_side + 36 :] = t_marshal + (dist[2 * n_side + 36 :] - dist[2 * n_side + 36]) / v_route
    reverse_cross = t_join + (junction - control_km) / v_route
    forward_cross = t_marshal + (control_km - turn_back) / v_route
    hold = _Hold(junction, float(t[-1]), "wrong turn", planned=False, path=(lat, lon, dist, t))
    return hold, reverse_cross, forward_cross


def _far_from(km: float, places: Sequence[float], gap_m: float) -> bool:
    return all(abs(km - p) >= gap_m for p in places)


# --------------------------------------------------------------------------------------------------


def _simulate_car_day(
    seed: int,
    entry: Entry,
    day_index: int,
    day: Day,
    road: _Road,
    card: TimeCard,
    epoch_us: int,
    interval_s: float,
    incidents: list[Incident],
) -> tuple[Track, dict[str, tuple[int, ...]], tuple[tuple[str, int, int], ...]]:
    """One car's day: its GPS track, the true instants (µs) it crossed each control's line, and its halts
    (what, from µs, to µs). The incidents of the day are added to `incidents`.

    Times inside are seconds after `epoch_us` (the day's first start). One random generator per car and
    day, drawn from in this order: the start, the legs, the sampling phase, the signal gaps, the noise."""
    rng = np.random.default_rng([seed, entry.start_no, day.number])
    crew = _crew(seed, entry.start_no)
    drive = _Drive(road, crew, rng)
    controls = list(day.controls)
    control_m = [float(c.km or 0) * 1000.0 for c in controls]

    start_t = (card.day_start_us[day_index] - epoch_us) / US_PER_S
    crossings: dict[str, list[float]] = {controls[0].name: [_line_up_and_start(drive, start_t)]}
    second_crossings = _drive_the_legs(drive, entry, day, controls, control_m, card, epoch_us, crossings)
    crossings |= _first_reached(drive, controls, control_m)
    for name, after, detour in second_crossings:
        crossings[name] += [h0 + after for _what, h0, _h1, hold in drive.halts if hold is detour]

    t, lat, lon = _sample(drive, interval_s)
    halts = tuple(
        (what, epoch_us + round(h0 * US_PER_S), epoch_us + round(h1 * US_PER_S))
        for what, h0, h1, _ in drive.halts
    )
    incidents.extend(_incidents_on_the_track(drive, entry, day, t, lat, lon, epoch_us))
    keep = _signal_kept(t, crossings, rng)
    lat, lon = _with_phone_noise(lat, lon, crew.noise_m, rng)
    t_us = epoch_us + np.round(t[keep] * 1000.0).astype(np.int64) * 1000
    track = Track(
        t_us, np.round(lat[keep], 7), np.round(lon[keep], 7), entry.device_id or f"car-{entry.start_no}"
    )
    true = {k: tuple(epoch_us + round(x * US_PER_S) for x in sorted(v)) for k, v in crossings.items()}
    return track, true, halts


def _line_up_and_start(drive: _Drive, start_t: float) -> float:
    """Wait behind the start line from 8-15 minutes before the car's start time, then cross it 1-4 s
    after; the instant it crosses."""
    rng = drive.rng
    begin = start_t - float(rng.uniform(8.0, 15.0)) * 60.0
    drive.knot(-_BEHIND_START_M, begin)
    drive.knot(-_BEHIND_START_M, start_t - 2.0)
    drive.knot(0.0, start_t + float(rng.uniform(1.0, 4.0)))
    return drive.t[-1]


def _due_s(card: TimeCard, name: str, epoch_us: int) -> float:
    """The due time at a control on the car's time card, in seconds after `epoch_us`."""
    line = card.line(name)
    assert line.due_us is not None
    return (line.due_us - epoch_us) / US_PER_S


def _drive_the_legs(
    drive: _Drive,
    entry: Entry,
    day: Day,
    controls: list[Control],
    control_m: list[float],
    card: TimeCard,
    epoch_us: int,
    crossings: dict[str, list[float]],
) -> list[tuple[str, float, _Hold]]:
    """Drive from each timed control (start, time controls, finish) to the next: a leg with a set average
    to its schedule, any other to its target with its halts and trials; then get the time card stamped,
    or park at the hotel after the finish. Adds to `crossings` when each timed control's line and each
    trial's lines are crossed; returns the control a wrong turn brings the car back to: (its name, the
    seconds after the detour began when the car crosses it again, the detour)."""
    halt_kms = _halt_kms(day, drive.road)
    timed = [(i, c) for i, c in enumerate(controls) if c.kind in _TIMED]
    second_crossings: list[tuple[str, float, _Hold]] = []
    for (ia, a), (ib, b) in itertools.pairwise(timed):
        a_m, b_m = control_m[ia], control_m[ib]
        if b.average_kmh is not None and b.target is None:
            t_b = drive.average_leg(a_m, _due_s(card, a.name, epoch_us), b_m, float(b.average_kmh))
        else:
            holds = _planned_holds(drive, halt_kms, a_m, b_m)
            trials = _trials_between(controls, control_m, a_m, b_m)
            car_day = (entry.start_no, day.number)
            if car_day == (BREAKDOWN_START_NO, BREAKDOWN_DAY) and a.kind is ControlKind.START:
                holds.append(_breakdown(drive.rng, a_m, b_m, control_m + [km for _, km in halt_kms]))
            if car_day == (WRONG_TURN_START_NO, WRONG_TURN_DAY):
                missed = _missed_turn(drive, controls, control_m, a_m, b_m)
                if missed is not None:
                    holds.append(missed[2])
                    second_crossings.append(missed)
            t_b = drive.target_leg(b_m, _due_s(card, b.name, epoch_us), holds, trials, crossings)
        crossings.setdefault(b.name, []).append(t_b)
        _leave_control(drive, b, b_m)
    return second_crossings


def _halt_kms(day: Day, road: _Road) -> list[tuple[str, float]]:
    """("lunch" or "fuel", chainage m) of the day's stops a car halts at on the way."""
    halts: list[tuple[str, float]] = []
    for st in day.stops:
        if st.kind is StopKind.LUNCH and st.lat is not None and st.lon is not None:
            halts.append(("lunch", road.km_of(st.lat, st.lon)))
        elif st.kind is StopKind.FUEL and st.km is not None:
            halts.append(("fuel", float(st.km) * 1000.0))
    return halts


def _planned_holds(drive: _Drive, halt_kms: list[tuple[str, float]], a_m: float, b_m: float) -> list[_Hold]:
    """Lunch (45-75 min) and, for crews that stop for fuel, fuel (5-10 min) between a_m and b_m."""
    holds = []
    for what, km in halt_kms:
        if a_m < km < b_m and (what == "lunch" or drive.crew.fuel_stops):
            minutes = drive.rng.uniform(45.0, 75.0) if what == "lunch" else drive.rng.uniform(5.0, 10.0)
            holds.append(_Hold(km, float(minutes) * 60.0, what))
    return holds


def _trials_between(controls: list[Control], control_m: list[float], a_m: float, b_m: float) -> list[_Trial]:
    return [
        _Trial(c.name, control_m[i], float(c.end_km or 0) * 1000.0, float(c.target or 0))
        for i, c in enumerate(controls)
        if c.kind is ControlKind.TIMED_TRIAL and a_m < control_m[i] < b_m
    ]


def _breakdown(rng: np.random.Generator, a_m: float, b_m: float, busy: list[float]) -> _Hold:
    """About 40 minutes by the road (4 m off it), somewhere 10 km inside the leg and 5 km from any
    control or stop."""
    for _ in range(1000):
        km = float(rng.uniform(a_m + 10_000.0, b_m - 10_000.0))
        if _far_from(km, busy, 5000.0):
            break
    minutes = float(rng.uniform(38.0, 44.0))
    return _Hold(km, minutes * 60.0, "breakdown", planned=False, lateral_m=4.0)


def _missed_turn(
    drive: _Drive, controls: list[Control], control_m: list[float], a_m: float, b_m: float
) -> tuple[str, float, _Hold] | None:
    """The wrong turn after the leg's first passage control (at least 2 km before its end): that
    control's name, when (after the detour began) the car crosses its line again, and the detour."""
    for i, c in enumerate(controls):
        if c.kind is ControlKind.PASSAGE_CONTROL and a_m < control_m[i] < b_m - 2000.0:
            detour, _reverse, forward = _wrong_turn(drive.road, control_m[i], drive.rng)
            return c.name, forward, detour
    return None


def _leave_control(drive: _Drive, control: Control, control_m: float) -> None:
    """After the finish: drive into the hotel car park and stay 2-5 minutes. After a time control: drive
    on 60 m and wait 20-60 s while the time card is stamped."""
    if control.kind is ControlKind.FINISH:
        drive.drive(drive.road.length_m + _PAST_END_M, 0.5)
        drive.hold(float(drive.rng.uniform(2.0, 5.0)) * 60.0, "parked at the hotel")
    else:
        drive.drive(control_m + 60.0, 0.4)
        drive.hold(float(drive.rng.uniform(20.0, 60.0)), "time card stamped")


def _first_reached(drive: _Drive, controls: list[Control], control_m: list[float]) -> dict[str, list[float]]:
    """Passage controls and secret checks: the first instant the car's chainage reaches their km."""
    knots_s = np.asarray(drive.s)
    knots_t = np.asarray(drive.t)
    reach = np.maximum.accumulate(knots_s)
    first = np.concatenate([[True], reach[1:] > reach[:-1]])
    return {
        c.name: [float(np.interp(control_m[i], knots_s[first], knots_t[first]))]
        for i, c in enumerate(controls)
        if c.kind in (ControlKind.PASSAGE_CONTROL, ControlKind.SECRET_CHECK)
    }


def _sample(drive: _Drive, interval_s: float) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(t, lat, lon) every `interval_s` along the knots, from a random phase; no noise yet."""
    knots_s = np.asarray(drive.s)
    knots_t = np.asarray(drive.t)
    phase = float(drive.rng.uniform(0.0, interval_s))
    t = np.arange(knots_t[0] + phase, knots_t[-1], interval_s)
    s = np.interp(t, knots_t, knots_s)
    lat, lon = drive.road.at(s)
    return t, lat, lon


def _incidents_on_the_track(
    drive: _Drive, entry: Entry, day: Day, t: FloatArray, lat: FloatArray, lon: FloatArray, epoch_us: int
) -> list[Incident]:
    """Puts the unplanned halts on the sampled track (in place): during a wrong turn the car follows its
    detour; during a breakdown it stands by the side of the road. Returns them as incidents."""
    incidents = []
    for _what, h0, h1, hold in drive.halts:
        if hold is None:
            continue
        inside = (t >= h0) & (t <= h1)
        span = (epoch_us + round(h0 * US_PER_S), epoch_us + round(h1 * US_PER_S))
        if hold.path is not None:
            plat, plon, _dist, pt = hold.path
            lat[inside] = np.interp(t[inside] - h0, pt, plat)
            lon[inside] = np.interp(t[inside] - h0, pt, plon)
            incidents.append(
                Incident(
                    "wrong_turn",
                    entry.start_no,
                    day.number,
                    *span,
                    hold.s / 1000.0,
                    f"car {entry.start_no} missed the turn {hold.s / 1000.0:.2f} km into day {day.number}, "
                    "drove 2 km down a side road, came back past the passage control and crossed its line "
                    "again",
                )
            )
        elif hold.lateral_m:
            _pull_over(drive.road, hold, inside, lat, lon)
            incidents.append(
                Incident(
                    "breakdown",
                    entry.start_no,
                    day.number,
                    *span,
                    hold.s / 1000.0,
                    f"car {entry.start_no} stopped by the road at km {hold.s / 1000.0:.1f} of day "
                    f"{day.number} for {(h1 - h0) / 60.0:.0f} min (magneto fault), then went on",
                )
            )
    return incidents


def _pull_over(road: _Road, hold: _Hold, inside: BoolArray, lat: FloatArray, lon: FloatArray) -> None:
    """Move the positions `inside` the hold `hold.lateral_m` to the right of the road (in place)."""
    ky, kx = metres_per_degree(float(lat[0]))
    la, lo = road.at(np.array([hold.s - 20.0, hold.s + 20.0]))
    east, north = (lo[1] - lo[0]) * kx, (la[1] - la[0]) * ky
    norm = float(np.hypot(east, north)) or 1.0
    lat[inside] += -east / norm * hold.lateral_m / ky
    lon[inside] += north / norm * hold.lateral_m / kx


def _signal_kept(t: FloatArray, crossings: dict[str, list[float]], rng: np.random.Generator) -> BoolArray:
    """Which samples the phone sends: all but 2-4 signal gaps of 1-5 minutes, none within a minute of a
    control line (nor of another gap), none in the first or last 10 minutes."""
    keep = np.ones(t.size, dtype=bool)
    no_gap = [(x - 60.0, x + 60.0) for v in crossings.values() for x in v]
    for _ in range(int(rng.integers(2, 5))):
        for _attempt in range(50):
            length = float(rng.uniform(60.0, 300.0))
            g0 = float(rng.uniform(t[0] + 600.0, t[-1] - 600.0 - length))
            if all(g0 + length < b0 or g0 > b1 for b0, b1 in no_gap):
                keep &= ~((t >= g0) & (t < g0 + length))
                no_gap.append((g0 - 60.0, g0 + length + 60.0))
                break
    return keep


def _with_phone_noise(
    lat: FloatArray, lon: FloatArray, noise_m: float, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray]:
    """Positions moved by the phone's GPS error: normal, `noise_m` metres in each of north and east."""
    ky, kx = metres_per_degree(float(np.mean(lat)))
    lat = lat + rng.normal(0.0, noise_m, lat.size) / ky
    lon = lon + rng.normal(0.0, noise_m, lon.size) / kx
    return lat, lon


def _entries_for(event: Event, event_toml: Path, entries_csv: Path | None) -> list[Entry]:
    path = entries_csv if entries_csv is not None else event_toml.parent / "entries.csv"
    return read_entries(path, event.eligibility)


def simulate_event(
    event_toml: Path, seed: int = 1927, interval_s: float = 5.0, entries_csv: Path | None = None
) -> Simulation:
    """Tracks of every accepted entry on every day, with the true crossings, halts and incidents.

    Entries are read from `entries_csv`, by default the entries.csv beside the event file."""
    if interval_s <= 0:
        raise ValueError(f"interval_s = {interval_s!r}: must be more than zero")
    event = load_event(event_toml)
    entries = [e for e in _entries_for(event, event_toml, entries_csv) if e.accepted]
    plan = EventPlan.build(event)
    cards = time_cards(plan, entries)
    towns = all_town_points()
    tracks: dict[tuple[int, int], Track] = {}
    truth: dict[tuple[int, int], dict[str, tuple[int, ...]]] = {}
    halts: dict[tuple[int, int], tuple[tuple[str, int, int], ...]] = {}
    incidents: list[Incident] = []
    for d, day in enumerate(event.days):
        road = _Road.read(day, towns)
        epoch = plan.day_first_start_us[d]
        for entry in sorted(entries, key=lambda e: e.start_no):
            key = (entry.start_no, day.number)
            tracks[key], truth[key], halts[key] = _simulate_car_day(
                seed, entry, d, day, road, cards[entry.start_no], epoch, interval_s, incidents
            )
    return Simulation(tracks, truth, halts, tuple(incidents))


def synthesise_tracks(
    event_toml: Path, seed: int = 1927, interval_s: float = 5.0
) -> dict[tuple[int, int], Track]:
    """GPS tracks by (start number, day number) of every accepted entry (see the module doc)."""
    return simulate_event(event_toml, seed, interval_s).tracks
