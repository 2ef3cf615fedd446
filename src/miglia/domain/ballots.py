"""Juried awards: the jurors' secret ballots and how they are counted (issue 13).

An award ("Spirit of the Mille Miglia", 5 winners) is voted by the holders of the roles the organiser
names (mechanics and the sweep, the staff, the crews). Each juror casts one ballot a round: up to `seats`
entrants, each with a short reason. A juror may change a ballot until the round closes; the earlier one
is kept, withdrawn, and counts zero times.

Counting (`tally`), over the current (not withdrawn) ballots of a round:
- approval: each entrant a ballot names gets 1 point (the number of ballots naming it);
- Borda: the ballot is a ranking; the entrant ranked r (1 = first) on a ballot of a round with N seats
  gets N - r + 1 points (first N points, N-th 1 point); unnamed entrants get nothing.
Entrants are listed most points first, then by start number.

The cut (`cut`): the N entrants with the most points win. When the N-th and the (N+1)-th have as many
points, the entrants with more points than them win at once and those at the cut-off place are *tied* for
the seats left. In the first round only entrants some ballot named can win: when fewer than N entrants got
any point, they all win and the award has fewer winners. In a run-off every tied entrant is a candidate,
named or not.

The tie rule (`TieRule`), stated with the award:
- run-off: a new round of ballots among the tied only, for the seats left (rounds are numbered 1, 2, ...),
  counted by the same method; a run-off that ties again gets another run-off, or the organiser's casting
  choice (a tie that survives a run-off may be settled either way);
- casting: the organiser picks the seats left among the tied, recorded with who, when and why.

`outcome` puts it together: the winners in the order they were secured (each round's by points, a
casting choice's as the organiser gave them), and the tie still to settle, if any.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from miglia.domain.errors import InvalidInput

JUROR_ROLES = ("mechanic", "timekeeper", "marshal", "organiser", "crew", "photographer")
"""The roles an award may give a vote to (domain/accounts.py names them)."""
MAX_NAME = 120
MAX_DESCRIPTION = 1000
MAX_WINNERS = 50
MAX_REASON = 300
"""Characters of a juror's reason for one entrant."""
MAX_WHY = 500
"""Characters of the organiser's reason for a casting choice."""


class Method(StrEnum):
    APPROVAL = "approval"
    """Each ballot names up to N entrants; an entrant's points are the ballots naming it."""
    BORDA = "borda"
    """Each ballot ranks up to N entrants; rank r of N gets N - r + 1 points."""

    @property
    def label(self) -> str:
        return "Approval (most ballots)" if self is Method.APPROVAL else "Borda (jurors rank)"

    @property
    def unit(self) -> str:
        """What a count of this method is made of: ballots naming the entrant, or points."""
        return "votes" if self is Method.APPROVAL else "points"


class TieRule(StrEnum):
    RUNOFF = "runoff"
    """A new round of ballots among the tied only."""
    CASTING = "casting"
    """The organiser picks among the tied (recorded with who, when and why)."""

    @property
    def label(self) -> str:
        return (
            "A run-off ballot among the tied" if self is TieRule.RUNOFF else "The organiser's casting choice"
        )


class AwardState(StrEnum):
    DRAFT = "draft"
    """Defined, not open yet: the definition may still change."""
    OPEN = "open"
    """A round is open: jurors cast and change their ballots. Nobody sees a count, only how many."""
    CLOSED = "closed"
    """The last round is closed: the organiser sees the count and settles a tie."""
    REVEALED = "revealed"
    """Revealed at the prize-giving: the winners and the jurors' reasons are public, for good."""

    @property
    def label(self) -> str:
        return _STATE_LABELS[self]


_STATE_LABELS = {
    AwardState.DRAFT: "Not open yet",
    AwardState.OPEN: "Voting open",
    AwardState.CLOSED: "Voting closed",
    AwardState.REVEALED: "Revealed",
}


@dataclass(frozen=True, kw_only=True)
class Choice:
    """One entrant on a ballot, with the juror's reason."""

    start_no: int
    reason: str


@dataclass(frozen=True, kw_only=True)
class Ballot:
    """A juror's ballot in one round; `choices` in the juror's order (Borda: first is best)."""

    juror: str
    choices: tuple[Choice, ...]
    cast_us: int
    round: int = 1
    withdrawn_us: int | None = None
    """Set when the juror cast a new ballot in its place: a withdrawn ballot counts zero times."""
    id: int = 0

    @property
    def current(self) -> bool:
        return self.withdrawn_us is None


