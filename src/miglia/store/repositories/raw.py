"""Inputs kept exactly as received (`raw_inputs`), before anything is read from them."""

from __future__ import annotations

from sqlalchemy import insert
from sqlalchemy.orm import Session

from miglia.store.models import RawInputRow


class RawInputRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(
        self,
        *,
        event_id: int | None,
        kind: str,
        source: str,
        received_us: int,
        content_type: str,
        body: str,
        problem: str = "",
    ) -> int:
        """One input as received; its id, for what is later read from it. A refused input is kept too,
        with `problem` saying why."""
        return int(
            self._s.execute(
                insert(RawInputRow).returning(RawInputRow.id),
                {
                    "event_id": event_id,
                    "kind": kind,
                    "source": source[:200],
                    "received_us": received_us,
                    "content_type": content_type,
                    "body": body,
                    "accepted": not problem,
                    "problem": problem,
                },
            ).scalar_one()
        )
