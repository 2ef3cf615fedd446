"""The spectators' vote at the car show: the organiser's categories and their steps (open, close, reveal),
a spectator's vote, the sealed tally and its reveal, the fraud report and the organiser's voids, the
organiser's count for the command line, and the demo's spectators.

One vote per person per category: the web layer gives each browser a voter id in a signed cookie and
each page a device token (kept by the browser); a vote is refused when either voted in the category
already. Stored with each vote: when, the car, the voter id, and two salted hashes (HMAC-SHA256 with the
event's vote key, mixed with MIGLIA_SECRET when that is set): of the device token and of the address
(`domain.votes.address_key`). The address itself is never stored.

The tally is sealed: only `results` gives counts to the public, and only of revealed categories;
`count_lines` is the organiser's (the command line) and adds nothing to any page.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import os
import random
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from miglia.domain.entries import Entry
from miglia.domain.errors import InvalidInput, MigliaError
from miglia.domain.event import Event, StopKind
from miglia.domain.instants import US_PER_MIN, US_PER_S
from miglia.domain.votes import (
    PEOPLES_CHOICE,
    PEOPLES_CHOICE_DESCRIPTION,
    Burst,
    Category,
    Standing,
    Step,
    Vote,
    VoteState,
    address_key,
    already_voted,
    check_category,
    check_step,
    check_why,
    count,
    find_bursts,
)
from miglia.service.clock import local_instant, now_us
from miglia.service.event import events
from miglia.store.db import Database
from miglia.store.records import AlreadyStored
from miglia.store.unit_of_work import UnitOfWork

DEVICE_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,128}")
"""What the voting page's script makes (22 URL-safe characters); anything else is not ours."""
VOTER_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
CSV_HEADER = "entry,start_no,votes"


class AlreadyVoted(MigliaError):
    """A second vote of the same voter id or device in a category; names the car of the first."""

    def __init__(self, vote: Vote, category: str) -> None:
        self.vote = vote
        super().__init__(already_voted(vote.start_no, category))


class NotOpen(MigliaError):
    """A vote in a category that is not open."""


@dataclass(frozen=True)
class Cast:
    vote: Vote
    category: Category
    entry: Entry


@dataclass(frozen=True)
class Result:
    category: Category
    standings: list[Standing]
    counted: int
    """Votes counted (voided ones excluded)."""


@dataclass(frozen=True)
class BurstReport:
    category: Category
    burst: Burst
    votes: list[Vote]
    """The burst's votes in the order they were cast."""

    @property
    def live_ids(self) -> list[int]:
        """The votes of the burst that still count."""
        return [v.id for v in self.votes if not v.voided]


@dataclass(frozen=True)
class Report:
    bursts: list[BurstReport]
    voided: list[Vote]
    """Every voided vote, with who voided it, when and why."""
    cast: dict[int, int]
    """Votes cast per category (voided included): a number of votes, never a count per car."""


# -- the organiser's categories ------------------------------------------------------------------------


def categories(uow: UnitOfWork) -> list[Category]:
    return uow.votes.categories(events.event_row(uow).id)


def category_of(uow: UnitOfWork, category_id: int) -> Category:
    found = uow.votes.category(events.event_row(uow).id, category_id)
    if found is None:
        raise events.NotFound(f"vote category {category_id}: there is no such category")
    return found


def open_categories(uow: UnitOfWork) -> list[Category]:
    return [c for c in categories(uow) if c.state is VoteState.OPEN]


def add_category(db: Database, name: str, description: str, by: str) -> Category:
    """A new category, not open yet; the event's vote key is made with the first."""
    with db.unit_of_work() as uow:
        row = events.event_row(uow)
        clean, text = check_category(name, description, (c.name for c in uow.votes.categories(row.id)))
        _key(uow, row.id)
        category_id = uow.votes.add_category(row.id, clean, text, by, now_us())
        return category_of(uow, category_id)


