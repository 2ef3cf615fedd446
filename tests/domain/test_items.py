"""The rules of the commemorative items (domain/items.py): worked examples written out, and hypothesis
invariants over any sequence of the organiser's and the staff's actions (serials unique, within the
series, never given twice, lost and replaced histories consistent, records only ever ended)."""

from __future__ import annotations

import base64
import dataclasses
import io
import struct
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from miglia.domain.entries import Car, Crew, Entry, EntryStatus
from miglia.domain.errors import MigliaError
from miglia.domain.items import (
    MAX_SIGNATURE_CHARS,
    SIGNATURE_PREFIX,
    Allocation,
    Handover,
    Kind,
    Ledger,
    Per,
    Plan,
    SerialTaken,
    Series,
    Status,
    Winner,
    check_annul,
    check_handover,
    check_signature,
    parse_serial,
    plan_auto,
    plan_one,
    plan_retire,
    plan_winners,
    plan_withdraw,
    replacement_for,
    search,
    series_spec,
    taken_message,
)

TZ = "America/Los_Angeles"
SHOW_US = 1_777_244_531_000_000  # Sun 26 Apr 2026 16:02:11 PDT


def entry(n: int, driver: str, co_driver: str = "", accepted: bool = True) -> Entry:
    return Entry(
        start_no=n,
        car=Car(make="Alfa Romeo", model="6C", year=1930),
        crew=Crew(driver=driver, co_driver=co_driver),
        status=EntryStatus.ACCEPTED if accepted else EntryStatus.REFUSED,
    )


ENTRIES = [
    entry(3, "Ed Park", "Fay Park"),
    entry(1, "Anna Rossi", "Bea Conti"),
    entry(2, "Carl Müller"),
    entry(4, "Gus Lind", "Hal Lind", accepted=False),
]


def series(pieces: int = 5, first: str = "001") -> Series:
    spec = series_spec("Chronograph", pieces, first, "Presidio")
    return Series(**dataclasses.asdict(spec), id=1, created_by="olga", created_us=0)


def empty(pieces: int = 5) -> Ledger:
    return Ledger(series(pieces), (), ())


def apply(ledger: Ledger, plan: Plan, by: str = "olga", at_us: int = 1) -> Ledger:
    """What the store does with a plan: the ends, then the new records with the next ids."""
    ends = dict(plan.ends)
    kept = []
    for a in ledger.allocations:
        if a.id in ends:
            assert a.live, f"allocation {a.id} ended twice"
            a = dataclasses.replace(a, ended_us=at_us, ended_by=by, end_reason=ends[a.id])
        kept.append(a)
    next_id = max((a.id for a in ledger.allocations), default=0) + 1
    for i, n in enumerate(plan.new):
        kept.append(
            Allocation(
                id=next_id + i,
                serial=n.serial,
                kind=n.kind,
                start_no=n.start_no,
                holder=n.holder,
                reason=n.reason,
                by=by,
                at_us=at_us,
                replaces_id=n.replaces_id,
            )
        )
    return Ledger(ledger.series, tuple(kept), ledger.handovers)


def hand(
    ledger: Ledger, serial: int, who: str = "Anna Rossi", by: str = "mario", at_us: int = SHOW_US
) -> Ledger:
    allocation = check_handover(ledger, serial, None, TZ)
    new = Handover(
        id=len(ledger.handovers) + 1,
        serial=serial,
        allocation_id=allocation.id,
        received_by=who,
        given_by=by,
        given_us=at_us,
        recorded_us=at_us,
    )
    return Ledger(ledger.series, ledger.allocations, (*ledger.handovers, new))


def holders(ledger: Ledger) -> list[tuple[str, str, int | None, str]]:
    return [
        (ledger.series.label(a.serial), a.kind.value, a.start_no, a.holder)
        for a in ledger.allocations
        if a.live
    ]


# -- worked examples ------------------------------------------------------------------------------------


