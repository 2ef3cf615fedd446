"""The juried awards' use cases (issue 13): the organiser defines an award, opens, closes and reveals its
vote and settles a tie; each juror casts one secret ballot and may change it until the vote closes.

The counting rules are domain/ballots.py's. What this module adds is the sealing, in one place:
- while a round is open nobody sees a count, only how many ballots are cast (`OrganiserView`);
- once it is closed, the organiser sees the count (to settle a tie), nobody else;
- the public sees the winners and the jurors' reasons once the organiser reveals them (`revealed`), and
  the jurors' names only if the organiser ticked "show jurors' names";
- a juror sees their own ballot and nobody else's, ever (`juror_view`).
No other function here returns a ballot or a count.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from miglia.domain.accounts import ROLE_LABELS, User
from miglia.domain.ballots import (
    MAX_WHY,
    Award,
    AwardState,
    Ballot,
    Casting,
    Method,
    Outcome,
    Round,
    Tie,
    TieRule,
    check_choices,
    check_definition,
    outcome,
)
from miglia.domain.entries import Entry
from miglia.domain.errors import InvalidInput, MigliaError
from miglia.service.accounts import users
from miglia.service.clock import now_us
from miglia.service.event import events
from miglia.store.db import Database
from miglia.store.unit_of_work import UnitOfWork


class NotAJuror(MigliaError):
    """The user holds none of the award's jurors' roles (the web answers 403)."""


@dataclass(frozen=True)
class WinnerRecord:
    """One winner of a revealed award, for the certificates (a PDF per award winner) and the public page.

    `reasons` are the jurors' reasons for this entrant, from the ballots that counted (every round), in
    the order they were cast, each once; `jurors` names the juror of each reason, in the same order, only
    when the organiser ticked "show jurors' names" (else it is empty)."""

    award_id: int
    award_name: str
    description: str
    start_no: int
    car: str
    """The car's title, e.g. "1930 Alfa Romeo 6C 1750 Gran Sport" ("" if the entry is gone)."""
    driver: str
    co_driver: str
    reasons: tuple[str, ...]
    jurors: tuple[str, ...]
    revealed_us: int


@dataclass(frozen=True)
class OrganiserView:
    """What the organiser sees of an award: how many ballots the current round holds, and the count
    (`outcome`) only once the round is closed."""

    award: Award
    ballots_cast: int
    jurors: int
    """Accounts holding one of the award's roles."""
    outcome: Outcome | None
    """None while the vote is not open yet or a round is open (sealed)."""


@dataclass(frozen=True)
class JurorView:
    """A juror's own ballot page: the round, the entrants to choose from, and the juror's current ballot."""

    award: Award
    round: Round | None
    """The latest round (None before the vote opens)."""
    candidates: tuple[Entry, ...]
    mine: Ballot | None
    """The juror's current ballot in this round."""
    changes: int
    """How many times the juror changed it (ballots withdrawn)."""
    own_car: int | None


def _event_id(uow: UnitOfWork) -> int:
    return events.event_row(uow).id


def _award(uow: UnitOfWork, award_id: int, *, lock: bool = False) -> Award:
    found = uow.awards.get(_event_id(uow), award_id, lock=lock)
    if found is None:
        raise events.NotFound(f"award {award_id}: there is no such award")
    return found


def _accepted(uow: UnitOfWork) -> list[Entry]:
    return [e for e in events.entries(uow, _event_id(uow)) if e.accepted]


def _closed_rounds(award: Award) -> list[Round]:
    return [r for r in award.rounds if not r.is_open]


def _outcome(uow: UnitOfWork, award: Award) -> Outcome:
    """The count of the award's closed rounds. Only for the organiser after closing and for the reveal."""
    rounds = _closed_rounds(award)
    ballots = [b for b in uow.awards.ballots(award.id) if any(b.round == r.number for r in rounds)]
    return outcome(award.method, award.tie_rule, rounds, ballots, award.castings)


def _where(award: Award) -> str:
    return f"award {award.name!r}"


# -- the organiser -------------------------------------------------------------------------------------