def take_step(db: Database, category_id: int, step: Step, by: str) -> Category:
    """Open, close (opened again if need be) or reveal a category, recorded with who and when; a step its
    state does not allow is refused, saying why."""
    with db.unit_of_work() as uow:
        category = category_of(uow, category_id)
        check_step(category, step)
        uow.votes.add_step(category_id, step, by, now_us())
        return category_of(uow, category_id)


def open_peoples_choice(db: Database, by: str) -> Category:
    """The first opening of the vote: People's Choice made (if there is no category yet) and opened."""
    with db.unit_of_work() as uow:
        existing = next((c for c in categories(uow) if c.name == PEOPLES_CHOICE), None)
    category = existing or add_category(db, PEOPLES_CHOICE, PEOPLES_CHOICE_DESCRIPTION, by)
    return take_step(db, category.id, Step.OPEN, by)


# -- the spectator's vote ------------------------------------------------------------------------------


def voter_key(db: Database) -> str | None:
    """The key that signs the voter cookie (None before the first category: nothing to vote in)."""
    with db.unit_of_work() as uow:
        secret = uow.votes.key(events.event_row(uow).id)
    return None if secret is None else _keyed(secret, "voter")


def new_voter_id() -> str:
    return secrets.token_urlsafe(18)


def check_device(token: str) -> str:
    """The device token a voting page sent ("" without JavaScript); a malformed one is refused."""
    value = token.strip()
    if value and not DEVICE_TOKEN.fullmatch(value):
        raise InvalidInput("vote", "device", value[:40], "not a device token of this site; reload the page")
    return value


def cast(db: Database, category_id: int, start_no: int, voter: str, device: str, address: str) -> Cast:
    """A spectator's vote for car `start_no` in a category, from `address` (hashed, never stored);
    refused when the category is not open, the car is not in the show, or this voter id or this device
    voted in the category already (`AlreadyVoted` names the car of the first vote)."""
    if not VOTER_ID.fullmatch(voter):
        raise InvalidInput("vote", "voter", voter[:40], "not a voter id of this site")
    token = check_device(device)
    for attempt in (1, 2):
        try:
            return _cast(db, category_id, start_no, voter, token, address)
        except AlreadyStored:
            # The same voter or device voted in another request between our look-up and our insert:
            # the second pass finds that vote and refuses this one, naming it.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _cast(db: Database, category_id: int, start_no: int, voter: str, device: str, address: str) -> Cast:
    with db.unit_of_work() as uow:
        row = events.event_row(uow)
        category = category_of(uow, category_id)
        if category.state is not VoteState.OPEN:
            raise NotOpen(closed_message(category))
        entry = show_entry(uow, start_no, category.name)
        secret = _key(uow, row.id)
        device_hash = _hash(secret, "device", device) if device else ""
        earlier = uow.votes.of_voter([category_id], voter, device_hash)
        if earlier:
            raise AlreadyVoted(earlier[0], category.name)
        at = now_us()
        address_hash = _hash(secret, "address", address_key(address))
        vote_id = uow.votes.add(category_id, start_no, at, voter, device_hash, address_hash)
        vote = Vote(
            id=vote_id,
            category_id=category_id,
            start_no=start_no,
            cast_us=at,
            voter=voter,
            device=device_hash,
            address=address_hash,
        )
        return Cast(vote=vote, category=category, entry=entry)


def closed_message(category: Category) -> str:
    if category.state is VoteState.DRAFT:
        return f"{category.name}: the vote is not open yet."
    if category.state is VoteState.REVEALED:
        return f"{category.name}: the vote is over and the results are out."
    return f"{category.name}: the vote is closed."


def show_entry(uow: UnitOfWork, start_no: int, where: str = "vote") -> Entry:
    """An accepted entry (a car of the show); any other number is refused, naming it."""
    for e in events.entries(uow, events.event_row(uow).id):
        if e.start_no == start_no and e.accepted:
            return e
    raise InvalidInput(where, "car", start_no, "no car of the show has this start number")


