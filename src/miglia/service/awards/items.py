"""The sponsor's commemorative items (issue 13): the organiser defines a numbered series and allocates its
serials (to every accepted entry in order of start number, one per car or one per crew member, then a
reserve for the award winners; or one serial to one holder by hand); staff record each hand-over on a
phone (who received it, who gave it, when, a signature); an item lost or given back keeps its serial out of
circulation and its holder may get another in its place; the sponsor gets the list (page, CSV, PDF).

The rules are in domain/items.py; each use case here reads the series' ledger, asks the rules what to
write and writes it in one transaction. Two phones handing over the same serial at the same moment: the
store's unique index lets one through, and the other is told who received it, when and from whom.
"""

from __future__ import annotations

import base64
import csv
import importlib
import io
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageDraw

from miglia.domain import items as rules
from miglia.domain.entries import Entry
from miglia.domain.errors import InvalidInput, MigliaError
from miglia.domain.event import StopKind
from miglia.domain.items import (
    Allocation,
    Handover,
    Kind,
    Ledger,
    Per,
    SerialTaken,
    Series,
    Status,
    Winner,
)
from miglia.formats.classification_pdf import OfficialClassification, PdfTable, render
from miglia.service.clock import local_instant, now_us, to_datetime
from miglia.service.event import events
from miglia.store.db import Database
from miglia.store.records import AlreadyStored
from miglia.store.unit_of_work import UnitOfWork

JURIES_MODULE = "miglia.service.awards.juries"
"""Where the juried awards say who won (`revealed_winners(uow)`, once the organiser has revealed them)."""


@dataclass(frozen=True, kw_only=True)
class SerialLine:
    """One serial as the organiser, the sponsor and the command see it."""

    serial: int
    label: str
    status: Status
    allocation: Allocation | None
    """The live allocation (for a lost or returned serial: the record keeping it out of circulation)."""
    handover: Handover | None
    car: str
    """The holder's car ("1930 Alfa Romeo 6C 1750 Gran Sport"), or ""."""
    note: str
    history: tuple[Allocation | Handover, ...]

    @property
    def holder(self) -> str:
        return self.allocation.holder if self.allocation is not None else ""

    @property
    def start_no(self) -> int | None:
        return self.allocation.start_no if self.allocation is not None else None


# -- the series ------------------------------------------------------------------------------------------


def create_series(
    db: Database,
    name: str,
    pieces: int | str,
    first_serial: str,
    sponsor: str,
    by: str,
    at_us: int | None = None,
) -> Series:
    """A new series of the event (its name unique in the event)."""
    spec = rules.series_spec(name, pieces, first_serial, sponsor)
    try:
        with db.unit_of_work() as uow:
            row = events.event_row(uow)
            if any(rules.fold(s.name) == rules.fold(spec.name) for s in uow.items.all_series(row.id)):
                raise InvalidInput(
                    "item series", "name", spec.name, "the event already has a series so named"
                )
            return uow.items.add_series(row.id, spec, by, now_us() if at_us is None else at_us)
    except AlreadyStored:
        raise InvalidInput(
            "item series", "name", spec.name, "the event already has a series so named"
        ) from None


def series_of(uow: UnitOfWork, series_id: int) -> Series:
    found = uow.items.series(events.event_row(uow).id, series_id)
    if found is None:
        raise events.NotFound(f"item series {series_id}: there is no such series")
    return found


def all_series(uow: UnitOfWork) -> list[tuple[Series, dict[Status, int]]]:
    """The event's series, each with how many serials are in each state."""
    row = uow.events.find()
    if row is None:
        return []
    return [(s, uow.items.ledger(s).counts()) for s in uow.items.all_series(row.id)]


