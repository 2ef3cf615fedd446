"""GPS passages as fixes arrive: each car's new positions are timed at its day's timing lines, the new
first crossings are stored as passages (source "gps") and fed to the event's live scoreboard, whose
changed positions go out as a `results` event.

- The timing lines (`service.timing.gps_timing.DayLines`) are built once per event and kept.
- For each car and day the last few fixes are kept in memory, so a line crossed between two messages
  is found; after a restart they are read back from the stored positions.
- A fix older than the car's newest one (late, out of order) makes the car's day be timed again from
  all its stored positions, so a crossing in the gap it fills is found.
- A passage is stored once per (car, control, line) with source "gps" (a partial unique index keeps two
  workers from storing it twice): the car's FIRST crossing in the line's direction, with the raw input of
  the fix after the crossing. A first crossing already stored is never changed; later crossings stay
  visible to the timekeeper through `service.timing.gps_timing.all_crossings`, and a disagreement with a
  recomputation is logged for a correction.
- The live scoreboard is one per event, rebuilt from the database when passages or corrections were
  stored by someone else (marshals, the timekeeper, another worker) since it was last brought up to date.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import threading
import time
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from miglia.domain.errors import MigliaError
from miglia.domain.event import ControlKind, Event
from miglia.domain.passages import Passage
from miglia.domain.rules import Source
from miglia.domain.scoreboard import Move, Scoreboard
from miglia.geo.common import NO_TIME, m_per_deg_lat, m_per_deg_lon
from miglia.geo.crossings import find_crossings, passages
from miglia.geo.track import MAX_SPEED_KMH, PreparedTrack, Track
from miglia.service.clock import from_datetime, now_us
from miglia.service.event import events
from miglia.service.event.routes import DayRoute
from miglia.service.live.alerts import Watch
from miglia.service.timing.gps_timing import DayLines, day_lines, fill_missed
from miglia.service.timing.results import score
from miglia.store.db import Database
from miglia.store.records import NewPassage, PositionSpan, StoredRoute
from miglia.tracking.fix import Fix

log = logging.getLogger(__name__)

TAIL = 4
"""Fixes kept per car and day: the crossing between two messages is found, and a spike is judged."""
RECORDED_BY = "gps"
GAP_US = 5_000_000
"""A step longer than this (and than 3 of the car's usual steps) is a gap that late fixes may fill."""
SETTLE_S = 30.0
"""A crossing found in a gap is stored with the car's next message this many seconds (of the server's
clock) after it was found, unless late fixes fill the gap first."""
Slot = tuple[int, str, str]
"""(start number, control, line)."""


@dataclass
class Points:
    t: list[int] = field(default_factory=list)
    lat: list[float] = field(default_factory=list)
    lon: list[float] = field(default_factory=list)
    raw: list[int] = field(default_factory=list)

    def add(self, t: int, lat: float, lon: float, raw: int) -> None:
        self.t.append(t)
        self.lat.append(lat)
        self.lon.append(lon)
        self.raw.append(raw)

    def extend(self, other: Points) -> None:
        self.t += other.t
        self.lat += other.lat
        self.lon += other.lon
        self.raw += other.raw

    def last(self, n: int) -> Points:
        return Points(self.t[-n:], self.lat[-n:], self.lon[-n:], self.raw[-n:])

    def sorted(self) -> Points:
        order = sorted(range(len(self.t)), key=self.t.__getitem__)
        out = Points()
        for i in order:
            if not out.t or self.t[i] != out.t[-1]:
                out.add(self.t[i], self.lat[i], self.lon[i], self.raw[i])
        return out


@dataclass
class _EventTiming:
    event_id: int
    slug: str
    timezone: str
    lines: dict[int, DayLines]
    done: set[Slot]
    secret: frozenset[str] = frozenset()
    """The secret checks: a passage there is news for the public only once results are published."""
    board: Scoreboard | None = None
    fingerprint: tuple[Any, ...] | None = None


@dataclass(frozen=True)
class TimingNews:
    """What a batch of fixes did to the results: the passages stored and the overall positions moved."""

    event_id: int
    passages: tuple[Passage, ...]
    rescored: tuple[int, ...]
    moves: tuple[Move, ...]
    public: bool = True
    """False when every new passage is at a secret check: the public is not told a check just timed a car."""

    def to_json(self) -> dict[str, Any]:
        """What the public live feed says: only that the results changed. Which control timed which car
        and the new standings stay behind `results_visible` (the results pages fetch them)."""
        return {"event_id": self.event_id}


class LiveTiming:
    """One per process (inside `service.live.tracker.Tracker`); `receive` is called with each batch of
    newly stored positions, from one thread at a time."""

    def __init__(self, db: Database, write_lock: Any = None, settle_s: float = SETTLE_S) -> None:
        self.db = db
        self.settle_s = settle_s
        self._write_lock = write_lock if write_lock is not None else contextlib.nullcontext()
        self._event: _EventTiming | None = None
        self._tails: dict[tuple[int, int], Points] = {}
        self._pending: dict[tuple[int, int], tuple[float, list[tuple[int, Passage]]]] = {}
        self._lock = threading.Lock()

    def receive(self, watch: Watch, fixes: Sequence[tuple[Fix, int]]) -> TimingNews | None:
        """Time the cars these (fix, raw_id) move; store and score the new passages."""
        if watch.event_id is None or not fixes:
            return None
        with self._lock:
            timing = self._timing(watch.event_id)
            if not timing.lines:
                return None
            groups: dict[tuple[int, int], Points] = {}
            courses: dict[Any, Any] = {}
            for fix, raw_id in fixes:
                course = watch.course(fix.instant_us)
                if course is None or course.number not in timing.lines:
                    continue
                car = courses.get((fix.device_id, course.number), False)
                if car is False:
                    car = courses[(fix.device_id, course.number)] = watch.car(fix.device_id, course)
                if car is None:
                    continue
                points = groups.get((car, course.number))
                if points is None:
                    points = groups[(car, course.number)] = Points()
                points.add(fix.instant_us, fix.lat, fix.lon, raw_id)
            ordered = {key: points.sorted() for key, points in groups.items()}
            missing = [(key, new.t[0]) for key, new in ordered.items() if key not in self._tails]
            if missing:  # one round trip for every car first seen since the start
                self._tails.update(self._stored_tails(timing, watch, missing))
            found: dict[Slot, tuple[int, Passage]] = {}
            for raw_id, p in self._cars(timing, watch, ordered):
                slot = (p.start_no, p.control, p.line)
                if slot not in timing.done and (
                    slot not in found or p.instant_us < found[slot][1].instant_us
                ):
                    found[slot] = (raw_id, p)
            if not found:
                return None
            return self._store(timing, list(found.values()))

    def warm(self, watch: Watch) -> None:
        """Load what the first batch would otherwise load: the timing lines, every car's tail on every
        day of the event, and the live scoreboard (call at start-up)."""
        if watch.event_id is None:
            return
        with self._lock:
            timing = self._timing(watch.event_id)
            if not timing.lines:  # no route yet: built when the first positions come, as without warming
                self._event = None
                return
            wanted = [
                ((car, day), None)
                for day in timing.lines
                for car in sorted(set(watch.cars.get(day, watch.default_cars).values()))
                if (car, day) not in self._tails
            ]
            self._tails.update(self._stored_tails(timing, watch, wanted))
            if timing.board is None:
                with self.db.unit_of_work() as uow:
                    timing.fingerprint = uow.events.fingerprint(timing.event_id)
                    timing.board = score(uow, timing.slug).board

    def forget(self) -> None:
        """Drop every cache (timing lines, tails, scoreboard): the next batch reloads them."""
        with self._lock:
            self._event = None
            self._tails.clear()

    # -- timing -----------------------------------------------------------------------------------------

    def _timing(self, event_id: int) -> _EventTiming:
        if self._event is not None and self._event.event_id == event_id:
            return self._event
        with self.db.unit_of_work() as uow:
            row = uow.events.get(event_id)
            assert row is not None
            event = events.event_of(row)
            stored = events.routes(uow, event_id)
            done = uow.passages.slots(event_id, Source.GPS)
        lines = timing_lines(event, stored)
        secret = frozenset(
            c.name for d in event.days for c in d.controls if c.kind is ControlKind.SECRET_CHECK
        )
        self._event = _EventTiming(event_id, row.slug, event.timezone, lines, done, secret)
        self._tails.clear()
        return self._event

    def _cars(
        self, timing: _EventTiming, watch: Watch, groups: dict[tuple[int, int], Points]
    ) -> list[tuple[int, Passage]]:
        """Every car's new fixes timed with its tail: one vectorised test tells which cars came near no
        line (most of them, most of the time); only the others go through `find_crossings`."""
        out: list[tuple[int, Passage]] = []
        windows: dict[tuple[int, int], tuple[Points, Points]] = {}
        for key, new in groups.items():
            tail = self._tails.get(key) or Points()
            if tail.t and new.t[0] <= tail.t[-1]:
                self._pending.pop(key, None)
                out += self._recompute(timing, watch, *key)
                continue
            merged = Points()
            merged.extend(tail)
            merged.extend(new)
            self._tails[key] = merged.last(TAIL)
            windows[key] = (tail, merged)
        by_day: dict[int, list[tuple[int, int]]] = {}
        for key in windows:
            by_day.setdefault(key[1], []).append(key)
        now = time.monotonic()
        for day, keys in by_day.items():
            lines = timing.lines[day]
            near = _near_lines(lines, [windows[k][1] for k in keys])
            for key, hot in zip(keys, near, strict=True):
                tail, merged = windows[key]
                found = first_crossings(lines, key[0], merged) if hot else []
                timed = [
                    (raw, p)
                    for raw, p, step in found
                    if not (tail.t and step == len(tail.t) - 1 and _gap(merged, step))
                ]
                held = [(raw, p) for raw, p, step in found if (raw, p) not in timed]
                if held:  # crossed in a gap: a late fix may still fill it; timed if none comes for a while
                    self._pending[key] = (now, held)
                out += timed
        for key in windows:
            waiting = self._pending.get(key)
            if waiting is not None and now - waiting[0] >= self.settle_s:
                out += self._pending.pop(key)[1]
        return out

    def _recompute(self, timing: _EventTiming, watch: Watch, car: int, day: int) -> list[tuple[int, Passage]]:
        """The car's day timed again from all its stored positions (after a late fix)."""
        points = self._stored(timing, watch, car, day)
        self._tails[(car, day)] = points.last(TAIL)
        found = first_crossings(timing.lines[day], car, points)
        with self.db.unit_of_work() as uow:
            stored = uow.passages.instants_of(timing.event_id, car, Source.GPS)
        for _, p, _ in found:
            before = stored.get((p.control, p.line))
            if before is not None and before != p.instant_us:
                log.info(
                    "car %s at %s %s: stored GPS passage %s, with late fixes %s (the stored one is kept)",
                    car,
                    p.control,
                    p.line or "start",
                    before,
                    p.instant_us,
                )
        held = [(raw, p) for raw, p, step in found if _gap(points, step)]
        if held:
            self._pending[(car, day)] = (time.monotonic(), held)
        return [(raw, p) for raw, p, step in found if not _gap(points, step)]

    def _stored(
        self,
        timing: _EventTiming,
        watch: Watch,
        car: int,
        day: int,
        before_us: int | None = None,
        limit: int | None = None,
    ) -> Points:
        """The car's stored positions that day (its devices that day), in time order; with `before_us`
        and `limit`, only the last `limit` before that instant."""
        span = car_day_span(watch, timing.timezone, car, day, before_us)
        out = Points()
        if span is None:
            return out
        with self.db.unit_of_work() as uow:
            for t, lat, lon, raw in uow.positions.points(span, watch.accept_unregistered, limit):
                out.add(t, lat, lon, raw)
        return out.sorted()

    def _stored_tails(
        self, timing: _EventTiming, watch: Watch, wanted: Sequence[tuple[tuple[int, int], int | None]]
    ) -> dict[tuple[int, int], Points]:
        """`_stored(..., before_us, limit=TAIL)` for many (car, day) at once: one statement per 200 cars
        instead of one round trip each."""
        out: dict[tuple[int, int], Points] = {}
        keys: list[tuple[int, int]] = []
        spans: list[PositionSpan] = []
        for (car, day), before_us in wanted:
            out[(car, day)] = Points()
            span = car_day_span(watch, timing.timezone, car, day, before_us)
            if span is not None:
                keys.append((car, day))
                spans.append(span)
        if not spans:
            return out
        with self.db.unit_of_work() as uow:
            found = uow.positions.last_points(spans, watch.accept_unregistered, TAIL)
        for key, points in zip(keys, found, strict=True):
            for t, lat, lon, raw in points:
                out[key].add(t, lat, lon, raw)
        return {key: points.sorted() for key, points in out.items()}

    # -- storing and scoring ----------------------------------------------------------------------------

    def _store(self, timing: _EventTiming, found: list[tuple[int, Passage]]) -> TimingNews | None:
        recorded = now_us()
        new = [
            NewPassage(passage=p, raw_id=raw_id, recorded_by=RECORDED_BY, recorded_us=recorded)
            for raw_id, p in sorted(found, key=lambda f: (f[1].instant_us, f[1].start_no))
        ]
        with self._write_lock, self.db.unit_of_work() as uow:
            before = uow.events.fingerprint(timing.event_id)
            # one multi-row INSERT for the batch; a passage already stored is skipped and not returned
            added = uow.passages.add_new(timing.event_id, new)
            after = uow.events.fingerprint(timing.event_id)
        timing.done.update((p.start_no, p.control, p.line) for p in added)
        timing.done.update((p.start_no, p.control, p.line) for _, p in found)  # stored by another worker
        if not added:
            return None
        return self._score(timing, added, before, after)

    def _score(
        self, timing: _EventTiming, added: list[Passage], before: tuple[Any, ...], after: tuple[Any, ...]
    ) -> TimingNews:
        board = timing.board
        if board is None or timing.fingerprint != before:
            old = _places(board) if board is not None else {}
            with self.db.unit_of_work() as uow:
                board = score(uow, timing.slug).board
            timing.board = board
            new = _places(board)
            moves = tuple(
                Move(start_no=n, before=old.get(n), after=p) for n, p in new.items() if old.get(n, -1) != p
            )
            rescored = tuple(sorted({p.start_no for p in added}))
        else:
            try:  # the whole batch at once: one re-ranking
                update = board.add_passages(added)
                moves = tuple(
                    sorted((m for m in update.moves if m.before != m.after), key=lambda m: m.start_no)
                )
                rescored = tuple(sorted(update.rescored))
            except MigliaError:  # one cannot be scored: the others one by one, that one left out
                first: dict[int, int | None] = {}
                last: dict[int, int | None] = {}
                touched: set[int] = set()
                for p in added:
                    try:
                        update = board.add_passage(p)
                    except MigliaError as exc:  # a car that is not an accepted entry, a renamed control
                        log.warning("GPS passage %s not scored: %s", p, exc)
                        continue
                    touched.update(update.rescored)
                    for m in update.moves:
                        first.setdefault(m.start_no, m.before)
                        last[m.start_no] = m.after
                moves = tuple(
                    Move(start_no=n, before=first[n], after=last[n])
                    for n in sorted(last)
                    if first[n] != last[n]
                )
                rescored = tuple(sorted(touched))
        timing.fingerprint = after
        public = any(p.control not in timing.secret for p in added)
        return TimingNews(timing.event_id, tuple(added), rescored, moves, public)


def timing_lines(event: Event, stored: Mapping[int, StoredRoute]) -> dict[int, DayLines]:
    """The timing lines of each day that has a route (days without one, or without lines, are left out)."""
    routes = {
        n: DayRoute(r.source_name, r.length_m, r.coordinates).geometry()
        for n, r in stored.items()
        if len(r.coordinates) >= 2
    }
    timed = dataclasses.replace(event, days=tuple(d for d in event.days if d.number in routes))
    return {n: d for n, d in day_lines(timed, routes).items() if len(d.lines)} if timed.days else {}


def car_day_span(
    watch: Watch, timezone: str, car: int, day: int, before_us: int | None = None
) -> PositionSpan | None:
    """The car's devices that day and the day's local midnight to midnight (or to `before_us`)."""
    table = watch.cars.get(day, watch.default_cars)
    devices = sorted(d for d, n in table.items() if n == car)
    date = next((d for d, c in watch.days.items() if c.number == day), None)
    if not devices or date is None:
        return None
    start = dt.datetime.combine(date, dt.time(), zoneinfo.ZoneInfo(timezone))
    first_us = from_datetime(start)
    last_us = from_datetime(start + dt.timedelta(days=1))
    if before_us is not None:
        last_us = min(last_us, before_us)
    return (devices, first_us, last_us)


def _near_lines(lines: DayLines, windows: Sequence[Points]) -> list[bool]:
    """For each window (sorted fixes of one car): False when `find_crossings` surely finds nothing in it,
    True when it may. One vectorised test for all the cars of a batch, conservative by construction:
    a window is quiet when none of its fixes lies in a cell of the line set's raster (no short step
    starts near a line), and every step, measured with scales that over-estimate it (those of the whole
    batch's extreme latitudes, as `PreparedTrack` takes its window's), is neither long (tested against
    every line) nor implausibly fast (a multipath spike, whose removal would join two steps)."""
    sizes = np.fromiter((len(w.t) for w in windows), dtype=np.int64, count=len(windows))
    hot = sizes >= 2
    if not hot.any():
        return [False] * len(windows)
    t = np.fromiter((x for w in windows for x in w.t), dtype=np.int64, count=int(sizes.sum()))
    lat = np.fromiter((x for w in windows for x in w.lat), dtype=np.float64, count=t.size)
    lon = np.fromiter((x for w in windows for x in w.lon), dtype=np.float64, count=t.size)
    owner = np.repeat(np.arange(len(windows)), sizes)
    abs_lat = np.abs(lat)
    ky = float(m_per_deg_lat(float(abs_lat.max()))) * 1.001
    kx = float(m_per_deg_lon(float(abs_lat.min()))) * 1.001
    step = np.hypot(np.diff(lon) * kx, np.diff(lat) * ky)
    inside = owner[1:] == owner[:-1]  # steps within one window, not from one car to the next
    allowed = np.diff(t).astype(np.float64) * (MAX_SPEED_KMH / 3.6e6)
    bad_step = inside & ((step >= 0.999 * lines.lines.long_step_m) | (step >= 0.999 * allowed))
    bad_fix = lines.lines.grid.lookup(lat, lon) != -1
    flagged = np.zeros(len(windows), dtype=bool)
    flagged[owner[1:][bad_step]] = True
    flagged[owner[bad_fix]] = True
    return [bool(x) for x in hot & flagged]


def _gap(points: Points, step: int) -> bool:
    """Is step `step` (fix `step` to the next) much longer than the car's usual step (missing fixes)?"""
    t = np.asarray(points.t, dtype=np.int64)
    steps = np.diff(t)
    usual = float(np.median(np.delete(steps, step))) if steps.size > 1 else 0.0
    return bool(steps[step] > max(GAP_US, 3 * usual))


def first_crossings(lines: DayLines, car: int, points: Points) -> list[tuple[int, Passage, int]]:
    """The first crossing of each line in these fixes, with the raw input of the fix after it and the
    index of the fix before it."""
    if len(points.t) < 2:
        return []
    t = np.asarray(points.t, dtype=np.int64)
    lat, lon = np.asarray(points.lat), np.asarray(points.lon)
    prepared = PreparedTrack.of(Track(t, lat, lon, f"car {car}"))
    crossings = find_crossings(prepared, lines.lines)
    firsts = passages(crossings, lines.lines)
    crossed = firsts != NO_TIME
    # Lines no chord crossed (sparse fixes cutting a hairpin) are timed from the chainage, as in the batch
    # timing; only those near these fixes are worth the look (the others are far ahead or long behind).
    margin = 0.005  # degrees, about 500 m
    near = (
        (lines.lines.mid_lat >= lat.min() - margin)
        & (lines.lines.mid_lat <= lat.max() + margin)
        & (lines.lines.mid_lon >= lon.min() - margin)
        & (lines.lines.mid_lon <= lon.max() + margin)
    )
    fill_missed(lines, prepared, firsts, np.flatnonzero(~crossed & near))
    out: list[tuple[int, Passage, int]] = []
    for k, ((control, line), instant) in enumerate(zip(lines.slots, firsts.tolist(), strict=True)):
        if instant == NO_TIME:
            continue
        if crossed[k]:
            j = int(np.flatnonzero((crossings.line == k) & (crossings.t_us == instant))[0])
            before = int(crossings.fix[j])
        else:
            before = max(int(np.searchsorted(prepared.track.t_us, instant, side="right")) - 1, 0)
        after = min(before + 1, len(points.raw) - 1)
        out.append(
            (
                points.raw[after],
                Passage(start_no=car, control=control, instant_us=int(instant), source=Source.GPS, line=line),
                before,
            )
        )
    return out


def _places(board: Scoreboard) -> dict[int, int | None]:
    return {st.start_no: st.position for st in board.overall().standings}