@dataclass(frozen=True, kw_only=True)
class Round:
    """A round of voting: the first among every entrant, a run-off among the tied for the seats left."""

    number: int
    seats: int
    candidates: tuple[int, ...] | None = None
    """The tied entrants of a run-off; None in the first round (every entrant)."""
    opened_by: str = ""
    opened_us: int = 0
    closed_by: str = ""
    closed_us: int | None = None

    @property
    def runoff(self) -> bool:
        return self.candidates is not None

    @property
    def is_open(self) -> bool:
        return self.closed_us is None


@dataclass(frozen=True, kw_only=True)
class Casting:
    """The organiser's casting choice settling the tie after round `round`."""

    round: int
    chosen: tuple[int, ...]
    by: str
    at_us: int
    why: str


@dataclass(frozen=True, kw_only=True)
class Award:
    """An award as defined, with its rounds and the reveal (who and when)."""

    id: int
    name: str
    description: str
    winners: int
    roles: tuple[str, ...]
    method: Method
    tie_rule: TieRule
    show_names: bool = False
    """Whether the public page names the juror of each reason (the organiser's choice)."""
    created_by: str = ""
    created_us: int = 0
    revealed_by: str = ""
    revealed_us: int | None = None
    rounds: tuple[Round, ...] = ()
    castings: tuple[Casting, ...] = ()

    @property
    def state(self) -> AwardState:
        if self.revealed_us is not None:
            return AwardState.REVEALED
        if not self.rounds:
            return AwardState.DRAFT
        return AwardState.OPEN if self.rounds[-1].is_open else AwardState.CLOSED

    @property
    def current_round(self) -> Round | None:
        """The latest round (open or closed); None before the vote opens."""
        return self.rounds[-1] if self.rounds else None

    def may_vote(self, role: str) -> bool:
        """Whether a user of `role` is a juror of this award (only the roles named: the organiser too)."""
        return role in self.roles


# -- checking what people type -----------------------------------------------------------------------


def check_definition(
    name: str, description: str, winners: int, roles: Iterable[str], method: str, tie_rule: str
) -> tuple[str, str, int, tuple[str, ...], Method, TieRule]:
    """An award's definition, checked; the first problem raises, naming the field and the value."""
    where = "award"
    clean = " ".join(name.split())
    if not clean or len(clean) > MAX_NAME:
        raise InvalidInput(where, "name", name, f"give the award a name (1-{MAX_NAME} characters)")
    where = f"award {clean!r}"
    text = description.strip()
    if len(text) > MAX_DESCRIPTION:
        raise InvalidInput(where, "description", f"{len(text)} characters", f"at most {MAX_DESCRIPTION}")
    if not 1 <= winners <= MAX_WINNERS:
        raise InvalidInput(where, "winners", winners, f"an award has 1 to {MAX_WINNERS} winners")
    given = list(roles)
    unknown = [r for r in given if r not in JUROR_ROLES]
    if unknown:
        raise InvalidInput(where, "jurors", unknown[0], f"expected roles among {', '.join(JUROR_ROLES)}")
    if not given:
        raise InvalidInput(where, "jurors", "", "tick at least one role whose holders vote")
    chosen = tuple(r for r in JUROR_ROLES if r in given)
    try:
        the_method = Method(method)
    except ValueError:
        raise InvalidInput(where, "method", method, "expected approval or borda") from None
    try:
        rule = TieRule(tie_rule)
    except ValueError:
        raise InvalidInput(where, "tie rule", tie_rule, "expected runoff or casting") from None
    return clean, text, winners, chosen, the_method, rule


