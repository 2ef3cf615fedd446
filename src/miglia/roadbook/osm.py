"""Side roads at the route's junctions and roundabout exits, from an OpenStreetMap extract (.osm.pbf or .osm).

Roads are the ways a car drives: highway = motorway, trunk, primary, secondary, tertiary (and their
`_link`s), unclassified, residential, living_street, road and service. Left out: what a car may not or would
not take (footway, cycleway, path, bridleway, steps, pedestrian, track, construction, proposed...), service
ways that are driveways, parking aisles or drive-throughs (a stub for every driveway clutters the tulip), and
areas (area=yes). Access tags are not read: a private road is still a road the crew sees at the junction.

A way is kept as its nodes; at a node, each neighbour along a road is one leg, and a node with 3 or more
legs is a junction. Nodes missing from the extract cut their way (ways clipped at its border). A roundabout
is a ring of ways tagged junction=roundabout or junction=circular, drawn in driving direction as OSM requires;
a mini-roundabout (one node) is no ring.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import osmium
import osmium.filter

from miglia.domain.errors import MigliaError
from miglia.geo.common import FloatArray, m_per_deg_lat, m_per_deg_lon

ROAD_KINDS = frozenset(
    {
        *("motorway", "trunk", "primary", "secondary", "tertiary"),
        *("motorway_link", "trunk_link", "primary_link", "secondary_link", "tertiary_link"),
        *("unclassified", "residential", "living_street", "road", "service"),
    }
)
MINOR_SERVICE = frozenset({"driveway", "parking_aisle", "drive-through"})
RING_JUNCTIONS = frozenset({"roundabout", "circular"})

LEG_M = 20.0
"""A leg's bearing is that of the point this far along it: past the kerb's curve, before the road bends."""
_CELL_DEG = 0.001
_MAX_WAY_HOPS = 64
"""Bounds a leg's walk through ways split every few metres, or round a closed loop shorter than LEG_M."""
Bbox = tuple[float, float, float, float]


class OsmError(MigliaError):
    """An OSM extract that cannot be read, or holds no roads; the message names the file."""


class _Way(NamedTuple):
    nodes: tuple[int, ...]
    oneway: int
    """+1 one way along the nodes, -1 against them, 0 both ways."""
    ring: bool


class _Leg(NamedTuple):
    way: int
    pos: int
    """Where the junction sits in the way's nodes."""
    step: int
    """+1 along the way's nodes, -1 against."""


