"""GPS virtual timing for an event: each control becomes a timing line across its day's route, and a
car's track gives its passages there (source "gps") for the scoring engine.

A timed trial has two lines: its start (line "") at `km` and its finish (line "finish") at `end_km`.

Where the straight chord between two fixes misses a line (sparse fixes in a hairpin cut the corner
beyond the line's end), the passage comes from the car's chainage instead: the instant its distance
along the route reached the line's, interpolated between the fixes either side.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from miglia.domain.event import ControlKind, Event
from miglia.domain.passages import Passage
from miglia.domain.rules import Source
from miglia.geo.chainage import locate
from miglia.geo.common import NO_TIME, IntArray
from miglia.geo.crossings import LineSet, TimingLine, find_crossings, passages
from miglia.geo.index import RouteIndex
from miglia.geo.route import Route
from miglia.geo.track import PreparedTrack, Track
from miglia.geo.tsd import actual_instant_us

# Wide enough for both carriageways and phone noise; narrow enough not to catch a parallel road.
HALF_WIDTH_M = 40.0


@dataclass(frozen=True, eq=False)
class DayLines:
    """The timing lines of one day, built once and used for every car."""

    day: int
    route: Route
    index: RouteIndex
    slots: tuple[tuple[str, str], ...]
    """(control, line) for each timing line, in the order of `lines`."""
    chainage_m: tuple[float, ...]
    """Where each line crosses the route."""
    lines: LineSet


def day_lines(event: Event, routes: dict[int, Route]) -> dict[int, DayLines]:
    out: dict[int, DayLines] = {}
    for day in event.days:
        route = routes[day.number]
        slots: list[tuple[str, str]] = []
        at_m: list[float] = []
        lines: list[TimingLine] = []
        for control in day.controls:
            if control.km is None:
                continue
            points = [("", _inside(route, control.km))]
            if control.kind is ControlKind.TIMED_TRIAL and control.end_km is not None:
                points.append(("finish", _inside(route, control.end_km)))
            for line, chainage in points:
                slots.append((control.name, line))
                at_m.append(chainage)
                lines.append(TimingLine.across_route(route, chainage, HALF_WIDTH_M))
        out[day.number] = DayLines(
            day.number, route, RouteIndex.build(route), tuple(slots), tuple(at_m), LineSet.build(lines)
        )
    return out


def _inside(route: Route, km: Decimal) -> float:
    """A line's chainage, kept a little inside the route's ends so a car starting or stopping on it
    still crosses it."""
    return min(max(float(km) * 1000, 5.0), route.length_m - 5.0)


def gps_passages(lines: DayLines, start_no: int, track: Track) -> list[Passage]:
    """The car's first crossing of each line in the direction of travel, as passages."""
    if len(track) < 2:
        return []
    prepared = PreparedTrack.of(track)
    firsts = passages(find_crossings(prepared, lines.lines), lines.lines)
    fill_missed(lines, prepared, firsts, np.flatnonzero(firsts == NO_TIME))
    out: list[Passage] = []
    for (control, line), instant in zip(lines.slots, firsts.tolist(), strict=True):
        if instant != NO_TIME:
            out.append(
                Passage(
                    start_no=start_no,
                    control=control,
                    instant_us=int(instant),
                    source=Source.GPS,
                    line=line,
                )
            )
    return out


def fill_missed(lines: DayLines, prepared: PreparedTrack, firsts: IntArray, missed: IntArray) -> None:
    """For the lines `missed` (indexes into `lines.slots`) that no chord crossed, the instant the car's
    chainage reached them (NO_TIME where it did not), written into `firsts`. The batch timing and the
    live timing both call this, so they agree."""
    if missed.size:
        along = locate(lines.index, prepared)
        firsts[missed] = actual_instant_us(along, np.asarray(lines.chainage_m)[missed])


def all_crossings(lines: DayLines, track: Track) -> Iterable[tuple[str, str, int, bool]]:
    """Every crossing (control, line, instant, forward), for the timekeeper to see jitter and wrong turns."""
    if len(track) < 2:
        return []
    crossings = find_crossings(PreparedTrack.of(track), lines.lines)
    slots = np.asarray(crossings.line)
    return [
        (*lines.slots[int(k)], int(t), bool(f))
        for k, t, f in zip(slots.tolist(), crossings.t_us.tolist(), crossings.forward.tolist(), strict=True)
    ]
