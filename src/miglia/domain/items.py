"""The sponsor's commemorative items: a numbered series (e.g. 75 chronographs, serials 001-075), who each
serial is meant for, and its hand-over.

A serial's story is a list of records, never edited: allocations (who it is meant for, or held back for the
award winners, or out of circulation: lost or given back) and hand-overs (who received it, who gave it,
when, a signature). A record that no longer holds is *ended* (who, when, why), not deleted; at most one
allocation and one hand-over of a serial are live at a time (the store enforces both with unique indexes,
so two hand-overs of one serial at the same instant cannot both be stored).

What a serial is now (`Status`), from its live records:
- free: no live allocation;
- reserved: held back for the award winners;
- allocated: meant for a holder (a car's crew, a driver, a co-driver, an award winner, a named person),
  not handed over yet;
- handed over: its holder received it;
- lost, returned: out of circulation for good (lost, or given back to the sponsor), never given again.

Allocation goes in order of start number (`plan_auto`): every accepted entry, one per car or one per crew
member (driver and co-driver), from the lowest free serial, then the reserve for the award winners. An item
marked lost or returned keeps its serial out of circulation; its holder may be given another serial in its
place (`plan_retire`), which records which one it replaces.

Everything here is pure: the use cases (service/awards/items.py) read the ledger, ask these functions what
to write, and write it.
"""

from __future__ import annotations

import base64
import binascii
import struct
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from miglia.domain.entries import Entry
from miglia.domain.errors import InvalidInput, MigliaError
from miglia.domain.instants import us_to_local

MAX_PIECES = 10_000
"""Pieces in one series."""
MAX_NAME = 200
"""Characters in a series' name, a holder's name, a sponsor's name."""
MAX_REASON = 500
"""Characters in a reason (an award, why an item was lost)."""
MAX_SIGNATURE_CHARS = 200 * 1024
"""A signature as stored (a PNG data URL): at most 200 KB. A phone's drawing is a few KB."""
MAX_SIGNATURE_SIDE = (2400, 1200)
"""Pixels (width, height) of a signature image: a bigger one is not a signature drawn on a phone."""
SIGNATURE_PREFIX = "data:image/png;base64,"
_PNG = b"\x89PNG\r\n\x1a\n"


class Kind(StrEnum):
    """What an allocation says a serial is for."""

    CAR = "car"
    """One per car: the crew together."""
    DRIVER = "driver"
    CO_DRIVER = "co_driver"
    AWARD = "award"
    """An award winner (the reason names the award)."""
    PERSON = "person"
    """A named person, by the organiser's choice (the reason says why)."""
    RESERVE = "reserve"
    """Held back for the award winners."""
    LOST = "lost"
    """Out of circulation: lost (the holder's name is kept)."""
    RETURNED = "returned"
    """Out of circulation: given back to the sponsor (damaged, faulty)."""

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]

    @property
    def holds(self) -> bool:
        """A kind with a person to hand the item to."""
        return self in HOLDER_KINDS


_KIND_LABELS = {
    Kind.CAR: "Car (its crew)",
    Kind.DRIVER: "Driver",
    Kind.CO_DRIVER: "Co-driver",
    Kind.AWARD: "Award winner",
    Kind.PERSON: "Named person",
    Kind.RESERVE: "Reserved for the award winners",
    Kind.LOST: "Lost",
    Kind.RETURNED: "Returned to the sponsor",
}
HOLDER_KINDS = frozenset({Kind.CAR, Kind.DRIVER, Kind.CO_DRIVER, Kind.AWARD, Kind.PERSON})
ENTRY_KINDS = frozenset({Kind.CAR, Kind.DRIVER, Kind.CO_DRIVER})
"""The kinds an entry holds (at most one live allocation of each per series: a store index)."""
RETIRED_KINDS = frozenset({Kind.LOST, Kind.RETURNED})


class Status(StrEnum):
    FREE = "free"
    RESERVED = "reserved"
    ALLOCATED = "allocated"
    HANDED = "handed_over"
    LOST = "lost"
    RETURNED = "returned"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    Status.FREE: "Free",
    Status.RESERVED: "Reserved",
    Status.ALLOCATED: "To hand over",
    Status.HANDED: "Handed over",
    Status.LOST: "Lost",
    Status.RETURNED: "Returned",
}