def check_choices(
    where: str,
    choices: Sequence[tuple[int, str]],
    *,
    seats: int,
    candidates: Collection[int],
    own_car: int | None = None,
    runoff: bool = False,
) -> tuple[Choice, ...]:
    """A juror's choices (start number, reason) in their order, checked: 1 to `seats` of them, each a
    candidate named once, with a reason of 1 to MAX_REASON characters, and never the juror's own car."""
    if not choices:
        raise InvalidInput(where, "choices", 0, f"choose 1 to {seats} entrant{'s' if seats != 1 else ''}")
    if len(choices) > seats:
        raise InvalidInput(where, "choices", len(choices), f"at most {seats} on this ballot")
    seen: set[int] = set()
    out = []
    for i, (start_no, reason) in enumerate(choices, 1):
        if start_no not in candidates:
            problem = "not among the tied of this run-off" if runoff else "no accepted entry has this number"
            raise InvalidInput(where, f"choice {i} entrant", start_no, problem)
        if start_no in seen:
            raise InvalidInput(where, f"choice {i} entrant", start_no, "already on this ballot: name it once")
        if own_car is not None and start_no == own_car:
            raise InvalidInput(where, f"choice {i} entrant", start_no, "a crew may not vote for its own car")
        text = " ".join(reason.split())
        if not text:
            raise InvalidInput(where, f"choice {i} reason", reason, "say in a few words why (required)")
        if len(text) > MAX_REASON:
            raise InvalidInput(
                where, f"choice {i} reason", f"{len(text)} characters", f"at most {MAX_REASON} characters"
            )
        seen.add(start_no)
        out.append(Choice(start_no=start_no, reason=text))
    return tuple(out)


# -- counting ----------------------------------------------------------------------------------------


def points(method: Method, rank: int, seats: int) -> int:
    """The points of an entrant ranked `rank` (1 = first) on a ballot of a round with `seats` seats."""
    if method is Method.APPROVAL:
        return 1
    return seats - rank + 1


@dataclass(frozen=True, kw_only=True)
class Score:
    start_no: int
    points: int
    """Approval: the ballots naming the entrant; Borda: the sum of its points."""
    ballots: int
    """How many ballots name the entrant."""


@dataclass(frozen=True, kw_only=True)
class Tally:
    ballots: int
    """The current ballots counted (one a juror)."""
    scores: tuple[Score, ...]
    """Most points first, then by start number."""


def counted(ballots: Iterable[Ballot]) -> list[Ballot]:
    """The ballots that count: the current (not withdrawn) ones, one a juror. Should a juror hold several
    current ballots (the store prevents it), the latest counts (by the instant, then the choices)."""
    latest: dict[str, Ballot] = {}
    for b in ballots:
        if not b.current:
            continue
        held = latest.get(b.juror)
        if held is None or _later(b, held):
            latest[b.juror] = b
    return [latest[j] for j in sorted(latest)]


def _later(a: Ballot, b: Ballot) -> bool:
    def key(x: Ballot) -> tuple[int, tuple[tuple[int, str], ...]]:
        return (x.cast_us, tuple((c.start_no, c.reason) for c in x.choices))

    return key(a) > key(b)


def tally(
    method: Method, seats: int, ballots: Iterable[Ballot], candidates: Collection[int] | None = None
) -> Tally:
    """The count of a round (see the module's description). With `candidates` (a run-off) every
    candidate is listed, with 0 points when no ballot names it, and other names count for nothing."""
    counting = counted(ballots)
    total: dict[int, int] = {n: 0 for n in candidates} if candidates is not None else {}
    named: dict[int, int] = dict.fromkeys(total, 0)
    for b in counting:
        for rank, choice in enumerate(b.choices[:seats], 1):
            if candidates is not None and choice.start_no not in total:
                continue
            total[choice.start_no] = total.get(choice.start_no, 0) + points(method, rank, seats)
            named[choice.start_no] = named.get(choice.start_no, 0) + 1
    scores = sorted(
        (Score(start_no=n, points=p, ballots=named[n]) for n, p in total.items()),
        key=lambda s: (-s.points, s.start_no),
    )
    return Tally(ballots=len(counting), scores=tuple(scores))


@dataclass(frozen=True, kw_only=True)
class Cut:
    winners: tuple[int, ...]
    """Sure winners, most points first."""
    tied: tuple[int, ...] = ()
    """Entrants at the cut-off place with as many points, by start number (empty: no tie)."""
    seats: int = 0
    """How many of the tied win."""


def cut(count: Tally, seats: int, *, runoff: bool = False) -> Cut:
    """The winners of a round with `seats` seats, and the tie at the cut-off place (see the module)."""
    eligible = list(count.scores) if runoff else [s for s in count.scores if s.points > 0]
    if len(eligible) <= seats:
        return Cut(winners=tuple(s.start_no for s in eligible))
    line = eligible[seats - 1].points
    above = tuple(s.start_no for s in eligible if s.points > line)
    at = tuple(sorted(s.start_no for s in eligible if s.points == line))
    if len(above) + len(at) == seats:
        return Cut(winners=above + at)
    return Cut(winners=above, tied=at, seats=seats - len(above))


