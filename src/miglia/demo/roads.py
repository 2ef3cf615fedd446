"""Invented roads between real places: straights joined by circular bends, vertices every 40-90 m.

Between two consecutive waypoints the road is drawn as a driver would see it: a straight, a bend of
some radius to a new heading, another straight, and so on. Headings stay within a terrain-dependent
angle of the direction to the next town (mountain roads swing up to 95 degrees either way, valley roads
30), so the road always makes progress; the drawn piece is then turned and scaled to end exactly at the
next town. One factor for the whole day opens or closes all the heading swings until the day has its
planned length.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from pyproj import Geod, Transformer

from miglia.demo.towns import Terrain, Waypoint

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

GEOD = Geod(ellps="WGS84")
DENSE_STEP_M = 10.0


@dataclass(frozen=True)
class TerrainShape:
    radius_m: tuple[float, float]
    """Radius of the bends (range)."""
    straight_m: tuple[float, float]
    """Length of the straights between bends (range)."""
    heading_deg: float
    """Largest swing of the heading away from the direction to the next waypoint (at factor 1)."""
    vertex_spacing_m: float
    scaled: bool = True
    """False: the day's factor leaves this terrain alone (a bridge stays straight)."""


SHAPES: dict[Terrain, TerrainShape] = {
    Terrain.CITY: TerrainShape((15.0, 30.0), (80.0, 300.0), 60.0, 50.0, scaled=False),
    Terrain.STRAIGHT: TerrainShape((1000.0, 1000.0), (1000.0, 1000.0), 0.0, 100.0, scaled=False),
    Terrain.VALLEY: TerrainShape((250.0, 1200.0), (300.0, 2500.0), 30.0, 110.0),
    Terrain.HILLS: TerrainShape((80.0, 450.0), (60.0, 500.0), 60.0, 85.0),
    Terrain.MOUNTAIN: TerrainShape((35.0, 160.0), (20.0, 150.0), 95.0, 60.0),
}
MAX_SWING_DEG = 110.0
MAX_VERTEX_TURN_DEG = 30.0


@dataclass(frozen=True)
class Road:
    """A day's generated road: vertices rounded to 1e-6 degree, geodesic chainage at each vertex."""

    lat: FloatArray
    lon: FloatArray
    chainage_m: FloatArray
    waypoint_vertex: tuple[int, ...]
    """Index of the vertex at each waypoint, in order."""
    terrain: tuple[Terrain, ...]
    """Terrain of each segment (vertex i to i + 1)."""

    @property
    def length_m(self) -> float:
        return float(self.chainage_m[-1])

    def waypoint_km(self, index: int) -> float:
        return float(self.chainage_m[self.waypoint_vertex[index]]) / 1000.0


def geodesic_chainage(lat: FloatArray, lon: FloatArray) -> FloatArray:
    """Cumulative WGS84 distance (m) along a polyline, from 0 at its first vertex."""
    _, _, dist = GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    chain = np.zeros(lat.size)
    np.cumsum(dist, out=chain[1:])
    return chain


def _heading_profile(
    length: float, shape: TerrainShape, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray]:
    """Knots (arc length, heading in radians relative to the chord) of straights and bends, at factor 1."""
    total = 1.8 * length + 1000.0
    s_knots = [0.0]
    h_knots = [0.0]
    heading = 0.0
    limit = np.radians(shape.heading_deg)
    if limit == 0.0:
        return np.array([0.0, total]), np.zeros(2)
    while s_knots[-1] < total:
        s_knots.append(s_knots[-1] + rng.uniform(*shape.straight_m))
        h_knots.append(heading)
        side = -np.sign(heading) if (heading != 0.0 and rng.random() < 0.7) else rng.choice([-1.0, 1.0])
        new = side * rng.uniform(0.15, 1.0) * limit
        radius = rng.uniform(*shape.radius_m)
        s_knots.append(s_knots[-1] + abs(new - heading) * radius)
        h_knots.append(new)
        heading = new
    return np.asarray(s_knots), np.asarray(h_knots)