def show_entries(uow: UnitOfWork) -> list[Entry]:
    return sorted(
        (e for e in events.entries(uow, events.event_row(uow).id) if e.accepted), key=lambda e: e.start_no
    )


def my_votes(uow: UnitOfWork, voter: str | None, device: str = "") -> dict[int, Vote]:
    """The votes of this voter id (or this device) by category id: what a spectator's pages remind them."""
    if not voter and not device:
        return {}
    row = events.event_row(uow)
    ids = [c.id for c in uow.votes.categories(row.id)]
    secret = uow.votes.key(row.id)
    if secret is None:
        return {}
    device_hash = _hash(secret, "device", device) if device else ""
    found: dict[int, Vote] = {}
    for v in uow.votes.of_voter(ids, voter or "", device_hash):
        found.setdefault(v.category_id, v)
    return found


# -- the tally: sealed until revealed ------------------------------------------------------------------


def results(uow: UnitOfWork) -> list[Result]:
    """The tally of every revealed category (nothing of the others: they are sealed)."""
    revealed = [c for c in categories(uow) if c.state is VoteState.REVEALED]
    votes = uow.votes.all([c.id for c in revealed])
    return [_result(c, [v for v in votes if v.category_id == c.id]) for c in revealed]


def _result(category: Category, votes: Sequence[Vote]) -> Result:
    return Result(
        category=category,
        standings=count((v.start_no, v.voided) for v in votes),
        counted=sum(not v.voided for v in votes),
    )


def count_lines(db: Database, name: str) -> list[str] | None:
    """The organiser's count of the category called `name` (any case) as CSV lines, header first:
    entry,start_no,votes, best first, ties in start-number order; None when there is no such category.
    For the command line: it prints the tally whatever the category's state and adds nothing to a page."""
    with db.unit_of_work() as uow:
        found = next((c for c in categories(uow) if c.name.casefold() == name.strip().casefold()), None)
        if found is None:
            return None
        titles = {e.start_no: e.car.title for e in events.entries(uow, events.event_row(uow).id)}
        result = _result(found, uow.votes.all([found.id]))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER.split(","))
    for s in result.standings:
        writer.writerow([titles.get(s.start_no, f"car {s.start_no}"), s.start_no, s.votes])
    return buffer.getvalue().splitlines()


# -- the fraud report and the voids --------------------------------------------------------------------


def report(uow: UnitOfWork) -> Report:
    """The bursts of every category (domain.votes.find_bursts), each with its votes, and the voided votes."""
    cats = categories(uow)
    votes = uow.votes.all([c.id for c in cats])
    bursts: list[BurstReport] = []
    for c in cats:
        mine = [v for v in votes if v.category_id == c.id]
        for b in find_bursts([(v.cast_us, v.address, v.device) for v in mine]):
            bursts.append(BurstReport(category=c, burst=b, votes=[mine[i] for i in b.members]))
    bursts.sort(key=lambda r: (r.burst.first_us, r.category.id))
    cast_per = {c.id: sum(v.category_id == c.id for v in votes) for c in cats}
    return Report(bursts=bursts, voided=[v for v in votes if v.voided], cast=cast_per)


def void(db: Database, vote_ids: Iterable[int], by: str, why: str) -> int:
    """Void votes (one, or a whole burst) with who, when and why; they stop counting, nothing is deleted.
    Votes already void are left as they are; the number newly voided. Refused once a category's tally is
    revealed (it stands as announced)."""
    wanted = sorted(set(vote_ids))
    if not wanted:
        raise InvalidInput("void", "votes", [], "choose the votes to void")
    reason = check_why(why, "void")
    with db.unit_of_work() as uow:
        found = _votes_of_event(uow, wanted)
        for category in {v.category_id: category_of(uow, v.category_id) for v in found}.values():
            if category.state is VoteState.REVEALED:
                raise InvalidInput(
                    category.name, "votes", wanted, "the tally is revealed: it stands as announced"
                )
        todo = [v for v in found if not v.voided]
        if not todo:
            raise InvalidInput("void", "votes", wanted, "these votes are void already")
        at = now_us()
        for v in todo:
            uow.votes.void(v.id, by, at, reason)
        return len(todo)


