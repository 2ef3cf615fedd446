"""Issue 12: the applications as stored (filled in by the applications work)."""

from __future__ import annotations

from sqlalchemy.orm import Session


class ApplicationRepository:
    def __init__(self, session: Session) -> None:
        self._s = session
