"""Every input is stored as received, before it is interpreted: one row in `raw_inputs`."""

from __future__ import annotations

from miglia.service.clock import now_us
from miglia.store.unit_of_work import UnitOfWork


def store_raw(
    uow: UnitOfWork,
    event_id: int | None,
    kind: str,
    source: str,
    content_type: str,
    body: str,
    problem: str = "",
) -> int:
    """Keep one input exactly as received; returns its id for what is later read from it. An input that
    was refused is kept too, with `problem` saying why (and nothing read from it is stored)."""
    return uow.raw.add(
        event_id=event_id,
        kind=kind,
        source=source,
        received_us=now_us(),
        content_type=content_type,
        body=body,
        problem=problem,
    )
