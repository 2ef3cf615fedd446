"""What the GPS timing tests share: the small event's day-1 timing lines and a car driving its route."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from miglia.geo.track import Track
from miglia.service.event.events import check_event
from miglia.service.timing.gps_timing import day_lines

SMALL = Path(__file__).resolve().parents[2] / "data" / "small"
T0 = 1_777_215_600_000_000  # 2026-04-26 08:00:00 PDT in µs UTC


def small_lines():  # type: ignore[no-untyped-def]
    checked = check_event(SMALL / "event.toml")
    return checked.event, day_lines(checked.event, {n: r.geometry() for n, r in checked.routes.items()})[1]


def drive(route, start_us: int, speed_ms: float, step_s: float = 1.0) -> Track:  # type: ignore[no-untyped-def]
    seconds = np.arange(0.0, route.length_m / speed_ms, step_s)
    lat, lon = route.point_at(seconds * speed_ms)
    return Track(start_us + (seconds * 1e6).astype(np.int64), np.asarray(lat), np.asarray(lon), "test")


BATCH = 25


def batches(track: Track, device: str) -> list[dict[str, Any]]:
    """The track as OsmAnd JSON requests of BATCH fixes each."""
    out = []
    for start in range(0, len(track), BATCH):
        stop = min(start + BATCH, len(track))
        out.append(
            {
                "device_id": device,
                "location": [
                    {
                        "timestamp": f"{int(track.t_us[i]) // 1_000_000}",
                        "coords": {"latitude": float(track.lat[i]), "longitude": float(track.lon[i])},
                    }
                    for i in range(start, stop)
                ],
            }
        )
    return out
