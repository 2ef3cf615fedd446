"""Issue 12: the hospitality as stored (filled in by the hospitality work)."""

from __future__ import annotations

from sqlalchemy.orm import Session


class HospitalityRepository:
    def __init__(self, session: Session) -> None:
        self._s = session
