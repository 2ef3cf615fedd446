"""Issue 12 on the web (filled in by the entries work)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
