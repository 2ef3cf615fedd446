"""One chainage engine: live tracking measures a car along the day's route with the kernel GPS timing
uses (`miglia.geo.chainage`), so the live map and the timing agree to the bit."""

from __future__ import annotations

import numpy as np

from miglia.domain.live import CarState, observe_many
from miglia.formats.trackfiles import read_route
from miglia.geo.chainage import locate
from miglia.geo.track import Track
from miglia.service.live.tracker import Tracker
from miglia.store.db import Database
from miglia.tracking.fix import Fix
from tests.conftest import SMALL


def test_live_chainage_is_the_timing_kernels_for_the_same_fixes(small_db: Database) -> None:
    watch = Tracker(small_db, timing=False).watch()  # the event's days as live tracking measures them
    route = read_route(SMALL / "day1.gpx")  # the day's route as GPS timing reads it
    [course] = watch.days.values()
    assert course.route is not None
    assert course.route.length_m == route.length_m
    # A car along the whole day at 50 km/h, a fix every 2 s, GPS noise of a few metres.
    chainage = np.arange(0.0, route.length_m, 2 * 50 / 3.6)
    lat, lon = route.point_at(chainage)
    rng = np.random.default_rng(18)
    lat = lat + rng.normal(0, 3e-5, lat.size)
    lon = lon + rng.normal(0, 4e-5, lon.size)
    t0 = 1_777_215_600_000_000  # 2026-04-26 08:00 in Sonoma, the event's day
    t_us = t0 + np.arange(lat.size, dtype=np.int64) * 2_000_000
    fixes = [
        Fix("car", int(t), float(la), float(lo), 50.0)
        for t, la, lo in zip(t_us.tolist(), lat.tolist(), lon.tolist(), strict=True)
    ]
    assert watch.course(t0) is course

    timing = locate(route, Track(t_us, lat, lon))
    states: dict[str, CarState] = {}
    live = []
    for fix in fixes:  # fix by fix, as the live side follows a car
        moved, _ = observe_many(states, [(fix, 1, course, None)])
        states.update(moved)
        live.append(states["car"].chainage_m)

    assert timing.on_route.all()
    np.testing.assert_array_equal(np.array(live), timing.chainage_m)
    # ... and measured in one batch, the same.
    moved, _ = observe_many({}, [(fix, 1, course, None) for fix in fixes])
    assert moved["car"].chainage_m == timing.chainage_m[-1]