class Per(StrEnum):
    """How the automatic allocation gives items to the entries."""

    CAR = "car"
    """One per car (its crew together)."""
    CREW = "crew"
    """One per crew member: the driver and, when there is one, the co-driver."""

    @property
    def label(self) -> str:
        return "one per car" if self is Per.CAR else "one per crew member"


class SerialTaken(MigliaError):
    """The serial was handed over already (perhaps a second ago, from another phone)."""


# -- the series ----------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class SeriesSpec:
    """A series as the organiser defines it: `pieces` serials from `first`, written with `digits` digits."""

    name: str
    pieces: int
    first: int
    digits: int
    sponsor: str = ""

    @property
    def last(self) -> int:
        return self.first + self.pieces - 1

    @property
    def serials(self) -> range:
        return range(self.first, self.last + 1)

    def contains(self, serial: int) -> bool:
        return self.first <= serial <= self.last

    def label(self, serial: int) -> str:
        """A serial as engraved: zero-padded to the series' width (012)."""
        return f"{serial:0{self.digits}d}"

    @property
    def range_label(self) -> str:
        return f"{self.label(self.first)}-{self.label(self.last)}"


@dataclass(frozen=True, kw_only=True)
class Series(SeriesSpec):
    id: int
    created_by: str
    created_us: int


def series_spec(name: str, pieces: int | str, first_serial: str, sponsor: str = "") -> SeriesSpec:
    """A new series, checked: a name, 1 to MAX_PIECES pieces, the first serial as engraved ("001": the
    serials are written with as many digits as the first one has, or as the last one needs)."""
    where = "item series"
    title = check_text(where, "name", name, MAX_NAME)
    count = _whole(where, "pieces", pieces)
    if not 1 <= count <= MAX_PIECES:
        raise InvalidInput(where, "pieces", pieces, f"a series has 1 to {MAX_PIECES} pieces")
    text = first_serial.strip() or "1"
    if not text.isascii() or not text.isdigit() or len(text) > 6:
        raise InvalidInput(where, "first serial", first_serial, "expected a whole number, e.g. 001 or 1")
    first = int(text)
    digits = max(len(text), len(str(first + count - 1)))
    return SeriesSpec(
        name=title,
        pieces=count,
        first=first,
        digits=digits,
        sponsor=check_text(where, "sponsor", sponsor, MAX_NAME, required=False),
    )


def parse_serial(series: SeriesSpec, value: object, where: str = "item") -> int:
    """A serial typed by a person ("12", "012"), within the series, or a refusal naming it."""
    text = str(value).strip().lstrip("#")
    if not text.isascii() or not text.isdigit() or len(text) > 9:
        raise InvalidInput(where, "serial", value, f"expected a serial of the series, {series.range_label}")
    serial = int(text)
    if not series.contains(serial):
        raise InvalidInput(where, "serial", value, f"not a serial of {series.name} ({series.range_label})")
    return serial


# -- the records ---------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Allocation:
    """Serial `serial` is meant for `holder` (or held back, or out of circulation), from `at_us`, by `by`."""

    id: int
    serial: int
    kind: Kind
    start_no: int | None
    holder: str
    reason: str
    by: str
    at_us: int
    replaces_id: int | None = None
    """The allocation this one replaces: the same holder's lost item, or this serial's allocation before
    it was marked lost or returned."""
    ended_us: int | None = None
    ended_by: str = ""
    end_reason: str = ""

    @property
    def live(self) -> bool:
        return self.ended_us is None


@dataclass(frozen=True, kw_only=True)
class Handover:
    """Serial `serial` (allocation `allocation_id`) received by `received_by`, given by `given_by` at
    `given_us`; recorded at `recorded_us`; `signed` when a signature was drawn (stored apart)."""

    id: int
    serial: int
    allocation_id: int
    received_by: str
    given_by: str
    given_us: int
    recorded_us: int
    signed: bool = False
    ended_us: int | None = None
    ended_by: str = ""
    end_reason: str = ""

    @property
    def live(self) -> bool:
        return self.ended_us is None


