"""Provisional and final results, and the crews' inquiries and protests (domain/protests.py).

The timekeeper publishes the results: they are provisional, and the rule set's protest window runs from
that moment. A crew files an inquiry or a protest from its own car's page while the window is open; the
clerk of the course (a timekeeper or the organiser) answers each one: upheld (carried out by a
correction, named by its id), refused, or answered, with the reason the crew reads. Once the window has
closed and every one has its answer, the timekeeper declares the results final.
"""

from __future__ import annotations

from dataclasses import dataclass

from miglia.domain.corrections import EVERY_CAR
from miglia.domain.errors import InvalidInput
from miglia.domain.protests import Decision, Protest, ProtestKind, final_blockers, window_closes_us
from miglia.domain.rules import RuleSet
from miglia.rules import load_rules
from miglia.service import news
from miglia.service.clock import now_us
from miglia.service.event import events
from miglia.store.db import Database
from miglia.store.unit_of_work import UnitOfWork

MAX_TEXT = 2000


@dataclass(frozen=True, kw_only=True)
class ResultsState:
    """What the results are now, for the results page and the timekeeper."""

    published: bool
    final: bool
    published_us: int | None
    final_us: int | None
    final_by: str
    window_closes_us: int | None
    """The end of the protest window (None while unpublished)."""
    last_change_us: int | None
    """When a passage or correction was last stored."""
    blockers: tuple[str, ...]
    """Why the results cannot be declared final now (empty: they can, or they are)."""


def state(uow: UnitOfWork, rules: RuleSet | None = None) -> ResultsState:
    """`rules`: the event's rule set when the caller has it already (else it is read)."""
    row = events.event_row(uow)
    window = (rules or load_rules(row.rules)).protest_window_us
    final = row.results_final_us is not None
    if final:
        blockers: tuple[str, ...] = ()
    elif row.results_published and row.results_published_us is None:
        blockers = ("publish the results again: they were published before publication times were kept",)
    else:
        published = row.results_published_us if row.results_published else None
        blockers = tuple(final_blockers(published, window, now_us(), uow.protests.all(row.id)))
    published_us = row.results_published_us if row.results_published else None
    return ResultsState(
        published=row.results_published,
        final=final,
        published_us=published_us,
        final_us=row.results_final_us,
        final_by=row.results_final_by,
        window_closes_us=None if published_us is None else window_closes_us(published_us, window),
        last_change_us=uow.events.last_change(row.id),
        blockers=blockers,
    )


def file(db: Database, start_no: int, by: str, kind: str, control: str, text: str) -> Protest:
    """A crew's inquiry or protest about its car, while the results are provisional and the window open."""
    try:
        protest_kind = ProtestKind(kind)
    except ValueError:
        raise InvalidInput("protest", "kind", kind, "expected inquiry or protest") from None
    text = text.strip()
    if not text or len(text) > MAX_TEXT:
        raise InvalidInput(
            "protest", "text", text[:40], f"say what it is about, in 1 to {MAX_TEXT} characters"
        )
    with db.unit_of_work() as uow:
        row = events.event_row(uow)
        if control and control not in {c.name for d in events.event_of(row).days for c in d.controls}:
            raise InvalidInput("protest", "control", control, "no control of the event has this name")
        now = state(uow)
        if not now.published or now.final:
            why = "final" if now.final else "not published yet"
            raise InvalidInput(
                "protest", "results", why, "a protest is filed against the provisional results"
            )
        assert now.window_closes_us is not None
        if now_us() >= now.window_closes_us:
            raise InvalidInput("protest", "filed", "too late", "the protest window has closed")
        return uow.protests.add(
            row.id, start_no=start_no, kind=protest_kind, control=control, text=text, by=by, at_us=now_us()
        )


def decide(
    db: Database, protest_id: int, by: str, decision: str, answer: str, correction_id: int | None = None
) -> Protest:
    """The clerk's answer: upheld (by the correction `correction_id`, of that car), refused or answered,
    always with the reason the crew reads."""
    try:
        chosen = Decision(decision)
    except ValueError:
        chosen = Decision.PENDING
    if chosen is Decision.PENDING:
        raise InvalidInput(
            f"protest {protest_id}", "decision", decision, "expected upheld, refused or answered"
        )
    answer = answer.strip()
    if not answer:
        raise InvalidInput(f"protest {protest_id}", "answer", answer, "required: the reason the crew reads")
    with db.unit_of_work() as uow:
        protest = uow.protests.get(protest_id)
        if protest is None:
            raise InvalidInput("protest", "id", protest_id, "no such protest")
        if protest.decided:
            raise InvalidInput(f"protest {protest_id}", "decision", protest.decision.value, "already decided")
        if chosen is Decision.UPHELD:
            row = events.event_row(uow)
            known = {int(c.id): c for c in uow.corrections.all(row.id)}
            found = None if correction_id is None else known.get(correction_id)
            if found is None or found.start_no not in (protest.start_no, EVERY_CAR):
                raise InvalidInput(
                    f"protest {protest_id}",
                    "correction_id",
                    correction_id,
                    f"an upheld protest names the correction of car {protest.start_no} that carries it out",
                )
        decided = uow.protests.decide(
            protest_id,
            decision=chosen,
            answer=answer,
            by=by,
            at_us=now_us(),
            correction_id=correction_id if chosen is Decision.UPHELD else None,
        )
    return decided


def protests(uow: UnitOfWork, start_no: int | None = None) -> list[Protest]:
    return uow.protests.all(events.event_row(uow).id, start_no)


def declare_final(db: Database, by: str) -> None:
    """The results are final: the window has closed and every protest and inquiry has its answer."""
    with db.unit_of_work() as uow:
        now = state(uow)
        if now.final:
            raise InvalidInput("results", "final", "already", "the results are already final")
        if now.blockers:
            raise InvalidInput("results", "final", "not yet", "; ".join(now.blockers))
        row = events.event_row(uow)
        uow.events.declare_final(row.id, now_us(), by)
    news.results_changed(row.id)
