"""When a tracker's fix may have been taken: the plausible time window of the live path.

A phone whose clock or date is wrong, a logger that was never set, or a stranger's made-up message
sends fixes dated decades away. Such a fix could never move a car sensibly, and an instant far outside
what the event can hold broke the server's start-up once. The rule: a fix is plausible from `early_h`
hours before the first start of the event's first day (24 h: crews testing their trackers the day
before are kept) to `late_min` minutes after the message carrying it was received (clocks drift; a fix
from the future beyond that is a wrong clock). With no event yet, the lower bound is
`NO_EVENT_FLOOR_US` (2000-01-01). Fixes after the event are plausible: a logger's file is often
uploaded days later.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from miglia.domain.instants import US_PER_S

NO_EVENT_FLOOR_US = 946_684_800 * US_PER_S
"""2000-01-01T00:00:00Z: the floor when no event is loaded."""


@dataclass(frozen=True)
class TimeWindow:
    early_h: float = 24.0
    """Hours before the event's first day begins from which fixes are plausible."""
    late_min: float = 10.0
    """Minutes after a message was received up to which its fixes are plausible."""

    def __post_init__(self) -> None:
        for name in ("early_h", "late_min"):
            value = getattr(self, name)
            if not 0 <= value <= 24 * 366:
                raise ValueError(f"time window: {name} = {value!r}: expected 0 to {24 * 366}")

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TimeWindow:
        unknown = set(values) - {"early_h", "late_min"}
        if unknown:
            raise ValueError(
                f"time window: unknown setting {sorted(unknown)[0]!r}: expected early_h, late_min"
            )
        return cls(**{k: float(v) for k, v in values.items()})

    def to_dict(self) -> dict[str, float]:
        return {"early_h": self.early_h, "late_min": self.late_min}

    def bounds(self, first_day_us: int | None, received_us: int) -> tuple[int, int]:
        """The first and last plausible instant (inclusive) for a message received at `received_us`;
        `first_day_us` is the first start of the event's first day (None: no event)."""
        earliest = (
            NO_EVENT_FLOOR_US
            if first_day_us is None
            else first_day_us - round(self.early_h * 3600 * US_PER_S)
        )
        return earliest, received_us + round(self.late_min * 60 * US_PER_S)

    def contains(self, instant_us: int, first_day_us: int | None, received_us: int) -> bool:
        earliest, latest = self.bounds(first_day_us, received_us)
        return earliest <= instant_us <= latest