def find_series(uow: UnitOfWork, name: str) -> Series:
    """A series by its name (any case), or by a part of it that names only one."""
    found = uow.items.all_series(events.event_row(uow).id)
    wanted = rules.fold(name.strip())
    exact = [s for s in found if rules.fold(s.name) == wanted]
    if exact:
        return exact[0]
    near = [s for s in found if wanted and wanted in rules.fold(s.name)]
    if len(near) == 1:
        return near[0]
    names = ", ".join(repr(s.name) for s in (near or found)) or "none yet"
    problem = "names several series" if near else "no such series"
    raise InvalidInput("items", "series", name, f"{problem} (the event's series: {names})")


def ledger_of(uow: UnitOfWork, series_id: int) -> Ledger:
    return uow.items.ledger(series_of(uow, series_id))


def _entries(uow: UnitOfWork) -> list[Entry]:
    return events.entries(uow, events.event_row(uow).id)


# -- allocation ------------------------------------------------------------------------------------------


def _applied(
    db: Database, series_id: int, by: str, at_us: int | None, plan_of: Any, what: str
) -> list[Allocation]:
    """Plan against the ledger as stored and write the plan, in one transaction; planned once more if
    another request changed the series meanwhile (a unique index or an end refused the write)."""
    for attempt in (1, 2):
        try:
            with db.unit_of_work() as uow:
                series = series_of(uow, series_id)
                ledger = uow.items.ledger(series)
                plan = plan_of(ledger, _entries(uow))
                return uow.items.apply(series.id, plan, by, now_us() if at_us is None else at_us)
        except AlreadyStored:
            if attempt == 2:
                break
    raise MigliaError(
        f"{what}: the serials were being changed by someone else; nothing was changed, try again"
    )


def allocate_auto(
    db: Database, series_id: int, per: Per | str, reserve: int, by: str, at_us: int | None = None
) -> list[Allocation]:
    """Every accepted entry without an item yet gets one (one per car, or one per crew member), in order
    of start number, then the reserve for the award winners is filled up to `reserve`; what was allocated.
    Running it again allocates only what is missing."""
    how = _per(per)
    return _applied(
        db,
        series_id,
        by,
        at_us,
        lambda ledger, entries: rules.plan_auto(ledger, entries, how, reserve),
        "allocation",
    )


def allocate_one(
    db: Database,
    series_id: int,
    serial: str | int | None,
    kind: Kind | str,
    by: str,
    *,
    start_no: int | None = None,
    holder: str = "",
    reason: str = "",
    at_us: int | None = None,
) -> Allocation:
    """One serial (when none is given: the lowest free one, else the lowest reserved) to one holder: a
    car, its driver or co-driver, an award winner or a named person (with why); or held back for the award
    winners."""
    what = _kind(kind)
    with db.unit_of_work() as uow:
        ledger = ledger_of(uow, series_id)
        number = _serial_or_free(ledger, serial, what)

    def plan(ledger: Ledger, entries: Sequence[Entry]) -> rules.Plan:
        return rules.plan_one(ledger, number, what, entries, start_no=start_no, holder=holder, reason=reason)

    try:
        with db.unit_of_work() as uow:
            series = series_of(uow, series_id)
            made = uow.items.apply(
                series.id,
                plan(uow.items.ledger(series), _entries(uow)),
                by,
                now_us() if at_us is None else at_us,
            )
    except AlreadyStored:
        with db.unit_of_work() as uow:
            ledger = ledger_of(uow, series_id)
        live = ledger.live(number)
        who = f"allocated to {live.holder or live.kind.label.lower()} by {live.by}" if live else "changed"
        raise InvalidInput(
            f"serial {ledger.series.label(number)}",
            "serial",
            ledger.series.label(number),
            f"was just {who}; nothing was changed",
        ) from None
    return made[0]


def _serial_or_free(ledger: Ledger, serial: str | int | None, kind: Kind) -> int:
    """The serial asked for, or the lowest free one (for a holder, else the lowest reserved one)."""
    if serial is None or not str(serial).strip():
        choice = ledger.free() or (ledger.reserved() if kind.holds else [])
        if not choice:
            raise InvalidInput("allocation", "serial", "", f"no serial of {ledger.series.name} is free")
        return choice[0]
    return rules.parse_serial(ledger.series, serial, "allocation")


