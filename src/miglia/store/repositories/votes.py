"""The spectators' votes as stored: the event's vote key, the categories and their steps, the votes and the
organiser's voids. Returns the domain's frozen records (domain/votes.py)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import Select, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from miglia.domain.votes import Category, Step, StepRecord, Void, Vote
from miglia.store.models import VoteCategoryRow, VoteKeyRow, VoteRow, VoteStepRow, VoteVoidRow
from miglia.store.records import AlreadyStored


class VoteRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    # -- the event's key ---------------------------------------------------------------------------------

    def key(self, event_id: int) -> str | None:
        return self._s.scalar(select(VoteKeyRow.secret).where(VoteKeyRow.event_id == event_id))

    def make_key(self, event_id: int, secret: str, at_us: int) -> None:
        """AlreadyStored if another transaction made the event's key first."""
        try:
            with self._s.begin_nested():
                self._s.add(VoteKeyRow(event_id=event_id, secret=secret, made_us=at_us))
        except IntegrityError as exc:
            raise AlreadyStored(str(exc.orig)) from exc

    # -- categories --------------------------------------------------------------------------------------

    def add_category(self, event_id: int, name: str, description: str, by: str, at_us: int) -> int:
        row = VoteCategoryRow(
            event_id=event_id, name=name, description=description, created_by=by, created_us=at_us
        )
        self._s.add(row)
        self._s.flush()
        return row.id

    def categories(self, event_id: int) -> list[Category]:
        """The event's categories in the order they were made, each with its steps."""
        return self._categories(
            select(VoteCategoryRow).where(VoteCategoryRow.event_id == event_id).order_by(VoteCategoryRow.id)
        )

    def category(self, event_id: int, category_id: int) -> Category | None:
        found = self._categories(
            select(VoteCategoryRow).where(
                VoteCategoryRow.event_id == event_id, VoteCategoryRow.id == category_id
            )
        )
        return found[0] if found else None

    def add_step(self, category_id: int, step: Step, by: str, at_us: int) -> None:
        self._s.add(VoteStepRow(category_id=category_id, step=step.value, made_by=by, made_us=at_us))
        self._s.flush()

    def _categories(self, query: Select[VoteCategoryRow]) -> list[Category]:
        rows = list(self._s.scalars(query))
        steps: dict[int, list[StepRecord]] = defaultdict(list)
        if rows:
            for s in self._s.scalars(
                select(VoteStepRow)
                .where(VoteStepRow.category_id.in_([r.id for r in rows]))
                .order_by(VoteStepRow.id)
            ):
                steps[s.category_id].append(StepRecord(step=Step(s.step), by=s.made_by, at_us=s.made_us))
        return [
            Category(
                id=r.id,
                name=r.name,
                description=r.description,
                created_by=r.created_by,
                created_us=r.created_us,
                steps=tuple(steps[r.id]),
            )
            for r in rows
        ]

    # -- votes -------------------------------------------------------------------------------------------

    def add(
        self, category_id: int, start_no: int, cast_us: int, voter: str, device: str, address: str
    ) -> int:
        """One vote; its id. AlreadyStored if the voter or the device voted in the category meanwhile (a
        concurrent request): the unique constraints hold one vote each."""
        row = VoteRow(
            category_id=category_id,
            start_no=start_no,
            cast_us=cast_us,
            voter=voter,
            device=device or None,
            address=address,
        )
        try:
            with self._s.begin_nested():
                self._s.add(row)
        except IntegrityError as exc:
            raise AlreadyStored(str(exc.orig)) from exc
        return row.id

    def add_many(self, votes: Iterable[tuple[int, int, int, str, str, str]]) -> None:
        """Votes as (category, start number, instant, voter, device hash, address hash), in one go (the
        demo's spectators)."""
        self._s.add_all(
            VoteRow(category_id=c, start_no=n, cast_us=t, voter=v, device=d or None, address=a)
            for c, n, t, v, d, a in votes
        )
        self._s.flush()

    def of_voter(self, category_ids: Sequence[int], voter: str, device: str) -> list[Vote]:
        """The votes in these categories cast with this voter id, or from this device (each when given)."""
        who = [VoteRow.voter == voter] if voter else []
        if device:
            who.append(VoteRow.device == device)
        if not category_ids or not who:
            return []
        return self._load(
            select(VoteRow).where(VoteRow.category_id.in_(category_ids), or_(*who)).order_by(VoteRow.id)
        )

    def all(self, category_ids: Sequence[int]) -> list[Vote]:
        """Every vote of these categories, voided ones too, in the order they were cast."""
        if not category_ids:
            return []
        return self._load(
            select(VoteRow).where(VoteRow.category_id.in_(category_ids)).order_by(VoteRow.cast_us, VoteRow.id)
        )

    def get(self, vote_ids: Sequence[int]) -> list[Vote]:
        if not vote_ids:
            return []
        return self._load(select(VoteRow).where(VoteRow.id.in_(vote_ids)).order_by(VoteRow.id))

    def void(self, vote_id: int, by: str, at_us: int, why: str) -> None:
        self._s.add(VoteVoidRow(vote_id=vote_id, voided_by=by, voided_us=at_us, why=why))
        self._s.flush()

    def restore(self, vote_id: int, by: str, at_us: int) -> bool:
        """Count a voided vote again; False if it was not voided."""
        live = self._s.scalars(
            select(VoteVoidRow).where(VoteVoidRow.vote_id == vote_id, VoteVoidRow.restored_us.is_(None))
        ).all()
        for v in live:
            v.restored_by, v.restored_us = by, at_us
        self._s.flush()
        return bool(live)

    def _load(self, query: Select[VoteRow]) -> list[Vote]:
        rows = list(self._s.scalars(query))
        voids: dict[int, list[Void]] = defaultdict(list)
        ids = [r.id for r in rows]
        for chunk in range(0, len(ids), 500):
            for v in self._s.scalars(
                select(VoteVoidRow)
                .where(VoteVoidRow.vote_id.in_(ids[chunk : chunk + 500]))
                .order_by(VoteVoidRow.id)
            ):
                voids[v.vote_id].append(
                    Void(
                        by=v.voided_by,
                        at_us=v.voided_us,
                        why=v.why,
                        restored_by=v.restored_by,
                        restored_us=v.restored_us,
                    )
                )
        return [
            Vote(
                id=r.id,
                category_id=r.category_id,
                start_no=r.start_no,
                cast_us=r.cast_us,
                voter=r.voter,
                device=r.device or "",
                address=r.address,
                voids=tuple(voids[r.id]),
            )
            for r in rows
        ]
