"""The organiser's edits of a generated roadbook, applied on top of it, in the order they were made.

An edit is a record (who, when) anchored where it was made: the chainage on the route of that day and
the place itself (lat, lon). When the route is imported again, the place is found on the new route; an
edit whose place no longer lies on it, or that changes an instruction no longer there, is not dropped
silently: it is listed, described, for the organiser (`Roadbook.unplaced`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from miglia.domain.instants import us_to_datetime
from miglia.geo.chainage import nearest
from miglia.geo.route import Route
from miglia.roadbook.model import Instruction, Kind, Source, km_of

ON_ROUTE_M = 25.0
"""An edit's place further than this from the route no longer lies on it."""
SAME_PLACE_M = 30.0
"""A change or removal acts on the instruction within this distance of its anchor."""


class Action(StrEnum):
    ADD = "add"
    CHANGE = "change"
    REMOVE = "remove"


@dataclass(frozen=True, kw_only=True)
class Edit:
    id: int
    day: int
    action: Action
    anchor_m: float
    """Chainage on the day's route when the edit was made."""
    lat: float
    lon: float
    words: str | None = None
    note: str | None = None
    icon: str | None = None
    stubs: tuple[int, ...] | None = None
    """None: unchanged; () removes the stubs."""
    by: str
    at_us: int
    withdrawn_by: str = ""
    withdrawn_us: int | None = None
    """An edit withdrawn (who, when) is kept in the history and no longer applied."""

    def describe(self) -> str:
        what = {Action.ADD: "add", Action.CHANGE: "change", Action.REMOVE: "remove"}[self.action]
        said = f' "{self.words}"' if self.words else ""
        when = us_to_datetime(self.at_us).strftime("%Y-%m-%d %H:%M UTC")
        return f"edit {self.id} ({what}{said}, by {self.by} at {when})"


def apply_edits(
    instructions: Sequence[Instruction], edits: Sequence[Edit], route: Route
) -> tuple[list[Instruction], list[str]]:
    """The instructions with the edits applied (in the order made), and the edits that could not be."""
    lines = sorted(instructions, key=lambda i: i.anchor_m)
    unplaced: list[str] = []
    ordered = sorted(edits, key=lambda e: (e.at_us, e.id))
    if not ordered:
        return lines, unplaced
    found = nearest(route, np.array([e.lat for e in ordered]), np.array([e.lon for e in ordered]))
    for i, edit in enumerate(ordered):
        chainage_m, offset_m = found.pick(i, hint_m=edit.anchor_m)
        if offset_m > ON_ROUTE_M:
            unplaced.append(f"{edit.describe()}: its place is {offset_m:,.0f} m from the route now")
            continue
        if edit.action is Action.ADD:
            lines.append(_added(edit, chainage_m, route))
            lines.sort(key=lambda line: line.anchor_m)
            continue
        k = _at(lines, chainage_m)
        if k is None:
            km = chainage_m / 1000
            unplaced.append(
                f"{edit.describe()}: no instruction within {SAME_PLACE_M:.0f} m of km {km:.2f} now"
            )
        elif edit.action is Action.REMOVE:
            del lines[k]
        else:
            lines[k] = _changed(lines[k], edit)
    return lines, unplaced


def _at(lines: Sequence[Instruction], chainage_m: float) -> int | None:
    """Index of the instruction nearest the chainage, within SAME_PLACE_M, if any."""
    best: int | None = None
    for k, line in enumerate(lines):
        gap = abs(line.anchor_m - chainage_m)
        if gap <= SAME_PLACE_M and (best is None or gap < abs(lines[best].anchor_m - chainage_m)):
            best = k
    return best


def _added(edit: Edit, chainage_m: float, route: Route) -> Instruction:
    lat, lon = route.point_at(chainage_m)
    heading = round(route.bearing_at(chainage_m)) % 360
    return Instruction(
        km=km_of(chainage_m),
        partial_km=km_of(0.0),
        heading_in=heading,
        heading_out=heading,
        kind=Kind.NOTE,
        words=edit.words or "",
        icon=edit.icon or "",
        note=edit.note or "",
        stubs=edit.stubs or (),
        lat=lat,
        lon=lon,
        anchor_m=chainage_m,
        source=Source.ORGANISER,
        edited=True,
    )


def _changed(line: Instruction, edit: Edit) -> Instruction:
    return dataclasses.replace(
        line,
        words=line.words if edit.words is None else edit.words,
        note=line.note if edit.note is None else edit.note,
        icon=line.icon if edit.icon is None else edit.icon,
        stubs=line.stubs if edit.stubs is None else edit.stubs,
        edited=True,
    )