def revealed_winners(uow: UnitOfWork) -> list[Winner] | None:
    """The juried awards' winners once revealed (`miglia.service.awards.juries.revealed_winners`), read
    as award + entry (+ name); None while that capability is not there."""
    try:
        module = importlib.import_module(JURIES_MODULE)
    except ImportError:
        return None
    reveal = getattr(module, "revealed_winners", None)
    if reveal is None:
        return None
    found = reveal(uow)
    if isinstance(found, dict):
        found = [
            (award, w) for award, ws in found.items() for w in (ws if isinstance(ws, list | tuple) else [ws])
        ]
    return [w for w in (_winner(x) for x in found or ()) if w is not None]


def _field(thing: Any, *names: str) -> Any:
    for name in names:
        value = thing.get(name) if isinstance(thing, dict) else getattr(thing, name, None)
        if value is not None:
            return value
    return None


def _winner(thing: Any) -> Winner | None:
    """One revealed winner, whatever its shape: an object or mapping with an award (a name, or something
    with a name) and a start number or an entry, or an (award, start number) pair."""
    if isinstance(thing, tuple) and len(thing) == 2:
        award, who = thing
    else:
        award, who = _field(thing, "award", "award_name", "title"), thing
    award_name = award if isinstance(award, str) else _field(award, "name", "title")
    start_no = who if isinstance(who, int) else _field(who, "start_no")
    if start_no is None:
        start_no = _field(_field(who, "entry") or {}, "start_no")
    name = _field(who, "name", "holder", "winner") if not isinstance(who, int) else None
    if not award_name or (start_no is None and not isinstance(name, str)):
        return None
    return Winner(
        award=str(award_name),
        start_no=int(start_no) if start_no is not None else None,
        name=name if isinstance(name, str) else "",
    )


def allocate_winners(
    db: Database,
    series_id: int,
    by: str,
    award: str | None = None,
    *,
    winners: Sequence[Winner] | None = None,
    at_us: int | None = None,
) -> tuple[list[Allocation], int]:
    """Each revealed winner of `award` (of every award when None; or `winners`) without an item for that
    award gets one, from the reserve first; (what was allocated, how many winners are left without one
    for want of a serial). Not every award comes with an item: name the one that does."""
    if winners is None:
        with db.unit_of_work() as uow:
            winners = revealed_winners(uow)
        if winners is None:
            raise MigliaError(
                "the juried awards are not there yet: allocate to a winner by hand (kind award)"
            )
    chosen = [w for w in winners if award is None or w.award == award]
    if award is not None and not chosen:
        raise InvalidInput("award winners", "award", award, "no revealed award of that name has winners")
    short = [0]

    def plan(ledger: Ledger, entries: Sequence[Entry]) -> rules.Plan:
        found, short[0] = rules.plan_winners(ledger, chosen, entries)
        return found

    made = _applied(db, series_id, by, at_us, plan, "award winners")
    return made, short[0]


# -- the hand-over ------------------------------------------------------------------------------------------


def hand_over(
    db: Database,
    series_id: int,
    serial: int | str,
    received_by: str,
    given_by: str,
    *,
    signature: str | None = None,
    allocation_id: int | None = None,
    at_us: int | None = None,
) -> Handover:
    """Record that `received_by` received serial `serial` from `given_by` (the signed-in staff member),
    now (or at `at_us`), with the signature drawn on the screen if any. A serial already handed over is
    refused (SerialTaken) with who received it, when, and from whom, however close the two requests."""
    received = rules.check_text("hand-over", "received by", received_by, rules.MAX_NAME)
    signed = rules.check_signature(signature)
    if signed is not None:
        _readable(signed)
    with db.unit_of_work() as uow:
        ledger = ledger_of(uow, series_id)
        number = rules.parse_serial(ledger.series, serial, "hand-over")
    try:
        with db.unit_of_work() as uow:
            timezone = events.event_row(uow).timezone
            series = series_of(uow, series_id)
            allocation = rules.check_handover(uow.items.ledger(series), number, allocation_id, timezone)
            now = now_us()
            return uow.items.add_handover(
                series.id, allocation, received, given_by, now if at_us is None else at_us, now, signed
            )
    except AlreadyStored:
        with db.unit_of_work() as uow:
            timezone = events.event_row(uow).timezone
            series = series_of(uow, series_id)
            handed = uow.items.live_handover(series.id, number)
        if handed is None:
            raise MigliaError(
                f"serial {series.label(number)}: another hand-over was being recorded at the same moment; "
                "reload and try again"
            ) from None
        raise SerialTaken(rules.taken_message(series, handed, timezone)) from None