@dataclass(frozen=True, eq=False)
class Streets:
    """The road network of an extract: node coordinates, ways as node indices, legs per node, a grid of
    junctions."""

    lat: FloatArray
    lon: FloatArray
    ways: tuple[_Way, ...]
    legs: tuple[tuple[_Leg, ...], ...]
    grid: Mapping[tuple[int, int], tuple[int, ...]]
    """Junction node indices by (lat, lon) cell of `_CELL_DEG`."""

    @classmethod
    def read(cls, path: Path, bbox: Bbox | None = None) -> Streets:
        """Road network of an OSM extract. bbox = (min_lat, min_lon, max_lat, max_lon) keeps only the ways
        with a node inside. OsmError naming the file for a missing, unreadable or corrupt file, or one with
        no roads."""
        return cls.from_ways(read_ways(path, bbox))

    @classmethod
    def from_ways(cls, ways: list[RoadWay]) -> Streets:
        """The network of road ways already read (`read_ways`), e.g. kept in the database."""
        return _build(ways)

    def side_roads(
        self, lat: float, lon: float, heading_in: float, heading_out: float, radius_m: float = 25.0
    ) -> tuple[int, ...]:
        """Whole-degree bearings [0, 360), ascending, of the legs of the junction nearest to (lat, lon) within
        radius_m, but the one the route arrives by (closest to heading_in + 180) and the one it leaves by
        (closest to heading_out). () when no junction is near."""
        near = self._junctions_near(lat, lon, radius_m)
        if not near:
            return ()
        bearings = [self._leg_bearing(near[0], leg) for leg in self.legs[near[0]]]
        bearings.remove(min(bearings, key=lambda b: _angle_between(b, heading_in + 180.0)))
        bearings.remove(min(bearings, key=lambda b: _angle_between(b, heading_out)))
        return tuple(sorted(math.floor(b + 0.5) % 360 for b in bearings))

    def roundabout_exit(
        self, lat_in: float, lon_in: float, lat_out: float, lon_out: float, radius_m: float = 40.0
    ) -> int | None:
        """The exit the route takes from the roundabout it enters near (lat_in, lon_in) and leaves near
        (lat_out, lon_out): exits (legs off the ring a car may take) counted in driving direction from the
        entry, the one taken included; coming back to the entry is the last exit. None when there is no
        roundabout there."""
        entry = self._nearest_ring_node(lat_in, lon_in, radius_m, _can_enter)
        leave = self._nearest_ring_node(lat_out, lon_out, radius_m, _can_exit)
        if entry is None or leave is None:
            return None
        exits, node, seen = 0, self._ring_next(entry), set()
        while node is not None and node not in seen:
            seen.add(node)
            exits += self._has_leg(node, _can_exit)
            if node == leave:
                return exits
            node = self._ring_next(node)
        return None

    def _junctions_near(self, lat: float, lon: float, radius_m: float) -> list[int]:
        """Junctions within radius_m of (lat, lon), nearest first."""
        ky, kx = float(m_per_deg_lat(lat)), float(m_per_deg_lon(lat))
        rows = range(_cell(lat - radius_m / ky), _cell(lat + radius_m / ky) + 1)
        cols = range(_cell(lon - radius_m / kx), _cell(lon + radius_m / kx) + 1)
        found = [j for r in rows for c in cols for j in self.grid.get((r, c), ())]
        if not found:
            return []
        idx = np.array(found)
        dist = np.hypot((self.lat[idx] - lat) * ky, (self.lon[idx] - lon) * kx)
        order = np.argsort(dist, kind="stable")
        return [int(idx[i]) for i in order if dist[i] <= radius_m]

    def _leg_bearing(self, junction: int, leg: _Leg) -> float:
        """Bearing from the junction to the point LEG_M along the leg (its end, if shorter)."""
        lat0, lon0 = self.lat[junction], self.lon[junction]
        ky, kx = float(m_per_deg_lat(lat0)), float(m_per_deg_lon(lat0))
        x0 = y0 = done = 0.0
        for node in self._along(junction, leg):
            x, y = (self.lon[node] - lon0) * kx, (self.lat[node] - lat0) * ky
            seg = math.hypot(x - x0, y - y0)
            if done + seg >= LEG_M:
                f = (LEG_M - done) / seg
                return _bearing(x0 + f * (x - x0), y0 + f * (y - y0))
            x0, y0, done = x, y, done + seg
        return _bearing(x0, y0)

    def _along(self, start: int, leg: _Leg) -> Iterator[int]:
        """Nodes along the leg, carried on into the next way where a way just continues another (a node of 2
        legs), as OSM splits roads at every change of tags."""
        for _ in range(_MAX_WAY_HOPS):
            nodes = self.ways[leg.way].nodes
            pos = leg.pos + leg.step
            while 0 <= pos < len(nodes):
                yield nodes[pos]
                pos += leg.step
            end, before = nodes[pos - leg.step], nodes[pos - 2 * leg.step]
            onward = [g for g in self.legs[end] if self._neighbour(g) != before]
            if end == start or len(self.legs[end]) != 2 or len(onward) != 1:
                return
            leg = onward[0]

    def _neighbour(self, leg: _Leg) -> int:
        return self.ways[leg.way].nodes[leg.pos + leg.step]

    def _nearest_ring_node(
        self, lat: float, lon: float, radius_m: float, usable: Callable[[_Way, _Leg], bool]
    ) -> int | None:
        """The nearest junction on a ring with a leg off it that the route can use."""
        for j in self._junctions_near(lat, lon, radius_m):
            if self._ring_next(j) is not None and self._has_leg(j, usable):
                return j
        return None

    def _has_leg(self, node: int, usable: Callable[[_Way, _Leg], bool]) -> bool:
        return any(usable(self.ways[g.way], g) for g in self.legs[node])

    def _ring_next(self, node: int) -> int | None:
        """The next node round the ring in driving direction, None off a ring."""
        for g in self.legs[node]:
            way = self.ways[g.way]
            if way.ring and g.step == (way.oneway or 1):
                return self._neighbour(g)
        return None


def _can_exit(way: _Way, leg: _Leg) -> bool:
    return not way.ring and way.oneway in (0, leg.step)


def _can_enter(way: _Way, leg: _Leg) -> bool:
    return not way.ring and way.oneway in (0, -leg.step)


def _cell(deg: float) -> int:
    return math.floor(deg / _CELL_DEG)


def _bearing(x: float, y: float) -> float:
    return math.degrees(math.atan2(x, y)) % 360.0


def _angle_between(a: float, b: float) -> float:
    return abs((a - b + 180.0) % 360.0 - 180.0)


class RoadWay(NamedTuple):
    """A road way as read from the extract, all a `Streets` is built from (and what is stored of one)."""

    nodes: list[tuple[int, float, float]]
    """(OSM id, lat, lon)."""
    oneway: int
    ring: bool


