"""Results from what is stored: raw passages + corrections + the event's rule set, recomputed.

Nothing here is cached in the database: the same stored inputs always give the same tables.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from miglia.domain.classification import Ranking
from miglia.domain.corrections import CorrectionKind, effective
from miglia.domain.entries import Entry
from miglia.domain.event import ControlKind, Event
from miglia.domain.instants import format_duration
from miglia.domain.rules import RuleSet
from miglia.domain.scoreboard import Scoreboard
from miglia.rules import load_rules
from miglia.service.clock import clock_text, now_us, to_datetime
from miglia.service.event import events
from miglia.service.timing import protests
from miglia.store.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Scored:
    event: Event
    entries: dict[int, Entry]
    rules: RuleSet
    board: Scoreboard
    published: bool


def closed_controls(event: Event, today: dt.date) -> list[str] | None:
    """The controls closed for scoring: all of them (None) once the event is over; while it runs, those of
    the days before today, so a car not yet at today's controls is pending there, not missed."""
    if today > event.days[-1].date:
        return None
    return [c.name for day in event.days if day.date < today for c in day.controls]


def score(uow: UnitOfWork, slug: str | None = None, today: dt.date | None = None) -> Scored:
    """Every car scored from what is stored; `today` (default: the date now in the event's zone) decides
    which controls are closed."""
    row = events.event_row(uow, slug)
    event = events.event_of(row)
    entries = uow.entries.all(row.id)
    rules = load_rules(event.rules)
    board = Scoreboard(
        event,
        entries,
        rules,
        closed=closed_controls(event, today or to_datetime(now_us(), event.timezone).date()),
        passages=uow.passages.all(row.id),
        corrections=uow.corrections.all(row.id),
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
    neutralised: list[str] = field(default_factory=list)
    """The controls neutralised for every car, each with who and why, for a line above the tables."""
    trials: list[str] = field(default_factory=list)
    """The timed trials and secret checks, each with its own standings page."""
    status: str = ""
    """Provisional or final, since when, and when the results last changed."""


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
    return PageResults(
        ranked=True,
        tables=out,
        neutralised=neutralised_controls(scored),
        trials=[name for _, name, _ in trials(scored)],
    )


def neutralised_controls(scored: Scored) -> list[str]:
    """ "D1-PT3 (clerk: tractor on the road)" for each control neutralised for every car now."""
    return [
        f"{c.control} ({c.by}: {c.why})"
        for c in effective(scored.board.corrections)
        if c.kind is CorrectionKind.NEUTRALISE
    ]


def for_page(uow: UnitOfWork, show_unpublished: bool = False) -> PageResults:
    scored = score(uow)
    if not scored.published and not show_unpublished:
        return PageResults(
            ranked=False,
            note="Results are not published yet. They appear here when the timekeeper publishes them.",
        )
    return dataclasses.replace(
        tables(scored), status=_status(protests.state(uow, scored.rules), scored.event.timezone)
    )


def _status(now: protests.ResultsState, tz: str) -> str:
    if now.final and now.final_us is not None:
        text = f"Final results, declared {clock_text(now.final_us, tz)} by {now.final_by}."
    elif now.published:
        text = "Provisional results"
        if now.published_us is not None and now.window_closes_us is not None:
            text += f", published {clock_text(now.published_us, tz)}; protests until "
            text += clock_text(now.window_closes_us, tz)
        text += "."
    else:
        text = "Not published: you see them as a timekeeper."
    if now.last_change_us is not None:
        text += f" Last changed {clock_text(now.last_change_us, tz)}."
    return text


# -- one car, for its public page ---------------------------------------------------------------------


@dataclass(frozen=True)
class CardRow:
    """One line of a car's published time card, as text for the page."""

    day: int | None
    control: str
    kind: str
    css: str
    status: str
    due: str
    actual: str
    deviation: str
    penalty: str
    reason: str


@dataclass(frozen=True)
class DayPosition:
    day: int
    position: int | None
    score: str
    penalty: str
    complete: bool
    """False while the day has controls no car has reached yet (the position is "so far")."""


_STATUS_TEXT = {
    "on_time": "on time",
    "early": "early",
    "late": "late",
    "passed": "passed",
    "missed": "missed",
    "pending": "to come",
    "out_of_time": "out of time",
    "penalty": "penalty",
    "neutralised": "neutralised",
}


def _deviation(us: int | None) -> str:
    if us is None:
        return ""
    return ("+" if us > 0 else "") + format_duration(us) if us else "0.00 s"


def card_rows(scored: Scored, start_no: int) -> list[CardRow]:
    """Car `start_no`'s result control by control: due, actual, deviation, penalty and why."""
    tz = scored.event.timezone
    plans = scored.board.plan.by_name
    rows: list[CardRow] = []
    result = scored.board.result(start_no)
    for line in result.lines:
        plan = plans.get(line.control)
        trial = line.kind is ControlKind.TIMED_TRIAL
        if trial and line.target_us is not None:
            due = "target " + format_duration(line.target_us)
        else:
            due = "" if line.due_us is None else clock_text(line.due_us, tz)
        actual = "" if line.actual_us is None else clock_text(line.actual_us, tz, hundredths=trial)
        rows.append(
            CardRow(
                day=None if plan is None else scored.event.days[plan.day].number,
                control=line.control or "Official penalty",
                kind="Penalty" if line.kind is None else line.kind.label,
                css="penalty" if line.kind is None else line.kind.value,
                status=_STATUS_TEXT.get(line.status.value, line.status.value),
                due=due,
                actual=actual,
                deviation=_deviation(line.deviation_us),
                penalty=_penalty_text(line.penalty, result.trial_points.get(line.control)),
                reason=line.reason,
            )
        )
    return rows


def _penalty_text(penalty: Decimal, points: Decimal | None) -> str:
    return f"{penalty}" if points is None else f"{penalty} → {points} pts"


def after_day(scored: Scored, day: int) -> Scored:
    """The results as they stood after `day`: the passages and corrections at the controls of days
    1..day, those controls closed, later days not yet run (corrections not tied to a control count)."""
    day_of = _day_of(scored)
    names = [name for name, d in day_of.items() if d <= day]
    passages = [p for n in scored.board.entries for p in scored.board.passages(n)]
    board = Scoreboard(
        scored.event,
        scored.entries.values(),
        scored.rules,
        plan=scored.board.plan,
        closed=names,
        passages=[p for p in passages if day_of.get(p.control, 0) <= day],
        corrections=[c for c in scored.board.corrections if not c.control or day_of.get(c.control, 0) <= day],
    )
    return dataclasses.replace(scored, board=board)


def _day_of(scored: Scored) -> dict[str, int]:
    return {c.name: scored.event.days[c.day].number for c in scored.board.plan.controls}


def positions_by_day(scored: Scored, start_no: int) -> list[DayPosition]:
    """Car `start_no`'s overall position after each day that has begun.

    After day d means: classified on the passages and corrections at the controls of days 1..d, with
    those controls closed (a car with no time there has missed them) and later days not yet run.
    Corrections not tied to a control (an official penalty for the whole event) count on every day.
    Days without any passage yet are left out; a day some of whose controls have no passage yet is
    marked incomplete (the position is "so far").
    """
    if not scored.rules.ranked or start_no not in scored.board.entries:
        return []
    day_of = _day_of(scored)
    passages = [p for n in scored.board.entries for p in scored.board.passages(n)]
    begun = sorted({day_of[p.control] for p in passages if p.control in day_of})
    out: list[DayPosition] = []
    for day in begun:
        board = after_day(scored, day).board
        reached = {p.control for p in passages if day_of.get(p.control) == day}
        complete = all(name in reached for name, d in day_of.items() if d == day)
        result = board.result(start_no)
        out.append(
            DayPosition(
                day=day,
                position=board.overall().position_of(start_no),
                score=f"{result.score}",
                penalty=f"{result.penalty}",
                complete=complete,
            )
        )
    return out


# -- each trial, and two cars side by side ---------------------------------------------------------------

_RANKED_AT = frozenset((ControlKind.TIMED_TRIAL, ControlKind.SECRET_CHECK))
_MEASURED = frozenset(("on_time", "early", "late"))


def trials(scored: Scored) -> list[tuple[int, str, str]]:
    """(day, control, kind) of every timed trial and secret check, in route order: the controls where
    cars are ranked one against the other."""
    plans = scored.board.plan.controls
    return [(scored.event.days[c.day].number, c.name, c.kind.label) for c in plans if c.kind in _RANKED_AT]


def trial_standings(scored: Scored, control: str) -> ResultTable:
    """Who was best at one trial: the cars measured there, by penalty, then by how close they came."""
    plan = scored.board.plan.by_name.get(control)
    if plan is None or plan.kind not in _RANKED_AT:
        raise events.NotFound(f"control = {control!r}: no timed trial or secret check has this name")
    points = scored.rules.points is not None and plan.kind in scored.rules.points.kinds
    measured = []
    for start_no in scored.board.entries:
        result = scored.board.result(start_no)
        line = result.line(control)
        if line.status.value in _MEASURED and line.deviation_us is not None:
            earned = result.trial_points.get(control)
            measured.append((line.penalty, abs(line.deviation_us), start_no, line.deviation_us, earned))
    measured.sort(key=lambda m: m[:3])
    rows: list[list[str]] = []
    place = 0
    for k, (penalty, closeness, start_no, deviation, earned) in enumerate(measured):
        if k == 0 or (penalty, closeness) != measured[k - 1][:2]:
            place = k + 1
        entry = scored.entries[start_no]
        row = [str(place), str(start_no), entry.car.title, _deviation(deviation), f"{penalty}"]
        if points:
            row.append(f"{earned}")
        rows.append(row)
    headers = ["Pos.", "No.", "Car", "Deviation", "Penalty"] + (["Points"] if points else [])
    return ResultTable(f"{control} ({plan.kind.label.lower()})", headers, rows, [m[2] for m in measured])


@dataclass(frozen=True)
class SideBySide:
    """Two cars' time cards line by line (a crew against the leader, or any other car)."""

    control: str
    kind: str
    css: str
    due: tuple[str, str]
    actual: tuple[str, str]
    deviation: tuple[str, str]
    penalty: tuple[str, str]


def side_by_side(scored: Scored, first: int, second: int) -> list[SideBySide]:
    a = {r.control: r for r in card_rows(scored, first) if r.day is not None}
    b = {r.control: r for r in card_rows(scored, second) if r.day is not None}
    return [
        SideBySide(
            control=name,
            kind=a[name].kind,
            css=a[name].css,
            due=(a[name].due, b[name].due),
            actual=(a[name].actual, b[name].actual),
            deviation=(a[name].deviation, b[name].deviation),
            penalty=(a[name].penalty, b[name].penalty),
        )
        for name in a
        if name in b
    ]
