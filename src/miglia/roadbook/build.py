"""A day's roadbook made from its route: the turns the geometry shows, the event's controls and stops at
their km, the odometer check, then the organiser's edits on top.

Secret checks are left out: their place is the point of them. Side roads (the tulips' stubs) and the
exits of roundabouts come from an OpenStreetMap extract when one is given (`SideRoads`); without one the
tulip shows the route's own roads and a roundabout's exit is read from the turn it makes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Protocol

import numpy as np

from miglia.domain.event import Control, ControlKind, Day, Event, Stop
from miglia.domain.timecard import leg_averages
from miglia.geo.route import Route
from miglia.geo.turns import TurningPoints, turning_points
from miglia.roadbook.edits import Edit, apply_edits
from miglia.roadbook.model import Instruction, Kind, Leg, Roadbook, Source, km_of
from miglia.roadbook.words import (
    Traffic,
    is_roundabout,
    roundabout_exit,
    roundabout_words,
    turn_words,
)

END_M = 10.0
"""The last line is the day's length: a finish within this of the route's end stands for it."""
RING_REACH_M = 15.0
"""A roundabout's entry and exit are looked for this far before and after the manoeuvre."""


class SideRoads(Protocol):
    """What the roadbook asks of a street map (`roadbook.osm.Streets`)."""

    def side_roads(
        self, lat: float, lon: float, heading_in: float, heading_out: float, radius_m: float = ...
    ) -> tuple[int, ...]: ...

    def roundabout_exit(
        self, lat_in: float, lon_in: float, lat_out: float, lon_out: float, radius_m: float = ...
    ) -> int | None: ...


def day_roadbook(
    event: Event,
    day: Day,
    route: Route,
    *,
    streets: SideRoads | None = None,
    edits: Sequence[Edit] = (),
    traffic: Traffic = Traffic.RIGHT,
) -> Roadbook:
    """The roadbook of `day` on `route` (its controls and stops already placed, as the stored event has
    them)."""
    lines = [
        *_turns(route, turning_points(route), streets, traffic),
        *_controls(route, day.controls),
        *_stops(route, day.stops),
        *_odometer(route, day),
    ]
    lines, unplaced = apply_edits(lines, edits, route)
    lines = _with_ends(route, lines)
    return Roadbook(
        event=event.name,
        day=day.number,
        title=day.title,
        date=day.date,
        length_km=km_of(route.length_m),
        instructions=tuple(_with_partials(lines)),
        legs=tuple(_legs(day.controls)),
        unplaced=tuple(unplaced),
    )


def instructions_only(route: Route, traffic: Traffic = Traffic.RIGHT) -> list[Instruction]:
    """The route's own turns, without the event's controls (the benchmark's and a quick look's)."""
    return list(_turns(route, turning_points(route), None, traffic))


def _turns(
    route: Route, points: TurningPoints, streets: SideRoads | None, traffic: Traffic
) -> list[Instruction]:
    lat, lon = route.point_at(points.chainage_m)
    out: list[Instruction] = []
    for i in range(len(points)):
        turn = float(points.turn_deg[i])
        heading_in, heading_out = float(points.heading_in_deg[i]), float(points.heading_out_deg[i])
        ring_exit = None
        if streets is not None:
            ring_exit = _ring_exit(route, points, i, streets)
        elif is_roundabout(
            turn,
            float(points.right_deg[i]),
            float(points.left_deg[i]),
            float(points.end_m[i] - points.start_m[i]),
            traffic,
        ):
            ring_exit = roundabout_exit(turn, traffic)
        if ring_exit is not None:
            kind, words = Kind.ROUNDABOUT, roundabout_words(ring_exit)
        else:
            kind, words = turn_words(turn)
        stubs = (
            ()
            if streets is None
            else streets.side_roads(float(lat[i]), float(lon[i]), heading_in, heading_out)
        )
        if kind is Kind.STRAIGHT and not stubs:
            continue  # the road wiggles and goes on: nothing to say where no other road meets it
        out.append(
            Instruction(
                km=km_of(float(points.chainage_m[i])),
                partial_km=Decimal(0),
                heading_in=round(heading_in) % 360,
                heading_out=round(heading_out) % 360,
                kind=kind,
                words=words,
                stubs=stubs,
                exit=ring_exit,
                lat=float(lat[i]),
                lon=float(lon[i]),
                anchor_m=float(points.chainage_m[i]),
            )
        )
    return out


