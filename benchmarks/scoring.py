"""Scoring benchmark: 450 cars x 120 controls, full recompute against one incremental update.

    .venv/bin/python benchmarks/scoring.py

Full: a Scoreboard built from every stored passage (time cards, every car scored, classified).
Incremental: one new passage arrives; only that car is rescored and the overall ranking redone.
Baseline, measured in the same run: the plain pass, the least any pure-Python scorer does: group the
passages by car and control line, then per car and line take the earliest instant, its deviation from a
due instant, and one small record. Goals (issue 14): full <= 500 ms, incremental <= 5 ms; the ratio to
the plain pass is the figure to compare between machines.

Measured on the 2-core development machine, other work running beside it, eight runs of this script:
full recompute medians 246-305 ms (4.3-5.1x the plain pass's 57-66 ms), incremental medians 0.8-1.5 ms;
under heavier load (a load average of 3.5 on the two cores) 450-580 ms, the plain pass then 80-110 ms.
"""

from __future__ import annotations

import datetime as dt
import gc
import random
import statistics
import time
from decimal import Decimal

from miglia.domain.entries import Car, CarCategory, Crew, Entry
from miglia.domain.event import Control, ControlKind, Day, Event
from miglia.domain.passages import Passage
from miglia.domain.rules import Source
from miglia.domain.scoreboard import Scoreboard
from miglia.domain.timecard import EventPlan, start_order, time_card
from miglia.rules import load_rules

CARS = 450
CONTROLS = 120


def build_event(n_controls: int = CONTROLS) -> Event:
    controls = [Control(name="S", kind=ControlKind.START, km=Decimal(0))]
    km = Decimal(0)
    pattern = (
        ControlKind.TIMED_TRIAL,
        ControlKind.SECRET_CHECK,
        ControlKind.PASSAGE_CONTROL,
        ControlKind.TIME_CONTROL,
    )
    i = 0
    while len(controls) < n_controls - 1:
        kind = pattern[i % len(pattern)]
        km += 5
        name = f"C{i:03d}"
        if kind is ControlKind.TIMED_TRIAL:
            controls.append(Control(name=name, kind=kind, km=km, end_km=km + 1, target=Decimal("21.00")))
        elif kind is ControlKind.TIME_CONTROL:
            controls.append(Control(name=name, kind=kind, km=km, average_kmh=Decimal(50)))
        else:
            controls.append(Control(name=name, kind=kind, km=km))
        i += 1
    controls.append(Control(name="F", kind=ControlKind.FINISH, km=km + 10, average_kmh=Decimal(50)))
    day = Day(
        number=1,
        date=dt.date(2027, 5, 1),
        title="Day 1",
        route="day1.gpx",
        first_start=dt.time(6, 0),
        start_interval_s=30,
        controls=tuple(controls),
    )
    return Event(
        slug="bench", name="Benchmark rally", timezone="Europe/Rome", rules="mille-miglia", days=(day,)
    )


def build_entries() -> list[Entry]:
    rng = random.Random(1)
    return [
        Entry(
            start_no=n,
            car=Car(
                make="Fiat",
                model="508",
                year=rng.randint(1927, 1957),
                displacement_cc=(747, 1089, 1991, 2953)[n % 4],
                category=tuple(CarCategory)[n % 3],
            ),
            crew=Crew(driver=f"D{n}", co_driver=f"C{n}", ladies=n % 7 == 0),
            class_name=f"K{n % 6}",
            team=f"T{n % 40}",
        )
        for n in range(1, CARS + 1)
    ]


