"""The demo event: the California Mille 2026 on real towns and invented roads, its entries, and
synthetic GPS tracks of every car (for `miglia demo`)."""

from miglia.demo.event_writer import DemoFiles, write_demo_event
from miglia.demo.tracks import (
    BREAKDOWN_DAY,
    BREAKDOWN_START_NO,
    WRONG_TURN_DAY,
    WRONG_TURN_START_NO,
    Incident,
    Simulation,
    simulate_event,
    synthesise_tracks,
)

__all__ = [
    "BREAKDOWN_DAY",
    "BREAKDOWN_START_NO",
    "WRONG_TURN_DAY",
    "WRONG_TURN_START_NO",
    "DemoFiles",
    "Incident",
    "Simulation",
    "simulate_event",
    "synthesise_tracks",
    "write_demo_event",
]
