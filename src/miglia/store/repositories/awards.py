"""The juried awards as stored: each award's definition, its rounds (opened and closed, who and when), the
jurors' ballots (a changed ballot is a new one, the earlier withdrawn and kept) and the casting choices.

What comes back are the domain's frozen objects (domain/ballots.py). This layer keeps no secret itself:
the use cases (service/awards/juries.py) decide who may read a ballot or a count, and when.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from miglia.domain.ballots import Award, Ballot, Casting, Choice, Method, Round, TieRule
from miglia.store.models import AwardBallotRow, AwardCastingRow, AwardChoiceRow, AwardRoundRow, AwardRow


def _round(r: AwardRoundRow) -> Round:
    return Round(
        number=r.number,
        seats=r.seats,
        candidates=None if r.candidates is None else tuple(r.candidates),
        opened_by=r.opened_by,
        opened_us=r.opened_us,
        closed_by=r.closed_by,
        closed_us=r.closed_us,
    )


def _casting(c: AwardCastingRow) -> Casting:
    return Casting(round=c.round, chosen=tuple(c.chosen), by=c.decided_by, at_us=c.decided_us, why=c.why)


class AwardRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    # -- the awards --------------------------------------------------------------------------------------

    def add(
        self,
        event_id: int,
        *,
        name: str,
        description: str,
        winners: int,
        roles: Sequence[str],
        method: Method,
        tie_rule: TieRule,
        show_names: bool,
        by: str,
        at_us: int,
    ) -> int:
        row = AwardRow(
            event_id=event_id,
            name=name,
            description=description,
            winners=winners,
            roles=list(roles),
            method=method.value,
            tie_rule=tie_rule.value,
            show_names=show_names,
            created_by=by,
            created_us=at_us,
        )
        self._s.add(row)
        self._s.flush()
        return row.id

    def change(
        self,
        award_id: int,
        *,
        name: str,
        description: str,
        winners: int,
        roles: Sequence[str],
        method: Method,
        tie_rule: TieRule,
        show_names: bool,
    ) -> None:
        row = self._s.get_one(AwardRow, award_id)
        row.name, row.description, row.winners, row.roles = name, description, winners, list(roles)
        row.method, row.tie_rule, row.show_names = method.value, tie_rule.value, show_names

    def id_of_name(self, event_id: int, name: str) -> int | None:
        """The award of this name, whatever its case ("spirit of the mille" is "Spirit of the Mille")."""
        return self._s.scalar(
            select(AwardRow.id).where(
                AwardRow.event_id == event_id, func.lower(AwardRow.name) == name.lower()
            )
        )

    def get(self, event_id: int, award_id: int, *, lock: bool = False) -> Award | None:
        """One award with its rounds and castings; `lock` holds its row to the end of the transaction (a
        juror's ballot or the organiser's step waits for another on the same award: PostgreSQL)."""
        query = select(AwardRow).where(AwardRow.event_id == event_id, AwardRow.id == award_id)
        if lock:
            query = query.with_for_update()
        found = self._load(self._s.scalars(query).all())
        return found[0] if found else None

    def all(self, event_id: int) -> list[Award]:
        """The event's awards in the order they were defined."""
        return self._load(
            self._s.scalars(select(AwardRow).where(AwardRow.event_id == event_id).order_by(AwardRow.id)).all()
        )

    def reveal(self, award_id: int, by: str, at_us: int) -> None:
        row = self._s.get_one(AwardRow, award_id)
        row.revealed_by, row.revealed_us = by, at_us

    # -- the rounds and the casting choices ------------------------------------------------------------

    def open_round(
        self, award_id: int, number: int, seats: int, candidates: Sequence[int] | None, by: str, at_us: int
    ) -> None:
        self._s.add(
            AwardRoundRow(
                award_id=award_id,
                number=number,
                seats=seats,
                candidates=None if candidates is None else list(candidates),
                opened_by=by,
                opened_us=at_us,
            )
        )
        self._s.flush()

    def close_round(self, award_id: int, number: int, by: str, at_us: int) -> None:
        self._s.execute(
            update(AwardRoundRow)
            .where(AwardRoundRow.award_id == award_id, AwardRoundRow.number == number)
            .values(closed_by=by, closed_us=at_us)
        )

    def add_casting(self, award_id: int, casting: Casting) -> None:
        self._s.add(
            AwardCastingRow(
                award_id=award_id,
                round=casting.round,
                chosen=list(casting.chosen),
                decided_by=casting.by,
                decided_us=casting.at_us,
                why=casting.why,
            )
        )
        self._s.flush()

    # -- the ballots -----------------------------------------------------------------------------------

    def cast(self, award_id: int, round: int, juror: str, choices: Iterable[Choice], at_us: int) -> Ballot:
        """A juror's ballot in a round; the juror's current one, if any, is withdrawn (kept)."""
        self._s.execute(
            update(AwardBallotRow)
            .where(
                AwardBallotRow.award_id == award_id,
                AwardBallotRow.round == round,
                AwardBallotRow.juror == juror,
                AwardBallotRow.withdrawn_us.is_(None),
            )
            .values(withdrawn_us=at_us)
        )
        row = AwardBallotRow(award_id=award_id, round=round, juror=juror, cast_us=at_us)
        self._s.add(row)
        self._s.flush()
        chosen = tuple(choices)
        self._s.add_all(
            AwardChoiceRow(ballot_id=row.id, rank=rank, start_no=c.start_no, reason=c.reason)
            for rank, c in enumerate(chosen, 1)
        )
        self._s.flush()
        return Ballot(id=row.id, juror=juror, choices=chosen, cast_us=at_us, round=round)

    def ballots(self, award_id: int, *, round: int | None = None, juror: str | None = None) -> list[Ballot]:
        """The award's ballots, withdrawn ones included, in the order they were cast (of one round, or one
        juror, when asked)."""
        query = select(AwardBallotRow).where(AwardBallotRow.award_id == award_id)
        if round is not None:
            query = query.where(AwardBallotRow.round == round)
        if juror is not None:
            query = query.where(AwardBallotRow.juror == juror)
        rows = self._s.scalars(query.order_by(AwardBallotRow.id)).all()
        if not rows:
            return []
        choices: dict[int, list[Choice]] = defaultdict(list)
        for c in self._s.scalars(
            select(AwardChoiceRow)
            .where(AwardChoiceRow.ballot_id.in_([r.id for r in rows]))
            .order_by(AwardChoiceRow.ballot_id, AwardChoiceRow.rank)
        ):
            choices[c.ballot_id].append(Choice(start_no=c.start_no, reason=c.reason))
        return [
            Ballot(
                id=r.id,
                juror=r.juror,
                choices=tuple(choices[r.id]),
                cast_us=r.cast_us,
                round=r.round,
                withdrawn_us=r.withdrawn_us,
            )
            for r in rows
        ]

    def current_count(self, award_id: int, round: int) -> int:
        """How many jurors hold a current ballot in the round (all anyone sees while it is open)."""
        return int(
            self._s.scalar(
                select(func.count())
                .select_from(AwardBallotRow)
                .where(
                    AwardBallotRow.award_id == award_id,
                    AwardBallotRow.round == round,
                    AwardBallotRow.withdrawn_us.is_(None),
                )
            )
            or 0
        )

    def _load(self, rows: Sequence[AwardRow]) -> list[Award]:
        if not rows:
            return []
        ids = [r.id for r in rows]
        rounds: dict[int, list[Round]] = defaultdict(list)
        for rr in self._s.scalars(
            select(AwardRoundRow)
            .where(AwardRoundRow.award_id.in_(ids))
            .order_by(AwardRoundRow.award_id, AwardRoundRow.number)
        ):
            rounds[rr.award_id].append(_round(rr))
        castings: dict[int, list[Casting]] = defaultdict(list)
        for c in self._s.scalars(
            select(AwardCastingRow)
            .where(AwardCastingRow.award_id.in_(ids))
            .order_by(AwardCastingRow.award_id, AwardCastingRow.round)
        ):
            castings[c.award_id].append(_casting(c))
        return [
            Award(
                id=r.id,
                name=r.name,
                description=r.description,
                winners=r.winners,
                roles=tuple(r.roles),
                method=Method(r.method),
                tie_rule=TieRule(r.tie_rule),
                show_names=r.show_names,
                created_by=r.created_by,
                created_us=r.created_us,
                revealed_by=r.revealed_by,
                revealed_us=r.revealed_us,
                rounds=tuple(rounds[r.id]),
                castings=tuple(castings[r.id]),
            )
            for r in rows
        ]
