"""The commemorative items' use cases on SQLite and PostgreSQL: a series allocated, handed over (signed),
lost and replaced, the sponsor's CSV and the command; and the check of issue 13, on a real PostgreSQL:
no serial is given twice under concurrent hand-overs, and parallel allocations never give one serial to
two holders."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from typer.testing import CliRunner

from miglia.cli.main import app
from miglia.domain import items as rules
from miglia.domain.errors import MigliaError
from miglia.domain.items import Kind, Per, SerialTaken, Status, Winner
from miglia.service.awards import items
from miglia.service.clock import local_instant
from miglia.store.db import Database
from tests.web.helpers import with_event

SHOW_US = 1_777_244_531_000_000  # Sun 26 Apr 2026 16:02:11 PDT


def test_a_series_allocated_handed_over_lost_and_replaced(db: Database) -> None:
    with_event(db)  # cars 1-3 accepted, car 4 refused
    series = items.create_series(db, "Chronograph, Test Rally edition", 5, "001", "Test Garage", "olga")
    with pytest.raises(
        MigliaError, match=r"item series: name = 'chronograph, test rally edition': the event"
    ):
        items.create_series(db, "chronograph, test rally edition", 5, "001", "", "olga")
    made = items.allocate_auto(db, series.id, Per.CAR, 2, "olga")
    assert [(a.serial, a.kind.value, a.start_no) for a in made] == [
        (1, "car", 1),
        (2, "car", 2),
        (3, "car", 3),
        (4, "reserve", None),
        (5, "reserve", None),
    ]
    assert items.allocate_auto(db, series.id, "car", 2, "olga") == []
    signature = items.demo_signature("Anna Rossi", 1)
    handed = items.hand_over(db, series.id, "001", "Anna Rossi", "mario", signature=signature, at_us=SHOW_US)
    assert handed.signed and handed.received_by == "Anna Rossi"
    assert items.signature_png(db, series.id, handed.id)[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(SerialTaken) as refused:
        items.hand_over(db, series.id, "1", "Bea Conti", "tim")
    assert str(refused.value) == (
        "serial 001 was handed to Anna Rossi at Sun 26 Apr 16:02:11 by mario; it cannot be handed over twice"
    )
    with pytest.raises(MigliaError, match=r"hand-over: signature = 'data:image/png;base64,AAAA': not a PNG"):
        items.hand_over(
            db, series.id, "002", "Carl Meyer", "mario", signature=rules.SIGNATURE_PREFIX + "AAAA"
        )
    with pytest.raises(MigliaError, match=r"hand-over: received by = ' ': must not be empty"):
        items.hand_over(db, series.id, "002", " ", "mario")
    made = items.retire(db, series.id, "001", "lost", "dropped in the lake", "olga", replacement="next")
    assert [(a.serial, a.kind.value, a.holder) for a in made] == [
        (1, "lost", "Anna Rossi & Bea Conti"),
        (4, "car", "Anna Rossi & Bea Conti"),
    ]
    items.hand_over(db, series.id, "004", "Bea Conti", "mario", at_us=SHOW_US + 60_000_000)
    award = items.allocate_one(
        db, series.id, "", Kind.AWARD, "olga", start_no=3, reason="Spirit of the Mille winner"
    )
    assert (award.serial, award.holder) == (5, "Ed Park & Fay Park")  # no serial free: the reserve's
    with db.unit_of_work() as uow:
        csv_text = items.sponsor_csv(uow, series.id)
        assert uow.items.ledger(series).problems() == []
        assert items.sponsor_pdf(uow, series.id)[:5] == b"%PDF-"
    assert csv_text.splitlines() == [
        "serial,holder,start_no,car,status,received_by,handed_over_at,by,signed,note",
        "001,Anna Rossi & Bea Conti,1,1930 Alfa Romeo 6C 1750 Gran Sport,lost,Anna Rossi,2026-04-26 16:02:11,"
        "mario,yes,Lost: dropped in the lake; replaced by 004",
        "002,Carl Meyer & Dora Meyer,2,1951 Jaguar XK120,allocated,,,,,",
        "003,Ed Park & Fay Park,3,1957 Porsche 356A Speedster,allocated,,,,,",
        "004,Anna Rossi & Bea Conti,1,1930 Alfa Romeo 6C 1750 Gran Sport,handed_over,Bea Conti,"
        "2026-04-26 16:03:11,mario,no,in place of 001",
        "005,Ed Park & Fay Park,3,1957 Porsche 356A Speedster,allocated,,,,,Spirit of the Mille winner",
    ]
    items.withdraw(db, series.id, "005", "the jury changed its mind", "olga")
    items.annul(db, series.id, "004", "given to the wrong crew", "olga")
    with db.unit_of_work() as uow:
        ledger = uow.items.ledger(series)
    assert (ledger.status(4), ledger.status(5)) == (Status.ALLOCATED, Status.FREE)
    assert ledger.handovers[-1].end_reason == "annulled: given to the wrong crew"
    assert len(ledger.allocations) == 8 and ledger.problems() == []  # nothing deleted: 5, lost, 004, 005


def test_the_command_lists_the_serials_with_their_holders(sqlite_url: str) -> None:
    db = with_event(Database(sqlite_url))
    series = items.create_series(db, "Chronograph, Test Rally edition", 4, "01", "", "olga")
    for kind, car in [(Kind.DRIVER, 1), (Kind.CO_DRIVER, 1), (Kind.DRIVER, 2)]:
        items.allocate_one(db, series.id, None, kind, "olga", start_no=car)
    items.allocate_one(db, series.id, None, Kind.PERSON, "olga", holder='Mo "the Sweep"', reason="sweep crew")
    runner = CliRunner()
    done = runner.invoke(app, ["items", "list", "chronograph", "--db", sqlite_url])
    assert done.exit_code == 0, done.output
    assert done.output.splitlines() == [
        "serial,holder,start_no,status",
        "01,Anna Rossi,1,allocated",
        "02,Bea Conti,1,allocated",
        "03,Carl Meyer,2,allocated",
        '04,"Mo ""the Sweep""",,allocated',
    ]
    # no serial left for the others: the refusal names the numbers, nothing is allocated
    with pytest.raises(
        MigliaError,
        match=r"per = 'crew': 3 to allocate \(one per crew member\) and 0 more to reserve, but only 0",
    ):
        items.allocate_auto(db, series.id, Per.CREW, 0, "olga")
    missing = runner.invoke(app, ["items", "list", "medals", "--db", sqlite_url])
    assert missing.exit_code == 2
    assert (
        "items: series = 'medals': no such series (the event's series: 'Chronograph, Test Rally"
        in missing.output
    )