def _readable(data_url: str) -> None:
    """The signature decodes as an image (its header was checked by the rules; this reads it all)."""
    try:
        with Image.open(io.BytesIO(rules.signature_png(data_url))) as image:
            image.load()
    except Exception:  # Pillow raises many kinds for a damaged file
        raise InvalidInput(
            "hand-over", "signature", "PNG", "the image is damaged; clear it and sign again"
        ) from None


def search(uow: UnitOfWork, series_id: int, query: str) -> list[SerialLine]:
    """The holders a staff member looks for on the hand-over page (start number, serial or name)."""
    ledger = ledger_of(uow, series_id)
    entries = _entries(uow)
    by_no = {e.start_no: e for e in entries}
    return [_line(ledger, a.serial, by_no) for a in rules.search(ledger, entries, query)]


def still_to_hand(uow: UnitOfWork, series_id: int) -> list[SerialLine]:
    """The serials allocated to a holder and not handed over yet, in order of start number."""
    lines = [line for line in serial_lines(uow, series_id) if line.status is Status.ALLOCATED]
    return sorted(lines, key=lambda line: (line.start_no or 10**9, line.serial))


def signature_png(db: Database, series_id: int, handover_id: int) -> bytes:
    with db.unit_of_work() as uow:
        series = series_of(uow, series_id)
        found = uow.items.signature(series.id, handover_id)
    if not found:
        raise events.NotFound(f"hand-over {handover_id}: no signature")
    return rules.signature_png(found)


# -- lost, returned, withdrawn, annulled -------------------------------------------------------------------


def retire(
    db: Database,
    series_id: int,
    serial: int | str,
    kind: Kind | str,
    why: str,
    by: str,
    *,
    replacement: str | int | None = None,
    at_us: int | None = None,
) -> list[Allocation]:
    """Serial `serial` marked lost (or returned to the sponsor), with why; with `replacement` ("next": the
    lowest free serial, else the lowest reserved; or a serial) its holder gets that one in its place.
    The records before are kept, ended; what was written (the lost record, the replacement)."""
    what = _kind(kind)
    with db.unit_of_work() as uow:
        ledger = ledger_of(uow, series_id)
        number = rules.parse_serial(ledger.series, serial, "lost or returned")
        other: int | None = None
        if replacement is not None and str(replacement).strip():
            if str(replacement).strip() == "next":
                other = rules.replacement_for(ledger)
                if other is None:
                    raise InvalidInput(
                        f"serial {ledger.series.label(number)}",
                        "replacement",
                        "next",
                        "no serial is free or reserved",
                    )
            else:
                other = rules.parse_serial(
                    ledger.series, replacement, f"serial {ledger.series.label(number)}"
                )
    return _applied(
        db,
        series_id,
        by,
        at_us,
        lambda ledger, _: rules.plan_retire(ledger, number, what, why, other),
        f"serial {ledger.series.label(number)}",
    )


def withdraw(db: Database, series_id: int, serial: int | str, why: str, by: str) -> None:
    """An allocation made by mistake, ended with why (the serial is free again)."""
    with db.unit_of_work() as uow:
        ledger = ledger_of(uow, series_id)
        number = rules.parse_serial(ledger.series, serial, "withdrawal")
    _applied(
        db, series_id, by, None, lambda ledger, _: rules.plan_withdraw(ledger, number, why), "withdrawal"
    )


