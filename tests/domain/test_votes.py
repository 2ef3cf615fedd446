"""The spectators' vote by hand and by hypothesis: the steps of a category, counting (voided votes never
count, ties in start-number order, the order of the votes does not matter), and bursts found exactly by
the documented rule (at least BURST_VOTES of one address or device less than BURST_WINDOW_US apart)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from miglia.domain.errors import InvalidInput
from miglia.domain.instants import US_PER_MIN, US_PER_S
from miglia.domain.votes import (
    BURST_VOTES,
    BURST_WINDOW_US,
    Burst,
    Category,
    Standing,
    Step,
    StepRecord,
    VoteState,
    address_key,
    already_voted,
    check_category,
    check_step,
    count,
    find_bursts,
    state_after,
)

MIN = US_PER_MIN


def _category(*steps: Step) -> Category:
    return Category(
        id=1,
        name="People's Choice",
        description="",
        created_by="olga",
        created_us=0,
        steps=tuple(StepRecord(step=s, by="olga", at_us=i) for i, s in enumerate(steps)),
    )


# -- the steps -------------------------------------------------------------------------------------------


def test_a_category_opens_closes_opens_again_and_is_revealed_once_closed() -> None:
    assert _category().state is VoteState.DRAFT
    assert _category(Step.OPEN).state is VoteState.OPEN
    assert _category(Step.OPEN, Step.CLOSE).state is VoteState.CLOSED
    assert _category(Step.OPEN, Step.CLOSE, Step.OPEN).state is VoteState.OPEN
    assert _category(Step.OPEN, Step.CLOSE, Step.REVEAL).state is VoteState.REVEALED
    revealed = _category(Step.OPEN, Step.CLOSE, Step.REVEAL)
    assert revealed.last(Step.REVEAL) == StepRecord(step=Step.REVEAL, by="olga", at_us=2)
    assert revealed.last(Step.OPEN) == StepRecord(step=Step.OPEN, by="olga", at_us=0)


@pytest.mark.parametrize(
    ("steps", "step", "problem"),
    [
        ((Step.OPEN,), Step.REVEAL, "close the vote before revealing its tally"),
        ((), Step.REVEAL, "the vote was never opened: there is nothing to reveal"),
        ((), Step.CLOSE, "the vote was never opened"),
        ((Step.OPEN,), Step.OPEN, "the vote is open already"),
        ((Step.OPEN, Step.CLOSE), Step.CLOSE, "the vote is closed already"),
        ((Step.OPEN, Step.CLOSE, Step.REVEAL), Step.OPEN, "the tally is revealed: the vote is over"),
        ((Step.OPEN, Step.CLOSE, Step.REVEAL), Step.REVEAL, "the tally is revealed: the vote is over"),
    ],
)
def test_a_step_out_of_order_is_refused_saying_why(steps: tuple[Step, ...], step: Step, problem: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_step(_category(*steps), step)
    assert str(refused.value) == f"People's Choice: step = {step.value!r}: {problem}"


@given(st.lists(st.sampled_from(list(Step)), max_size=12))
def test_no_sequence_of_allowed_steps_reveals_an_open_vote(steps: list[Step]) -> None:
    """Only the allowed steps are recorded (the others are refused): a reveal always follows a close."""
    taken: list[Step] = []
    for s in steps:
        try:
            check_step(_category(*taken), s)
        except InvalidInput:
            continue
        if s is Step.REVEAL:
            assert state_after(taken) is VoteState.CLOSED
        taken.append(s)
    assert Step.REVEAL not in taken[:-1]  # nothing after a reveal


def test_category_names_are_trimmed_and_unique_in_any_case() -> None:
    assert check_category("  Best   pre-war car ", " Before 1940. ", ["People's Choice"]) == (
        "Best pre-war car",
        "Before 1940.",
    )
    with pytest.raises(InvalidInput, match="a category of this name exists already"):
        check_category("people's choice", "", ["People's Choice"])
    with pytest.raises(InvalidInput, match=r"name = '': give a name of 1 to 80 characters"):
        check_category("", "", [])
    with pytest.raises(InvalidInput, match=r"name = 'x{81}'"):
        check_category("x" * 81, "", [])


def test_the_refusal_of_a_second_vote_names_the_first() -> None:
    assert already_voted(7, "People's Choice") == "You already voted for car 7 in People's Choice."


def test_addresses_count_as_ipv4_or_their_ipv6_network() -> None:
    assert address_key("203.0.113.7") == "203.0.113.7"
    assert address_key("2001:db8:1:2:aaaa::1") == address_key("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert address_key("2001:db8:1:3::1") != address_key("2001:db8:1:2::1")
    assert address_key("::ffff:203.0.113.7") == "203.0.113.7"
    assert address_key("testclient") == "testclient"


# -- counting ------------------------------------------------------------------------------------------


def test_counting_a_worked_example() -> None:
    """Car 7: 3 votes (one more voided), car 2: 2, car 12: 2, car 5: 1, car 9: only a voided vote."""
    votes = [(7, False), (2, False), (12, False), (7, False), (9, True), (5, False)]
    votes += [(7, True), (12, False), (2, False), (7, False)]
    assert count(votes) == [
        Standing(rank=1, start_no=7, votes=3, tied=False),
        Standing(rank=2, start_no=2, votes=2, tied=True),
        Standing(rank=2, start_no=12, votes=2, tied=True),
        Standing(rank=4, start_no=5, votes=1, tied=False),
    ]
    assert count([]) == []
    assert count([(3, True)]) == []


votes_strategy = st.lists(st.tuples(st.integers(1, 12), st.booleans()), max_size=60)


@given(votes_strategy, st.randoms(use_true_random=False))
def test_the_order_of_the_votes_does_not_matter(votes: list[tuple[int, bool]], rng: random.Random) -> None:
    shuffled = list(votes)
    rng.shuffle(shuffled)
    assert count(shuffled) == count(votes)


@given(votes_strategy, st.integers(1, 12))
def test_a_voided_vote_never_counts(votes: list[tuple[int, bool]], car: int) -> None:
    before = count(votes)
    after = count([*votes, (car, True)])
    assert after == before
    tally = {s.start_no: s.votes for s in before}
    assert sum(tally.values()) == sum(not voided for _, voided in votes)
    for start_no, n in tally.items():
        assert n == sum(1 for s, voided in votes if s == start_no and not voided)


@given(votes_strategy)
def test_standings_are_best_first_and_ties_in_start_number_order(votes: list[tuple[int, bool]]) -> None:
    standings = count(votes)
    keys = [(-s.votes, s.start_no) for s in standings]
    assert keys == sorted(keys)
    for s in standings:
        assert s.rank == 1 + sum(1 for o in standings if o.votes > s.votes)
        assert s.tied == (sum(1 for o in standings if o.votes == s.votes) > 1)


# -- bursts --------------------------------------------------------------------------------------------


def test_bursts_a_worked_example() -> None:
    """Address A: five votes in 9 min (a burst), then one 30 min later (not in it). Address B: five in
    exactly 10 min (not a burst: less than 10 min, first to last). Device D: five votes from five
    addresses within 4 min (a burst by its device). Address C, all from device E: six in 2 min (one
    burst, found by both)."""
    votes = [(t * MIN, "A", "") for t in (0, 2, 4, 6, 9)]  # 0-4
    votes += [(40 * MIN, "A", "")]  # 5
    votes += [(t * MIN, "B", "") for t in (0, 2.5, 5, 7.5, 10)]  # 6-10
    votes += [(100 * MIN + t * MIN, f"X{t}", "D") for t in range(5)]  # 11-15
    votes += [(200 * MIN + t * 20 * US_PER_S, "C", "E") for t in range(6)]  # 16-21
    votes = [(int(t), a, d) for t, a, d in votes]
    assert find_bursts(votes) == [
        Burst(members=(0, 1, 2, 3, 4), address="A", device=None, first_us=0, last_us=9 * MIN),
        Burst(members=(11, 12, 13, 14, 15), address=None, device="D", first_us=100 * MIN, last_us=104 * MIN),
        Burst(
            members=(16, 17, 18, 19, 20, 21),
            address="C",
            device="E",
            first_us=200 * MIN,
            last_us=200 * MIN + 100 * US_PER_S,
        ),
    ]
    assert find_bursts(votes)[2].reasons == ("address", "device")


def test_two_dense_stretches_of_one_address_far_apart_are_two_bursts() -> None:
    votes = [(t * MIN, "A", "") for t in (0, 1, 2, 3, 4, 30, 31, 32, 33, 34)]
    assert [b.members for b in find_bursts(votes)] == [(0, 1, 2, 3, 4), (5, 6, 7, 8, 9)]
    # ... and one burst when they follow each other by less than the window
    votes = [(t * MIN, "A", "") for t in (0, 1, 2, 3, 4, 12, 13, 14, 15, 16)]
    assert [b.members for b in find_bursts(votes)] == [tuple(range(10))]


def test_four_votes_are_never_a_burst() -> None:
    assert BURST_VOTES == 5 and BURST_WINDOW_US == 10 * MIN
    assert find_bursts([(i, "A", "D") for i in range(BURST_VOTES - 1)]) == []


def _oracle(votes: list[tuple[int, str, str]]) -> set[tuple[frozenset[int], str | None, str | None]]:
    """The documented rule, by brute force: a vote is suspicious when some window [s, s + W) starting at
    a vote of its key holds it and at least BURST_VOTES votes of that key; the suspicious votes of a key
    split where W or more pass between two in a row; identical vote sets found by address and device are
    one burst."""
    keys: dict[tuple[str, str], list[int]] = {}
    for i, (_, a, d) in enumerate(votes):
        keys.setdefault(("address", a), []).append(i)
        if d:
            keys.setdefault(("device", d), []).append(i)
    found: dict[frozenset[int], dict[str, str]] = {}
    for (kind, key), members in keys.items():
        flagged = set()
        for s in (votes[i][0] for i in members):
            inside = [i for i in members if s <= votes[i][0] < s + BURST_WINDOW_US]
            if len(inside) >= BURST_VOTES:
                flagged.update(inside)
        ordered = sorted(flagged, key=lambda i: votes[i][0])
        group: list[int] = []
        for i in ordered:
            if group and votes[i][0] - votes[group[-1]][0] >= BURST_WINDOW_US:
                found.setdefault(frozenset(group), {})[kind] = key
                group = []
            group.append(i)
        if group:
            found.setdefault(frozenset(group), {})[kind] = key
    return {(members, k.get("address"), k.get("device")) for members, k in found.items()}


vote_lists = st.lists(
    st.tuples(
        st.integers(0, 40 * MIN),
        st.sampled_from(["a1", "a2", "a3"]),
        st.sampled_from(["", "", "d1", "d2"]),
    ),
    max_size=40,
)


@settings(max_examples=300)
@given(vote_lists)
def test_bursts_are_found_exactly_by_the_documented_rule(votes: list[tuple[int, str, str]]) -> None:
    bursts = find_bursts(votes)
    assert {(frozenset(b.members), b.address, b.device) for b in bursts} == _oracle(votes)
    for b in bursts:
        times = [votes[i][0] for i in b.members]
        assert times == sorted(times) and (b.first_us, b.last_us) == (times[0], times[-1])
        assert len(b.members) >= BURST_VOTES


@given(vote_lists, st.randoms(use_true_random=False))
def test_the_order_of_the_votes_does_not_change_the_bursts(
    votes: list[tuple[int, str, str]], rng: random.Random
) -> None:
    order = list(range(len(votes)))
    rng.shuffle(order)
    shuffled = [votes[i] for i in order]

    def named(found: list[Burst], positions: list[int]) -> set[tuple[frozenset[int], str | None, str | None]]:
        return {(frozenset(positions[i] for i in b.members), b.address, b.device) for b in found}

    assert named(find_bursts(shuffled), order) == named(find_bursts(votes), list(range(len(votes))))
