"""A manoeuvre in the words a co-driver reads aloud, and how the route's geometry names it.

Angles are the net change of heading, positive to the right. The bands follow the usual roadbook
wording: under 20 degrees the road goes on (named only where other roads meet it: "straight over"),
then keep, turn, sharp, and from 150 degrees a hairpin.
"""

from __future__ import annotations

from enum import StrEnum

from miglia.roadbook.model import Kind

STRAIGHT_DEG = 20.0
KEEP_DEG = 50.0
TURN_DEG = 120.0
HAIRPIN_DEG = 150.0

ROUNDABOUT_RING_DEG = 90.0
"""Going round a ring swings the heading at least this much the ring's way..."""
ROUNDABOUT_BEYOND_DEG = 45.0
"""...and at least this much more than the net turn that way (a hairpin swings by its net turn alone)..."""
ROUNDABOUT_COUNTER_DEG = (20.0, 135.0)
"""...between bends the other way of at least 20 degrees (entering and leaving the ring) and at most 135
(more is a pair of hairpins, a switchback, not a ring)."""
ROUNDABOUT_SPAN_M = 150.0


class Traffic(StrEnum):
    """The side of the road cars drive on: roundabouts turn counter-clockwise on the right, clockwise on
    the left (Ireland, the United Kingdom, Japan...)."""

    RIGHT = "right"
    LEFT = "left"


def ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th') }"


def turn_words(turn_deg: float) -> tuple[Kind, str]:
    """The kind and words of a turn at a junction (no roundabout)."""
    side = "right" if turn_deg > 0 else "left"
    size = abs(turn_deg)
    if size < STRAIGHT_DEG:
        return Kind.STRAIGHT, "straight over"
    if size < KEEP_DEG:
        return Kind.TURN, f"keep {side}"
    if size < TURN_DEG:
        return Kind.TURN, f"turn {side}"
    if size < HAIRPIN_DEG:
        return Kind.TURN, f"sharp {side}"
    return Kind.HAIRPIN, f"hairpin {side}"


def roundabout_words(exit_number: int) -> str:
    return f"roundabout, {ordinal(exit_number)} exit"


def is_roundabout(
    turn_deg: float, right_deg: float, left_deg: float, span_m: float, traffic: Traffic = Traffic.RIGHT
) -> bool:
    """Whether a manoeuvre's rotations are those of going round a ring: the heading swings the way of
    the ring (left where traffic keeps right) well beyond the net turn, between short bends the other way."""
    ring, counter = (left_deg, right_deg) if traffic is Traffic.RIGHT else (right_deg, left_deg)
    net_with_ring = -turn_deg if traffic is Traffic.RIGHT else turn_deg
    low, high = ROUNDABOUT_COUNTER_DEG
    return (
        span_m <= ROUNDABOUT_SPAN_M
        and ring >= ROUNDABOUT_RING_DEG
        and ring - max(net_with_ring, 0.0) >= ROUNDABOUT_BEYOND_DEG
        and low <= counter <= high
    )


def roundabout_exit(turn_deg: float, traffic: Traffic = Traffic.RIGHT) -> int:
    """The exit of a four-arm ring that gives this net turn: right where traffic keeps right is the 1st,
    straight on the 2nd, left the 3rd, back the way one came the 4th (mirrored where it keeps left)."""
    net_with_ring = -turn_deg if traffic is Traffic.RIGHT else turn_deg
    return max(1, round(net_with_ring / 90.0) + 2)
