"""The sponsor's commemorative items as stored: the series, the serials' allocations and hand-overs.

Records are never edited but to end them (who, when, why), and an end only takes a live record: two
requests ending the same one, or storing a second live allocation or hand-over of a serial (the unique
indexes on the live rows), meet `AlreadyStored` and their transaction is rolled back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from miglia.domain.items import Allocation, Handover, Kind, Ledger, Plan, Series, SeriesSpec
from miglia.store.models import ItemAllocationRow, ItemHandoverRow, ItemSeriesRow
from miglia.store.records import AlreadyStored


def _series(r: ItemSeriesRow) -> Series:
    return Series(
        id=r.id,
        name=r.name,
        pieces=r.pieces,
        first=r.first_serial,
        digits=r.digits,
        sponsor=r.sponsor,
        created_by=r.created_by,
        created_us=r.created_us,
    )


def _allocation(r: ItemAllocationRow) -> Allocation:
    return Allocation(
        id=r.id,
        serial=r.serial,
        kind=Kind(r.kind),
        start_no=r.start_no,
        holder=r.holder,
        reason=r.reason,
        by=r.allocated_by,
        at_us=r.allocated_us,
        replaces_id=r.replaces_id,
        ended_us=r.ended_us,
        ended_by=r.ended_by,
        end_reason=r.end_reason,
    )


_HANDOVER_COLUMNS = (
    ItemHandoverRow.id,
    ItemHandoverRow.serial,
    ItemHandoverRow.allocation_id,
    ItemHandoverRow.received_by,
    ItemHandoverRow.given_by,
    ItemHandoverRow.given_us,
    ItemHandoverRow.recorded_us,
    ItemHandoverRow.signature.is_not(None),
    ItemHandoverRow.ended_us,
    ItemHandoverRow.ended_by,
    ItemHandoverRow.end_reason,
)
"""A hand-over without its signature (read on its own: it may be 200 KB), only whether it has one."""


def _handover(r: Any) -> Handover:
    return Handover(
        id=r[0],
        serial=r[1],
        allocation_id=r[2],
        received_by=r[3],
        given_by=r[4],
        given_us=r[5],
        recorded_us=r[6],
        signed=bool(r[7]),
        ended_us=r[8],
        ended_by=r[9],
        end_reason=r[10],
    )


class ItemRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """A write another transaction may have beaten: AlreadyStored for a unique index's refusal, and on
        SQLite for "database is locked" (a transaction that read before another one wrote cannot write
        after it: SQLite's snapshot rule), so that the use case reads again and says what happened."""
        try:
            yield
        except IntegrityError as exc:
            raise AlreadyStored(str(exc.orig)) from exc
        except OperationalError as exc:
            if self._s.get_bind().dialect.name == "sqlite" and "locked" in str(exc.orig):
                raise AlreadyStored(str(exc.orig)) from exc
            raise

    # -- the series ----------------------------------------------------------------------------------

    def add_series(self, event_id: int, spec: SeriesSpec, by: str, at_us: int) -> Series:
        """A new series; AlreadyStored when the event has one of that name (another request, a second ago)."""
        with self._writing():
            new_id = self._s.execute(
                insert(ItemSeriesRow)
                .values(
                    event_id=event_id,
                    name=spec.name,
                    pieces=spec.pieces,
                    first_serial=spec.first,
                    digits=spec.digits,
                    sponsor=spec.sponsor,
                    created_by=by,
                    created_us=at_us,
                )
                .returning(ItemSeriesRow.id)
            ).scalar_one()
        return _series(self._s.get_one(ItemSeriesRow, new_id))

    def series(self, event_id: int, series_id: int) -> Series | None:
        row = self._s.get(ItemSeriesRow, series_id)
        return None if row is None or row.event_id != event_id else _series(row)

    def all_series(self, event_id: int) -> list[Series]:
        rows = self._s.scalars(
            select(ItemSeriesRow).where(ItemSeriesRow.event_id == event_id).order_by(ItemSeriesRow.id)
        )
        return [_series(r) for r in rows]

    # -- allocations and hand-overs ---------------------------------------------------------------------

    def ledger(self, series: Series) -> Ledger:
        """The series with every record of its serials (signatures left out)."""
        allocations = self._s.scalars(
            select(ItemAllocationRow)
            .where(ItemAllocationRow.series_id == series.id)
            .order_by(ItemAllocationRow.id)
        )
        handovers = self._s.execute(
            select(*_HANDOVER_COLUMNS)
            .where(ItemHandoverRow.series_id == series.id)
            .order_by(ItemHandoverRow.id)
        )
        return Ledger(
            series, tuple(_allocation(r) for r in allocations), tuple(_handover(r) for r in handovers)
        )

    def apply(self, series_id: int, plan: Plan, by: str, at_us: int) -> list[Allocation]:
        """End the plan's allocations (each must still be live), then store its new ones; the new ones.
        AlreadyStored when another transaction ended one first or holds one of the serials now."""
        for allocation_id, why in plan.ends:
            with self._writing():
                ended = self._s.execute(
                    update(ItemAllocationRow)
                    .where(
                        ItemAllocationRow.id == allocation_id,
                        ItemAllocationRow.series_id == series_id,
                        ItemAllocationRow.ended_us.is_(None),
                    )
                    .values(ended_us=at_us, ended_by=by, end_reason=why)
                )
            if ended.rowcount != 1:  # type: ignore[attr-defined]
                raise AlreadyStored(f"allocation {allocation_id} was ended by another request")
        ids = []
        for new in plan.new:
            with self._writing():
                ids.append(
                    self._s.execute(
                        insert(ItemAllocationRow)
                        .values(
                            series_id=series_id,
                            serial=new.serial,
                            kind=new.kind.value,
                            start_no=new.start_no,
                            holder=new.holder,
                            reason=new.reason,
                            allocated_by=by,
                            allocated_us=at_us,
                            replaces_id=new.replaces_id,
                            ended_by="",
                            end_reason="",
                        )
                        .returning(ItemAllocationRow.id)
                    ).scalar_one()
                )
        if not ids:
            return []
        rows = self._s.scalars(
            select(ItemAllocationRow).where(ItemAllocationRow.id.in_(ids)).order_by(ItemAllocationRow.id)
        )
        return [_allocation(r) for r in rows]

    def add_handover(
        self,
        series_id: int,
        allocation: Allocation,
        received_by: str,
        given_by: str,
        given_us: int,
        recorded_us: int,
        signature: str | None,
    ) -> Handover:
        """The hand-over of the allocation's serial; AlreadyStored when the serial has a live hand-over
        (another phone's, stored a moment before: the unique index decides)."""
        with self._writing():
            new_id = self._s.execute(
                insert(ItemHandoverRow)
                .values(
                    series_id=series_id,
                    serial=allocation.serial,
                    allocation_id=allocation.id,
                    received_by=received_by,
                    given_by=given_by,
                    given_us=given_us,
                    recorded_us=recorded_us,
                    signature=signature,
                    ended_by="",
                    end_reason="",
                )
                .returning(ItemHandoverRow.id)
            ).scalar_one()
        row = self._s.execute(select(*_HANDOVER_COLUMNS).where(ItemHandoverRow.id == new_id)).one()
        return _handover(row)

    def end_handover(self, handover_id: int, by: str, at_us: int, why: str) -> None:
        with self._writing():
            ended = self._s.execute(
                update(ItemHandoverRow)
                .where(ItemHandoverRow.id == handover_id, ItemHandoverRow.ended_us.is_(None))
                .values(ended_us=at_us, ended_by=by, end_reason=why)
            )
        if ended.rowcount != 1:  # type: ignore[attr-defined]
            raise AlreadyStored(f"hand-over {handover_id} was annulled by another request")

    def live_handover(self, series_id: int, serial: int) -> Handover | None:
        row = self._s.execute(
            select(*_HANDOVER_COLUMNS).where(
                ItemHandoverRow.series_id == series_id,
                ItemHandoverRow.serial == serial,
                ItemHandoverRow.ended_us.is_(None),
            )
        ).first()
        return None if row is None else _handover(row)

    def signature(self, series_id: int, handover_id: int) -> str | None:
        """The signature drawn at a hand-over (a PNG data URL), if any."""
        return self._s.scalar(
            select(ItemHandoverRow.signature).where(
                ItemHandoverRow.id == handover_id, ItemHandoverRow.series_id == series_id
            )
        )
