"""One call for a track: chainage of every fix and crossings of every line, sharing the cleaning."""

from __future__ import annotations

from collections.abc import Sequence

from .chainage import ChainageResult, locate
from .crossings import Crossings, LineSet, TimingLine, find_crossings
from .index import RouteIndex
from .route import Route
from .track import MAX_SPEED_KMH, PreparedTrack, Track


def time_track(
    route: Route | RouteIndex,
    lines: LineSet | Sequence[TimingLine],
    track: Track,
    *,
    max_speed_kmh: float = MAX_SPEED_KMH,
) -> tuple[ChainageResult, Crossings]:
    """`locate` and `find_crossings` of one track (cleaned once)."""
    prep = PreparedTrack.of(track, max_speed_kmh)
    return locate(route, prep), find_crossings(prep, lines)
