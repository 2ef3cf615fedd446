"""Passages: a car seen at a control at an instant, by a source; and which one counts.

A timed trial has two lines: its start line (`line=""`, the control's own name) and its finish line
(`line="finish"`). Every other control has only `line=""`.

At one car's control line the passages of each source are sorted by instant and the first one of each
source is that source's time (the others are kept, visible, as `set_aside`). The source that comes
first in the precedence of the control wins; when two sources disagree by more than the rule set's
tolerance for that pair, the disagreement is returned as a `Conflict` for the timekeeper to settle (by a
correction), and the chosen time still follows precedence. Each choice says in words why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

from miglia.domain.errors import InvalidInput
from miglia.domain.instants import format_duration
from miglia.domain.rules import PassageRules, Source

LINES = ("", "finish")


@dataclass(frozen=True, slots=True, kw_only=True)
class Passage:
    start_no: int
    control: str
    instant_us: int
    source: Source
    line: str = ""
    id: str | None = None
    recorded_by: str = ""

    def __post_init__(self) -> None:
        where = f"passage {self.id}" if self.id else "passage"
        if isinstance(self.start_no, bool) or not isinstance(self.start_no, int):
            raise InvalidInput(where, "start_no", self.start_no, "expected a whole number")
        if isinstance(self.instant_us, bool) or not isinstance(self.instant_us, int):
            raise InvalidInput(where, "instant_us", self.instant_us, "expected whole microseconds UTC")
        if self.line not in LINES:
            raise InvalidInput(
                where, "line", self.line, 'expected "" (the control, or a trial\'s start) or "finish"'
            )
        if not isinstance(self.source, Source):
            try:
                object.__setattr__(self, "source", Source(self.source))
            except ValueError:
                raise InvalidInput(where, "source", self.source, "expected gps, device or marshal") from None

    @property
    def slot(self) -> tuple[str, str]:
        return (self.control, self.line)

    def sort_key(self) -> tuple[int, Source, str, str]:
        return (self.instant_us, self.source, self.id or "", self.recorded_by)


def slot_label(control: str, line: str) -> str:
    return f"{control}/{line}" if line else control


@dataclass(slots=True)  # not frozen and built by position in `choose`, for speed, as `Choice`
class Conflict:
    start_no: int
    control: str
    line: str
    first: Passage
    second: Passage
    difference_us: int
    tolerance_us: int

    @property
    def flag(self) -> str:
        """As a passage choice's reason flags it: "device/gps differ by 30.00 s"."""
        sources = f"{self.first.source.value}/{self.second.source.value}"
        return f"{sources} differ by {format_duration(self.difference_us)}"

    @property
    def message(self) -> str:
        return (
            f"car {self.start_no} at {slot_label(self.control, self.line)}: {self.first.source} and "
            f"{self.second.source} differ by {format_duration(self.difference_us)} "
            f"(tolerance {format_duration(self.tolerance_us)})"
        )


# Not frozen, for speed (see scoring.ControlResult), and never changed once built. Fields in the order
# `choose` passes them: positional arguments build one in half the time of keywords.
@dataclass(slots=True)
class Choice:
    """Which passage counts at one car's control line, and why (`reason`)."""

    start_no: int
    control: str
    line: str
    chosen: Passage | None
    candidates: tuple[Passage, ...]
    """The first passage of each source, in precedence order."""
    set_aside: tuple[Passage, ...]
    """Further passages of a source after its first one, and those of sources the control does not
    accept: kept, not used."""
    precedence: tuple[Source, ...]
    """The order of the sources at this control."""
    conflicts: tuple[Conflict, ...]
    """The candidates further apart than their sources' tolerance, flagged for the timekeeper."""

    @property
    def reason(self) -> str:
        """Why, in words: "gps time", or "device time (precedence device > gps > marshal); FLAGGED: ..."."""
        # Worded when read, not when chosen: a recompute makes tens of thousands of choices, and their
        # reasons are read one car's time card at a time.
        chosen = self.chosen
        if chosen is None:
            return "no passage from a source this control accepts" if self.set_aside else "no passage"
        if len(self.candidates) == 1 and not self.set_aside:
            return f"{chosen.source.value} time"
        reason = f"{chosen.source.value} time (precedence {' > '.join(self.precedence)})"
        if self.set_aside:
            reason += f"; {len(self.set_aside)} later or unaccepted passage(s) kept aside"
        if self.conflicts:
            reason += "; FLAGGED: " + "; ".join([c.flag for c in self.conflicts])
        return reason


Picked = Passage | Choice
"""What counted at one car's control line: its only passage, when that one counts (most lines), or the
`Choice` made among several. The choice of a lone passage is made only when read (`choice_of`): a
recompute picks tens of thousands of them, and their choices are read one time card at a time."""


def choice_of(picked: Picked, precedence: tuple[Source, ...]) -> Choice:
    """The choice at a control line: the one made, or that of a line whose only passage counts (the one
    `choose` would make)."""
    if isinstance(picked, Choice):
        return picked
    return Choice(picked.start_no, picked.control, picked.line, picked, (picked,), (), precedence, ())


def counts_alone(passages: Sequence[Passage], precedence: tuple[Source, ...]) -> bool:
    """Whether a control line has one passage and it counts: then it is what was picked, no choice made."""
    return len(passages) == 1 and passages[0].source in precedence


def choose(
    start_no: int,
    control: str,
    line: str,
    passages: Sequence[Passage],
    precedence: tuple[Source, ...],
    rules: PassageRules,
) -> tuple[Choice, tuple[Conflict, ...]]:
    """The passage that counts among `passages` (all of one car at one control line), and the conflicts
    between its sources (also the choice's)."""
    if counts_alone(passages, precedence):  # the common case, kept fast
        # tuple() of a tuple is that tuple: passages kept as a tuple (the scoreboard's) are shared, not copied
        return Choice(start_no, control, line, passages[0], tuple(passages), (), precedence, ()), ()
    firsts, set_aside = _firsts(passages)
    ordered = tuple([firsts[s] for s in precedence if s in firsts])
    if len(ordered) < len(firsts):
        set_aside.extend(p for s, p in firsts.items() if s not in precedence)
    chosen = ordered[0] if ordered else None
    conflicts = _conflicts(start_no, control, line, ordered, rules) if len(ordered) > 1 else ()
    choice = Choice(start_no, control, line, chosen, ordered, tuple(set_aside), precedence, conflicts)
    return choice, conflicts


def _firsts(passages: Sequence[Passage]) -> tuple[dict[Source, Passage], list[Passage]]:
    """The first passage of each source (by instant), and the later ones of a source, in order."""
    firsts: dict[Source, Passage] = {}
    set_aside: list[Passage] = []
    for p in sorted(passages, key=Passage.sort_key):
        if p.source in firsts:
            set_aside.append(p)
        else:
            firsts[p.source] = p
    return firsts, set_aside


def _conflicts(
    start_no: int, control: str, line: str, ordered: Sequence[Passage], rules: PassageRules
) -> tuple[Conflict, ...]:
    """Every pair of sources whose first passages differ by more than the pair's tolerance."""
    conflicts: list[Conflict] = []
    for a, b in combinations(ordered, 2):
        tolerance = rules.tolerance_us(a.source, b.source)
        difference = abs(a.instant_us - b.instant_us)
        if tolerance is not None and difference > tolerance:
            conflicts.append(Conflict(start_no, control, line, a, b, difference, tolerance))
    return tuple(conflicts)