def define(
    db: Database,
    by: str,
    *,
    name: str,
    description: str = "",
    winners: int,
    roles: Iterable[str],
    method: str,
    tie_rule: str,
    show_names: bool = False,
) -> Award:
    """A new award, not open yet; bad input is refused naming the field and the value."""
    clean, text, n, chosen, the_method, rule = check_definition(
        name, description, winners, roles, method, tie_rule
    )
    with db.unit_of_work() as uow:
        event_id = _event_id(uow)
        if uow.awards.id_of_name(event_id, clean) is not None:
            raise InvalidInput("award", "name", clean, "there is an award of this name already")
        award_id = uow.awards.add(
            event_id,
            name=clean,
            description=text,
            winners=n,
            roles=chosen,
            method=the_method,
            tie_rule=rule,
            show_names=show_names,
            by=by,
            at_us=now_us(),
        )
        return _award(uow, award_id)


def change(
    db: Database,
    award_id: int,
    *,
    name: str,
    description: str = "",
    winners: int,
    roles: Iterable[str],
    method: str,
    tie_rule: str,
    show_names: bool = False,
) -> Award:
    """Change an award's definition: all of it until the vote opens; then only its name, description and
    whether the jurors' names are shown; nothing once revealed."""
    clean, text, n, chosen, the_method, rule = check_definition(
        name, description, winners, roles, method, tie_rule
    )
    with db.unit_of_work() as uow:
        award = _award(uow, award_id, lock=True)
        where = _where(award)
        if award.state is AwardState.REVEALED:
            raise InvalidInput(where, "state", award.state.value, "revealed: the award is final")
        if award.state is not AwardState.DRAFT:
            fixed = {
                "winners": (award.winners, n),
                "jurors": (award.roles, chosen),
                "method": (award.method, the_method),
                "tie rule": (award.tie_rule, rule),
            }
            for field, (old, new) in fixed.items():
                if old != new:
                    shown = ", ".join(new) if isinstance(new, tuple) else str(new)
                    raise InvalidInput(where, field, shown, f"fixed once the vote opened (it is {old!s})")
        other = uow.awards.id_of_name(_event_id(uow), clean)
        if other is not None and other != award_id:
            raise InvalidInput(where, "name", clean, "there is an award of this name already")
        uow.awards.change(
            award_id,
            name=clean,
            description=text,
            winners=n,
            roles=chosen,
            method=the_method,
            tie_rule=rule,
            show_names=show_names,
        )
        return _award(uow, award_id)


def open_vote(db: Database, award_id: int, by: str) -> Award:
    """Open the vote (round 1, among every accepted entry): jurors may cast their ballots."""
    with db.unit_of_work() as uow:
        award = _award(uow, award_id, lock=True)
        if award.state is not AwardState.DRAFT:
            raise InvalidInput(_where(award), "state", award.state.value, "the vote has opened already")
        if not _accepted(uow):
            raise InvalidInput(_where(award), "entries", 0, "no accepted entry to vote for")
        uow.awards.open_round(award_id, 1, award.winners, None, by, now_us())
        return _award(uow, award_id)


def close_vote(db: Database, award_id: int, by: str) -> Award:
    """Close the open round: no more ballots or changes; the organiser sees the count."""
    with db.unit_of_work() as uow:
        award = _award(uow, award_id, lock=True)
        current = award.current_round
        if award.state is not AwardState.OPEN or current is None:
            raise InvalidInput(_where(award), "state", award.state.value, "no vote is open")
        uow.awards.close_round(award_id, current.number, by, now_us())
        return _award(uow, award_id)


def open_runoff(db: Database, award_id: int, by: str) -> Award:
    """Open a run-off round among the tied for the seats left (the award's rule must allow one)."""
    with db.unit_of_work() as uow:
        award = _award(uow, award_id, lock=True)
        tie = _tie_to_settle(uow, award)
        if not tie.runoff:
            raise InvalidInput(_where(award), "tie rule", award.tie_rule.value, "ties go to a casting choice")
        uow.awards.open_round(award_id, len(award.rounds) + 1, tie.seats, tie.tied, by, now_us())
        return _award(uow, award_id)


