"""The scoreboard: every car's result and the classifications, kept up to date as passages arrive.

The service layer builds one per event and feeds it what is stored (raw passages and corrections); it is
pure and in memory, so it can always be rebuilt from those records and will give the same results.

    board = Scoreboard(event, entries, rules)          # time cards built, every car scored
    board.add_passages(stored_passages)                # batch: each touched car rescored once
    update = board.add_passage(p)                      # live: rescore car p.start_no, re-rank
    board.add_correction(c)                            # a correction or its cancel
    board.result(7).lines                              # car 7's breakdown, control by control
    board.classification()                             # overall, by class, by era, ladies, teams
    board.conflicts()                                  # disagreements between sources to settle
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from miglia.domain.classification import (
    Classification,
    Ranking,
    RankKey,
    classify,
    places,
    rank_key,
    sort_keyed,
    standings,
)
from miglia.domain.corrections import EVERY_CAR, Correction, CorrectionKind, check_new, effective
from miglia.domain.entries import Entry
from miglia.domain.errors import InvalidInput
from miglia.domain.event import ControlKind, Event
from miglia.domain.passages import LINES, Conflict, Passage
from miglia.domain.rules import RuleSet
from miglia.domain.scoring import CarResult, ScoringPlan, Slot, coefficient_for, score_car
from miglia.domain.timecard import EventPlan, TimeCard, start_order, time_card

_FOR_EVERY_CAR = (CorrectionKind.NEUTRALISE, CorrectionKind.CANCEL)
"""The kinds of correction that may name every car (`EVERY_CAR`) instead of one."""


@dataclass(frozen=True, slots=True)
class Move:
    start_no: int
    before: int | None
    after: int | None


@dataclass(frozen=True, slots=True)
class Update:
    """What one change did: the cars rescored and the overall places that changed (`Move`)."""

    rescored: tuple[int, ...]
    moves: tuple[Move, ...]


class Scoreboard:
    def __init__(
        self,
        event: Event,
        entries: Iterable[Entry],
        rules: RuleSet,
        *,
        coefficients: Mapping[int, Decimal] | None = None,
        closed: Iterable[str] | None = None,
        plan: EventPlan | None = None,
        passages: Iterable[Passage] = (),
        corrections: Iterable[Correction] = (),
    ) -> None:
        """`coefficients` overrides the rule set's year bands per start number (e.g. the published
        per-model table); `closed` names the controls closed so far (None: all, for final results);
        `passages` and `corrections` are those already stored (every car is scored once, at the end)."""
        self.event = event
        self.rules = rules
        self.plan = plan or EventPlan.build(event)
        self._scoring = ScoringPlan.build(self.plan, rules)
        accepted = [e for e in entries if e.accepted]
        self.entries: dict[int, Entry] = {e.start_no: e for e in accepted}
        self.start_order = start_order(accepted)  # start number -> index (0-based) in start-number order
        self.coefficients = {
            n: coefficient_for(rules, n, e.car, coefficients) for n, e in self.entries.items()
        }
        self.closed: frozenset[str] | None = None
        if closed is not None:
            self.closed = frozenset(closed)
            self._check_controls(self.closed, "closed")
        self._passages: dict[int, dict[Slot, tuple[Passage, ...]]] = {n: {} for n in self.entries}
        """Each car's raw passages by control line, as received. Tuples, not lists: a line's only passage
        is then already the candidates of its choice (`passages.choose`), one object fewer per line."""
        self._lines = frozenset(
            (c.name, line)
            for c in self.plan.controls
            for line in (LINES if c.kind is ControlKind.TIMED_TRIAL else LINES[:1])
        )
        """Every control line of the event: (control, line)."""
        self._corrections: dict[str, Correction] = {}
        self._effective: dict[int, list[Correction]] = {}
        self._results: dict[int, CarResult] = {}
        self._rank_key = rank_key(rules.classification, self.entries)
        self._keyed: dict[int, tuple[RankKey, CarResult]] = {}
        """Each car's result with its rank key, kept as it is rescored so a re-rank only sorts."""
        self._pairs: list[tuple[RankKey, CarResult]] | None = None
        self._places: dict[int, int | None] = {}
        self._classification: Classification | None = None
        with _collector_paused():
            batch = list(passages)
            self._check_passages(batch)
            self._store_all(batch)
            for c in sorted(corrections, key=lambda c: c.sort_key):
                self._check_correction(c)
                self._corrections[c.id] = c
            for n in {c.start_no for c in self._corrections.values()}:
                self._effective[n] = effective(c for c in self._corrections.values() if c.start_no == n)
            self._rescore_all(self.entries)
            self._rerank()

    # -- reading -------------------------------------------------------------------------------------

    def result(self, start_no: int) -> CarResult:
        return self._results[start_no]

    @property
    def results(self) -> Mapping[int, CarResult]:
        return self._results

    def time_card(self, start_no: int) -> TimeCard:
        return time_card(self.plan, start_no, self.start_order[start_no])

    def overall(self) -> Ranking:
        assert self._pairs is not None
        return Ranking(name="overall", standings=standings(self._pairs, self.rules.classification))

    def classification(self) -> Classification:
        if self._classification is None:
            self._classification = classify(
                self._results, self.entries, self.rules.classification, self._pairs
            )
        return self._classification

    def conflicts(self) -> tuple[Conflict, ...]:
        return tuple(c for n in sorted(self._results) for c in self._results[n].conflicts)

    def passages(self, start_no: int) -> list[Passage]:
        """Every raw passage of a car, as received (nothing is dropped)."""
        return [p for ps in self._passages[start_no].values() for p in ps]

    @property
    def corrections(self) -> tuple[Correction, ...]:
        return tuple(sorted(self._corrections.values(), key=lambda c: c.sort_key))

    # -- changing -----------------------------------------------------------------------------------

    def add_passage(self, passage: Passage) -> Update:
        self._check_passage(passage)
        self._store(passage)
        self._rescore(passage.start_no)
        return Update(rescored=(passage.start_no,), moves=self._rerank())

    def add_passages(self, passages: Iterable[Passage]) -> Update:
        """Add many passages; all are checked before any is kept."""
        batch = list(passages)
        self._check_passages(batch)
        touched = sorted({p.start_no for p in batch})
        with _collector_paused():
            self._store_all(batch)
            self._rescore_all(touched)
        return Update(rescored=tuple(touched), moves=self._rerank())

    def add_correction(self, correction: Correction) -> Update:
        return self.add_corrections([correction])

    def add_corrections(self, corrections: Iterable[Correction]) -> Update:
        touched: set[int] = set()
        for c in sorted(corrections, key=lambda c: c.sort_key):
            self._check_correction(c)
            self._corrections[c.id] = c
            touched.add(c.start_no)
        for n in sorted(touched):
            self._effective[n] = effective(c for c in self._corrections.values() if c.start_no == n)
        if EVERY_CAR in touched:  # a control neutralised (or no longer): every car's line there changes
            touched = set(self.entries)
        self._rescore_all(sorted(touched))
        return Update(rescored=tuple(sorted(touched)), moves=self._rerank())

    def close(self, controls: Iterable[str] | None = None) -> Update:
        """Close controls (None: all): cars with no passage there are then missed, not pending."""
        if controls is None:
            self.closed = None
        else:
            names = frozenset(controls)
            self._check_controls(names, "closed")
            self.closed = names if self.closed is None else self.closed | names
            if self.closed is not None and len(self.closed) == len(self.plan.controls):
                self.closed = None
        self._rescore_all(self.entries)
        return Update(rescored=tuple(sorted(self.entries)), moves=self._rerank())

    # -- inside ------------------------------------------------------------------------------------

    def _check_controls(self, names: Iterable[str], field: str) -> None:
        for name in names:
            if name not in self.plan.by_name:
                raise InvalidInput("scoreboard", field, name, "no control of the event has this name")

    def _check_passages(self, batch: Iterable[Passage]) -> None:
        entries, lines = self.entries, self._lines
        for p in batch:
            # One look-up answers for the control and the line; `_check_passage` names what is wrong.
            if p.start_no not in entries or (p.control, p.line) not in lines:
                self._check_passage(p)

    def _check_passage(self, p: Passage) -> None:
        if p.start_no not in self.entries:
            raise InvalidInput(_where(p), "start_no", p.start_no, "no accepted entry has this start number")
        plan = self.plan.by_name.get(p.control)
        if plan is None:
            raise InvalidInput(_where(p), "control", p.control, "no control of the event has this name")
        if p.line == "finish" and plan.kind is not ControlKind.TIMED_TRIAL:
            raise InvalidInput(
                _where(p), "line", p.line, f"{p.control} is a {plan.kind.label.lower()}, not a timed trial"
            )

    def _check_correction(self, c: Correction) -> None:
        where = f"correction {c.id}"
        if c.start_no not in self.entries and not (c.start_no == EVERY_CAR and c.kind in _FOR_EVERY_CAR):
            raise InvalidInput(where, "start_no", c.start_no, "no accepted entry has this start number")
        if c.control and c.control not in self.plan.by_name:
            raise InvalidInput(where, "control", c.control, "no control of the event has this name")
        if (
            c.kind is CorrectionKind.VOID_PASSAGE
            and c.passage_id
            and not any(p.id == c.passage_id for p in self.passages(c.start_no))
        ):
            raise InvalidInput(
                where, "passage_id", c.passage_id, f"no passage of car {c.start_no} has this id"
            )
        check_new(c, self._corrections)

    def _store(self, p: Passage) -> None:
        self._store_all((p,))

    def _store_all(self, batch: Iterable[Passage]) -> None:
        by_car = self._passages
        for p in batch:
            slots = by_car[p.start_no]
            slot = (p.control, p.line)
            kept = slots.get(slot)
            slots[slot] = (p,) if kept is None else (*kept, p)

    def _rescore_all(self, start_nos: Iterable[int]) -> None:
        with _collector_paused():
            for n in start_nos:
                self._rescore(n)

    def _rescore(self, start_no: int) -> None:
        result = self._results[start_no] = score_car(
            plan=self.plan,
            start_no=start_no,
            start_index=self.start_order[start_no],
            slots=self._passages[start_no],
            corrections=(*self._effective.get(start_no, ()), *self._effective.get(EVERY_CAR, ())),
            rules=self.rules,
            coefficient=self.coefficients[start_no],
            closed=self.closed,
            scoring=self._scoring,
        )
        self._keyed[start_no] = (self._rank_key(result), result)
        self._classification = None

    def _rerank(self) -> tuple[Move, ...]:
        self._pairs = sort_keyed(self._keyed.values(), self.rules.classification)
        now = {r.start_no: place for r, place in places(self._pairs, self.rules.classification)}
        moves = tuple(
            Move(start_no=n, before=self._places.get(n), after=place)
            for n, place in now.items()
            if self._places.get(n, -1) != place
        )
        self._places = now
        return moves


def _where(p: Passage) -> str:
    return f"passage {p.id}" if p.id else "passage"


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while many cars are rescored.

    A rescore builds tens of thousands of small, acyclic result objects (freed by reference counting
    alone), and each burst of them would otherwise set off a collection that walks every stored
    passage: a third of a full recompute's time. The previous state is restored on the way out.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def score_event(
    event: Event,
    entries: Iterable[Entry],
    rules: RuleSet,
    passages: Iterable[Passage],
    corrections: Sequence[Correction] = (),
    *,
    coefficients: Mapping[int, Decimal] | None = None,
    closed: Iterable[str] | None = None,
) -> Scoreboard:
    """A scoreboard with every passage and correction applied: the whole recompute in one call."""
    return Scoreboard(
        event,
        entries,
        rules,
        coefficients=coefficients,
        closed=closed,
        passages=passages,
        corrections=corrections,
    )
