"""Issue 13 on the web: show (filled in by the show work)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