def annul(db: Database, series_id: int, serial: int | str, why: str, by: str) -> Handover:
    """A hand-over recorded by mistake, ended with why (the serial may be handed over again)."""
    try:
        with db.unit_of_work() as uow:
            ledger = ledger_of(uow, series_id)
            number = rules.parse_serial(ledger.series, serial, "annulment")
            handed, reason = rules.check_annul(ledger, number, why)
            uow.items.end_handover(handed.id, by, now_us(), f"annulled: {reason}")
            return handed
    except AlreadyStored:
        raise MigliaError("that hand-over was annulled by someone else a moment ago") from None


# -- the lists --------------------------------------------------------------------------------------------


def serial_lines(uow: UnitOfWork, series_id: int) -> list[SerialLine]:
    """Every serial of the series, in order."""
    ledger = ledger_of(uow, series_id)
    by_no = {e.start_no: e for e in _entries(uow)}
    return [_line(ledger, serial, by_no) for serial in ledger.series.serials]


def _line(ledger: Ledger, serial: int, by_no: dict[int, Entry]) -> SerialLine:
    live = ledger.live(serial)
    status = ledger.status(serial)
    handed = ledger.handed(serial)
    entry = by_no.get(live.start_no) if live is not None and live.start_no is not None else None
    note = ""
    if live is not None:
        if live.kind in rules.RETIRED_KINDS:
            note = f"{live.kind.label}: {live.reason}"
            after = [
                a
                for a in ledger.allocations
                if a.replaces_id is not None and a.replaces_id == live.replaces_id
            ]
            replaced = [a for a in after if a.serial != serial]
            if replaced:
                note += f"; replaced by {ledger.series.label(replaced[0].serial)}"
        elif live.replaces_id is not None:
            old = ledger.allocation(live.replaces_id)
            if old is not None and old.serial != serial:
                note = f"in place of {ledger.series.label(old.serial)}"
        elif live.kind is Kind.AWARD or live.kind is Kind.PERSON:
            note = live.reason
    return SerialLine(
        serial=serial,
        label=ledger.series.label(serial),
        status=status,
        allocation=live,
        handover=handed,
        car=entry.car.title if entry is not None else "",
        note=note,
        history=tuple(ledger.history(serial)),
    )


CSV_HEADER = (
    "serial",
    "holder",
    "start_no",
    "car",
    "status",
    "received_by",
    "handed_over_at",
    "by",
    "signed",
    "note",
)


def sponsor_csv(uow: UnitOfWork, series_id: int) -> str:
    """The sponsor's list as CSV: one line per serial, times in the event's zone."""
    timezone = events.event_row(uow).timezone
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for line in serial_lines(uow, series_id):
        h = line.handover
        writer.writerow(
            (
                line.label,
                line.holder,
                "" if line.start_no is None else line.start_no,
                line.car,
                line.status.value,
                h.received_by if h else "",
                local_text(h.given_us, timezone) if h else "",
                h.given_by if h else "",
                ("yes" if h.signed else "no") if h else "",
                line.note,
            )
        )
    return out.getvalue()


def sponsor_pdf(uow: UnitOfWork, series_id: int) -> bytes:
    """The sponsor's list as an A4 PDF: every serial, its holder, car, hand-over (when, by whom)."""
    row = events.event_row(uow)
    series = series_of(uow, series_id)
    lines = serial_lines(uow, series_id)
    counts = uow.items.ledger(series).counts()
    rows = []
    for line in lines:
        h = line.handover
        car = f"{line.start_no} · {line.car}" if line.start_no is not None and line.car else line.car
        handed = line.status.label
        if h is not None:
            when = local_text(h.given_us, row.timezone, seconds=False)
            handed = f"{when} to {h.received_by}, by {h.given_by}" + (" (signed)" if h.signed else "")
        rows.append((line.label, line.holder or line.status.label, car, handed, line.note))
    summary = ", ".join(f"{n} {s.label.lower()}" for s, n in counts.items() if n)
    doc = OfficialClassification(
        event=row.name,
        title=f"{series.name}: the list for {series.sponsor or 'the sponsor'}",
        lines=[
            f"{series.pieces} pieces, serials {series.range_label} (No.): {summary}.",
            f"As recorded at {local_text(now_us(), row.timezone, seconds=False)} ({row.timezone}).",
        ],
        tables=[
            PdfTable(title="Serials", headers=("No.", "Holder", "Car", "Handed over", "Note"), rows=rows)
        ],
        footer=f"{row.name} · {series.name}",
    )
    return render(doc)


