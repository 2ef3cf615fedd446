"""The rules of the spectators' vote at the car show (People's Choice and the organiser's other categories).

A category goes through steps, each recorded with who and when: opened (spectators may vote), closed (no
more votes; it may be opened again), revealed (the tally is public, for good). Nothing shows a count before
the reveal (`VoteState.REVEALED`).

Counting (`count`): one vote is one point for its car; a voided vote counts for nothing; cars with as many
votes share a rank and are listed in start-number order.

Bursts (`find_bursts`): many votes from one address, or one device, in a short time. Precisely: a vote is
*suspicious* when it and at least BURST_VOTES - 1 other votes of the same address hash (or the same device
token) were cast less than BURST_WINDOW_US apart, first to last. The suspicious votes of one address (or
device) make one burst until BURST_WINDOW_US or more pass between two of them. A burst found both by its
address and by its device (the same votes) is one burst with both reasons. Voided votes are still looked at,
so a burst stays in the report (its votes marked void) once the organiser has dealt with it.
"""

from __future__ import annotations

import ipaddress
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from miglia.domain.errors import InvalidInput
from miglia.domain.instants import US_PER_MIN

BURST_VOTES = 5
"""Votes from one address or one device that make a burst when cast within BURST_WINDOW_US."""
BURST_WINDOW_US = 10 * US_PER_MIN
"""The window of a burst: first to last vote less than 10 minutes apart."""

PEOPLES_CHOICE = "People's Choice"
PEOPLES_CHOICE_DESCRIPTION = "The spectators' favourite car of the show: one vote per person."
MAX_NAME = 80
MAX_DESCRIPTION = 500
MAX_WHY = 500
IPV6_PREFIX = 64
"""An IPv6 address counts by its /64 network: a phone picks the rest of its address at will."""


class VoteState(StrEnum):
    DRAFT = "draft"
    """Defined, never opened."""
    OPEN = "open"
    CLOSED = "closed"
    REVEALED = "revealed"

    @property
    def label(self) -> str:
        return _STATE_LABELS[self]


_STATE_LABELS = {
    VoteState.DRAFT: "Not open yet",
    VoteState.OPEN: "Open: spectators are voting",
    VoteState.CLOSED: "Closed, tally sealed",
    VoteState.REVEALED: "Revealed",
}


class Step(StrEnum):
    OPEN = "open"
    CLOSE = "close"
    REVEAL = "reveal"

    @property
    def done(self) -> str:
        return {"open": "opened", "close": "closed", "reveal": "revealed"}[self.value]


_NEXT: dict[tuple[VoteState, Step], VoteState] = {
    (VoteState.DRAFT, Step.OPEN): VoteState.OPEN,
    (VoteState.CLOSED, Step.OPEN): VoteState.OPEN,
    (VoteState.OPEN, Step.CLOSE): VoteState.CLOSED,
    (VoteState.CLOSED, Step.REVEAL): VoteState.REVEALED,
}
_REFUSALS = {
    (VoteState.OPEN, Step.OPEN): "the vote is open already",
    (VoteState.DRAFT, Step.CLOSE): "the vote was never opened",
    (VoteState.CLOSED, Step.CLOSE): "the vote is closed already",
    (VoteState.DRAFT, Step.REVEAL): "the vote was never opened: there is nothing to reveal",
    (VoteState.OPEN, Step.REVEAL): "close the vote before revealing its tally",
}


@dataclass(frozen=True, kw_only=True)
class StepRecord:
    step: Step
    by: str
    at_us: int


@dataclass(frozen=True, kw_only=True)
class Category:
    id: int
    name: str
    description: str
    created_by: str
    created_us: int
    steps: tuple[StepRecord, ...] = ()
    """In the order they were taken."""

    @property
    def state(self) -> VoteState:
        return state_after(s.step for s in self.steps)

    def last(self, step: Step) -> StepRecord | None:
        """The latest time this step was taken (who and when), if ever."""
        return next((s for s in reversed(self.steps) if s.step is step), None)


@dataclass(frozen=True, kw_only=True)
class Void:
    """The organiser voided a vote (who, when, why); restored is a second record on it."""

    by: str
    at_us: int
    why: str
    restored_by: str = ""
    restored_us: int | None = None

    @property
    def live(self) -> bool:
        return self.restored_us is None


@dataclass(frozen=True, kw_only=True)
class Vote:
    id: int
    category_id: int
    start_no: int
    cast_us: int
    voter: str
    """The voter id of the signed cookie."""
    device: str
    """The hash of the device token the page sent ("" without JavaScript)."""
    address: str
    """The salted hash of the address it came from (never the address)."""
    voids: tuple[Void, ...] = ()

    @property
    def void(self) -> Void | None:
        """The void in force, if any."""
        return next((v for v in reversed(self.voids) if v.live), None)

    @property
    def voided(self) -> bool:
        return self.void is not None


def state_after(steps: Iterable[Step]) -> VoteState:
    state = VoteState.DRAFT
    for step in steps:
        state = _NEXT.get((state, step), state)
    return state