def test_a_series_is_written_with_the_digits_of_its_first_serial_or_of_its_last() -> None:
    chrono = series_spec("Chronograph, California Mille 2026 edition", 75, "001")
    assert (chrono.first, chrono.last, chrono.digits) == (1, 75, 3)
    assert [chrono.label(s) for s in (1, 12, 75)] == ["001", "012", "075"]
    assert chrono.range_label == "001-075"
    assert series_spec("x", 75, "1").range_label == "01-75"
    assert series_spec("x", 120, "01").range_label == "001-120"
    assert series_spec("x", 10, "").range_label == "01-10"
    with pytest.raises(MigliaError, match=r"item series: pieces = 0: a series has 1 to 10000 pieces"):
        series_spec("x", 0, "001")
    with pytest.raises(MigliaError, match=r"item series: first serial = 'A1': expected a whole number"):
        series_spec("x", 5, "A1")
    with pytest.raises(MigliaError, match=r"item series: name = '  ': must not be empty"):
        series_spec("  ", 5, "001")


def test_a_typed_serial_is_read_within_the_series() -> None:
    chrono = series(75)
    assert parse_serial(chrono, "12") == parse_serial(chrono, "012") == parse_serial(chrono, " #012 ") == 12
    with pytest.raises(MigliaError, match=r"item: serial = '76': not a serial of Chronograph \(001-075\)"):
        parse_serial(chrono, "76")
    with pytest.raises(MigliaError, match=r"serial = 'twelve': expected a serial of the series, 001-075"):
        parse_serial(chrono, "twelve")


def test_one_per_car_in_order_of_start_number_then_the_reserve() -> None:
    ledger = apply(empty(5), plan_auto(empty(5), ENTRIES, Per.CAR, 2))
    assert holders(ledger) == [
        ("001", "car", 1, "Anna Rossi & Bea Conti"),
        ("002", "car", 2, "Carl Müller"),
        ("003", "car", 3, "Ed Park & Fay Park"),
        ("004", "reserve", None, ""),
        ("005", "reserve", None, ""),
    ]  # car 4 was refused: no item
    assert plan_auto(ledger, ENTRIES, Per.CAR, 2) == Plan()  # again: nothing missing
    assert ledger.counts()[Status.ALLOCATED] == 3 and ledger.counts()[Status.RESERVED] == 2


def test_one_per_crew_member_driver_then_co_driver() -> None:
    ledger = apply(empty(7), plan_auto(empty(7), ENTRIES, Per.CREW, 1))
    assert holders(ledger) == [
        ("001", "driver", 1, "Anna Rossi"),
        ("002", "co_driver", 1, "Bea Conti"),
        ("003", "driver", 2, "Carl Müller"),
        ("004", "driver", 3, "Ed Park"),
        ("005", "co_driver", 3, "Fay Park"),
        ("006", "reserve", None, ""),
    ]
    # a car's item covers its crew: one per car after one per crew member adds nothing for them
    assert plan_auto(ledger, ENTRIES, Per.CAR, 1) == Plan()


def test_too_few_serials_is_refused_and_nothing_planned() -> None:
    with pytest.raises(
        MigliaError,
        match=r"allocation: reserve = 2: 3 to allocate \(one per car\) and 2 more to reserve, "
        r"but only 4 of 4 serials are free",
    ):
        plan_auto(empty(4), ENTRIES, Per.CAR, 2)


def test_by_hand_an_award_winner_takes_a_reserved_serial() -> None:
    ledger = apply(empty(5), plan_auto(empty(5), ENTRIES, Per.CAR, 2))
    plan = plan_one(ledger, 4, Kind.AWARD, ENTRIES, start_no=2, reason="Spirit of the Mille Miglia winner")
    reserve_id = ledger.live(4).id  # type: ignore[union-attr]
    assert plan.ends == ((reserve_id, "taken from the reserve"),)
    ledger = apply(ledger, plan)
    assert holders(ledger)[-2:] == [("005", "reserve", None, ""), ("004", "award", 2, "Carl Müller")]
    with pytest.raises(MigliaError, match=r"already holds serial 004 for Spirit of the Mille Miglia winner"):
        plan_one(ledger, 5, Kind.AWARD, ENTRIES, start_no=2, reason="Spirit of the Mille Miglia winner")
    with pytest.raises(MigliaError, match=r"serial 001: serial = '001': already allocated to Anna Rossi"):
        plan_one(ledger, 1, Kind.PERSON, ENTRIES, holder="The mayor", reason="guest of honour")
    with pytest.raises(MigliaError, match=r"car 1 already holds serial 001 \(car \(its crew\)\)"):
        plan_one(ledger, 5, Kind.DRIVER, ENTRIES, start_no=1)
    with pytest.raises(MigliaError, match=r"start number = 4: not an accepted entry of the event"):
        plan_one(ledger, 5, Kind.CAR, ENTRIES, start_no=4)
    with pytest.raises(MigliaError, match=r"serial 005: reason = '': must not be empty"):
        plan_one(ledger, 5, Kind.PERSON, ENTRIES, holder="The mayor")