def restore(db: Database, vote_id: int, by: str) -> None:
    """Count a voided vote again (the void is kept, with who restored it and when)."""
    with db.unit_of_work() as uow:
        (vote,) = _votes_of_event(uow, [vote_id])
        category = category_of(uow, vote.category_id)
        if category.state is VoteState.REVEALED:
            raise InvalidInput(
                category.name, "vote", vote_id, "the tally is revealed: it stands as announced"
            )
        if not uow.votes.restore(vote_id, by, now_us()):
            raise InvalidInput("restore", "vote", vote_id, "this vote is not void")


def _votes_of_event(uow: UnitOfWork, vote_ids: Sequence[int]) -> list[Vote]:
    ours = {c.id for c in categories(uow)}
    found = [v for v in uow.votes.get(vote_ids) if v.category_id in ours]
    missing = sorted(set(vote_ids) - {v.id for v in found})
    if missing:
        raise events.NotFound(f"vote {missing[0]}: there is no such vote")
    return found


# -- keys and hashes -----------------------------------------------------------------------------------


def _key(uow: UnitOfWork, event_id: int) -> str:
    """The event's vote key, made on first use."""
    secret = uow.votes.key(event_id)
    if secret is None:
        secret = secrets.token_hex(32)
        uow.votes.make_key(event_id, secret, now_us())
    return secret


def _keyed(secret: str, purpose: str) -> str:
    pepper = os.environ.get("MIGLIA_SECRET", "")
    return hmac.new(f"{secret}\x00{pepper}".encode(), purpose.encode(), hashlib.sha256).hexdigest()


def _hash(secret: str, kind: str, value: str) -> str:
    """HMAC-SHA256 of a device token or an address under the event's key (64 hex digits)."""
    return hmac.new(_keyed(secret, kind).encode(), value.encode(), hashlib.sha256).hexdigest()


# -- the demo's spectators -----------------------------------------------------------------------------

DEMO_SPECTATORS = 150
DEMO_BURST = 12
DEMO_PRE_WAR = 60
PRE_WAR = "Best pre-war car"