@dataclass
class _Piece:
    start: FloatArray
    end: FloatArray
    shape: TerrainShape
    terrain: Terrain
    s: FloatArray
    heading: FloatArray

    def draw(self, factor: float) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Dense east, north (m) from start to end, and the heading there, the swings scaled by `factor`."""
        f = factor if self.shape.scaled else 1.0
        h = np.clip(self.heading * f, -np.radians(MAX_SWING_DEG), np.radians(MAX_SWING_DEG))
        ds = np.diff(self.s)
        mid = 0.5 * (h[:-1] + h[1:])
        x = np.concatenate([[0.0], np.cumsum(np.cos(mid) * ds)])
        y = np.concatenate([[0.0], np.cumsum(np.sin(mid) * ds)])
        # Cut where the drawn road has come furthest along the chord's length... then fit it exactly.
        chord = self.end - self.start
        length = float(np.hypot(*chord))
        reach = np.hypot(x, y)
        cut = int(np.searchsorted(reach, length)) if reach[-1] >= length else reach.size - 1
        cut = max(cut, 1)
        x, y, h = x[: cut + 1], y[: cut + 1], h[: cut + 1]
        turn = np.arctan2(chord[1], chord[0]) - np.arctan2(y[-1], x[-1])
        scale = length / float(np.hypot(x[-1], y[-1]))
        c, sn = np.cos(turn) * scale, np.sin(turn) * scale
        east = self.start[0] + c * x - sn * y
        north = self.start[1] + sn * x + c * y
        east[-1], north[-1] = self.end
        return east, north, h + turn

    def length(self, factor: float) -> float:
        e, n, _ = self.draw(factor)
        return float(np.sum(np.hypot(np.diff(e), np.diff(n))))


def _piece(a: FloatArray, b: FloatArray, terrain: Terrain, rng: np.random.Generator) -> _Piece:
    shape = SHAPES[terrain]
    length = float(np.hypot(*(b - a)))
    s_knots, h_knots = _heading_profile(length, shape, rng)
    s = np.arange(0.0, s_knots[-1], 5.0 if terrain is Terrain.MOUNTAIN else DENSE_STEP_M)
    return _Piece(a, b, shape, terrain, s, np.interp(s, s_knots, h_knots))


def _vertices(east: FloatArray, north: FloatArray, heading: FloatArray, spacing: float) -> IntArray:
    """Indexes of the dense points kept as vertices: at most `spacing` apart and 30 degrees of turn."""
    arc = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(east), np.diff(north)))])
    turn = np.concatenate([[0.0], np.cumsum(np.abs(np.diff(heading)))])
    cost = arc / spacing + turn / np.radians(MAX_VERTEX_TURN_DEG)
    steps = max(1, int(np.ceil(cost[-1])))
    idx = np.searchsorted(cost, np.linspace(0.0, cost[-1], steps + 1))
    idx = np.unique(np.clip(idx, 0, east.size - 1))
    if idx[0] != 0:
        idx = np.concatenate([[0], idx])
    if idx[-1] != east.size - 1:
        idx = np.concatenate([idx, [east.size - 1]])
    return idx.astype(np.int64)


def generate_road(waypoints: tuple[Waypoint, ...], target_km: float, rng: np.random.Generator) -> Road:
    """The day's road through `waypoints`, stretched to about `target_km` (within 0.5 %)."""
    lat0 = float(np.mean([w.lat for w in waypoints]))
    lon0 = float(np.mean([w.lon for w in waypoints]))
    proj = f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +datum=WGS84 +units=m"
    to_xy = Transformer.from_crs("EPSG:4326", proj, always_xy=True)
    to_ll = Transformer.from_crs(proj, "EPSG:4326", always_xy=True)
    ex, ny = to_xy.transform([w.lon for w in waypoints], [w.lat for w in waypoints])
    pts = np.column_stack([ex, ny])
    pieces = [
        _piece(a, b, wp.terrain, rng) for a, b, wp in zip(pts[:-1], pts[1:], waypoints[:-1], strict=True)
    ]

    target = target_km * 1000.0
    lo, hi = 0.0, 2.0
    for _ in range(30):
        mid = 0.5 * (lo + hi)
        if sum(p.length(mid) for p in pieces) < target:
            lo = mid
        else:
            hi = mid
    factor = 0.5 * (lo + hi)

    east: list[FloatArray] = []
    north: list[FloatArray] = []
    terrain: list[Terrain] = []
    waypoint_vertex = [0]
    count = 0
    for piece in pieces:
        e, n, h = piece.draw(factor)
        idx = _vertices(e, n, h, piece.shape.vertex_spacing_m)
        first = 0 if not east else 1  # the join vertex is already there
        east.append(e[idx][first:])
        north.append(n[idx][first:])
        count += idx.size - first
        waypoint_vertex.append(count - 1)
        terrain.extend([piece.terrain] * (idx.size - 1))
    lon, lat = to_ll.transform(np.concatenate(east), np.concatenate(north))
    lat = np.asarray(np.round(np.asarray(lat, dtype=np.float64), 6), dtype=np.float64)
    lon = np.asarray(np.round(np.asarray(lon, dtype=np.float64), 6), dtype=np.float64)
    # The waypoints themselves are exact (restaurant doors, hotel gates).
    for i, w in zip(waypoint_vertex, waypoints, strict=True):
        lat[i], lon[i] = round(w.lat, 6), round(w.lon, 6)
    keep = np.ones(lat.size, dtype=bool)
    keep[1:] = (lat[1:] != lat[:-1]) | (lon[1:] != lon[:-1])
    if not keep.all():
        raise ValueError("generated road has repeated vertices")
    return Road(lat, lon, geodesic_chainage(lat, lon), tuple(waypoint_vertex), tuple(terrain))


def local_xy(lat: FloatArray, lon: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Metres east and north of the first point (equirectangular; good for curvature and offsets)."""
    lat0 = float(np.mean(lat))
    ky = 111_132.954 - 559.822 * np.cos(2 * np.radians(lat0))
    kx = 111_412.84 * np.cos(np.radians(lat0))
    return (lon - lon[0]) * kx, (lat - lat[0]) * ky


def metres_per_degree(lat: float) -> tuple[float, float]:
    """(metres per degree of latitude, metres per degree of longitude) near `lat`."""
    ky = 111_132.954 - 559.822 * np.cos(2 * np.radians(lat))
    kx = 111_412.84 * np.cos(np.radians(lat))
    return float(ky), float(kx)