@dataclass(frozen=True, kw_only=True)
class Tie:
    """A tie at the cut-off place still to settle, after round `after_round`."""

    after_round: int
    tied: tuple[int, ...]
    seats: int
    runoff: bool
    """A run-off may settle it (the award's rule is run-off)."""
    casting: bool
    """A casting choice may settle it (the rule is casting, or a run-off tied again)."""


@dataclass(frozen=True, kw_only=True)
class Stage:
    """One closed round's count and cut, and the casting choice that settled its tie, if any."""

    round: Round
    tally: Tally
    cut: Cut
    casting: Casting | None = None


@dataclass(frozen=True, kw_only=True)
class Outcome:
    winners: tuple[int, ...]
    """The winners secured, in the order they were secured."""
    stages: tuple[Stage, ...] = ()
    tie: Tie | None = None
    """The tie still to settle (then `winners` holds fewer than the award's seats)."""
    places: tuple[int, ...] = field(default=())
    """Every entrant of the first round best first: winners in order, then the others by points."""

    @property
    def settled(self) -> bool:
        return self.tie is None


def outcome(
    method: Method,
    tie_rule: TieRule,
    rounds: Sequence[Round],
    ballots: Iterable[Ballot],
    castings: Iterable[Casting] = (),
) -> Outcome:
    """The winners of the closed `rounds` (in number order, the first among every entrant, each next one a
    run-off among the tie of the one before), and the tie left to settle. `ballots` carry their round;
    a casting choice settles the tie after its round. Inconsistent rounds or castings raise ValueError
    (the service makes them from this function's own ties)."""
    by_round: dict[int, list[Ballot]] = {}
    for b in ballots:
        by_round.setdefault(b.round, []).append(b)
    settle = {c.round: c for c in castings}
    secured: list[int] = []
    stages: list[Stage] = []
    tie: Tie | None = None
    for i, rnd in enumerate(sorted(rounds, key=lambda r: r.number)):
        if rnd.number != i + 1:
            raise ValueError(f"round {rnd.number}: rounds are numbered 1, 2, ... without gaps")
        if i == 0 and rnd.runoff:
            raise ValueError("round 1 is among every entrant")
        if i > 0:
            if tie is None:
                raise ValueError(f"round {rnd.number}: a run-off after a count with no tie left")
            if tuple(sorted(rnd.candidates or ())) != tie.tied or rnd.seats != tie.seats:
                raise ValueError(f"round {rnd.number}: a run-off is among the tied for the seats left")
            if not tie.runoff:
                raise ValueError(f"round {rnd.number}: under the casting rule there is no run-off")
        count = tally(method, rnd.seats, by_round.get(rnd.number, ()), rnd.candidates)
        the_cut = cut(count, rnd.seats, runoff=rnd.runoff)
        secured += the_cut.winners
        casting = settle.pop(rnd.number, None)
        tie = None
        if casting is not None:
            if not the_cut.tied:
                raise ValueError(f"round {rnd.number}: a casting choice where no tie is left")
            if len(set(casting.chosen)) != the_cut.seats or not set(casting.chosen) <= set(the_cut.tied):
                raise ValueError(f"round {rnd.number}: a casting choice picks {the_cut.seats} of the tied")
            if tie_rule is TieRule.RUNOFF and not rnd.runoff:
                raise ValueError("under the run-off rule a casting choice settles only a run-off's tie")
            secured += casting.chosen
        elif the_cut.tied:
            tie = Tie(
                after_round=rnd.number,
                tied=the_cut.tied,
                seats=the_cut.seats,
                runoff=tie_rule is TieRule.RUNOFF,
                casting=tie_rule is TieRule.CASTING or rnd.runoff,
            )
        stages.append(Stage(round=rnd, tally=count, cut=the_cut, casting=casting))
    if settle:
        raise ValueError(f"a casting choice for round {min(settle)}, which is not counted here")
    places = tuple(secured)
    if stages:
        places += tuple(s.start_no for s in stages[0].tally.scores if s.start_no not in secured)
    return Outcome(winners=tuple(secured), stages=tuple(stages), tie=tie, places=places)