def test_award_winners_as_the_juried_awards_reveal_them(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_event(db)
    series = items.create_series(db, "Chronograph", 5, "001", "", "olga")
    items.allocate_auto(db, series.id, Per.CAR, 2, "olga")

    class Revealed:  # as service.awards.juries.WinnerRecord has them
        def __init__(self, award_name: str, start_no: int) -> None:
            self.award_name, self.start_no = award_name, start_no

    fake = type(
        "Juries",
        (),
        {
            "revealed_winners": staticmethod(
                lambda uow: [Revealed("Five watches", 2), Revealed("Best paint", 1)]
            )
        },
    )
    monkeypatch.setattr(items.importlib, "import_module", lambda name: fake)
    with db.unit_of_work() as uow:
        assert items.revealed_winners(uow) == [
            Winner(award="Five watches", start_no=2),
            Winner(award="Best paint", start_no=1),
        ]
    made, short = items.allocate_winners(db, series.id, "olga", "Five watches")
    assert [(a.serial, a.holder, a.reason) for a in made] == [
        (4, "Carl Meyer & Dora Meyer", "Five watches winner")
    ]
    assert short == 0 and items.allocate_winners(db, series.id, "olga", "Five watches") == ([], 0)
    with pytest.raises(MigliaError, match=r"award = 'Medals': no revealed award of that name has winners"):
        items.allocate_winners(db, series.id, "olga", "Medals")


def test_the_demo_items_on_the_small_event(sqlite_url: str) -> None:
    db = with_event(Database(sqlite_url))
    summary = items.seed_demo_items(db)
    assert summary.startswith(
        "Chronograph, Sonoma Test Run edition: 75 pieces (001-075), one per car for 3 cars;"
    )
    assert summary.endswith(
        "3 handed over at the car show (0 signed), 001 lost and replaced by 008, 0 still to hand over, "
        "4 reserved for the award winners"
    )
    assert items.seed_demo_items(db) == (
        "Chronograph, Sonoma Test Run edition: already there (67 free, 4 reserved, 3 handed over, 1 lost)"
    )
    with db.unit_of_work() as uow:
        ((series, counts),) = items.all_series(uow)
        assert uow.items.ledger(series).problems() == []
    assert counts[Status.LOST] == 1


# -- concurrency: the check of issue 13, on a real PostgreSQL --------------------------------------------

PARALLEL = 20
"""Phones at once (PostgreSQL); SQLite's connection pool holds 15, so 12 there."""


def parallel(db: Database) -> int:
    return PARALLEL if db.url.startswith("postgresql") else 12


def _all_at_once(count: int, work: Callable[[int], Any]) -> list[Any]:
    """`work(i)` in `count` threads released together; each one's result or the exception it raised."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # the test looks at what each one met
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


@pytest.fixture
def allocated(db: Database) -> tuple[Database, int]:
    """The small event's cars with a serial each (001-003), on SQLite and on PostgreSQL."""
    with_event(db)
    series = items.create_series(db, "Chronograph", 10, "001", "", "olga")
    items.allocate_auto(db, series.id, Per.CAR, 0, "olga")
    return db, series.id


def _when(instant_us: int) -> str:
    local = items.to_datetime(instant_us, "America/Los_Angeles")
    return f"{local:%a} {local.day} {local:%b %H:%M:%S}"


def _one_handed(db: Database, series_id: int, results: list[Any]) -> None:
    done = [r for r in results if isinstance(r, rules.Handover)]
    refused = [r for r in results if isinstance(r, SerialTaken)]
    assert len(done) == 1, results
    assert len(refused) == len(results) - 1, [
        r for r in results if not isinstance(r, rules.Handover | SerialTaken)
    ]
    winner = done[0]
    assert {str(r) for r in refused} == {
        f"serial 002 was handed to {winner.received_by} at "
        f"{_when(winner.given_us)} "
        f"by {winner.given_by}; it cannot be handed over twice"
    }
    with db.unit_of_work() as uow:
        ledger = items.ledger_of(uow, series_id)
    assert [h.serial for h in ledger.handovers] == [2] and ledger.problems() == []


def test_no_serial_is_handed_over_twice_by_parallel_phones(allocated: tuple[Database, int]) -> None:
    db, series_id = allocated
    results = _all_at_once(
        parallel(db), lambda i: items.hand_over(db, series_id, "002", f"Person {i}", f"marshal{i}")
    )
    _one_handed(db, series_id, results)


def test_the_unique_index_decides_when_every_phone_saw_the_serial_free(
    allocated: tuple[Database, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """All twenty read the serial as not handed over before any writes: only the store stands between
    them (PostgreSQL's unique index; SQLite's single writer), and it lets exactly one through."""
    db, series_id = allocated
    checked = threading.Barrier(parallel(db))
    original = rules.check_handover

    def check_then_wait(*args: Any) -> rules.Allocation:
        allocation = original(*args)
        checked.wait(30)
        return allocation

    monkeypatch.setattr(rules, "check_handover", check_then_wait)
    results = _all_at_once(
        parallel(db), lambda i: items.hand_over(db, series_id, "002", f"Person {i}", f"marshal{i}")
    )
    _one_handed(db, series_id, results)


@pytest.mark.pg
def test_parallel_allocations_never_give_one_serial_to_two_holders(pg_url: str) -> None:
    db = with_event(Database(pg_url))
    series = items.create_series(db, "Chronograph", 30, "001", "", "olga")
    # twenty organisers give serial 007 to twenty different people at once
    results = _all_at_once(
        PARALLEL,
        lambda i: items.allocate_one(
            db, series.id, "007", Kind.PERSON, f"org{i}", holder=f"Guest {i}", reason="guest"
        ),
    )
    given = [r for r in results if isinstance(r, rules.Allocation)]
    refused = [r for r in results if isinstance(r, MigliaError)]
    assert len(given) == 1 and len(refused) == PARALLEL - 1, results
    winner = f"{given[0].holder} by {given[0].by}"
    assert {str(r) for r in refused} <= {  # lost the race at the insert, or read the serial taken
        f"serial 007: serial = '007': was just allocated to {winner}; nothing was changed",
        f"serial 007: serial = '007': already allocated to {given[0].holder}",
    }
    # and the automatic allocation run from ten consoles at once: each car once, each serial once
    runs = _all_at_once(10, lambda i: items.allocate_auto(db, series.id, Per.CREW, 3, f"org{i}"))
    assert not [r for r in runs if isinstance(r, Exception) and not isinstance(r, MigliaError)], runs
    with db.unit_of_work() as uow:
        ledger = items.ledger_of(uow, series.id)
    live = [a for a in ledger.allocations if a.live]
    assert len({a.serial for a in live}) == len(live) and ledger.problems() == []
    assert sorted((a.start_no, a.kind.value) for a in live if a.start_no) == [
        (1, "co_driver"),
        (1, "driver"),
        (2, "co_driver"),
        (2, "driver"),
        (3, "co_driver"),
        (3, "driver"),
    ]
    assert len(ledger.reserved()) == 3
    db.dispose()


def test_local_instants_of_the_show() -> None:
    import datetime as dt

    assert local_instant(dt.date(2026, 4, 26), dt.time(16, 2, 11), "America/Los_Angeles") == SHOW_US