def build_passages(event: Event, entries: list[Entry]) -> list[Passage]:
    rng = random.Random(2)
    plan = EventPlan.build(event)
    out: list[Passage] = []
    for n, start_index in start_order(entries).items():
        card = time_card(plan, n, start_index)
        for line in card.lines:
            if line.kind is ControlKind.TIMED_TRIAL:
                start = card.day_start_us[0] + 3_600_000_000 + rng.randint(0, 10**9)
                out.append(Passage(start_no=n, control=line.control, instant_us=start, source=Source.DEVICE))
                finish = start + 21_000_000 + rng.randint(-2_000_000, 2_000_000)
                out.append(
                    Passage(
                        start_no=n,
                        control=line.control,
                        instant_us=finish,
                        source=Source.DEVICE,
                        line="finish",
                    )
                )
            else:
                due = line.due_us if line.due_us is not None else card.day_start_us[0] + 3_600_000_000
                out.append(
                    Passage(
                        start_no=n,
                        control=line.control,
                        instant_us=due + rng.randint(-90_000_000, 150_000_000),
                        source=Source.DEVICE,
                    )
                )
                if rng.random() < 0.3:
                    out.append(
                        Passage(
                            start_no=n,
                            control=line.control,
                            instant_us=due + rng.randint(-90_000_000, 150_000_000),
                            source=Source.GPS,
                        )
                    )
    return out


def plain_pass(event: Event, passages: list[Passage]) -> int:
    """The baseline: passages grouped by car and line, one record per line of every car (see above)."""
    slots: dict[int, dict[tuple[str, str], list[Passage]]] = {}
    for p in passages:
        slots.setdefault(p.start_no, {}).setdefault((p.control, p.line), []).append(p)
    lines = [(c.name, line) for c in EventPlan.build(event).controls for line in ("", "finish")]
    records = 0
    for n, by_line in slots.items():
        due_us = n * 30_000_000
        card = []
        for slot in lines:
            found = by_line.get(slot)
            if found:
                instant = min(p.instant_us for p in found)
                card.append((slot, instant, instant - due_us))
        records += len(card)
    return records


def main() -> None:
    event = build_event()
    entries = build_entries()
    rules = load_rules("mille-miglia")
    passages = build_passages(event, entries)
    fulls, plains = [], []
    board = None
    for _ in range(5):
        gc.collect()
        gc.disable()  # as the scoreboard does during a recompute (and timeit by default)
        t0 = time.perf_counter()
        plain_pass(event, passages)
        plains.append(time.perf_counter() - t0)
        gc.enable()
        board = None  # the previous board is freed outside the timing
        gc.collect()
        t0 = time.perf_counter()
        board = Scoreboard(event, entries, rules, passages=passages)
        board.classification()
        fulls.append(time.perf_counter() - t0)
    assert board is not None
    rng = random.Random(3)
    incs = []
    controls = [c.name for c in event.days[0].controls]
    for _ in range(50):
        n = rng.randint(1, CARS)
        control = rng.choice(controls)
        instant = board.time_card(n).day_start_us[0] + rng.randint(0, 10**10)
        t0 = time.perf_counter()
        board.add_passage(Passage(start_no=n, control=control, instant_us=instant, source=Source.MARSHAL))
        incs.append(time.perf_counter() - t0)
    full, plain, inc = statistics.median(fulls), statistics.median(plains), statistics.median(incs)
    print(f"scoring {CARS} cars x {len(controls)} controls, {len(passages)} passages (rule set {rules.name})")
    print("medians; full recompute of 5 runs, incremental of 50 passages")
    print(f"  full recompute            {full * 1000:8.1f} ms   (runs {_spread(fulls)})")
    print(f"  plain pass (baseline)     {plain * 1000:8.1f} ms   (runs {_spread(plains)})")
    print(f"  full / plain pass         {full / plain:8.1f} x")
    print(f"  incremental (1 passage)   {inc * 1000:8.3f} ms   (runs {_spread(incs)})")
    print(
        f"goal: full <= 500 ms {'OK' if full <= 0.5 else 'MISSED'}; "
        f"incremental <= 5 ms {'OK' if inc <= 0.005 else 'MISSED'}"
    )


def _spread(seconds: list[float]) -> str:
    return f"{min(seconds) * 1000:.1f}-{max(seconds) * 1000:.1f} ms"


if __name__ == "__main__":
    main()