def settle(db: Database, award_id: int, chosen: Sequence[int], by: str, why: str) -> Award:
    """The organiser's casting choice among the tied (exactly the seats left), with why; recorded."""
    with db.unit_of_work() as uow:
        award = _award(uow, award_id, lock=True)
        where = _where(award)
        tie = _tie_to_settle(uow, award)
        if not tie.casting:
            raise InvalidInput(where, "tie rule", award.tie_rule.value, "this tie goes to a run-off ballot")
        picked = list(dict.fromkeys(chosen))
        strangers = [n for n in picked if n not in tie.tied]
        if strangers:
            raise InvalidInput(where, "chosen", strangers[0], "not among the tied")
        if len(picked) != tie.seats:
            tied = ", ".join(map(str, tie.tied))
            raise InvalidInput(where, "chosen", len(picked), f"pick {tie.seats} of the tied ({tied})")
        reason = " ".join(why.split())
        if not reason or len(reason) > MAX_WHY:
            raise InvalidInput(where, "why", why, f"say why (1-{MAX_WHY} characters): it is recorded")
        casting = Casting(round=tie.after_round, chosen=tuple(picked), by=by, at_us=now_us(), why=reason)
        uow.awards.add_casting(award_id, casting)
        return _award(uow, award_id)


def _tie_to_settle(uow: UnitOfWork, award: Award) -> Tie:
    if award.state is not AwardState.CLOSED:
        raise InvalidInput(_where(award), "state", award.state.value, "close the vote first")
    tie = _outcome(uow, award).tie
    if tie is None:
        raise InvalidInput(_where(award), "tie", "none", "the count has no tie to settle")
    return tie


def reveal(db: Database, award_id: int, by: str) -> Award:
    """Reveal the winners and the reasons at the prize-giving: public from now on, for good."""
    with db.unit_of_work() as uow:
        award = _award(uow, award_id, lock=True)
        if award.state is not AwardState.CLOSED:
            raise InvalidInput(_where(award), "state", award.state.value, "close the vote before the reveal")
        tie = _outcome(uow, award).tie
        if tie is not None:
            tied = ", ".join(map(str, tie.tied))
            raise InvalidInput(_where(award), "tie", tied, "settle the tie at the cut-off place first")
        uow.awards.reveal(award_id, by, now_us())
        return _award(uow, award_id)


def organiser_list(uow: UnitOfWork) -> list[OrganiserView]:
    return [organiser_view(uow, a.id) for a in uow.awards.all(_event_id(uow))]


def organiser_view(uow: UnitOfWork, award_id: int) -> OrganiserView:
    """The organiser's view: how many ballots are cast; the count only once the round is closed."""
    award = _award(uow, award_id)
    current = award.current_round
    cast = 0 if current is None else uow.awards.current_count(award_id, current.number)
    jurors = sum(award.may_vote(u.role) for u in users.all_users(uow))
    sealed = award.state in (AwardState.DRAFT, AwardState.OPEN)
    return OrganiserView(
        award=award, ballots_cast=cast, jurors=jurors, outcome=None if sealed else _outcome(uow, award)
    )


# -- the jurors ----------------------------------------------------------------------------------------


def _check_juror(award: Award, user: User) -> None:
    if not award.may_vote(user.role):
        roles = ", ".join(ROLE_LABELS[r].lower() for r in award.roles)
        raise NotAJuror(
            f"{_where(award)}: its jurors are {roles}; you are signed in as {user.role_label.lower()}"
        )


def juror_view(uow: UnitOfWork, award_id: int, user: User) -> JurorView:
    """A juror's ballot page for an award: the entrants of the latest round and the juror's own ballot."""
    award = _award(uow, award_id)
    _check_juror(award, user)
    current = award.current_round
    entries = _accepted(uow)
    if current is not None and current.candidates is not None:
        entries = [e for e in entries if e.start_no in current.candidates]
    mine: Ballot | None = None
    changes = 0
    if current is not None:
        held = uow.awards.ballots(award_id, round=current.number, juror=user.username)
        mine = next((b for b in reversed(held) if b.current), None)
        changes = sum(not b.current for b in held)
    own = user.start_no if user.role == "crew" else None
    return JurorView(
        award=award, round=current, candidates=tuple(entries), mine=mine, changes=changes, own_car=own
    )


