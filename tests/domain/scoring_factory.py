"""Small events, entries and rule sets for the scoring tests, built in code."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from miglia.domain.entries import Car, Crew, Entry, EntryStatus
from miglia.domain.event import Control, ControlKind, Day, Event, SpeedChange
from miglia.domain.instants import local_to_utc_us
from miglia.domain.passages import Passage
from miglia.domain.rules import RuleSet, Source
from miglia.rules import load_rules
from miglia.rules.rule_set_file import rule_set_from_dict

TZ = "Europe/Rome"
DATE = dt.date(2027, 5, 1)
D = Decimal


def event(
    *, first_start: str = "09:23", interval_s: int = 60, speed_changes: tuple[SpeedChange, ...] = ()
) -> Event:
    """One day: S1 (km 0), PT1 (timed trial 21.00 s), SC1 (secret check at km 20), TC1 (km 40, 1 h),
    PC1 (passage control), F (finish, km 80, 1 h)."""
    controls = (
        Control(name="S1", kind=ControlKind.START, km=D(0)),
        Control(name="PT1", kind=ControlKind.TIMED_TRIAL, km=D(5), end_km=D("5.3"), target=D("21.00")),
        Control(name="SC1", kind=ControlKind.SECRET_CHECK, km=D(20)),
        Control(
            name="TC1",
            kind=ControlKind.TIME_CONTROL,
            km=D(40),
            average_kmh=D(40),
            speed_changes=speed_changes,
        ),
        Control(name="PC1", kind=ControlKind.PASSAGE_CONTROL, km=D(50)),
        Control(name="F", kind=ControlKind.FINISH, km=D(80), target=D(3600)),
    )
    day = Day(
        number=1,
        date=DATE,
        title="Day 1",
        route="day1.gpx",
        first_start=dt.time.fromisoformat(first_start),
        start_interval_s=interval_s,
        controls=controls,
    )
    return Event(slug="test", name="Test rally", timezone=TZ, rules="regularity", days=(day,))


def entry(
    start_no: int,
    year: int = 1955,
    *,
    class_name: str = "",
    team: str = "",
    ladies: bool = False,
    refused: bool = False,
) -> Entry:
    return Entry(
        start_no=start_no,
        car=Car(make="Alfa Romeo", model="1900", year=year),
        crew=Crew(driver=f"Driver {start_no}", co_driver=f"Co {start_no}", ladies=ladies),
        class_name=class_name,
        team=team,
        status=EntryStatus.REFUSED if refused else EntryStatus.ACCEPTED,
    )


def at(hms: str, date: dt.date = DATE) -> int:
    """Microseconds UTC of a local time of day in the test event's zone, e.g. "10:25:10.25"."""
    return local_to_utc_us(date, dt.time.fromisoformat(hms), TZ)


def p(
    start_no: int, control: str, hms: str, source: str = "device", line: str = "", id: str | None = None
) -> Passage:
    return Passage(
        start_no=start_no, control=control, instant_us=at(hms), source=Source(source), line=line, id=id
    )


def rules(name: str = "regularity", **changes: Any) -> RuleSet:
    """A shipped rule set, or one built from the shipped file's data with tables changed."""
    if not changes:
        return load_rules(name)
    import tomllib

    from miglia.rules import HERE

    data = tomllib.loads((HERE / f"{name}.toml").read_text())
    for table, values in changes.items():
        data.setdefault(table, {}).update(values)
    return rule_set_from_dict(data)


def on_time_run(start_no: int, start_index: int, trial_s: str = "21.00") -> list[Passage]:
    """Passages of a car that is exactly on time everywhere (`start_index`: its index in start order)."""
    trial = D(trial_s)
    whole = int(trial)
    hundredths = int((trial - whole) * 100)
    return [
        p(start_no, "S1", f"09:{23 + start_index:02d}:00"),
        p(start_no, "PT1", f"09:{30 + start_index:02d}:00"),
        p(start_no, "PT1", f"09:{30 + start_index:02d}:{whole:02d}.{hundredths:02d}", line="finish"),
        p(start_no, "SC1", f"09:{53 + start_index:02d}:00"),
        p(start_no, "TC1", f"10:{23 + start_index:02d}:30"),
        p(start_no, "PC1", f"10:{40 + start_index:02d}:00"),
        p(start_no, "F", f"11:{23 + start_index:02d}:10"),
    ]
