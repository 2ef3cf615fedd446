"""Issue 13: the items as stored (filled in by the items work)."""

from __future__ import annotations

from sqlalchemy.orm import Session


class ItemRepository:
    def __init__(self, session: Session) -> None:
        self._s = session