def ballot_list(uow: UnitOfWork, user: User) -> list[JurorView]:
    """The awards this user is a juror of, once their vote has opened (open ones first)."""
    views = [
        juror_view(uow, a.id, user)
        for a in uow.awards.all(_event_id(uow))
        if a.may_vote(user.role) and a.state is not AwardState.DRAFT
    ]
    return sorted(views, key=lambda v: v.award.state is not AwardState.OPEN)


def cast_ballot(db: Database, award_id: int, user: User, choices: Sequence[tuple[int, str]]) -> Ballot:
    """The juror's ballot in the open round (replacing their earlier one, which is kept, withdrawn)."""
    with db.unit_of_work() as uow:
        award = _award(uow, award_id, lock=True)
        _check_juror(award, user)
        where = f"ballot for {award.name!r}"
        current = award.current_round
        if award.state is not AwardState.OPEN or current is None:
            raise InvalidInput(where, "vote", award.state.label.lower(), "the vote is not open")
        candidates = current.candidates or tuple(e.start_no for e in _accepted(uow))
        checked = check_choices(
            where,
            choices,
            seats=current.seats,
            candidates=set(candidates),
            own_car=user.start_no if user.role == "crew" else None,
            runoff=current.runoff,
        )
        return uow.awards.cast(award_id, current.number, user.username, checked, now_us())


# -- the public, after the reveal -------------------------------------------------------------------------


def public_awards(uow: UnitOfWork) -> list[tuple[Award, list[WinnerRecord]]]:
    """Every award whose vote has opened, with its winners once revealed (none before: sealed)."""
    winners = revealed_winners(uow)
    return [
        (a, [w for w in winners if w.award_id == a.id])
        for a in uow.awards.all(_event_id(uow))
        if a.state is not AwardState.DRAFT
    ]


def public_award(uow: UnitOfWork, award_id: int) -> tuple[Award, list[WinnerRecord]]:
    award = _award(uow, award_id)
    if award.state is AwardState.DRAFT:
        raise events.NotFound(f"award {award_id}: there is no such award")
    return award, [w for w in revealed_winners(uow) if w.award_id == award_id]


def revealed_winners(uow: UnitOfWork) -> list[WinnerRecord]:
    """The winners of every revealed award (awards in the order defined, winners by start number), with
    the jurors' reasons (see `WinnerRecord`). Nothing of an award not revealed."""
    entries = {e.start_no: e for e in events.entries(uow, _event_id(uow))}
    out: list[WinnerRecord] = []
    for award in uow.awards.all(_event_id(uow)):
        if award.revealed_us is None:
            continue
        result = _outcome(uow, award)
        counted_ballots = [b for b in uow.awards.ballots(award.id) if b.current]
        for start_no in sorted(result.winners):
            given: dict[tuple[str, str], None] = {}
            for b in counted_ballots:
                for c in b.choices:
                    if c.start_no == start_no:
                        given.setdefault((b.juror, c.reason))
            entry = entries.get(start_no)
            out.append(
                WinnerRecord(
                    award_id=award.id,
                    award_name=award.name,
                    description=award.description,
                    start_no=start_no,
                    car=entry.car.title if entry else "",
                    driver=entry.crew.driver if entry else "",
                    co_driver=entry.crew.co_driver if entry else "",
                    reasons=tuple(reason for _, reason in given),
                    jurors=tuple(juror for juror, _ in given) if award.show_names else (),
                    revealed_us=award.revealed_us,
                )
            )
    return out


# -- the command ---------------------------------------------------------------------------------------