def check_step(category: Category, step: Step) -> VoteState:
    """The state after `step`; a step the category's state does not allow is refused, saying why."""
    state = category.state
    after = _NEXT.get((state, step))
    if after is None:
        problem = _REFUSALS.get((state, step), "the tally is revealed: the vote is over")
        raise InvalidInput(category.name, "step", step.value, problem)
    return after


def check_category(name: str, description: str, taken: Iterable[str]) -> tuple[str, str]:
    """A new category's name and description, trimmed; a name empty, too long or already used (in any
    case) is refused."""
    clean = " ".join(name.split())
    text = description.strip()
    if not clean or len(clean) > MAX_NAME:
        raise InvalidInput("vote category", "name", name, f"give a name of 1 to {MAX_NAME} characters")
    if clean.casefold() in {t.casefold() for t in taken}:
        raise InvalidInput("vote category", "name", clean, "a category of this name exists already")
    if len(text) > MAX_DESCRIPTION:
        raise InvalidInput(
            clean, "description", text[:40] + "…", f"at most {MAX_DESCRIPTION} characters, please"
        )
    return clean, text


def check_why(why: str, where: str) -> str:
    reason = " ".join(why.split())
    if not reason or len(reason) > MAX_WHY:
        raise InvalidInput(where, "why", why, f"say why (1 to {MAX_WHY} characters)")
    return reason


def already_voted(start_no: int, category: str) -> str:
    """The refusal of a second vote in a category."""
    return f"You already voted for car {start_no} in {category}."


def address_key(address: str) -> str:
    """What identifies a voter's address: an IPv4 address as it is, an IPv6 address by its /64 network
    (an IPv4 address mapped into IPv6 as the IPv4 address); anything else (a test client's name) as given."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return address.strip()
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, IPV6_PREFIX), strict=False))
    return str(ip)


# -- counting -------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Standing:
    rank: int
    """Competition ranking: cars with as many votes share a rank (1, 2, 2, 4)."""
    start_no: int
    votes: int
    tied: bool


def count(votes: Iterable[tuple[int, bool]]) -> list[Standing]:
    """The tally of a category from its votes as (start number, voided): votes per car, voided votes
    excluded, most votes first, ties in start-number order. Only cars with a counted vote appear."""
    tally = Counter(start_no for start_no, voided in votes if not voided)
    ordered = sorted(tally.items(), key=lambda item: (-item[1], item[0]))
    per_count = Counter(tally.values())
    standings = []
    rank = 0
    previous: int | None = None
    for position, (start_no, n) in enumerate(ordered, start=1):
        if n != previous:
            rank, previous = position, n
        standings.append(Standing(rank=rank, start_no=start_no, votes=n, tied=per_count[n] > 1))
    return standings


# -- bursts ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Burst:
    members: tuple[int, ...]
    """Positions in the input of the burst's votes, in the order they were cast."""
    address: str | None
    """The address hash they share, when the burst was found by its address."""
    device: str | None
    """The device token they share, when the burst was found by its device."""
    first_us: int
    last_us: int

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(r for r, k in (("address", self.address), ("device", self.device)) if k is not None)


def suspicious(instants: Sequence[int]) -> list[bool]:
    """For instants sorted in time (one address's or one device's votes): whether each is one of at least
    BURST_VOTES cast less than BURST_WINDOW_US apart, first to last."""
    flagged = [False] * len(instants)
    for i in range(len(instants) - BURST_VOTES + 1):
        if instants[i + BURST_VOTES - 1] - instants[i] < BURST_WINDOW_US:
            for j in range(i, i + BURST_VOTES):
                flagged[j] = True
    return flagged


def _runs(positions: Sequence[int], instants: Sequence[int]) -> list[list[int]]:
    """The suspicious votes of one key (positions and instants in time order), split where
    BURST_WINDOW_US or more pass between two of them."""
    flagged = suspicious(instants)
    runs: list[list[int]] = []
    last_us: int | None = None
    for position, instant, bad in zip(positions, instants, flagged, strict=True):
        if not bad:
            continue
        if last_us is None or instant - last_us >= BURST_WINDOW_US:
            runs.append([])
        runs[-1].append(position)
        last_us = instant
    return runs


def find_bursts(votes: Sequence[tuple[int, str, str]]) -> list[Burst]:
    """The bursts among votes given as (instant µs, address hash, device token or ""), by the rule in the
    module's description; earliest first. A vote without a device token is looked at by its address only."""
    by_key: dict[tuple[str, str], list[int]] = defaultdict(list)
    for position, (_, address, device) in enumerate(votes):
        by_key[("address", address)].append(position)
        if device:
            by_key[("device", device)].append(position)
    found: dict[tuple[int, ...], dict[str, str]] = {}
    for (kind, key), positions in by_key.items():
        ordered = sorted(positions, key=lambda p: (votes[p][0], p))
        for run in _runs(ordered, [votes[p][0] for p in ordered]):
            found.setdefault(tuple(run), {})[kind] = key
    bursts = [
        Burst(
            members=members,
            address=keys.get("address"),
            device=keys.get("device"),
            first_us=votes[members[0]][0],
            last_us=votes[members[-1]][0],
        )
        for members, keys in found.items()
    ]
    return sorted(bursts, key=lambda b: (b.first_us, b.members))
