"""The spectators' vote on SQLite and PostgreSQL: the organiser's categories and steps, one vote per voter
id and per device, the address kept only as a salted hash, the tally sealed until revealed, the fraud
report and its voids, the organiser's count, and the demo's spectators."""

from __future__ import annotations

import datetime as dt
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import MetaData, select

from miglia.domain.errors import InvalidInput, MigliaError
from miglia.domain.votes import PEOPLES_CHOICE, Step, VoteState
from miglia.service.awards import votes
from miglia.service.clock import local_instant
from miglia.service.event import events
from miglia.store.db import Database
from miglia.store.records import AlreadyStored
from tests.conftest import SMALL

ADDRESS = "203.0.113.45"


@pytest.fixture
def show(db: Database) -> Database:
    events.import_event(db, SMALL / "event.toml")
    events.import_entries(db, SMALL / "entries.csv")
    return db


def _voter(n: int) -> str:
    return f"voter-{n:012d}"


def _device(n: int) -> str:
    return f"device-{n:013d}"


def _open(db: Database) -> int:
    return votes.open_peoples_choice(db, "olga").id


def test_the_first_opening_makes_peoples_choice_and_every_step_is_kept(show: Database) -> None:
    category = votes.open_peoples_choice(show, "olga")
    assert (category.name, category.state) == (PEOPLES_CHOICE, VoteState.OPEN)
    pre_war = votes.add_category(show, "  Best pre-war car ", "Built before 1940.", "olga")
    assert (pre_war.name, pre_war.description, pre_war.state) == (
        "Best pre-war car",
        "Built before 1940.",
        VoteState.DRAFT,
    )
    with pytest.raises(InvalidInput, match="a category of this name exists already"):
        votes.add_category(show, "best PRE-WAR car", "", "olga")
    with pytest.raises(InvalidInput, match="close the vote before revealing its tally"):
        votes.take_step(show, category.id, Step.REVEAL, "olga")
    votes.take_step(show, category.id, Step.CLOSE, "olga")
    votes.take_step(show, category.id, Step.OPEN, "olga")  # opened again
    votes.take_step(show, category.id, Step.CLOSE, "olga")
    revealed = votes.take_step(show, category.id, Step.REVEAL, "rita")
    assert [s.step for s in revealed.steps] == [Step.OPEN, Step.CLOSE, Step.OPEN, Step.CLOSE, Step.REVEAL]
    last = revealed.last(Step.REVEAL)
    assert last is not None and last.by == "rita" and last.at_us > 0
    with show.unit_of_work() as uow:
        assert [c.name for c in votes.categories(uow)] == [PEOPLES_CHOICE, "Best pre-war car"]
    with pytest.raises(events.NotFound, match="vote category 999: there is no such category"):
        votes.take_step(show, 999, Step.OPEN, "olga")


def test_one_vote_per_voter_and_per_device_in_each_category(show: Database) -> None:
    people = _open(show)
    pre_war = votes.add_category(show, "Best pre-war car", "", "olga").id
    done = votes.cast(show, people, 1, _voter(1), _device(1), ADDRESS)
    assert (done.vote.start_no, done.entry.car.title) == (1, "1930 Alfa Romeo 6C 1750 Gran Sport")
    with pytest.raises(votes.AlreadyVoted) as twice:
        votes.cast(show, people, 2, _voter(1), _device(1), ADDRESS)
    assert str(twice.value) == "You already voted for car 1 in People's Choice."
    with pytest.raises(votes.AlreadyVoted, match="already voted for car 1"):  # cleared cookie, same device
        votes.cast(show, people, 2, _voter(2), _device(1), ADDRESS)
    with pytest.raises(votes.AlreadyVoted, match="already voted for car 1"):  # same cookie, new device
        votes.cast(show, people, 2, _voter(1), _device(2), ADDRESS)
    with pytest.raises(votes.AlreadyVoted):  # same cookie, no script
        votes.cast(show, people, 2, _voter(1), "", ADDRESS)
    votes.cast(show, people, 2, _voter(3), "", ADDRESS)  # another browser without a script: allowed
    votes.cast(show, people, 2, _voter(4), "", ADDRESS)  # no device token never clashes with another
    with pytest.raises(votes.NotOpen, match="Best pre-war car: the vote is not open yet"):
        votes.cast(show, pre_war, 1, _voter(1), _device(1), ADDRESS)
    votes.take_step(show, pre_war, Step.OPEN, "olga")
    votes.cast(show, pre_war, 1, _voter(1), _device(1), ADDRESS)  # one vote in each category
    with show.unit_of_work() as uow:
        mine = votes.my_votes(uow, _voter(1))
        assert {c: v.start_no for c, v in mine.items()} == {people: 1, pre_war: 1}
        assert votes.my_votes(uow, None, _device(1))[people].start_no == 1
        assert votes.my_votes(uow, _voter(99)) == {}
        assert votes.report(uow).cast == {people: 3, pre_war: 1}


