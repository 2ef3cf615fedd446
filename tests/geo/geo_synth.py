"""Synthetic geometry for the geo tests: local east/north metres <-> lat/lon, tracks along routes."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from miglia.geo.common import m_per_deg_lat, m_per_deg_lon
from miglia.geo.route import Route
from miglia.geo.track import Track
from tests.conftest import need

LAT0, LON0 = 45.0, 7.0
T0 = 1_700_000_000_000_000  # µs, 2023-11-14T22:13:20Z
REAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "real"


def real_file(name: str) -> Path:
    path = REAL / name
    need(path.exists(), f"real data {path} is absent (expected <repo>/../shared/data/real)")
    return path


def to_latlon(east_m: np.ndarray, north_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Local plane at (LAT0, LON0) -> degrees (accurate to mm over a few km)."""
    lat = LAT0 + np.asarray(north_m, dtype=float) / m_per_deg_lat(LAT0)
    lon = LON0 + np.asarray(east_m, dtype=float) / m_per_deg_lon(LAT0)
    return lat, lon


def route_xy(east_m: np.ndarray, north_m: np.ndarray) -> Route:
    return Route.from_latlon(*to_latlon(east_m, north_m))


def drive(route: Route, chainage: np.ndarray, dt_s: float = 1.0, t0: int = T0) -> Track:
    """A noise-free track at the given chainages, one fix every dt_s."""
    lat, lon = route.point_at(np.asarray(chainage, dtype=float))
    t = t0 + np.round(np.arange(len(chainage)) * dt_s * 1e6).astype(np.int64)
    return Track(t, lat, lon, "synthetic")


def out_and_back(length_m: float = 2000.0, gap_m: float = 8.0) -> Route:
    """East along y=0, a small turn, back west along y=gap_m (two passes of the same road)."""
    x = np.linspace(0, length_m, 41)
    east = np.concatenate([x, x[::-1]])
    north = np.concatenate([np.zeros(41), np.full(41, gap_m)])
    return route_xy(east, north)


def figure_eight(radius_m: float = 300.0, n: int = 400) -> Route:
    """A lemniscate-like figure of eight crossing itself at the origin."""
    s = np.linspace(0, 2 * np.pi, n)
    return route_xy(radius_m * np.sin(s), radius_m * np.sin(s) * np.cos(s))


def loop(radius_m: float = 500.0, n: int = 200) -> Route:
    """A circle starting and finishing at the same point."""
    s = np.linspace(0, 2 * np.pi, n)
    return route_xy(radius_m * np.sin(s), radius_m * (1 - np.cos(s)))