def test_the_award_winners_get_the_reserve_then_the_free_serials() -> None:
    ledger = apply(empty(6), plan_auto(empty(6), ENTRIES, Per.CAR, 2))  # 004, 005 reserved; 006 free
    winners = [Winner(award="Five watches", start_no=3), Winner(award="Five watches", start_no=1)]
    winners += [Winner(award="Five watches", name="Mo Sweep"), Winner(award="Five watches", name="Zed")]
    plan, short = plan_winners(ledger, winners, ENTRIES)
    ledger = apply(ledger, plan)
    assert short == 1
    assert holders(ledger)[3:] == [
        ("004", "award", 3, "Ed Park & Fay Park"),
        ("005", "award", 1, "Anna Rossi & Bea Conti"),
        ("006", "award", None, "Mo Sweep"),
    ]
    assert plan_winners(ledger, winners[:3], ENTRIES) == (Plan(), 0)  # they have theirs


def test_a_serial_handed_over_is_refused_a_second_time_naming_who_when_and_by_whom() -> None:
    ledger = hand(apply(empty(5), plan_auto(empty(5), ENTRIES, Per.CAR, 2)), 1)
    assert ledger.status(1) is Status.HANDED
    with pytest.raises(SerialTaken) as refused:
        check_handover(ledger, 1, None, TZ)
    assert str(refused.value) == (
        "serial 001 was handed to Anna Rossi at Sun 26 Apr 16:02:11 by mario; it cannot be handed over twice"
    )
    assert taken_message(ledger.series, ledger.handed(1), TZ) == str(refused.value)  # type: ignore[arg-type]
    with pytest.raises(MigliaError, match=r"hand-over: serial = '004': reserved for the award winners: it"):
        check_handover(ledger, 4, None, TZ)
    with pytest.raises(MigliaError, match=r"serial = '002': now allocated to Carl Müller \(it changed since"):
        check_handover(ledger, 2, 99, TZ)
    with pytest.raises(MigliaError, match=r"hand-over: serial = 9: not a serial of Chronograph \(001-005\)"):
        check_handover(ledger, 9, None, TZ)
    free = apply(empty(5), Plan())
    with pytest.raises(MigliaError, match=r"serial = '001': not allocated to anyone: allocate it first"):
        check_handover(free, 1, None, TZ)


def test_lost_and_replaced_keeps_the_history_and_the_lost_serial_out_of_circulation() -> None:
    ledger = hand(apply(empty(5), plan_auto(empty(5), ENTRIES, Per.CAR, 2)), 1)
    old = ledger.live(1)
    assert old is not None
    assert replacement_for(ledger) == 4  # no serial free: the lowest reserved
    ledger = apply(ledger, plan_retire(ledger, 1, Kind.LOST, "dropped in the lake", replacement=5), at_us=9)
    assert ledger.status(1) is Status.LOST and ledger.status(5) is Status.ALLOCATED
    lost, new = ledger.live(1), ledger.live(5)
    assert lost is not None and new is not None
    assert (lost.kind, lost.holder, lost.reason, lost.replaces_id) == (
        Kind.LOST,
        "Anna Rossi & Bea Conti",
        "dropped in the lake",
        old.id,
    )
    assert (new.holder, new.start_no, new.replaces_id) == ("Anna Rossi & Bea Conti", 1, old.id)
    assert new.reason == "in place of 001 (lost); participant, car 1"
    ended = ledger.allocation(old.id)
    assert ended is not None and (ended.ended_us, ended.end_reason) == (9, "lost: dropped in the lake")
    assert [type(r).__name__ for r in ledger.history(1)] == ["Allocation", "Allocation", "Handover"]
    assert ledger.handed(1) is not None  # it was handed over, then lost: that stays
    assert ledger.problems() == []
    for refused in (
        lambda: plan_one(ledger, 1, Kind.PERSON, ENTRIES, holder="X", reason="y"),
        lambda: plan_withdraw(ledger, 1, "oops"),
        lambda: plan_retire(ledger, 1, Kind.RETURNED, "again"),
        lambda: check_handover(ledger, 1, None, TZ),
        lambda: check_annul(ledger, 1, "oops"),
    ):
        with pytest.raises(MigliaError, match=r"serial 001|serial = '001'"):
            refused()
    with pytest.raises(MigliaError, match=r"replacement = '002': serial 002 is already allocated to Carl"):
        plan_retire(ledger, 3, Kind.RETURNED, "strap broken", replacement=2)


