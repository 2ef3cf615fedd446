"""Issue 13 on the web: items (filled in by the items work)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