@pytest.mark.parametrize(
    ("start_no", "device", "message"),
    [
        (4, "", "People's Choice: car = 4: no car of the show has this start number"),  # refused
        (77, "", "People's Choice: car = 77: no car of the show has this start number"),
        (1, "short", "vote: device = 'short': not a device token of this site; reload the page"),
        (1, "x" * 20 + "<script>", "not a device token of this site"),
    ],
)
def test_bad_votes_are_refused_and_change_nothing(
    show: Database, start_no: int, device: str, message: str
) -> None:
    people = _open(show)
    with pytest.raises(MigliaError) as refused:
        votes.cast(show, people, start_no, _voter(1), device, ADDRESS)
    assert message in str(refused.value)
    with show.unit_of_work() as uow:
        assert votes.report(uow).cast == {people: 0}
    with pytest.raises(InvalidInput, match="not a voter id of this site"):
        votes.cast(show, people, 1, "me", "", ADDRESS)


def test_the_address_is_never_stored_only_its_salted_hash(show: Database) -> None:
    people = _open(show)
    votes.cast(show, people, 1, _voter(1), _device(1), ADDRESS)
    votes.cast(show, people, 2, _voter(2), _device(2), "2001:db8:5:6:aaaa::1")
    votes.cast(show, people, 3, _voter(3), _device(3), "2001:db8:5:6:bbbb::2")  # the same /64
    tables = MetaData()
    tables.reflect(show.engine)
    with show.engine.connect() as conn:
        stored = [
            str(value)
            for table in tables.sorted_tables
            for row in conn.execute(select(table))
            for value in row
        ]
        hashes = [r.address for r in conn.execute(select(tables.tables["votes"]))]
        devices = [r.device for r in conn.execute(select(tables.tables["votes"]))]
    assert not any(ADDRESS in v or "2001:db8" in v or _device(1) in v for v in stored)
    assert all(len(h) == 64 for h in hashes) and hashes[1] == hashes[2] != hashes[0]
    assert len(set(devices)) == 3


def test_a_double_vote_racing_past_the_look_up_is_held_by_the_unique_constraints(show: Database) -> None:
    people = _open(show)
    with show.unit_of_work() as uow:
        uow.votes.add(people, 1, 1, _voter(1), "d" * 64, "a" * 64)
    for voter, device in ((_voter(1), "e" * 64), (_voter(2), "d" * 64)):
        with pytest.raises(AlreadyStored), show.unit_of_work() as uow:
            uow.votes.add(people, 2, 2, voter, device, "a" * 64)
    with show.unit_of_work() as uow:
        assert [v.start_no for v in uow.votes.all([people])] == [1]