def test_withdraw_and_annul_end_records_with_why() -> None:
    ledger = apply(empty(5), plan_auto(empty(5), ENTRIES, Per.CAR, 2))
    ledger = apply(ledger, plan_withdraw(ledger, 2, "wrong car"))
    assert ledger.status(2) is Status.FREE and ledger.allocations[1].end_reason == "withdrawn: wrong car"
    ledger = hand(ledger, 3, "Ed Park")
    with pytest.raises(
        MigliaError, match=r"serial 003: serial = '003': handed over: annul the hand-over first"
    ):
        plan_withdraw(ledger, 3, "oops")
    handed, why = check_annul(ledger, 3, " given to the wrong crew ")
    assert (handed.received_by, why) == ("Ed Park", "given to the wrong crew")
    with pytest.raises(MigliaError, match=r"serial 004: serial = '004': not handed over: nothing to annul"):
        check_annul(ledger, 4, "x")


def test_staff_find_holders_by_start_number_serial_or_name_without_accents() -> None:
    ledger = apply(empty(7), plan_auto(empty(7), ENTRIES, Per.CREW, 0))
    found = lambda q: [(a.serial, a.holder) for a in search(ledger, ENTRIES, q)]  # noqa: E731
    assert found("1") == found("#1") == [(1, "Anna Rossi"), (2, "Bea Conti")]
    assert found("s4") == found("serial 4") == [(4, "Ed Park")]
    assert found("muller") == found("MÜLLER") == [(3, "Carl Müller")]
    assert found("park") == [(4, "Ed Park"), (5, "Fay Park")]
    assert found("") == [] and found("nobody") == []


def _png(width: int, height: int, extra: int = 0) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xff" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows + b"\x00" * extra))
        + chunk(b"IEND", b"")
    )


def _url(data: bytes) -> str:
    return SIGNATURE_PREFIX + base64.b64encode(data).decode()


def test_a_signature_is_a_png_data_url_of_bounded_size() -> None:
    good = _url(_png(600, 200))
    assert check_signature(good) == good
    assert check_signature("") is None and check_signature(None) is None
    with pytest.raises(MigliaError, match=r"hand-over: signature = '\d+ KB': a signature is at most 200 KB"):
        check_signature(SIGNATURE_PREFIX + "A" * MAX_SIGNATURE_CHARS)
    with pytest.raises(
        MigliaError, match=r"signature = 'data:image/svg\+xml,<svg/>': expected a PNG data URL"
    ):
        check_signature("data:image/svg+xml,<svg/>")
    with pytest.raises(MigliaError, match=r"signature = .*: not valid base64"):
        check_signature(SIGNATURE_PREFIX + "%%%%")
    with pytest.raises(MigliaError, match=r"signature = .*: not a PNG image"):
        check_signature(_url(b"GIF89a" + b"\x00" * 40))
    with pytest.raises(MigliaError, match=r"signature = '9000x200 px': a signature is at most 2400x1200 px"):
        check_signature(_url(_png(9000, 200)[:40]))
    assert io.BytesIO(_png(1, 1)).read(8) == b"\x89PNG\r\n\x1a\n"


# -- invariants over any sequence of actions -------------------------------------------------------------

