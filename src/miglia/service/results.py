"""Results for the pages and the command line (filled by the scoring engine)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class ResultTable:
    title: str
    headers: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class PageResults:
    ranked: bool
    note: str = ""
    tables: list[ResultTable] = field(default_factory=list)


def for_page(s: Session) -> PageResults:
    return PageResults(ranked=False, note="No results yet.")
