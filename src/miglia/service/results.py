"""Results from what is stored: raw passages + corrections + the event's rule set, recomputed.

Nothing here is cached in the database: the same stored inputs always give the same tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from miglia.domain.classification import Ranking
from miglia.domain.corrections import Correction, CorrectionKind
from miglia.domain.entries import Entry
from miglia.domain.event import Event
from miglia.domain.passages import Passage
from miglia.domain.rules import RuleSet, Source
from miglia.domain.scoreboard import Scoreboard
from miglia.rules import load_rules
from miglia.service import events
from miglia.store.models import CorrectionRow, PassageRow


def stored_passages(s: Session, event_id: int) -> list[Passage]:
    rows = s.scalars(select(PassageRow).where(PassageRow.event_id == event_id).order_by(PassageRow.id))
    return [
        Passage(
            start_no=r.start_no,
            control=r.control,
            instant_us=r.instant_us,
            source=Source(r.source),
            line=r.line,
            id=str(r.id),
            recorded_by=r.recorded_by,
        )
        for r in rows
    ]


def stored_corrections(s: Session, event_id: int) -> list[Correction]:
    rows = s.scalars(
        select(CorrectionRow).where(CorrectionRow.event_id == event_id).order_by(CorrectionRow.id)
    )
    return [
        Correction(
            id=str(r.id),
            kind=CorrectionKind(r.kind),
            start_no=r.start_no,
            by=r.who,
            at_us=r.at_us,
            why=r.reason,
            control=r.control,
            line=r.line,
            instant_us=r.instant_us,
            passage_id=None if r.passage_id is None else str(r.passage_id),
            points=None if r.points is None else Decimal(r.points),
            time_us=r.time_us,
            cancels=None if r.reverses_id is None else str(r.reverses_id),
        )
        for r in rows
    ]


@dataclass(frozen=True)
class Scored:
    event: Event
    entries: dict[int, Entry]
    rules: RuleSet
    board: Scoreboard
    published: bool


def score(s: Session, slug: str | None = None) -> Scored:
    row = events.event_row(s, slug)
    event = events.load(s, row.slug)
    entries = events.entries(s, row.id)
    rules = load_rules(event.rules)
    board = Scoreboard(
        event,
        entries,
        rules,
        passages=stored_passages(s, row.id),
        corrections=stored_corrections(s, row.id),
    )
    return Scored(event, {e.start_no: e for e in entries}, rules, board, row.results_published)


@dataclass(frozen=True)
class ResultTable:
    title: str
    headers: list[str]
    rows: list[list[str]]
    start_nos: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class PageResults:
    ranked: bool
    note: str = ""
    tables: list[ResultTable] = field(default_factory=list)


HEADERS = ["Pos.", "No.", "Car", "Crew", "Penalty", "Coeff.", "Score"]


def _ranking_table(title: str, ranking: Ranking, scored: Scored) -> ResultTable:
    rows: list[list[str]] = []
    for st in ranking.standings:
        entry = scored.entries[st.start_no]
        crew = entry.crew.driver + (f" / {entry.crew.co_driver}" if entry.crew.co_driver else "")
        position = "–" if st.position is None else str(st.position)
        if st.excluded:
            position = "excl."
        rows.append(
            [
                position,
                str(st.start_no),
                entry.car.title,
                crew,
                f"{st.penalty}",
                f"{st.coefficient}",
                f"{st.score}",
            ]
        )
    return ResultTable(title, HEADERS, rows, [st.start_no for st in ranking.standings])


def tables(scored: Scored) -> PageResults:
    if not scored.rules.ranked:
        return PageResults(
            ranked=False,
            note=f"{scored.event.name} is a tour: passages and arrivals are recorded, and nobody is ranked.",
        )
    c = scored.board.classification()
    out = [_ranking_table("Overall", c.overall, scored)]
    out += [_ranking_table(f"Class: {name}", r, scored) for name, r in c.by_class.items()]
    out += [_ranking_table(f"Era: {name}", r, scored) for name, r in c.by_era.items()]
    if c.ladies is not None and c.ladies.standings:
        out.append(_ranking_table("Ladies' cup", c.ladies, scored))
    if c.teams:
        out.append(
            ResultTable(
                "Teams",
                ["Pos.", "Team", "Score", "Counted cars"],
                [
                    [
                        "–" if t.position is None else str(t.position),
                        t.team,
                        "" if t.score is None else str(t.score),
                        ", ".join(f"#{n}" for n in t.counted),
                    ]
                    for t in c.teams
                ],
            )
        )
    return PageResults(ranked=True, tables=out)


def for_page(s: Session, show_unpublished: bool = False) -> PageResults:
    scored = score(s)
    if not scored.published and not show_unpublished:
        return PageResults(
            ranked=False,
            note="Results are not published yet. They appear here when the timekeeper publishes them.",
        )
    return tables(scored)