@dataclass(frozen=True, kw_only=True)
class NewAllocation:
    serial: int
    kind: Kind
    start_no: int | None
    holder: str
    reason: str
    replaces_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class Plan:
    """What to write: the allocations to end (id, why), then the new ones."""

    ends: tuple[tuple[int, str], ...] = ()
    new: tuple[NewAllocation, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Winner:
    """An award's winner as the juried awards reveal it: the award's name, the entry, or a name."""

    award: str
    start_no: int | None = None
    name: str = ""


# -- the ledger: a series and its records --------------------------------------------------------------


@dataclass(frozen=True)
class Ledger:
    series: Series
    allocations: tuple[Allocation, ...]
    """In the order they were made (id)."""
    handovers: tuple[Handover, ...]

    def live(self, serial: int) -> Allocation | None:
        return next((a for a in self.allocations if a.serial == serial and a.live), None)

    def handed(self, serial: int) -> Handover | None:
        return next((h for h in self.handovers if h.serial == serial and h.live), None)

    def status(self, serial: int) -> Status:
        live = self.live(serial)
        if live is None:
            return Status.FREE
        if live.kind is Kind.RESERVE:
            return Status.RESERVED
        if live.kind is Kind.LOST:
            return Status.LOST
        if live.kind is Kind.RETURNED:
            return Status.RETURNED
        return Status.HANDED if self.handed(serial) is not None else Status.ALLOCATED

    def free(self) -> list[int]:
        taken = {a.serial for a in self.allocations if a.live}
        return [s for s in self.series.serials if s not in taken]

    def reserved(self) -> list[int]:
        return sorted(a.serial for a in self.allocations if a.live and a.kind is Kind.RESERVE)

    def of_entry(self, start_no: int) -> list[Allocation]:
        """The entry's live allocations (its car's, its driver's, its co-driver's; award ones too)."""
        return [a for a in self.allocations if a.live and a.start_no == start_no and a.kind.holds]

    def counts(self) -> dict[Status, int]:
        found = dict.fromkeys(Status, 0)
        for serial in self.series.serials:
            found[self.status(serial)] += 1
        return found

    def history(self, serial: int) -> list[Allocation | Handover]:
        """Every record of the serial, in the order they were made."""
        records: list[Allocation | Handover] = [a for a in self.allocations if a.serial == serial]
        records += [h for h in self.handovers if h.serial == serial]
        return sorted(records, key=lambda r: r.at_us if isinstance(r, Allocation) else r.recorded_us)

    def allocation(self, allocation_id: int) -> Allocation | None:
        return next((a for a in self.allocations if a.id == allocation_id), None)

    def problems(self) -> list[str]:
        """What would make the ledger wrong (empty for a sound one): the invariants the tests check."""
        found: list[str] = []
        by_id = {a.id: a for a in self.allocations}
        for serial in {a.serial for a in self.allocations} | {h.serial for h in self.handovers}:
            label = self.series.label(serial)
            if not self.series.contains(serial):
                found.append(f"serial {label} is outside the series")
            if sum(a.live for a in self.allocations if a.serial == serial) > 1:
                found.append(f"serial {label} has two live allocations")
            if sum(h.live for h in self.handovers if h.serial == serial) > 1:
                found.append(f"serial {label} was handed over twice")
        for h in self.handovers:
            a = by_id.get(h.allocation_id)
            if a is None or a.serial != h.serial:
                found.append(f"hand-over {h.id} names no allocation of its serial")
            elif h.live and a.live and not a.kind.holds:
                found.append(f"hand-over {h.id} is of a serial that is {a.kind.value}")
        for a in self.allocations:
            if a.replaces_id is not None:
                old = by_id.get(a.replaces_id)
                if old is None:
                    found.append(f"allocation {a.id} replaces an unknown allocation")
                elif old.live:
                    found.append(f"allocation {a.id} replaces allocation {old.id}, which is still live")
        holders = [(a.start_no, a.kind) for a in self.allocations if a.live and a.kind in ENTRY_KINDS]
        if len(holders) != len(set(holders)):
            found.append("an entry holds two live allocations of one kind")
        return found


# -- planning: what the organiser's actions write ------------------------------------------------------


def crew_names(entry: Entry) -> str:
    crew = entry.crew
    return f"{crew.driver} & {crew.co_driver}" if crew.co_driver else crew.driver


def holder_name(entry: Entry, kind: Kind) -> str:
    if kind is Kind.DRIVER:
        return entry.crew.driver
    if kind is Kind.CO_DRIVER:
        return entry.crew.co_driver
    return crew_names(entry)


def _needs(ledger: Ledger, entry: Entry, per: Per) -> list[Kind]:
    held = {a.kind for a in ledger.of_entry(entry.start_no) if a.kind in ENTRY_KINDS}
    if Kind.CAR in held:
        return []
    if per is Per.CAR:
        return [] if held else [Kind.CAR]
    kinds = [] if Kind.DRIVER in held else [Kind.DRIVER]
    if entry.crew.co_driver and Kind.CO_DRIVER not in held:
        kinds.append(Kind.CO_DRIVER)
    return kinds


def plan_auto(ledger: Ledger, entries: Iterable[Entry], per: Per, reserve: int) -> Plan:
    """Every accepted entry that has nothing yet gets its serial(s), in order of start number from the
    lowest free serial; then serials are held back until `reserve` of them wait for the award winners.
    Running it again gives only what is missing. Too few free serials: refused, nothing planned."""
    if not 0 <= reserve <= ledger.series.pieces:
        raise InvalidInput("allocation", "reserve", reserve, f"0 to {ledger.series.pieces} serials")
    wanted = [
        (entry, kind)
        for entry in sorted((e for e in entries if e.accepted), key=lambda e: e.start_no)
        for kind in _needs(ledger, entry, per)
    ]
    more_reserve = max(0, reserve - len(ledger.reserved()))
    free = ledger.free()
    if len(wanted) + more_reserve > len(free):
        raise InvalidInput(
            "allocation",
            "reserve" if more_reserve else "per",
            reserve if more_reserve else per.value,
            f"{len(wanted)} to allocate ({per.label}) and {more_reserve} more to reserve, "
            f"but only {len(free)} of {ledger.series.pieces} serials are free",
        )
    new = [
        NewAllocation(
            serial=serial,
            kind=kind,
            start_no=entry.start_no,
            holder=holder_name(entry, kind),
            reason=f"participant, car {entry.start_no}",
        )
        for serial, (entry, kind) in zip(free, wanted, strict=False)
    ]
    new += [
        NewAllocation(serial=s, kind=Kind.RESERVE, start_no=None, holder="", reason="for the award winners")
        for s in free[len(wanted) : len(wanted) + more_reserve]
    ]
    return Plan(new=tuple(new))


def plan_one(
    ledger: Ledger,
    serial: int,
    kind: Kind,
    entries: Sequence[Entry],
    *,
    start_no: int | None = None,
    holder: str = "",
    reason: str = "",
) -> Plan:
    """One serial to one holder, by hand: a free serial, or one of the reserve (which it then leaves)."""
    where = f"serial {ledger.series.label(serial)}"
    if not ledger.series.contains(serial):
        raise InvalidInput("allocation", "serial", serial, f"not a serial of {ledger.series.range_label}")
    live = ledger.live(serial)
    ends: tuple[tuple[int, str], ...] = ()
    if live is not None:
        if live.kind is not Kind.RESERVE or kind is Kind.RESERVE:
            raise InvalidInput(where, "serial", ledger.series.label(serial), f"already {_now_text(live)}")
        ends = ((live.id, "taken from the reserve"),)
    entry = None
    if start_no is not None:
        entry = next((e for e in entries if e.start_no == start_no), None)
        if entry is None or not entry.accepted:
            raise InvalidInput(where, "start number", start_no, "not an accepted entry of the event")
    reason = check_text(where, "reason", reason, MAX_REASON, required=kind in (Kind.AWARD, Kind.PERSON))
    if kind in ENTRY_KINDS:
        if entry is None:
            raise InvalidInput(where, "start number", start_no, f"{kind.label.lower()}: give the car")
        if kind is Kind.CO_DRIVER and not entry.crew.co_driver:
            raise InvalidInput(where, "kind", kind.value, f"car {entry.start_no} has no co-driver")
        clash = [a for a in ledger.of_entry(entry.start_no) if _overlaps(a.kind, kind)]
        if clash:
            raise InvalidInput(
                where,
                "start number",
                start_no,
                f"car {entry.start_no} already holds serial {ledger.series.label(clash[0].serial)} "
                f"({clash[0].kind.label.lower()})",
            )
        name = holder_name(entry, kind)
        reason = reason or f"participant, car {entry.start_no}"
    elif kind in (Kind.AWARD, Kind.PERSON):
        name = check_text(where, "holder", holder, MAX_NAME, required=entry is None)
        if not name and entry is not None:
            name = crew_names(entry)
        same = [
            a
            for a in ledger.allocations
            if a.live and a.kind is kind and a.reason == reason and _same_person(a, name, start_no)
        ]
        if same:
            raise InvalidInput(
                where,
                "holder",
                name,
                f"already holds serial {ledger.series.label(same[0].serial)} for {reason}",
            )
    elif kind is Kind.RESERVE:
        name, reason = "", reason or "for the award winners"
    else:
        raise InvalidInput(where, "kind", kind.value, "an item is marked lost or returned, not allocated so")
    return Plan(
        ends=ends,
        new=(NewAllocation(serial=serial, kind=kind, start_no=start_no, holder=name, reason=reason),),
    )


def _overlaps(held: Kind, wanted: Kind) -> bool:
    """A car's item covers its driver and co-driver; a driver's or co-driver's item covers the car."""
    if held not in ENTRY_KINDS:
        return False
    return held == wanted or Kind.CAR in (held, wanted)


def _same_person(a: Allocation, name: str, start_no: int | None) -> bool:
    return a.start_no == start_no if start_no is not None else fold(a.holder) == fold(name)


def plan_winners(ledger: Ledger, winners: Sequence[Winner], entries: Sequence[Entry]) -> tuple[Plan, int]:
    """The award winners' items, in the order given: each winner not holding one for that award yet gets
    the lowest reserved serial, else the lowest free one. (The plan, the winners left without one.)"""
    reserved = ledger.reserved()
    free = ledger.free()
    by_no = {e.start_no: e for e in entries}
    ends: list[tuple[int, str]] = []
    new: list[NewAllocation] = []
    short = 0
    for w in winners:
        reason = f"{w.award} winner"
        entry = by_no.get(w.start_no) if w.start_no is not None else None
        name = w.name.strip() or (crew_names(entry) if entry is not None else "")
        if not name:
            continue
        done = [
            a
            for a in ledger.allocations
            if a.live and a.kind is Kind.AWARD and a.reason == reason and _same_person(a, name, w.start_no)
        ]
        if done or any(n.reason == reason and n.holder == name for n in new):
            continue
        if reserved:
            serial = reserved.pop(0)
            live = ledger.live(serial)
            assert live is not None
            ends.append((live.id, f"given to the {w.award} winner"))
        elif free:
            serial = free.pop(0)
        else:
            short += 1
            continue
        new.append(
            NewAllocation(serial=serial, kind=Kind.AWARD, start_no=w.start_no, holder=name, reason=reason)
        )
    return Plan(ends=tuple(ends), new=tuple(new)), short


def plan_retire(ledger: Ledger, serial: int, kind: Kind, why: str, replacement: int | None = None) -> Plan:
    """Serial `serial` out of circulation (lost, or returned to the sponsor), with why; its holder, if it
    has one, is given `replacement` in its place (a free or reserved serial) when one is named."""
    label = _within(ledger, serial, "lost or returned")
    where = f"serial {label}"
    if kind not in RETIRED_KINDS:
        raise InvalidInput(where, "kind", kind.value, "expected lost or returned")
    why = check_text(where, "why", why, MAX_REASON)
    live = ledger.live(serial)
    if live is not None and live.kind in RETIRED_KINDS:
        raise InvalidInput(where, "serial", label, f"already {_now_text(live)}")
    ends: list[tuple[int, str]] = []
    holder = live if live is not None and live.kind.holds else None
    if live is not None:
        ends.append((live.id, f"{kind.value}: {why}"))
    new = [
        NewAllocation(
            serial=serial,
            kind=kind,
            start_no=holder.start_no if holder else None,
            holder=holder.holder if holder else "",
            reason=why,
            replaces_id=live.id if live is not None else None,
        )
    ]
    if replacement is not None:
        if holder is None:
            raise InvalidInput(
                where, "replacement", replacement, "the serial had no holder to replace it for"
            )
        other = ledger.series.label(replacement)
        if not ledger.series.contains(replacement) or replacement == serial:
            raise InvalidInput(
                where, "replacement", other, f"expected another serial of {ledger.series.range_label}"
            )
        taken = ledger.live(replacement)
        if taken is not None:
            if taken.kind is not Kind.RESERVE:
                raise InvalidInput(
                    where, "replacement", other, f"serial {other} is already {_now_text(taken)}"
                )
            ends.append((taken.id, f"taken from the reserve to replace {label}"))
        new.append(
            NewAllocation(
                serial=replacement,
                kind=holder.kind,
                start_no=holder.start_no,
                holder=holder.holder,
                reason=f"in place of {label} ({kind.value}); {holder.reason}",
                replaces_id=holder.id,
            )
        )
    return Plan(ends=tuple(ends), new=tuple(new))


def replacement_for(ledger: Ledger) -> int | None:
    """The serial a replacement takes when none is named: the lowest free one, else the lowest reserved."""
    free, reserved = ledger.free(), ledger.reserved()
    return free[0] if free else (reserved[0] if reserved else None)


def plan_withdraw(ledger: Ledger, serial: int, why: str) -> Plan:
    """An allocation made by mistake, ended (the serial is free again); not once handed over (annul the
    hand-over first) nor once out of circulation."""
    label = _within(ledger, serial, "withdrawal")
    where = f"serial {label}"
    why = check_text(where, "why", why, MAX_REASON)
    live = ledger.live(serial)
    if live is None:
        raise InvalidInput(where, "serial", label, "not allocated: nothing to withdraw")
    if live.kind in RETIRED_KINDS:
        raise InvalidInput(where, "serial", label, f"{_now_text(live)}: it stays out of circulation")
    if ledger.handed(serial) is not None:
        raise InvalidInput(where, "serial", label, "handed over: annul the hand-over first")
    return Plan(ends=((live.id, f"withdrawn: {why}"),))


def check_annul(ledger: Ledger, serial: int, why: str) -> tuple[Handover, str]:
    """A hand-over recorded by mistake (the wrong watch, the wrong crew): the live one, and why."""
    label = _within(ledger, serial, "annulment")
    why = check_text(f"serial {label}", "why", why, MAX_REASON)
    handed = ledger.handed(serial)
    if handed is None:
        raise InvalidInput(f"serial {label}", "serial", label, "not handed over: nothing to annul")
    live = ledger.live(serial)
    if live is not None and live.kind in RETIRED_KINDS:
        raise InvalidInput(f"serial {label}", "serial", label, f"{_now_text(live)}: its hand-over stays")
    return handed, why


# -- the hand-over -------------------------------------------------------------------------------------


def check_handover(ledger: Ledger, serial: int, allocation_id: int | None, timezone: str) -> Allocation:
    """The live allocation a hand-over of `serial` is of; refused (naming the serial) if it was handed over
    already (SerialTaken), is free, reserved, out of circulation, or no longer the allocation the staff
    member saw (`allocation_id`)."""
    series = ledger.series
    label = series.label(serial)
    if not series.contains(serial):
        raise InvalidInput(
            "hand-over", "serial", serial, f"not a serial of {series.name} ({series.range_label})"
        )
    handed = ledger.handed(serial)
    if handed is not None:
        raise SerialTaken(taken_message(series, handed, timezone))
    live = ledger.live(serial)
    if live is None:
        raise InvalidInput("hand-over", "serial", label, "not allocated to anyone: allocate it first")
    if not live.kind.holds:
        raise InvalidInput("hand-over", "serial", label, f"{_now_text(live)}: it cannot be handed over")
    if allocation_id is not None and live.id != allocation_id:
        raise InvalidInput(
            "hand-over",
            "serial",
            label,
            f"now allocated to {live.holder} (it changed since the page was loaded); nothing was recorded",
        )
    return live


def taken_message(series: SeriesSpec, handed: Handover, timezone: str) -> str:
    """What a second hand-over of a serial is told: "serial 012 was handed to … at … by …"."""
    local = us_to_local(handed.given_us, timezone)
    when = f"{local:%a} {local.day} {local:%b %H:%M:%S}"
    return (
        f"serial {series.label(handed.serial)} was handed to {handed.received_by} at {when} "
        f"by {handed.given_by}; it cannot be handed over twice"
    )


def search(ledger: Ledger, entries: Sequence[Entry], query: str) -> list[Allocation]:
    """The live holders' allocations a staff member looks for: a start number ("7", "#7"), a serial
    ("s12", "serial 12") or part of a name (the holder's, or the car's crew), ignoring case and accents."""
    text = query.strip()
    holders = [a for a in ledger.allocations if a.live and a.kind.holds]
    if not text:
        return []
    lowered = text.lower()
    for prefix in ("serial", "s"):
        rest = lowered.removeprefix(prefix).strip()
        if lowered.startswith(prefix) and rest.isascii() and rest.isdigit():
            return [a for a in holders if a.serial == int(rest)]
    number = text.lstrip("#").strip()
    if number.isascii() and number.isdigit():
        return sorted((a for a in holders if a.start_no == int(number)), key=lambda a: a.serial)
    needle = fold(text)
    crews = {e.start_no: fold(f"{e.crew.driver} {e.crew.co_driver}") for e in entries}
    return sorted(
        (a for a in holders if needle in fold(a.holder) or needle in crews.get(a.start_no or -1, "")),
        key=lambda a: (a.start_no or 10**9, a.serial),
    )


def check_signature(value: str | None) -> str | None:
    """A signature drawn on the screen, as the page sends it: a PNG data URL of at most
    MAX_SIGNATURE_CHARS; its header read to check it is a PNG of a sensible size. None when empty."""
    text = (value or "").strip()
    if not text:
        return None
    where = "hand-over"
    if len(text) > MAX_SIGNATURE_CHARS:
        raise InvalidInput(
            where,
            "signature",
            f"{len(text) // 1024} KB",
            f"a signature is at most {MAX_SIGNATURE_CHARS // 1024} KB; clear it and sign again",
        )
    if not text.startswith(SIGNATURE_PREFIX):
        raise InvalidInput(where, "signature", text[:40], f"expected a PNG data URL ({SIGNATURE_PREFIX}...)")
    try:
        data = base64.b64decode(text[len(SIGNATURE_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(where, "signature", text[:40], "not valid base64") from None
    if len(data) < 33 or data[:8] != _PNG or data[12:16] != b"IHDR":
        raise InvalidInput(where, "signature", text[:40], "not a PNG image")
    width, height = struct.unpack(">II", data[16:24])
    max_w, max_h = MAX_SIGNATURE_SIDE
    if not (0 < width <= max_w and 0 < height <= max_h):
        raise InvalidInput(
            where, "signature", f"{width}x{height} px", f"a signature is at most {max_w}x{max_h} px"
        )
    return text


def signature_png(data_url: str) -> bytes:
    """The PNG bytes of a stored signature (checked when it was stored)."""
    return base64.b64decode(data_url[len(SIGNATURE_PREFIX) :])


# -- small helpers -------------------------------------------------------------------------------------


def check_text(where: str, field: str, value: object, limit: int, *, required: bool = True) -> str:
    """A name or a reason: trimmed, one line of printable text, 1 to `limit` characters (or empty when not
    `required`)."""
    text = " ".join(str(value or "").split())
    if not text:
        if required:
            raise InvalidInput(where, field, value, "must not be empty")
        return ""
    if len(text) > limit:
        raise InvalidInput(where, field, f"{text[:40]}…", f"at most {limit} characters")
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in text):
        raise InvalidInput(where, field, text, "control characters are not allowed")
    return text


def fold(text: str) -> str:
    """For matching names: lower case, without accents (Müller ~ muller)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _whole(where: str, field: str, value: int | str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    if not text.isascii() or not text.isdigit():
        raise InvalidInput(where, field, value, "expected a whole number")
    return int(text)


def _within(ledger: Ledger, serial: int, where: str) -> str:
    """The serial's label, or a refusal when it is not of the series."""
    if not ledger.series.contains(serial):
        raise InvalidInput(where, "serial", serial, f"not a serial of {ledger.series.range_label}")
    return ledger.series.label(serial)


def _now_text(live: Allocation) -> str:
    if live.kind is Kind.RESERVE:
        return "reserved for the award winners"
    if live.kind is Kind.LOST:
        return f"marked lost by {live.by} ({live.reason})"
    if live.kind is Kind.RETURNED:
        return f"returned to the sponsor ({live.reason})"
    return f"allocated to {live.holder}"
