"""Passages and corrections as stored: the timekeeper's inputs, never overwritten."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from decimal import Decimal

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from miglia.domain.corrections import Correction, CorrectionKind
from miglia.domain.passages import Passage
from miglia.domain.rules import Source
from miglia.store import dialect
from miglia.store.models import CorrectionRow, PassageRow
from miglia.store.records import AlreadyStored, NewPassage, PassageKey, PassageView


class PassageRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add_many(self, event_id: int, passages: Sequence[NewPassage]) -> None:
        if not passages:  # an empty executemany would insert one empty row
            return
        self._s.execute(insert(PassageRow), [_columns(event_id, p) for p in passages])

    def add(self, event_id: int, passage: NewPassage) -> int:
        """One passage; its id. AlreadyStored if its client UUID is taken (a concurrent request)."""
        try:
            return int(
                self._s.execute(
                    insert(PassageRow).returning(PassageRow.id), _columns(event_id, passage)
                ).scalar_one()
            )
        except IntegrityError as exc:
            raise AlreadyStored(str(exc.orig)) from exc

    def add_new(self, event_id: int, passages: Sequence[NewPassage]) -> list[Passage]:
        """Store the passages a unique index does not already hold (a car's first GPS crossing of a line,
        which another worker may have stored first); those stored, with their ids, in id order."""
        if not passages:
            return []
        rows = dialect.insert_new_passages(self._s.connection(), [_columns(event_id, p) for p in passages])
        by_slot = {(p.passage.start_no, p.passage.control, p.passage.line): p for p in passages}
        added = []
        for passage_id, start_no, control, line, instant_us in sorted(rows):
            new = by_slot[(start_no, control, line)]
            added.append(
                Passage(
                    start_no=start_no,
                    control=control,
                    instant_us=instant_us,
                    source=new.passage.source,
                    line=line,
                    id=str(passage_id),
                    recorded_by=new.passage.recorded_by or new.recorded_by,
                )
            )
        return added

    def slots(self, event_id: int, source: Source) -> set[tuple[int, str, str]]:
        """(start number, control, line) of every passage of `source` stored."""
        rows = self._s.execute(
            select(PassageRow.start_no, PassageRow.control, PassageRow.line).where(
                PassageRow.event_id == event_id, PassageRow.source == source.value
            )
        )
        return {(n, c, ln) for n, c, ln in rows}

    def instants_of(self, event_id: int, start_no: int, source: Source) -> dict[tuple[str, str], int]:
        """(control, line) -> instant of the car's stored passages of `source`."""
        rows = self._s.execute(
            select(PassageRow.control, PassageRow.line, PassageRow.instant_us).where(
                PassageRow.event_id == event_id,
                PassageRow.start_no == start_no,
                PassageRow.source == source.value,
            )
        )
        return {(c, ln): t for c, ln, t in rows}

    def delete(self, event_id: int, source: Source, controls: Collection[str]) -> int:
        """Remove the passages of `source` at these controls (a re-timing replaces them); how many."""
        result = self._s.execute(
            delete(PassageRow).where(
                PassageRow.event_id == event_id,
                PassageRow.source == source.value,
                PassageRow.control.in_(list(controls)),
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def keys(self, event_id: int) -> set[PassageKey]:
        p = PassageRow
        rows = self._s.execute(
            select(p.start_no, p.control, p.line, p.source, p.instant_us).where(p.event_id == event_id)
        )
        return {(r[0], r[1], r[2], r[3], r[4]) for r in rows}

    def ids_of_uuids(self, uuids: Iterable[str]) -> dict[str, int]:
        """The stored passages a marshal's phone already sent: client UUID -> passage id."""
        wanted = list(uuids)
        if not wanted:
            return {}
        rows = self._s.execute(
            select(PassageRow.client_uuid, PassageRow.id).where(PassageRow.client_uuid.in_(wanted))
        )
        return {uuid: passage_id for uuid, passage_id in rows if uuid is not None}

    def all(self, event_id: int) -> list[Passage]:
        """Every passage of the event, in the order stored."""
        rows = self._s.scalars(
            select(PassageRow).where(PassageRow.event_id == event_id).order_by(PassageRow.id)
        )
        return [
            Passage(
                start_no=r.start_no,
                control=r.control,
                instant_us=r.instant_us,
                source=Source(r.source),
                line=r.line,
                id=str(r.id),
                recorded_by=r.recorded_by,
            )
            for r in rows
        ]

    def views(
        self, event_id: int, start_no: int | None = None, control: str | None = None
    ) -> list[PassageView]:
        """Passages as stored, in time order, of one car or one control or all."""
        query = select(PassageRow).where(PassageRow.event_id == event_id)
        if start_no is not None:
            query = query.where(PassageRow.start_no == start_no)
        if control is not None:
            query = query.where(PassageRow.control == control)
        query = query.order_by(PassageRow.instant_us, PassageRow.id)
        return [
            PassageView(
                id=r.id,
                start_no=r.start_no,
                control=r.control,
                line=r.line,
                instant_us=r.instant_us,
                source=r.source,
                recorded_by=r.recorded_by,
                recorded_us=r.recorded_us,
            )
            for r in self._s.scalars(query)
        ]


def _columns(event_id: int, new: NewPassage) -> dict[str, object]:
    p = new.passage
    return {
        "event_id": event_id,
        "raw_id": new.raw_id,
        "start_no": p.start_no,
        "control": p.control,
        "line": p.line,
        "instant_us": p.instant_us,
        "source": p.source.value,
        "recorded_by": p.recorded_by or new.recorded_by,
        "recorded_us": new.recorded_us,
        "client_uuid": new.client_uuid,
    }


class CorrectionRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, event_id: int, correction: Correction, raw_id: int | None) -> int:
        """Store an accepted correction (its `id` is ignored); the stored id."""
        c = correction
        return int(
            self._s.execute(
                insert(CorrectionRow).returning(CorrectionRow.id),
                {
                    "event_id": event_id,
                    "raw_id": raw_id,
                    "start_no": c.start_no,
                    "control": c.control,
                    "kind": c.kind.value,
                    "line": c.line,
                    "instant_us": c.instant_us,
                    "passage_id": None if c.passage_id is None else int(c.passage_id),
                    "points": None if c.points is None else str(c.points),
                    "time_us": c.time_us,
                    "reason": c.why,
                    "who": c.by,
                    "at_us": c.at_us,
                    "reverses_id": None if c.cancels is None else int(c.cancels),
                },
            ).scalar_one()
        )

    def all(self, event_id: int) -> list[Correction]:
        rows = self._s.scalars(
            select(CorrectionRow).where(CorrectionRow.event_id == event_id).order_by(CorrectionRow.id)
        )
        return [
            Correction(
                id=str(r.id),
                kind=CorrectionKind(r.kind),
                start_no=r.start_no,
                by=r.who,
                at_us=r.at_us,
                why=r.reason,
                control=r.control,
                line=r.line,
                instant_us=r.instant_us,
                passage_id=None if r.passage_id is None else str(r.passage_id),
                points=None if r.points is None else Decimal(r.points),
                time_us=r.time_us,
                cancels=None if r.reverses_id is None else str(r.reverses_id),
            )
            for r in rows
        ]