def seed_demo_votes(db: Database, rng_seed: int = 1927) -> str:
    """The demo's car show votes: People's Choice opened at the show and left open (so visitors can vote)
    with DEMO_SPECTATORS votes from distinct spectators over the afternoon (a few cars popular) and one
    burst of DEMO_BURST votes from one address that the fraud report finds; "Best pre-war car" closed and
    revealed after DEMO_PRE_WAR votes. A one-line summary."""
    rng = random.Random(rng_seed)
    with db.unit_of_work() as uow:
        row = events.event_row(uow)
        event = events.event_of(row)
        opens_us, closes_us = _show_hours(event)
        cars = show_entries(uow)
        if not cars:
            raise InvalidInput("demo votes", "entries", 0, "the demo has no accepted cars")
        if uow.votes.categories(row.id):
            raise InvalidInput("demo votes", "categories", "exist", "the demo's votes are seeded already")
        secret = _key(uow, row.id)
        people = uow.votes.add_category(
            row.id, PEOPLES_CHOICE, PEOPLES_CHOICE_DESCRIPTION, "organiser", opens_us
        )
        uow.votes.add_step(people, Step.OPEN, "organiser", opens_us)
        pre_war = uow.votes.add_category(
            row.id, PRE_WAR, "The spectators' favourite car built before 1940.", "organiser", opens_us
        )
        uow.votes.add_step(pre_war, Step.OPEN, "organiser", opens_us)
        old = [e for e in cars if e.car.year < 1940] or cars
        crowd = _demo_crowd(rng, secret, DEMO_SPECTATORS, opens_us, closes_us)
        rows = _demo_votes(rng, people, cars, crowd)
        later = [(v, d, a, min(closes_us - 1, t + rng.randint(1, 40) * US_PER_MIN)) for v, d, a, t in crowd]
        rows += _demo_votes(rng, pre_war, old, rng.sample(later, DEMO_PRE_WAR), (12.0, 6.0, 4.0))
        # One address stuffing the box for one car: a new device (cleared storage) each time, 20 s apart.
        friend = rng.choice(cars[len(cars) // 2 :]).start_no
        start = opens_us + 95 * US_PER_MIN
        address = _hash(secret, "address", "203.0.113.77")
        for i in range(DEMO_BURST):
            device = _hash(secret, "device", secrets.token_urlsafe(16))
            rows.append((people, friend, start + i * 20 * US_PER_S, new_voter_id(), device, address))
        uow.votes.add_many(rows)
        uow.votes.add_step(pre_war, Step.CLOSE, "organiser", closes_us)
        uow.votes.add_step(pre_war, Step.REVEAL, "organiser", closes_us + 15 * US_PER_MIN)
        top = [
            s for s in _result(category_of(uow, pre_war), uow.votes.all([pre_war])).standings if s.rank == 1
        ]
        titles = {e.start_no: e.car.title for e in cars}
        bursts = sum(1 for b in report(uow).bursts if b.category.id == people)
    return (
        f"spectators' vote: {PEOPLES_CHOICE} open with {DEMO_SPECTATORS + DEMO_BURST} votes "
        f"({bursts} burst of {DEMO_BURST} from one address in the fraud report); {PRE_WAR} revealed, "
        f"won by {' and '.join(f'#{s.start_no} {titles[s.start_no]}' for s in top)} "
        f"with {top[0].votes} of {DEMO_PRE_WAR} votes{' each' if len(top) > 1 else ''}"
    )


def _show_hours(event: Event) -> tuple[int, int]:
    """When the car show (the last one of the event) opens and closes, µs UTC."""
    for day in reversed(event.days):
        for stop in day.stops:
            if stop.kind is StopKind.CAR_SHOW and stop.opens and stop.closes:
                return (
                    local_instant(day.date, stop.opens, event.timezone),
                    local_instant(day.date, stop.closes, event.timezone),
                )
    raise InvalidInput("demo votes", "stops", "car_show", "the event has no car show with its hours")


Spectator = tuple[str, str, str, int]
"""(voter id, device hash or "", address hash, when they vote)."""


def _demo_crowd(rng: random.Random, secret: str, n: int, opens_us: int, closes_us: int) -> list[Spectator]:
    """`n` spectators, each with their own phone (one in ten without JavaScript, so no device token) and
    address, arriving over the afternoon, busier in its middle."""
    crowd = []
    for _ in range(n):
        token = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(22))
        device = "" if rng.random() < 0.1 else _hash(secret, "device", token)
        first = rng.choice((24, 67, 73, 98, 107, 172, 174))
        ip = f"{first}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        at = opens_us + int(min(0.999, max(0.0, rng.triangular(0.0, 1.0, 0.45))) * (closes_us - opens_us))
        crowd.append((f"demo-{token}", device, _hash(secret, "address", ip), at))
    return crowd


def _demo_votes(
    rng: random.Random,
    category_id: int,
    cars: Sequence[Entry],
    crowd: Sequence[Spectator],
    favourites: tuple[float, ...] = (8.0, 6.0, 5.0),
) -> list[tuple[int, int, int, str, str, str]]:
    """One vote each; a few cars are crowd favourites (so many times as likely as another car)."""
    order = list(cars)
    rng.shuffle(order)
    weights = [*favourites, *([1.0] * max(0, len(order) - len(favourites)))][: len(order)]
    return [
        (category_id, rng.choices(order, weights=weights)[0].start_no, at, voter, device, address)
        for voter, device, address, at in crowd
    ]
