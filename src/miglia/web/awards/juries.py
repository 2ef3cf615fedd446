"""Issue 13 on the web: juries (filled in by the juries work)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
