"""Issue 13: the awards as stored (filled in by the awards work)."""

from __future__ import annotations

from sqlalchemy.orm import Session


class AwardRepository:
    def __init__(self, session: Session) -> None:
        self._s = session