def cli_lines(db: Database, name: str) -> list[str]:
    """`miglia items list SERIES`: serial,holder,start_no,status, one line per serial (CSV)."""
    with db.unit_of_work() as uow:
        series = find_series(uow, name)
        lines = serial_lines(uow, series.id)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("serial", "holder", "start_no", "status"))
    for line in lines:
        writer.writerow(
            (line.label, line.holder, "" if line.start_no is None else line.start_no, line.status.value)
        )
    return out.getvalue().splitlines()


def local_text(instant_us: int, timezone: str, seconds: bool = True) -> str:
    return to_datetime(instant_us, timezone).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%a %d %b %H:%M")


def _per(value: Per | str) -> Per:
    try:
        return Per(value)
    except ValueError:
        raise InvalidInput(
            "allocation", "per", value, "expected car (one per car) or crew (one per crew member)"
        ) from None


def _kind(value: Kind | str) -> Kind:
    try:
        return Kind(value)
    except ValueError:
        raise InvalidInput(
            "item", "kind", value, f"expected one of {', '.join(k.value for k in Kind)}"
        ) from None


# -- the demo ---------------------------------------------------------------------------------------------

DEMO_NOT_HANDED = 4
"""Cars of the demo whose crews left the car show before their watch was handed over (one in 15 at most)."""


