"""The counting of juried awards (domain/ballots.py): worked examples written out by hand, then properties
(hypothesis) of approval and Borda: the order of ballots does not matter, a ballot changed before closing
counts once, ties go to the stated rule, the winners are exactly N unless fewer entrants got a vote."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from miglia.domain.ballots import (
    Award,
    AwardState,
    Ballot,
    Casting,
    Choice,
    Cut,
    Method,
    Round,
    TieRule,
    check_choices,
    check_definition,
    counted,
    cut,
    outcome,
    points,
    tally,
)
from miglia.domain.errors import InvalidInput

APPROVAL, BORDA = Method.APPROVAL, Method.BORDA
RUNOFF, CASTING = TieRule.RUNOFF, TieRule.CASTING


def ballot(juror: str, *cars: int, at: int = 1, round: int = 1, withdrawn: int | None = None) -> Ballot:
    return Ballot(
        juror=juror,
        choices=tuple(Choice(start_no=n, reason=f"{juror} likes {n}") for n in cars),
        cast_us=at,
        round=round,
        withdrawn_us=withdrawn,
    )


def scores(count: object) -> list[tuple[int, int]]:
    return [(s.start_no, s.points) for s in count.scores]  # type: ignore[attr-defined]


# -- worked examples: 5 jurors, 7 cars, 3 winners, a tie at third ------------------------------------

# anna:  1 2 3
# ben:   1 2 4   (ben first named 6 7 4, then changed his ballot: the first is withdrawn)
# carla: 1 3 5
# dario: 2 4 6
# elena: 1 5 7
FIVE_JURORS = [
    ballot("anna", 1, 2, 3, at=10),
    ballot("ben", 6, 7, 4, at=11, withdrawn=15),
    ballot("ben", 1, 2, 4, at=15),
    ballot("carla", 1, 3, 5, at=12),
    ballot("dario", 2, 4, 6, at=13),
    ballot("elena", 1, 5, 7, at=14),
]
FIRST = Round(number=1, seats=3, closed_us=20)


def test_approval_by_hand_five_jurors_seven_cars_three_winners_tie_at_third() -> None:
    count = tally(APPROVAL, 3, FIVE_JURORS)
    # car 1: anna ben carla elena = 4; car 2: anna ben dario = 3; cars 3, 4, 5: two ballots each;
    # 6 (dario) and 7 (elena): one each. Ben's withdrawn ballot (6 7 4) counts zero times.
    assert count.ballots == 5
    assert scores(count) == [(1, 4), (2, 3), (3, 2), (4, 2), (5, 2), (6, 1), (7, 1)]
    assert cut(count, 3) == Cut(winners=(1, 2), tied=(3, 4, 5), seats=1)


def test_approval_by_hand_the_run_off_among_the_tied_settles_third_place() -> None:
    result = outcome(APPROVAL, RUNOFF, [FIRST], FIVE_JURORS)
    assert result.winners == (1, 2)
    assert result.tie is not None
    assert (result.tie.tied, result.tie.seats, result.tie.runoff, result.tie.casting) == (
        (3, 4, 5),
        1,
        True,
        False,
    )
    # Round 2 among 3, 4 and 5 for one seat: 3 gets anna's and carla's, 4 ben's, 5 dario's and elena's...
    runoff = Round(number=2, seats=1, candidates=(3, 4, 5), closed_us=40)
    second = [
        ballot("anna", 3, round=2, at=30),
        ballot("ben", 4, round=2, at=31),
        ballot("carla", 3, round=2, at=32),
        ballot("dario", 5, round=2, at=33),
        ballot("elena", 3, round=2, at=34),
    ]
    result = outcome(APPROVAL, RUNOFF, [FIRST, runoff], FIVE_JURORS + second)
    # ...and elena's: 3 has three ballots, 4 one, 5 one. Car 3 is third.
    assert scores(result.stages[1].tally) == [(3, 3), (4, 1), (5, 1)]
    assert result.winners == (1, 2, 3) and result.settled
    assert result.places == (1, 2, 3, 4, 5, 6, 7)


def test_approval_by_hand_a_run_off_that_ties_again_goes_to_another_round_or_a_casting_choice() -> None:
    runoff = Round(number=2, seats=1, candidates=(3, 4, 5), closed_us=40)
    second = [
        ballot("anna", 3, round=2),
        ballot("ben", 4, round=2),
        ballot("carla", 3, round=2),
        ballot("dario", 4, round=2),
        ballot("elena", 5, round=2),
    ]
    result = outcome(APPROVAL, RUNOFF, [FIRST, runoff], FIVE_JURORS + second)
    assert result.winners == (1, 2)
    assert result.tie is not None
    assert (result.tie.after_round, result.tie.tied, result.tie.runoff, result.tie.casting) == (
        2,
        (3, 4),
        True,
        True,
    )
    third = Round(number=3, seats=1, candidates=(3, 4), closed_us=60)
    result = outcome(
        APPROVAL, RUNOFF, [FIRST, runoff, third], [*FIVE_JURORS, *second, ballot("anna", 4, round=3)]
    )
    assert result.winners == (1, 2, 4)
    casting = Casting(round=2, chosen=(3,), by="olga", at_us=50, why="the older car")
    assert outcome(APPROVAL, RUNOFF, [FIRST, runoff], FIVE_JURORS + second, [casting]).winners == (1, 2, 3)


def test_borda_by_hand_five_jurors_seven_cars_three_winners_tie_at_third() -> None:
    # 3 seats: first 3 points, second 2, third 1.
    # car 1: 3 (anna) + 3 (ben) + 3 (carla) + 3 (elena) = 12; car 2: 2 + 2 + 3 (dario) = 7;
    # car 3: 1 (anna) + 2 (carla) = 3; car 4: 1 (ben) + 2 (dario) = 3; car 5: 1 (carla) + 2 (elena) = 3;
    # car 6: 1 (dario); car 7: 1 (elena).
    count = tally(BORDA, 3, FIVE_JURORS)
    assert scores(count) == [(1, 12), (2, 7), (3, 3), (4, 3), (5, 3), (6, 1), (7, 1)]
    assert [s.ballots for s in count.scores] == [4, 3, 2, 2, 2, 1, 1]
    result = outcome(BORDA, CASTING, [FIRST], FIVE_JURORS)
    assert result.tie is not None
    assert (result.tie.tied, result.tie.seats, result.tie.runoff, result.tie.casting) == (
        (3, 4, 5),
        1,
        False,
        True,
    )
    casting = Casting(round=1, chosen=(5,), by="olga", at_us=30, why="drove the whole route with no roof")
    result = outcome(BORDA, CASTING, [FIRST], FIVE_JURORS, [casting])
    assert result.winners == (1, 2, 5) and result.settled
    assert result.stages[0].casting == casting
    assert result.places == (1, 2, 5, 3, 4, 6, 7)


def test_borda_points_rank_r_of_n_is_n_minus_r_plus_one() -> None:
    assert [points(BORDA, r, 5) for r in range(1, 6)] == [5, 4, 3, 2, 1]
    assert [points(APPROVAL, r, 5) for r in range(1, 6)] == [1, 1, 1, 1, 1]
    # A ballot naming fewer than N still gives N to its first: truncated, not rescaled.
    assert scores(tally(BORDA, 5, [ballot("anna", 9, 8)])) == [(9, 5), (8, 4)]


def test_fewer_entrants_with_a_vote_than_seats_all_win_and_no_tie() -> None:
    result = outcome(APPROVAL, RUNOFF, [FIRST], [ballot("anna", 4), ballot("ben", 4, 6)])
    assert result.winners == (4, 6) and result.settled


def test_a_tie_exactly_at_the_seats_is_no_tie() -> None:
    count = tally(APPROVAL, 3, [ballot("a", 1, 2, 3)])
    assert cut(count, 3) == Cut(winners=(1, 2, 3))


def test_no_ballots_no_winners() -> None:
    assert outcome(APPROVAL, RUNOFF, [FIRST], []).winners == ()


def test_a_run_off_nobody_votes_in_ties_again_among_all_its_candidates() -> None:
    runoff = Round(number=2, seats=1, candidates=(3, 4, 5))
    result = outcome(APPROVAL, RUNOFF, [FIRST, runoff], FIVE_JURORS)
    assert result.tie is not None and result.tie.tied == (3, 4, 5)


def test_inconsistent_rounds_and_castings_are_refused() -> None:
    with pytest.raises(ValueError, match="among the tied"):
        outcome(APPROVAL, RUNOFF, [FIRST, Round(number=2, seats=1, candidates=(3, 4))], FIVE_JURORS)
    with pytest.raises(ValueError, match="only a run-off's tie"):
        outcome(
            APPROVAL, RUNOFF, [FIRST], FIVE_JURORS, [Casting(round=1, chosen=(3,), by="o", at_us=1, why="x")]
        )
    with pytest.raises(ValueError, match="picks 1 of the tied"):
        outcome(
            APPROVAL, CASTING, [FIRST], FIVE_JURORS, [Casting(round=1, chosen=(6,), by="o", at_us=1, why="x")]
        )
    with pytest.raises(ValueError, match="no run-off"):
        outcome(APPROVAL, CASTING, [FIRST, Round(number=2, seats=1, candidates=(3, 4, 5))], FIVE_JURORS)


def test_the_award_state_follows_its_rounds_and_the_reveal() -> None:
    award = Award(
        id=1, name="x", description="", winners=3, roles=("mechanic",), method=APPROVAL, tie_rule=RUNOFF
    )
    assert award.state is AwardState.DRAFT
    opened = Round(number=1, seats=3, opened_us=1)
    assert Award(**{**award.__dict__, "rounds": (opened,)}).state is AwardState.OPEN
    closed = Round(number=1, seats=3, opened_us=1, closed_us=2)
    assert Award(**{**award.__dict__, "rounds": (closed,)}).state is AwardState.CLOSED
    assert Award(**{**award.__dict__, "rounds": (closed,), "revealed_us": 3}).state is AwardState.REVEALED
    assert award.may_vote("mechanic") and not award.may_vote("organiser")


# -- what jurors and organisers type -----------------------------------------------------------------


def test_a_ballot_is_checked_naming_the_choice_and_the_value() -> None:
    ok = check_choices("ballot", [(1, "  kept  going "), (2, "smiled")], seats=3, candidates={1, 2, 3})
    assert ok == (Choice(start_no=1, reason="kept going"), Choice(start_no=2, reason="smiled"))
    cases = [
        ([], "choices = 0: choose 1 to 3 entrants"),
        ([(1, "a"), (2, "b"), (3, "c"), (1, "d")], "choices = 4: at most 3 on this ballot"),
        ([(1, "a"), (1, "b")], "choice 2 entrant = 1: already on this ballot: name it once"),
        ([(9, "a")], "choice 1 entrant = 9: no accepted entry has this number"),
        ([(2, "   ")], "choice 1 reason = '   ': say in a few words why (required)"),
        ([(2, "x" * 301)], "choice 1 reason = '301 characters': at most 300 characters"),
        ([(3, "mine")], "choice 1 entrant = 3: a crew may not vote for its own car"),
    ]
    for given_choices, message in cases:
        with pytest.raises(InvalidInput) as caught:
            check_choices("ballot", given_choices, seats=3, candidates={1, 2, 3}, own_car=3)
        assert str(caught.value) == f"ballot: {message}"
    with pytest.raises(InvalidInput, match="not among the tied of this run-off"):
        check_choices("ballot", [(1, "a")], seats=1, candidates={2, 3}, runoff=True)
    assert len(check_choices("b", [(1, "x" * 300)], seats=1, candidates={1})[0].reason) == 300


def test_an_award_definition_is_checked() -> None:
    assert check_definition(" Spirit  of the Mille ", "", 5, ["crew", "mechanic"], "approval", "runoff") == (
        "Spirit of the Mille",
        "",
        5,
        ("mechanic", "crew"),
        APPROVAL,
        RUNOFF,
    )
    cases = [
        (("", "", 5, ["crew"], "approval", "runoff"), "award: name = '': give the award a name"),
        (
            ("A", "", 0, ["crew"], "approval", "runoff"),
            "award 'A': winners = 0: an award has 1 to 50 winners",
        ),
        (("A", "", 1, ["pilot"], "approval", "runoff"), "award 'A': jurors = 'pilot': expected roles among"),
        (("A", "", 1, [], "approval", "runoff"), "award 'A': jurors = '': tick at least one role"),
        (("A", "", 1, ["crew"], "plurality", "runoff"), "award 'A': method = 'plurality': expected approval"),
        (("A", "", 1, ["crew"], "borda", "coin"), "award 'A': tie rule = 'coin': expected runoff or casting"),
    ]
    for args, message in cases:
        with pytest.raises(InvalidInput) as caught:
            check_definition(*args)  # type: ignore[arg-type]
        assert str(caught.value).startswith(message)


# -- properties --------------------------------------------------------------------------------------

CARS = list(range(1, 9))
JURORS = ["anna", "ben", "carla", "dario", "elena", "fabio"]


@st.composite
def a_vote(draw: st.DrawFn) -> tuple[int, list[Ballot]]:
    """A number of seats and one current ballot per juror (some jurors abstain)."""
    seats = draw(st.integers(1, 4))
    ballots = []
    for i, juror in enumerate(draw(st.lists(st.sampled_from(JURORS), unique=True))):
        cars = draw(st.lists(st.sampled_from(CARS), min_size=1, max_size=seats, unique=True))
        ballots.append(ballot(juror, *cars, at=100 + i))
    return seats, ballots


methods = st.sampled_from(list(Method))
rules = st.sampled_from(list(TieRule))


@settings(max_examples=200, deadline=None)
@given(a_vote(), methods, rules, st.randoms(use_true_random=False))
def test_the_order_of_ballots_does_not_matter(
    vote: tuple[int, list[Ballot]], method: Method, rule: TieRule, rnd
) -> None:  # type: ignore[no-untyped-def]
    seats, ballots = vote
    shuffled = list(ballots)
    rnd.shuffle(shuffled)
    first = Round(number=1, seats=seats)
    assert tally(method, seats, ballots) == tally(method, seats, shuffled)
    assert outcome(method, rule, [first], ballots) == outcome(method, rule, [first], shuffled)


@settings(max_examples=200, deadline=None)
@given(
    a_vote(),
    methods,
    st.lists(st.lists(st.sampled_from(CARS), min_size=1, max_size=4, unique=True), max_size=4),
)
def test_a_ballot_changed_before_closing_counts_once(vote, method, earlier) -> None:  # type: ignore[no-untyped-def]
    seats, ballots = vote
    if not ballots:
        return
    changer = ballots[0]
    history = [
        ballot(changer.juror, *cars[:seats], at=i, withdrawn=i + 1) for i, cars in enumerate(earlier)
    ]  # each earlier ballot withdrawn when the next came in
    with_history = history + ballots
    assert tally(method, seats, with_history) == tally(method, seats, ballots)
    count = tally(method, seats, with_history)
    assert count.ballots == len({b.juror for b in ballots})
    assert sum(s.ballots for s in count.scores) == sum(len(b.choices) for b in ballots)
    assert counted(with_history) == sorted(ballots, key=lambda b: b.juror)


@settings(max_examples=200, deadline=None)
@given(a_vote(), methods)
def test_points_are_the_stated_rule(vote, method) -> None:  # type: ignore[no-untyped-def]
    seats, ballots = vote
    count = tally(method, seats, ballots)
    per_ballot = [sum(points(method, r, seats) for r in range(1, len(b.choices) + 1)) for b in ballots]
    assert sum(s.points for s in count.scores) == sum(per_ballot)
    if method is Method.APPROVAL:
        assert all(s.points == s.ballots for s in count.scores)
    assert [s.points for s in count.scores] == sorted((s.points for s in count.scores), reverse=True)


@settings(max_examples=300, deadline=None)
@given(a_vote(), methods, rules, st.randoms(use_true_random=False))
def test_ties_go_to_the_stated_rule_and_the_winners_are_exactly_n(vote, method, rule, rnd) -> None:  # type: ignore[no-untyped-def]
    seats, ballots = vote
    voted = {c.start_no for b in ballots for c in b.choices}
    rounds = [Round(number=1, seats=seats)]
    castings: list[Casting] = []
    everyone = list(ballots)
    for _ in range(6):
        result = outcome(method, rule, rounds, everyone, castings)
        assert len(result.winners) == len(set(result.winners))
        if result.tie is None:
            break
        tie = result.tie
        assert len(result.winners) + tie.seats == min(seats, len(voted))
        assert 0 < tie.seats < len(tie.tied)
        first_cut = result.stages[0].cut
        # the tie is at the cut-off place: every tied entrant had as many points, fewer than the sure winners
        tied_points = {s.points for s in result.stages[-1].tally.scores if s.start_no in tie.tied}
        assert len(tied_points) == 1
        assert tie.runoff is (rule is TieRule.RUNOFF)
        assert tie.casting is (rule is TieRule.CASTING or tie.after_round > 1)
        if tie.runoff and (not tie.casting or rnd.random() < 0.7):
            number = len(rounds) + 1
            rounds.append(Round(number=number, seats=tie.seats, candidates=tie.tied))
            for juror in JURORS:
                if rnd.random() < 0.8:
                    pick = rnd.sample(tie.tied, rnd.randint(1, tie.seats))
                    everyone.append(ballot(juror, *pick, round=number))
        else:
            chosen = tuple(rnd.sample(tie.tied, tie.seats))
            castings.append(Casting(round=tie.after_round, chosen=chosen, by="olga", at_us=1, why="x"))
            settled = outcome(method, rule, rounds, everyone, castings)
            assert settled.winners == result.winners + chosen and settled.settled
        assert first_cut.winners == result.stages[0].cut.winners
    result = outcome(method, rule, rounds, everyone, castings)
    if result.settled:
        assert len(result.winners) == min(seats, len(voted))
        first = {s.start_no: s.points for s in result.stages[0].tally.scores}
        losers = [first[n] for n in voted - set(result.winners)]
        assert all(first[w] >= max(losers, default=0) for w in result.winners)


@settings(max_examples=100, deadline=None)
@given(a_vote(), methods)
def test_the_cut_winners_have_more_points_than_everyone_else(vote, method) -> None:  # type: ignore[no-untyped-def]
    seats, ballots = vote
    count = tally(method, seats, ballots)
    c = cut(count, seats)
    by_no = {s.start_no: s for s in count.scores}
    others = [s.points for s in count.scores if s.start_no not in c.winners and s.start_no not in c.tied]
    for w in c.winners:
        assert all(by_no[w].points > p for p in others + [by_no[t].points for t in c.tied])
    assert len(c.winners) + c.seats <= seats
