"""Issue 13: the votes as stored (filled in by the votes work)."""

from __future__ import annotations

from sqlalchemy.orm import Session


class VoteRepository:
    def __init__(self, session: Session) -> None:
        self._s = session