def seed_demo_items(db: Database) -> str:
    """The demo's chronographs: the series of 75 (001-075), one per car for the 70 accepted entries and 5
    held for the award winners (given to them when the juried awards have revealed winners), the hand-overs
    at the car show by the organiser's and the marshal's accounts (a few signed on the screen), one watch
    lost and replaced from the reserve, a few crews not reached yet; a one-line summary."""
    with db.unit_of_work() as uow:
        row = events.event_row(uow)
        event = events.event_of(row)
        accepted = [e for e in _entries(uow) if e.accepted]
        name = f"Chronograph, {event.name} edition"
        existing = [s for s in uow.items.all_series(row.id) if s.name == name]
    if existing:
        with db.unit_of_work() as uow:
            counts = uow.items.ledger(existing[0]).counts()
        return f"{name}: already there ({_counts_text(counts)})"
    day1, show_day = event.days[0], event.days[-1]
    show = next((s for d in event.days for s in d.stops if s.kind is StopKind.CAR_SHOW), None)
    if show is not None:
        show_day = next(d for d in event.days if show in d.stops)
    opens = local_instant(show_day.date, show.opens, event.timezone) if show and show.opens else None
    if opens is None:
        opens = local_instant(show_day.date, show_day.first_start, event.timezone) + 8 * 3600 * 10**6
    before = local_instant(day1.date, day1.first_start, event.timezone) - 3600 * 10**6
    minute = 60 * 10**6
    pieces = len(accepted) + 5
    series = create_series(db, name, max(75, pieces), "001", event.sponsor, "organiser", at_us=before)
    allocate_auto(db, series.id, Per.CAR, 5, "organiser", at_us=before)
    rng = random.Random(1927)
    with db.unit_of_work() as uow:
        lines = [line for line in serial_lines(uow, series.id) if line.status is Status.ALLOCATED]
    lines.sort(key=lambda line: line.start_no or 0)
    away = set(rng.sample([line.serial for line in lines], min(DEMO_NOT_HANDED, len(lines) // 15)))
    staff = ("organiser", "marshal")
    step = max(1, (3 * 60) // max(1, len(lines)))  # the show's first three hours
    signed = 0
    handed: list[tuple[int, int]] = []
    for i, line in enumerate(lines):
        if line.serial in away or line.allocation is None:
            continue
        entry = next(e for e in accepted if e.start_no == line.start_no)
        who = entry.crew.co_driver if entry.crew.co_driver and rng.random() < 0.3 else entry.crew.driver
        signature = None
        if i % 9 == 4:
            signature = demo_signature(who, rng.randrange(1 << 30))
            signed += 1
        at = opens + (15 + i * step) * minute + rng.randrange(0, 50) * 10**6
        hand_over(
            db,
            series.id,
            line.serial,
            who,
            staff[i % 2],
            signature=signature,
            allocation_id=line.allocation.id,
            at_us=at,
        )
        handed.append((line.serial, at))
    lost_serial = handed[len(handed) // 5][0] if handed else None
    replaced_by = ""
    if lost_serial is not None:
        with db.unit_of_work() as uow:
            reserved = ledger_of(uow, series.id).reserved()
        last_reserved = reserved[-1] if reserved else None
        lost_at = opens + 200 * minute
        made = retire(
            db,
            series.id,
            lost_serial,
            Kind.LOST,
            "dropped on the gravel by the show's stage and not found",
            "organiser",
            replacement=last_reserved,
            at_us=lost_at,
        )
        replacement = next((a for a in made if a.kind.holds), None)
        if replacement is not None:
            hand_over(
                db,
                series.id,
                replacement.serial,
                replacement.holder.split(" & ")[0],
                "organiser",
                allocation_id=replacement.id,
                at_us=lost_at + 12 * minute,
            )
            replaced_by = f" by {series.label(replacement.serial)}"
    winners_text = ""
    with db.unit_of_work() as uow:
        winners = revealed_winners(uow) or []
    if winners:  # the award with the most winners is the one that comes with the watches
        award = max(dict.fromkeys(w.award for w in winners), key=lambda a: sum(w.award == a for w in winners))
        made, short = allocate_winners(db, series.id, "organiser", award, at_us=opens + 240 * minute)
        winners_text = f"; {len(made)} given to the {award} winners"
        if short:
            winners_text += f" ({short} short: the lost watch's replacement came from their reserve)"
    with db.unit_of_work() as uow:
        counts = uow.items.ledger(series).counts()
    lost = (
        f"{series.label(lost_serial)} lost and replaced{replaced_by}"
        if lost_serial is not None
        else "none lost"
    )
    return (
        f"{series.name}: {series.pieces} pieces ({series.range_label}), "
        f"one per car for {len(accepted)} cars; "
        f"{counts[Status.HANDED]} handed over at the car show ({signed} signed), {lost}, "
        f"{counts[Status.ALLOCATED]} still to hand over, {counts[Status.RESERVED]} reserved for the award "
        f"winners{winners_text}"
    )


def _counts_text(counts: dict[Status, int]) -> str:
    return ", ".join(f"{n} {s.label.lower()}" for s, n in counts.items() if n)


def demo_signature(name: str, seed: int) -> str:
    """A signature as a phone's screen would send it: a pen stroke (PNG data URL), drawn with Pillow."""
    rng = random.Random(seed)
    width, height = 600, 200
    image = Image.new("RGBA", (width, height), (255, 255, 255, 0))
    pen = ImageDraw.Draw(image)
    x, y = 30.0, height * 0.6
    points = [(x, y)]
    for _ in range(max(12, len(name) * 3)):
        x += rng.uniform(8, 22)
        y = min(height - 20, max(20, y + rng.uniform(-45, 45)))
        points.append((x, y))
        if x > width - 40:
            break
    pen.line(points, fill=(20, 30, 90, 255), width=4, joint="curve")
    pen.line([(points[0][0], height * 0.8), (points[-1][0], height * 0.78)], fill=(20, 30, 90, 255), width=3)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return rules.SIGNATURE_PREFIX + base64.b64encode(out.getvalue()).decode("ascii")
