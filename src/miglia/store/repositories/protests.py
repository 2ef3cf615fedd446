"""Inquiries and protests as stored, with the clerk of the course's answers."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from miglia.domain.protests import Decision, Protest, ProtestKind
from miglia.store.models import ProtestRow


def _protest(r: ProtestRow) -> Protest:
    return Protest(
        id=r.id,
        start_no=r.start_no,
        kind=ProtestKind(r.kind),
        control=r.control,
        text=r.text,
        filed_by=r.filed_by,
        filed_us=r.filed_us,
        decision=Decision(r.decision),
        answer=r.answer,
        decided_by=r.decided_by,
        decided_us=r.decided_us,
        correction_id=r.correction_id,
    )


class ProtestRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(
        self, event_id: int, *, start_no: int, kind: ProtestKind, control: str, text: str, by: str, at_us: int
    ) -> Protest:
        row = ProtestRow(
            event_id=event_id,
            start_no=start_no,
            kind=kind.value,
            control=control,
            text=text,
            filed_by=by,
            filed_us=at_us,
            decision="",
            answer="",
            decided_by="",
        )
        self._s.add(row)
        self._s.flush()
        return _protest(row)

    def all(self, event_id: int, start_no: int | None = None) -> list[Protest]:
        query = select(ProtestRow).where(ProtestRow.event_id == event_id)
        if start_no is not None:
            query = query.where(ProtestRow.start_no == start_no)
        return [_protest(r) for r in self._s.scalars(query.order_by(ProtestRow.id))]

    def get(self, protest_id: int) -> Protest | None:
        row = self._s.get(ProtestRow, protest_id)
        return None if row is None else _protest(row)

    def decide(
        self,
        protest_id: int,
        *,
        decision: Decision,
        answer: str,
        by: str,
        at_us: int,
        correction_id: int | None,
    ) -> Protest:
        row = self._s.get(ProtestRow, protest_id)
        assert row is not None, protest_id
        row.decision, row.answer, row.decided_by, row.decided_us = decision.value, answer, by, at_us
        row.correction_id = correction_id
        return _protest(row)