def _ring_exit(route: Route, points: TurningPoints, i: int, streets: SideRoads) -> int | None:
    before = max(float(points.start_m[i]) - RING_REACH_M, 0.0)
    after = min(float(points.end_m[i]) + RING_REACH_M, route.length_m)
    lat, lon = route.point_at(np.array([before, after]))
    return streets.roundabout_exit(float(lat[0]), float(lon[0]), float(lat[1]), float(lon[1]))


def _controls(route: Route, controls: Sequence[Control]) -> list[Instruction]:
    out: list[Instruction] = []
    for c in controls:
        if c.kind is ControlKind.SECRET_CHECK or c.km is None:
            continue
        if c.kind is ControlKind.TIMED_TRIAL:
            out.append(
                _event_line(
                    route, c.km, Kind.CONTROL, f"{c.name} timed trial: start line", c.kind, c.description
                )
            )
            if c.end_km is not None:
                target = f"target {c.target} s" if c.target is not None else ""
                out.append(
                    _event_line(
                        route, c.end_km, Kind.CONTROL, f"{c.name} timed trial: finish line", c.kind, target
                    )
                )
            continue
        kind = {ControlKind.START: Kind.START, ControlKind.FINISH: Kind.FINISH}.get(c.kind, Kind.CONTROL)
        out.append(_event_line(route, c.km, kind, f"{c.name} {c.kind.label.lower()}", c.kind, c.description))
    return out


def _stops(route: Route, stops: Sequence[Stop]) -> list[Instruction]:
    out: list[Instruction] = []
    for s in stops:
        if s.km is None:
            continue
        hours = " – ".join(t.strftime("%H:%M") for t in (s.opens, s.closes) if t is not None)
        note = "; ".join(x for x in (s.address, hours, s.description) if x)
        out.append(_event_line(route, s.km, Kind.STOP, f"{s.kind.label}: {s.name}", s.kind, note))
    return out


def _odometer(route: Route, day: Day) -> list[Instruction]:
    check = day.odometer_check
    if check is None:
        return []
    measured = check.to_km - check.from_km
    return [
        _event_line(
            route, check.from_km, Kind.ODOMETER, "odometer check start: zero the trip meter", "odometer", ""
        ),
        _event_line(
            route,
            check.to_km,
            Kind.ODOMETER,
            f"odometer check end: {measured:.2f} km measured",
            "odometer",
            "compare the trip meter and correct its setting",
        ),
    ]


def _event_line(route: Route, km: Decimal, kind: Kind, words: str, icon: str, note: str) -> Instruction:
    chainage_m = min(float(km) * 1000, route.length_m)
    lat, lon = route.point_at(chainage_m)
    heading = round(route.bearing_at(chainage_m)) % 360
    return Instruction(
        km=km.quantize(Decimal("0.01")),
        partial_km=Decimal(0),
        heading_in=heading,
        heading_out=heading,
        kind=kind,
        words=words,
        icon=str(icon),
        note=note,
        lat=lat,
        lon=lon,
        anchor_m=chainage_m,
        source=Source.EVENT,
    )


def _with_ends(route: Route, lines: list[Instruction]) -> list[Instruction]:
    """A first line at km 0 and a last at the day's length, unless the start and finish stand there."""
    lines = sorted(lines, key=lambda line: line.anchor_m)
    if not lines or lines[0].anchor_m > END_M:
        lines.insert(0, _event_line(route, Decimal(0), Kind.START, "start of the day's route", "", ""))
    if lines[-1].anchor_m < route.length_m - END_M:
        lines.append(_event_line(route, km_of(route.length_m), Kind.FINISH, "end of the day's route", "", ""))
    return lines


def _with_partials(lines: list[Instruction]) -> list[Instruction]:
    kms = [Decimal(0), *(line.km for line in lines)]
    return [replace(line, partial_km=line.km - before) for line, before in zip(lines, kms, strict=False)]


def _legs(controls: Sequence[Control]) -> list[Leg]:
    out: list[Leg] = []
    for start, end, average in leg_averages(tuple(controls)):
        out.append(
            Leg(
                name=f"{start.name if start else 'start'} – {end.name}",
                from_km=(start.km or Decimal(0)) if start else Decimal(0),
                to_km=end.km or Decimal(0),
                average_kmh=average,
            )
        )
    return out
