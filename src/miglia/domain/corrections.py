"""Corrections and official penalties: new records with who, when and why, never overwrites.

Kinds:
- `replace_time`: the official instant of one car's control line (`control`, `line`) is `instant_us`,
  whatever the sources said (the raw passages stay stored and visible);
- `void_passage`: the raw passage `passage_id` no longer counts; without `passage_id`, no passage of the
  car at that control line counts (the control is then scored as missed);
- `add_penalty`: `points`, or a time `time_us` turned into points at the late rate of the control's kind
  (of a time control when no control is named), without cap;
- `exclude`: the car is excluded (not classified), with `why` shown;
- `neutralise`: the control `control` counts for no car (a trial spoiled by traffic, a closed road): every
  car's line there costs nothing, its times stay shown; the correction's `start_no` is `EVERY_CAR`;
- `cancel`: reverses the correction `cancels` (a cancel can itself be cancelled).

Results are always recomputed from the raw passages + the effective corrections + the rules, so a
correction followed by its cancel gives back exactly the original results.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from miglia.domain.errors import InvalidInput
from miglia.domain.passages import LINES


class CorrectionKind(StrEnum):
    REPLACE_TIME = "replace_time"
    VOID_PASSAGE = "void_passage"
    ADD_PENALTY = "add_penalty"
    EXCLUDE = "exclude"
    NEUTRALISE = "neutralise"
    CANCEL = "cancel"


EVERY_CAR = 0
"""The start number of a correction for every car (a neutralised control) and of its cancel."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Correction:
    id: str
    kind: CorrectionKind
    start_no: int
    by: str
    """Who decided it (the timekeeper, the clerk of the course)."""
    at_us: int
    """When it was decided, microseconds UTC."""
    why: str
    control: str = ""
    line: str = ""
    instant_us: int | None = None
    passage_id: str | None = None
    points: Decimal | None = None
    time_us: int | None = None
    cancels: str | None = None

    def __post_init__(self) -> None:
        where = f"correction {self.id}"
        if not self.id:
            raise InvalidInput("correction", "id", self.id, "required")
        if not isinstance(self.kind, CorrectionKind):
            try:
                object.__setattr__(self, "kind", CorrectionKind(self.kind))
            except ValueError:
                kinds = ", ".join(k.value for k in CorrectionKind)
                raise InvalidInput(where, "kind", self.kind, f"expected one of {kinds}") from None
        if not self.by.strip():
            raise InvalidInput(where, "by", self.by, "required: who made the correction")
        if not self.why.strip():
            raise InvalidInput(where, "why", self.why, "required: the reason, shown with the results")
        if self.line not in LINES:
            raise InvalidInput(where, "line", self.line, 'expected "" or "finish"')
        kind = self.kind
        if kind is CorrectionKind.NEUTRALISE and self.start_no != EVERY_CAR:
            raise InvalidInput(
                where, "start_no", self.start_no, f"a neutralised control is for every car: {EVERY_CAR}"
            )
        if kind in (CorrectionKind.REPLACE_TIME, CorrectionKind.VOID_PASSAGE, CorrectionKind.NEUTRALISE) and (
            not self.control
        ):
            raise InvalidInput(where, "control", self.control, f"required for {kind.value}")
        if kind is CorrectionKind.REPLACE_TIME and self.instant_us is None:
            raise InvalidInput(where, "instant_us", None, "required for replace_time")
        if kind is CorrectionKind.ADD_PENALTY:
            if (self.points is None) == (self.time_us is None):
                raise InvalidInput(
                    where, "points", self.points, "give either points or time_us for add_penalty"
                )
            if self.points is not None and self.points < 0:
                raise InvalidInput(
                    where, "points", self.points, "must not be negative (cancel a penalty instead)"
                )
            if self.time_us is not None and self.time_us <= 0:
                raise InvalidInput(where, "time_us", self.time_us, "must be more than zero")
        if kind is CorrectionKind.CANCEL and not self.cancels:
            raise InvalidInput(where, "cancels", self.cancels, "required: the id of the correction to cancel")

    @property
    def sort_key(self) -> tuple[int, str]:
        return (self.at_us, self.id)


def check_new(correction: Correction, known: Mapping[str, Correction]) -> None:
    """Refuse a correction whose id is taken or whose cancel targets nothing known (or another car)."""
    where = f"correction {correction.id}"
    if correction.id in known:
        raise InvalidInput(where, "id", correction.id, "already used by another correction")
    if correction.kind is CorrectionKind.CANCEL:
        target = known.get(correction.cancels or "")
        if target is None:
            raise InvalidInput(where, "cancels", correction.cancels, "no earlier correction has this id")
        if target.start_no != correction.start_no:
            raise InvalidInput(
                where,
                "start_no",
                correction.start_no,
                f"the cancelled correction is of car {target.start_no}",
            )


def effective(corrections: Iterable[Correction]) -> list[Correction]:
    """The corrections in force (not cancelled by a correction in force), cancels left out, in
    (at_us, id) order."""
    all_ = sorted(corrections, key=lambda c: c.sort_key)
    cancelled_by: dict[str, list[str]] = {}
    by_id = {c.id: c for c in all_}
    for c in all_:
        if c.kind is CorrectionKind.CANCEL and c.cancels is not None:
            cancelled_by.setdefault(c.cancels, []).append(c.id)
    memo: dict[str, bool] = {}

    def in_force(cid: str, depth: int = 0) -> bool:
        if cid in memo:
            return memo[cid]
        if depth > len(by_id):  # a cycle can only come from hand-made data; treat it as not in force
            return False
        result = not any(in_force(k, depth + 1) for k in cancelled_by.get(cid, ()))
        memo[cid] = result
        return result

    return [c for c in all_ if c.kind is not CorrectionKind.CANCEL and in_force(c.id)]
