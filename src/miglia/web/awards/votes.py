"""Issue 13 on the web: votes (filled in by the votes work)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