CREWS = [entry(n, f"Driver {n}", f"Co {n}" if n % 3 else "") for n in range(1, 9)]
actions = st.lists(
    st.one_of(
        st.tuples(st.just("auto"), st.sampled_from(list(Per)), st.integers(0, 4)),
        st.tuples(
            st.just("one"),
            st.integers(0, 13),
            st.sampled_from([Kind.CAR, Kind.AWARD, Kind.RESERVE]),
            st.integers(1, 9),
        ),
        st.tuples(st.just("winners"), st.lists(st.integers(1, 9), max_size=4)),
        st.tuples(st.just("hand"), st.integers(0, 13)),
        st.tuples(
            st.just("retire"), st.integers(0, 13), st.sampled_from([Kind.LOST, Kind.RETURNED]), st.booleans()
        ),
        st.tuples(st.just("withdraw"), st.integers(0, 13)),
        st.tuples(st.just("annul"), st.integers(0, 13)),
    ),
    max_size=25,
)


def _act(ledger: Ledger, action: tuple[object, ...]) -> Ledger:
    kind = action[0]
    if kind == "auto":
        return apply(ledger, plan_auto(ledger, CREWS, action[1], action[2]))  # type: ignore[arg-type]
    if kind == "one":
        _, serial, what, car = action
        return apply(
            ledger,
            plan_one(ledger, serial, what, CREWS, start_no=car, reason="a prize"),  # type: ignore[arg-type]
        )
    if kind == "winners":
        winners = [Winner(award="Five watches", start_no=n) for n in action[1]]  # type: ignore[attr-defined]
        return apply(ledger, plan_winners(ledger, winners, CREWS)[0])
    if kind == "hand":
        return hand(ledger, action[1], "Someone")  # type: ignore[arg-type]
    if kind == "retire":
        _, serial, what, replace = action
        other = replacement_for(ledger) if replace else None
        return apply(ledger, plan_retire(ledger, serial, what, "gone", other))  # type: ignore[arg-type]
    if kind == "withdraw":
        return apply(ledger, plan_withdraw(ledger, action[1], "mistake"))  # type: ignore[arg-type]
    handed, why = check_annul(ledger, action[1], "mistake")  # type: ignore[arg-type]
    ended = tuple(
        dataclasses.replace(h, ended_us=2, ended_by="olga", end_reason=why) if h.id == handed.id else h
        for h in ledger.handovers
    )
    return Ledger(ledger.series, ledger.allocations, ended)


@settings(max_examples=300, deadline=None)
@given(actions)
def test_any_sequence_of_actions_keeps_the_ledger_sound(steps: list[tuple[object, ...]]) -> None:
    ledger = Ledger(series(12), (), ())
    retired: set[int] = set()
    for action in steps:
        before = ledger
        try:
            ledger = _act(ledger, action)
        except MigliaError:
            assert ledger is before  # refused: nothing changed
            continue
        assert ledger.problems() == [], (action, ledger.problems())
        live = [a.serial for a in ledger.allocations if a.live]
        assert len(live) == len(set(live)), "a serial with two live allocations"
        assert all(ledger.series.contains(s) for s in live), "a serial outside the series"
        handed = [h.serial for h in ledger.handovers if h.live]
        assert len(handed) == len(set(handed)), "a serial handed over twice"
        # records are only ever added, or ended once; an ended record stays as it was
        old = {a.id: a for a in before.allocations}
        for a in ledger.allocations:
            if a.id in old and not old[a.id].live:
                assert a == old[a.id]
        assert len(ledger.allocations) >= len(before.allocations)
        assert (
            len(ledger.handovers) == len(before.handovers)
            or len(ledger.handovers) == len(before.handovers) + 1
        )
        # a lost or returned serial never comes back
        for s in retired:
            assert ledger.status(s) in (Status.LOST, Status.RETURNED)
        retired |= {s for s in ledger.series.serials if ledger.status(s) in (Status.LOST, Status.RETURNED)}
        # every replacement names an ended record of the same holder
        for a in ledger.allocations:
            if a.replaces_id is not None and a.kind.holds:
                origin = ledger.allocation(a.replaces_id)
                assert origin is not None and not origin.live
                assert (origin.holder, origin.start_no) == (a.holder, a.start_no)