def read_ways(path: Path, bbox: Bbox | None = None) -> list[RoadWay]:
    """The road ways of an OSM extract (see `Streets.read`), or OsmError naming the file."""
    if bbox is not None and not (bbox[0] <= bbox[2] and bbox[1] <= bbox[3]):
        raise OsmError(f"{path}: bbox = {bbox!r}: expected (min_lat, min_lon, max_lat, max_lon)")
    if not path.is_file():
        raise OsmError(f"{path}: no such file")
    try:
        raw = list(_read_roads(path, bbox))
    except (RuntimeError, OSError) as e:
        raise OsmError(f"{path}: not a readable OSM file ({e})") from e
    if not raw:
        where = "" if bbox is None else f" inside bbox {bbox!r}"
        raise OsmError(f"{path}: no roads{where} (ways tagged highway=motorway..service)")
    return raw


def _read_roads(path: Path, bbox: Bbox | None) -> Iterator[RoadWay]:
    """The road ways of the file, cut where a node is missing, keeping those with a node in bbox."""
    # Nodes feed the location cache but stop before Python; the highway prefilter runs in C.
    processor = (
        osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
        .with_filter(osmium.filter.TagFilter(*(("highway", kind) for kind in sorted(ROAD_KINDS))))
    )
    for way in processor:
        if not isinstance(way, osmium.osm.Way):  # only ways pass the filter; this tells mypy so
            continue
        tags = {t.k: t.v for t in way.tags}
        if tags.get("service") in MINOR_SERVICE or tags.get("area") == "yes":
            continue
        oneway, ring = _oneway(tags), tags.get("junction") in RING_JUNCTIONS
        run: list[tuple[int, float, float]] = []
        for n in [*way.nodes, None]:
            if n is not None and n.location.valid():
                run.append((n.ref, n.location.lat, n.location.lon))
                continue
            if len(run) >= 2 and (bbox is None or any(_inside(bbox, lat, lon) for _, lat, lon in run)):
                yield RoadWay(run, oneway, ring)
            run = []


def _oneway(tags: Mapping[str, str]) -> int:
    value = tags.get("oneway")
    if value in ("yes", "true", "1"):
        return 1
    if value in ("-1", "reverse"):
        return -1
    if value is None and (tags.get("junction") in RING_JUNCTIONS or tags.get("highway") == "motorway"):
        return 1  # implied by OSM's tagging rules
    return 0


def _inside(bbox: Bbox, lat: float, lon: float) -> bool:
    return bbox[0] <= lat <= bbox[2] and bbox[1] <= lon <= bbox[3]


def _build(raw: list[RoadWay]) -> Streets:
    index: dict[int, int] = {}
    lat: list[float] = []
    lon: list[float] = []
    ways: list[_Way] = []
    for r in raw:
        for ref, la, lo in r.nodes:
            if ref not in index:
                index[ref] = len(lat)
                lat.append(la)
                lon.append(lo)
        ways.append(_Way(tuple(index[ref] for ref, _, _ in r.nodes), r.oneway, r.ring))
    legs = _legs(ways, len(lat))
    junctions = [j for j, node_legs in enumerate(legs) if len(node_legs) >= 3]
    grid: dict[tuple[int, int], list[int]] = {}
    for j in junctions:
        grid.setdefault((_cell(lat[j]), _cell(lon[j])), []).append(j)
    return Streets(
        lat=np.array(lat),
        lon=np.array(lon),
        ways=tuple(ways),
        legs=legs,
        grid={cell: tuple(js) for cell, js in grid.items()},
    )


def _legs(ways: list[_Way], n_nodes: int) -> tuple[tuple[_Leg, ...], ...]:
    """Each node's legs, one per neighbour (two ways drawn over the same segment make one leg)."""
    by_neighbour: list[dict[int, _Leg]] = [{} for _ in range(n_nodes)]
    for w, way in enumerate(ways):
        for pos, node in enumerate(way.nodes):
            for step in (-1, 1):
                if 0 <= pos + step < len(way.nodes) and way.nodes[pos + step] != node:
                    by_neighbour[node].setdefault(way.nodes[pos + step], _Leg(w, pos, step))
    return tuple(tuple(legs.values()) for legs in by_neighbour)


def ways_to_json(ways: list[RoadWay]) -> list[list[object]]:
    """Road ways as plain JSON lists, [oneway, ring, [[id, lat, lon], ...]], to keep them in a database."""
    return [[w.oneway, int(w.ring), [[ref, lat, lon] for ref, lat, lon in w.nodes]] for w in ways]


def ways_from_json(data: list[list[object]]) -> list[RoadWay]:
    out: list[RoadWay] = []
    for oneway, ring, nodes in data:
        assert isinstance(oneway, int) and isinstance(ring, int) and isinstance(nodes, list)
        out.append(
            RoadWay([(int(ref), float(lat), float(lon)) for ref, lat, lon in nodes], oneway, bool(ring))
        )
    return out
