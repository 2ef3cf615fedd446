"""Inquiries and protests: a crew asks about, or contests, its result; the clerk of the course answers.

A crew files while the results are provisional and the protest window is open (the rule set's
`[protests] window`, from the moment the results were published). The clerk's answer is a decision:
`upheld` (it becomes a correction, named by its id), `refused` or, for an inquiry, `answered`, always
with the reason the crew reads. The results can be declared final once the window has closed and every
protest and inquiry has its answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from miglia.domain.instants import format_duration


class ProtestKind(StrEnum):
    INQUIRY = "inquiry"
    """A question about the result (a time, a penalty): answered, no appeal implied."""
    PROTEST = "protest"
    """A formal claim that the result is wrong."""


class Decision(StrEnum):
    PENDING = ""
    UPHELD = "upheld"
    REFUSED = "refused"
    ANSWERED = "answered"


@dataclass(frozen=True, kw_only=True)
class Protest:
    id: int
    start_no: int
    kind: ProtestKind
    control: str
    """The control it concerns ("" for the result as a whole)."""
    text: str
    filed_by: str
    filed_us: int
    decision: Decision = Decision.PENDING
    answer: str = ""
    decided_by: str = ""
    decided_us: int | None = None
    correction_id: int | None = None
    """Upheld: the correction that carries it out."""

    @property
    def decided(self) -> bool:
        return self.decision is not Decision.PENDING


def window_closes_us(published_us: int, window_us: int) -> int:
    return published_us + window_us


def final_blockers(
    published_us: int | None, window_us: int, now_us: int, protests: Iterable[Protest]
) -> list[str]:
    """Why the results cannot be declared final now (empty: they can)."""
    if published_us is None:
        return ["the results are not published: publish the provisional results first"]
    out = []
    closes = window_closes_us(published_us, window_us)
    if now_us < closes:
        out.append(f"the protest window is open for {format_duration(closes - now_us, places=0)} more")
    pending = sorted(p.id for p in protests if not p.decided)
    if pending:
        out.append("protests and inquiries without an answer: " + ", ".join(f"#{n}" for n in pending))
    return out
