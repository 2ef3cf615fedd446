"""Filled in by the live tracking work (issue 5)."""

from fastapi import APIRouter

router = APIRouter()