def test_parallel_votes_of_one_voter_store_one_and_refuse_the_others_naming_it(show: Database) -> None:
    people = _open(show)

    def attempt(n: int) -> str:
        try:
            votes.cast(show, people, 1 + n % 3, _voter(1), _device(n), f"198.51.100.{n}")
        except votes.AlreadyVoted as exc:
            return str(exc)
        return "stored"

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(attempt, range(8)))
    with show.unit_of_work() as uow:
        (stored,) = uow.votes.all([people])
    assert answers.count("stored") == 1
    refusal = f"You already voted for car {stored.start_no} in People's Choice."
    assert sorted(answers) == sorted(["stored", *[refusal] * 7])


def test_the_tally_is_sealed_until_the_organiser_closes_and_reveals_it(show: Database) -> None:
    people = _open(show)
    for i, car in enumerate([2, 1, 2, 3, 1, 2]):
        votes.cast(show, people, car, _voter(i), _device(i), f"198.51.100.{i}")
    with show.unit_of_work() as uow:
        assert votes.results(uow) == []
    votes.take_step(show, people, Step.CLOSE, "olga")
    with show.unit_of_work() as uow:
        assert votes.results(uow) == []
    votes.take_step(show, people, Step.REVEAL, "olga")
    with show.unit_of_work() as uow:
        (result,) = votes.results(uow)
    assert [(s.rank, s.start_no, s.votes) for s in result.standings] == [(1, 2, 3), (2, 1, 2), (3, 3, 1)]
    assert result.counted == 6
    with pytest.raises(votes.NotOpen, match="the vote is over and the results are out"):
        votes.cast(show, people, 1, _voter(50), "", ADDRESS)


def test_the_report_finds_a_burst_and_the_organiser_voids_it(show: Database) -> None:
    people = _open(show)
    for i in range(3):
        votes.cast(show, people, 1, _voter(i), _device(i), f"198.51.100.{i}")
    for i in range(10, 16):  # six browsers behind one address, for car 3
        votes.cast(show, people, 3, _voter(i), _device(i), ADDRESS)
    with show.unit_of_work() as uow:
        report = votes.report(uow)
    (burst,) = report.bursts
    assert burst.burst.reasons == ("address",) and [v.start_no for v in burst.votes] == [3] * 6
    assert votes.count_lines(show, PEOPLES_CHOICE) == [
        "entry,start_no,votes",
        "1957 Porsche 356A Speedster,3,6",
        "1930 Alfa Romeo 6C 1750 Gran Sport,1,3",
    ]
    with pytest.raises(InvalidInput, match="say why"):
        votes.void(show, burst.live_ids, "olga", "  ")
    one = burst.votes[0].id
    assert votes.void(show, [one], "olga", "tested the form") == 1
    assert votes.void(show, burst.live_ids, "olga", "one address, six votes in a minute") == 5
    with pytest.raises(InvalidInput, match="these votes are void already"):
        votes.void(show, burst.live_ids, "olga", "again")
    with show.unit_of_work() as uow:
        report = votes.report(uow)
    (burst,) = report.bursts  # still reported, its votes void
    assert burst.live_ids == [] and len(report.voided) == 6
    first = next(v for v in report.voided if v.id == one).void
    assert first is not None and (first.by, first.why) == ("olga", "tested the form")
    assert votes.count_lines(show, "people's choice") == [
        "entry,start_no,votes",
        "1930 Alfa Romeo 6C 1750 Gran Sport,1,3",
    ]
    votes.restore(show, one, "olga")
    with pytest.raises(InvalidInput, match="this vote is not void"):
        votes.restore(show, one, "olga")
    assert votes.count_lines(show, PEOPLES_CHOICE)[1:] == [
        "1930 Alfa Romeo 6C 1750 Gran Sport,1,3",
        "1957 Porsche 356A Speedster,3,1",
    ]
    with pytest.raises(events.NotFound, match="vote 9999: there is no such vote"):
        votes.void(show, [one, 9999], "olga", "typo")
    votes.take_step(show, people, Step.CLOSE, "olga")
    votes.take_step(show, people, Step.REVEAL, "olga")
    with pytest.raises(InvalidInput, match="the tally is revealed: it stands as announced"):
        votes.void(show, [burst.votes[1].id], "olga", "late")
    assert votes.count_lines(show, "no such thing") is None