def count_lines(db: Database, name: str) -> list[str] | None:
    """The count of the award named `name` as `entry,start_no,votes` lines (CSV), best first: the first
    round's ballots (approval) or points (Borda) for every entrant some ballot named, a tie settled by a
    run-off or a casting choice shown in its order. None if there is no such award; refused (an error
    naming the award) while its vote is not closed: the count is sealed."""
    with db.unit_of_work() as uow:
        found = uow.events.find()
        if found is None:
            return None
        award_id = uow.awards.id_of_name(found.id, " ".join(name.split()))
        if award_id is None:
            return None
        award = _award(uow, award_id)
        if award.state in (AwardState.DRAFT, AwardState.OPEN):
            raise InvalidInput(
                _where(award), "state", award.state.value, "the count is sealed until the vote closes"
            )
        result = _outcome(uow, award)
        entries = {e.start_no: e for e in events.entries(uow, found.id)}
    first = {s.start_no: s.points for s in result.stages[0].tally.scores} if result.stages else {}
    lines = []
    for start_no in result.places:
        buffer = io.StringIO()
        entry = entries.get(start_no)
        csv.writer(buffer, lineterminator="").writerow(
            [entry.car.title if entry else "", start_no, first.get(start_no, 0)]
        )
        lines.append(buffer.getvalue())
    return lines


# -- the demo ------------------------------------------------------------------------------------------

FIVE_WATCHES = "Spirit of the Mille Miglia"
MECHANICS_FAVOURITE = "Mechanics' favourite"
DEMO_JURORS = (
    ("mech-anna", "mechanic"),
    ("mech-ben", "mechanic"),
    ("sweep-carla", "mechanic"),
    ("staff-dario", "marshal"),
    ("staff-elena", "timekeeper"),
    ("staff-fabio", "marshal"),
)
"""The demo's jurors (password: demo_password(name)): mechanics, the sweep and staff at controls."""


def demo_password(username: str) -> str:
    """The demo's password of an account, the rule of service/demo.py (`demo_password`), written here since
    the demo imports this module (tests/service/awards/test_juries.py checks that the two agree)."""
    return f"{username}-demo"


_REASONS = (
    "Lost a fan belt on the climb and fitted a spare by the roadside without a word of complaint.",
    "Waited for a stranded crew at the pass and towed them to the next control.",
    "Drove every mile with the hood down, rain included, and still thanked every marshal.",
    "Kept a {year} car running sweetly on roads that shook newer ones apart.",
    "Shared their tools and their coffee with half the field at the fuel stop.",
    "Arrived last at the hotel every night because they stopped to help someone.",
    "The {make} boiled on the valley floor; they nursed it home on a jug of water and good humour.",
    "Always on time at the controls, always a smile for the sweep.",
    "Gave a ride to a marshal whose car would not start at dawn.",
    "Took the mountain roads exactly as the old Mille Miglia crews did: with heart.",
)
_RUNOFF_REASONS = (
    "Never once asked for help on the road, and gave it more than anyone.",
    "The spirit of the event in one car: generous, cheerful, unstoppable.",
    "Pushed their own car the last mile into the control and laughed about it at dinner.",
    "Stayed behind at the pass until the sweep had every car accounted for.",
    "Lent their jack to a rival and lost two places for it, gladly.",
    "Thanked every marshal by name, at every control, on all four days.",
)
# Which of the eight chosen cars (A..H = 0..7) each juror names for the five watches: the first round
# counts A 6, B 5, C 4, D 4, E 3, F 3, G 2, H 1 (D 4 after Ben changed his ballot), so four win at once
# and E and F are tied for the fifth watch; the run-off gives it to E, 4 ballots to 2.
_FIRST_ROUND = {
    "mech-anna": (0, 1, 2, 4, 6),
    "mech-ben": (0, 1, 3, 5, 7),
    "sweep-carla": (0, 1, 2, 3, 4),
    "staff-dario": (0, 2, 3, 5),
    "staff-elena": (0, 1, 2, 3, 6),
    "staff-fabio": (0, 1, 4, 5),
}
_BEN_FIRST_THOUGHT = (0, 1, 5, 6, 7)
_RUNOFF = {
    "mech-anna": 4,
    "mech-ben": 5,
    "sweep-carla": 4,
    "staff-dario": 4,
    "staff-elena": 5,
    "staff-fabio": 4,
}


