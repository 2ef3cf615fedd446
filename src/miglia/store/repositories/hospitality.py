"""Issue 12: the hospitality as stored: venues (hotels a night, lunches and dinners), their rooms by type,
the crews' needs (the latest record of a car wins), the allocations (ended, never edited, when a crew is
moved: one live allocation per car and night, a unique index), the reports marked sent with their lines,
and the crews' calendar tokens.

Records are the domain's own frozen values (domain/hospitality.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from miglia.domain.hospitality import (
    Allocation,
    Diet,
    Needs,
    ReportLine,
    RoomBlock,
    RoomType,
    SentReport,
    Venue,
    VenueKind,
)
from miglia.store.models import (
    HospitalityAllocationRow,
    HospitalityFeedRow,
    HospitalityNeedsRow,
    HospitalityReportRow,
    HospitalityRoomRow,
    HospitalityVenueRow,
)


def _time(text: str) -> dt.time | None:
    return dt.time.fromisoformat(text) if text else None


def _venue(r: HospitalityVenueRow) -> Venue:
    return Venue(
        id=r.id,
        day=r.day,
        kind=VenueKind(r.kind),
        name=r.name,
        address=r.address,
        opens=_time(r.opens),
        closes=_time(r.closes),
        seats=r.seats,
        menu=tuple(r.menu or ()),
        from_stop=r.from_stop,
        lat=r.lat,
        lon=r.lon,
    )


def _allocation(r: HospitalityAllocationRow) -> Allocation:
    return Allocation(
        id=r.id,
        night=r.night,
        start_no=r.start_no,
        venue_id=r.venue_id,
        room_type=RoomType(r.room_type),
        reason=r.reason,
        how=r.how,
        by=r.allocated_by,
        at_us=r.allocated_us,
        ended_us=r.ended_us,
        ended_by=r.ended_by,
    )


def _needs(r: HospitalityNeedsRow) -> Needs:
    return Needs(
        start_no=r.start_no,
        room=RoomType(r.room) if r.room else None,
        driver_diet=Diet(r.driver_diet),
        driver_allergies=r.driver_allergies,
        co_driver_diet=Diet(r.co_driver_diet),
        co_driver_allergies=r.co_driver_allergies,
        menu={int(k): (v[0], v[1]) for k, v in (r.menu or {}).items()},
        by=r.recorded_by,
        at_us=r.recorded_us,
    )


def _hhmm(t: dt.time | None) -> str:
    return "" if t is None else t.strftime("%H:%M")


class HospitalityRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    # venues and rooms

    def venues(self, event_id: int) -> list[Venue]:
        rows = self._s.scalars(
            select(HospitalityVenueRow)
            .where(HospitalityVenueRow.event_id == event_id)
            .order_by(HospitalityVenueRow.day, HospitalityVenueRow.id)
        )
        return [_venue(r) for r in rows]

    def add_venue(self, event_id: int, venue: Venue, by: str, at_us: int) -> int:
        return int(
            self._s.execute(
                insert(HospitalityVenueRow)
                .values(
                    event_id=event_id,
                    day=venue.day,
                    kind=venue.kind.value,
                    name=venue.name,
                    address=venue.address,
                    opens=_hhmm(venue.opens),
                    closes=_hhmm(venue.closes),
                    seats=venue.seats,
                    menu=list(venue.menu),
                    from_stop=venue.from_stop,
                    lat=venue.lat,
                    lon=venue.lon,
                    created_by=by,
                    created_us=at_us,
                )
                .returning(HospitalityVenueRow.id)
            ).scalar_one()
        )

    def add_venue_once(self, event_id: int, venue: Venue, by: str, at_us: int) -> None:
        """Add a venue unless one of its day, kind and name is there (also when another request adds it at
        the same moment: the unique constraint refuses the second, in a savepoint)."""
        try:
            with self._s.begin_nested():
                self.add_venue(event_id, venue, by, at_us)
        except IntegrityError:
            pass

    def change_meal(
        self, venue_id: int, *, seats: int | None, menu: Sequence[str], opens: str, closes: str
    ) -> None:
        self._s.execute(
            update(HospitalityVenueRow)
            .where(HospitalityVenueRow.id == venue_id)
            .values(seats=seats, menu=list(menu), opens=opens, closes=closes)
        )

    def remove_venue(self, venue_id: int) -> None:
        self._s.execute(delete(HospitalityVenueRow).where(HospitalityVenueRow.id == venue_id))

    def lock(self, event_id: int) -> None:
        """Hold the event's venues until the transaction ends: a write that changes nothing, which takes
        PostgreSQL's row locks and SQLite's write lock (SQLite reads outside a transaction until the first
        write). Two allocations or moves at once are then made one after the other, the second reading what
        the first gave, so neither gives a room the other just gave."""
        self._s.execute(
            update(HospitalityVenueRow)
            .where(HospitalityVenueRow.event_id == event_id)
            .values(created_us=HospitalityVenueRow.created_us)
        )

    def blocks(self, event_id: int) -> list[RoomBlock]:
        rows = self._s.execute(
            select(HospitalityRoomRow)
            .join(HospitalityVenueRow, HospitalityVenueRow.id == HospitalityRoomRow.venue_id)
            .where(HospitalityVenueRow.event_id == event_id)
            .order_by(HospitalityRoomRow.venue_id, HospitalityRoomRow.id)
        ).scalars()
        return [
            RoomBlock(id=r.id, venue_id=r.venue_id, room_type=RoomType(r.room_type), count=r.count)
            for r in rows
        ]

    def set_rooms(self, venue_id: int, room_type: RoomType, count: int, by: str, at_us: int) -> None:
        changed = self._s.execute(
            update(HospitalityRoomRow)
            .where(HospitalityRoomRow.venue_id == venue_id, HospitalityRoomRow.room_type == room_type.value)
            .values(count=count, changed_by=by, changed_us=at_us)
        )
        if not changed.rowcount:  # type: ignore[attr-defined]
            self._s.execute(
                insert(HospitalityRoomRow).values(
                    venue_id=venue_id, room_type=room_type.value, count=count, changed_by=by, changed_us=at_us
                )
            )

    # needs

    def needs(self, event_id: int) -> dict[int, Needs]:
        rows = self._s.scalars(
            select(HospitalityNeedsRow)
            .where(HospitalityNeedsRow.event_id == event_id)
            .order_by(HospitalityNeedsRow.id)
        )
        return {r.start_no: _needs(r) for r in rows}

    def record_needs(self, event_id: int, needs: Needs) -> None:
        self._s.execute(
            insert(HospitalityNeedsRow).values(
                event_id=event_id,
                start_no=needs.start_no,
                room=needs.room.value if needs.room else "",
                driver_diet=needs.driver_diet.value,
                driver_allergies=needs.driver_allergies,
                co_driver_diet=needs.co_driver_diet.value,
                co_driver_allergies=needs.co_driver_allergies,
                menu={str(k): list(v) for k, v in needs.menu.items()},
                recorded_by=needs.by,
                recorded_us=needs.at_us,
            )
        )

    # allocations

    def allocations(self, event_id: int, *, live: bool = True) -> list[Allocation]:
        q = select(HospitalityAllocationRow).where(HospitalityAllocationRow.event_id == event_id)
        if live:
            q = q.where(HospitalityAllocationRow.ended_us.is_(None))
        rows = self._s.scalars(q.order_by(HospitalityAllocationRow.night, HospitalityAllocationRow.start_no))
        return [_allocation(r) for r in rows]

    def add_allocations(self, event_id: int, made: Sequence[Allocation]) -> None:
        if not made:
            return
        self._s.execute(
            insert(HospitalityAllocationRow),
            [
                dict(
                    event_id=event_id,
                    night=a.night,
                    start_no=a.start_no,
                    venue_id=a.venue_id,
                    room_type=a.room_type.value,
                    reason=a.reason,
                    how=a.how,
                    allocated_by=a.by,
                    allocated_us=a.at_us,
                )
                for a in made
            ],
        )

    def end_allocation(self, allocation_id: int, by: str, at_us: int) -> bool:
        """End a live allocation; False if it was no longer live (someone else moved the crew)."""
        done = self._s.execute(
            update(HospitalityAllocationRow)
            .where(HospitalityAllocationRow.id == allocation_id, HospitalityAllocationRow.ended_us.is_(None))
            .values(ended_us=at_us, ended_by=by)
        )
        return bool(done.rowcount)  # type: ignore[attr-defined]

    # reports and feeds

    def record_sent(
        self, event_id: int, venue: str, kind: str, lines: Sequence[ReportLine], by: str, at_us: int
    ) -> None:
        self._s.execute(
            insert(HospitalityReportRow).values(
                event_id=event_id,
                venue=venue,
                kind=kind,
                lines=[[x.key, x.value] for x in lines],
                sent_by=by,
                sent_us=at_us,
            )
        )

    def sent(self, event_id: int) -> list[SentReport]:
        rows = self._s.scalars(
            select(HospitalityReportRow)
            .where(HospitalityReportRow.event_id == event_id)
            .order_by(HospitalityReportRow.id)
        )
        return [
            SentReport(
                id=r.id,
                venue=r.venue,
                kind=r.kind,
                lines=tuple(ReportLine(k, v) for k, v in r.lines),
                sent_by=r.sent_by,
                sent_us=r.sent_us,
            )
            for r in rows
        ]

    def feed_token(self, event_id: int, start_no: int) -> str | None:
        return self._s.scalar(
            select(HospitalityFeedRow.token).where(
                HospitalityFeedRow.event_id == event_id, HospitalityFeedRow.start_no == start_no
            )
        )

    def add_feed_token(self, event_id: int, start_no: int, token: str, at_us: int) -> None:
        self._s.execute(
            insert(HospitalityFeedRow).values(
                event_id=event_id, start_no=start_no, token=token, created_us=at_us
            )
        )

    def car_of_token(self, token: str) -> tuple[int, int] | None:
        """(event id, start number) of a calendar token."""
        row = self._s.execute(
            select(HospitalityFeedRow.event_id, HospitalityFeedRow.start_no).where(
                HospitalityFeedRow.token == token
            )
        ).first()
        return None if row is None else (row[0], row[1])