def test_the_count_quotes_a_title_with_a_comma(show: Database) -> None:
    with show.unit_of_work() as uow:
        row = events.event_row(uow)
        entries = uow.entries.all(row.id)
        entries[0] = replace(entries[0], car=replace(entries[0].car, model='6C 1750 "Zagato", spider'))
        uow.entries.replace(row.id, entries)
    people = _open(show)
    votes.cast(show, people, 1, _voter(1), "", ADDRESS)
    assert votes.count_lines(show, PEOPLES_CHOICE) == [
        "entry,start_no,votes",
        '"1930 Alfa Romeo 6C 1750 ""Zagato"", spider",1,1',
    ]


def test_the_demo_spectators_vote_at_the_car_show(db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "event"
    shutil.copytree(SMALL, folder)
    text = (folder / "event.toml").read_text()
    (folder / "event.toml").write_text(
        text
        + '\n[[days.stops]]\nkind = "car_show"\nname = "Plaza show"\nlat = 38.2919\nlon = -122.4580\n'
        + "opens = 15:30:00\ncloses = 19:30:00\n"
    )
    events.import_event(db, folder / "event.toml")
    events.import_entries(db, folder / "entries.csv")
    summary = votes.seed_demo_votes(db)
    assert summary.startswith(
        "spectators' vote: People's Choice open with 162 votes (1 burst of 12 from one address in the "
        "fraud report); Best pre-war car revealed, won by #1 1930 Alfa Romeo 6C 1750 Gran Sport with 60 of"
    )
    with db.unit_of_work() as uow:
        people, pre_war = votes.categories(uow)
        assert (people.state, pre_war.state) == (VoteState.OPEN, VoteState.REVEALED)
        (burst,) = votes.report(uow).bursts
        assert len(burst.votes) == 12 and burst.category.id == people.id
        every = uow.votes.all([people.id])
        event = events.load(uow)
    assert len(every) == 162 and len({v.voter for v in every}) == 162
    day = event.days[-1].date
    opens = local_instant(day, dt.time(15, 30), event.timezone)
    assert all(opens <= v.cast_us < opens + 4 * 3600 * 1_000_000 for v in every)
    with pytest.raises(InvalidInput, match="seeded already"):
        votes.seed_demo_votes(db)


def test_the_command_prints_the_count_before_and_after_the_reveal(
    show: Database, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from miglia.cli import awards as awards_cli
    from miglia.cli.main import app

    people = _open(show)
    for i, car in enumerate([2, 1, 2]):
        votes.cast(show, people, car, _voter(i), "", f"198.51.100.{i}")
    runner = CliRunner()
    done = runner.invoke(app, ["awards", "count", "People's Choice", "--db", db_url])
    assert done.exit_code == 0, done.output
    assert done.output.splitlines() == [
        "entry,start_no,votes",
        "1951 Jaguar XK120,2,2",
        "1930 Alfa Romeo 6C 1750 Gran Sport,1,1",
    ]
    # not a vote category: the juried awards' count when there is one, else a clear refusal
    monkeypatch.setattr(
        awards_cli, "_jury_count", lambda: lambda db, name: ["1957 Porsche 356A Speedster,3,4"]
    )
    jury = runner.invoke(app, ["awards", "count", "Spirit of the Mille", "--db", db_url])
    assert jury.output.splitlines() == ["entry,start_no,votes", "1957 Porsche 356A Speedster,3,4"]
    monkeypatch.setattr(awards_cli, "_jury_count", lambda: None)
    missing = runner.invoke(app, ["awards", "count", "Best in show", "--db", db_url])
    assert missing.exit_code == 2 and "no vote category or award named Best in show" in missing.output