def _demo_ballot(
    db: Database, award_id: int, juror: User, cars: Sequence[tuple[int, Entry]], texts: Sequence[str]
) -> None:
    """A demo juror's ballot: each car (its index among the chosen, its entry) with a reason, different
    jurors giving different reasons for the same car."""
    j = sorted(_FIRST_ROUND).index(juror.username) if juror.username in _FIRST_ROUND else 0
    choices = [
        (e.start_no, texts[(3 * i + j) % len(texts)].format(year=e.car.year, make=e.car.make))
        for i, e in cars
    ]
    cast_ballot(db, award_id, juror, choices)


def seed_demo_awards(db: Database, rng_seed: int = 1927) -> str:
    """The demo's juried awards, on the demo database (service/demo.py): the jurors' accounts
    (DEMO_JURORS), the five watches ("Spirit of the Mille Miglia", 5 winners, approval, mechanics and
    staff, ties to a run-off) voted, a tie at fifth place settled by a run-off, closed and revealed; and
    "Mechanics' favourite" (1 winner, Borda, mechanics) left open, two ballots in, for the demo's
    `mechanic` account to cast the third. Returns a one-line summary."""
    rng = random.Random(rng_seed)
    with db.unit_of_work() as uow:
        known = {u.username for u in users.all_users(uow)}
        entries = _accepted(uow)
        existing = uow.awards.id_of_name(_event_id(uow), FIVE_WATCHES)
    if existing is not None:
        return f"juried awards: {FIVE_WATCHES!r} is there already"
    for name, role in DEMO_JURORS:
        if name not in known:
            users.add_user(db, name, role, demo_password(name))
    with db.unit_of_work() as uow:
        jurors = {u.username: u for u in users.all_users(uow)}
    chosen = list(enumerate(rng.sample(entries, 8)))
    reasons = list(_REASONS)
    rng.shuffle(reasons)
    organiser = "organiser"
    watches = define(
        db,
        organiser,
        name=FIVE_WATCHES,
        description=(
            "Five chronographs from the presenting sponsor for five extraordinary entrants, chosen by the "
            "mechanics, the sweep and the staff who saw them on the road."
        ),
        winners=5,
        roles=("mechanic", "timekeeper", "marshal"),
        method=Method.APPROVAL.value,
        tie_rule=TieRule.RUNOFF.value,
    )
    open_vote(db, watches.id, organiser)
    for who, picks in _FIRST_ROUND.items():
        if who == "mech-ben":  # Ben changes his mind before the close: his first ballot is withdrawn
            _demo_ballot(db, watches.id, jurors[who], [chosen[i] for i in _BEN_FIRST_THOUGHT], reasons)
        _demo_ballot(db, watches.id, jurors[who], [chosen[i] for i in picks], reasons)
    close_vote(db, watches.id, organiser)
    open_runoff(db, watches.id, organiser)
    for who, pick in _RUNOFF.items():
        _demo_ballot(db, watches.id, jurors[who], [chosen[pick]], _RUNOFF_REASONS)
    close_vote(db, watches.id, organiser)
    reveal(db, watches.id, organiser)
    favourite = define(
        db,
        organiser,
        name=MECHANICS_FAVOURITE,
        description="The car the mechanics most enjoyed looking after on the road: each names one.",
        winners=1,
        roles=("mechanic",),
        method=Method.BORDA.value,
        tie_rule=TieRule.CASTING.value,
    )
    open_vote(db, favourite.id, organiser)
    pool = list(enumerate(e for e in entries if e not in dict(chosen).values()))
    for who in ("mech-anna", "sweep-carla"):
        _demo_ballot(db, favourite.id, jurors[who], rng.sample(pool, 1), reasons)
    with db.unit_of_work() as uow:
        won = [w.start_no for w in revealed_winners(uow) if w.award_id == watches.id]
    return (
        f"juried awards: {FIVE_WATCHES!r} revealed (cars {', '.join(map(str, won))}; a run-off for the fifth "
        f"watch), {MECHANICS_FAVOURITE!r} open for the mechanics ({len(DEMO_JURORS)} jurors' accounts)"
    )
