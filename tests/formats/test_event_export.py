"""The event file writer (formats/event_export.py): what it writes, the reader (formats/event_file.py)
takes back into the same event, for any event the reader accepts (a hypothesis property), and its text
reads as docs/event-file.md writes it."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from miglia.domain.event import (
    Control,
    ControlKind,
    Day,
    Eligibility,
    Event,
    OdometerCheck,
    SpeedChange,
    Stop,
    StopKind,
)
from miglia.formats.event_export import duration, event_toml, route_gpx, toml_decimal, toml_string
from miglia.formats.event_file import parse_duration, parse_event
from miglia.formats.trackfiles import read_route
from tests.formats.tile_archives import region_tiles, write_pmtiles

# ----------------------------------------------------------------------------------------- the values


@given(st.text())
def test_any_text_is_read_back_as_written(text: str) -> None:
    assert tomllib.loads(f"k = {toml_string(text)}")["k"] == text


def test_a_long_description_is_folded_over_lines_and_read_back_as_one() -> None:
    text = "Four days of back roads " * 12
    written = toml_string(text.strip())
    assert written.startswith('"""\\\n') and all(len(line) < 110 for line in written.splitlines())
    assert tomllib.loads(f"k = {written}")["k"] == text.strip()


@given(st.decimals(min_value=0, max_value=10_000, allow_nan=False, allow_infinity=False, places=3))
def test_a_km_is_read_back_as_written(km: Decimal) -> None:
    read = tomllib.loads(f"k = {toml_decimal(km)}")["k"]
    assert Decimal(read if isinstance(read, str) else repr(read)) == km


@pytest.mark.parametrize(
    ("seconds", "kind", "written"),
    [
        (Decimal(4800), ControlKind.TIME_CONTROL, "1:20:00"),
        (Decimal(12600), ControlKind.FINISH, "3:30:00"),
        (Decimal(59), ControlKind.TIME_CONTROL, "0:00:59"),
        (Decimal("3600.5"), ControlKind.TIME_CONTROL, "1:00:00.5"),
        (Decimal("21.00"), ControlKind.TIMED_TRIAL, "21.00"),
        (Decimal(95), ControlKind.TIMED_TRIAL, "95.00"),
        (Decimal("33.37"), ControlKind.TIMED_TRIAL, "33.37"),
    ],
)
def test_a_target_is_written_as_the_docs_write_it(seconds: Decimal, kind: ControlKind, written: str) -> None:
    assert duration(seconds, kind) == written
    assert parse_duration(written) == seconds


def test_a_route_is_written_as_one_gpx_track(tmp_path: Path) -> None:
    coordinates = [[38.1, -122.5], [38.100001, -122.499999], [38.2, -122.4]]
    (tmp_path / "day1.gpx").write_text(route_gpx("Day 1", coordinates), encoding="utf-8")
    route = read_route(tmp_path / "day1.gpx")
    assert [[a, b] for a, b in zip(route.lat, route.lon, strict=True)] == coordinates


# ------------------------------------------------------------------------------------------ any event

NAME = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9._\-]{0,12}\Z")
TEXT = st.text(max_size=300).map(str.strip)
KM = st.decimals(min_value=0, max_value=900, places=3)
SPEED = st.decimals(min_value=Decimal("0.1"), max_value=300, places=1)
TARGET = st.decimals(min_value=Decimal("0.01"), max_value=20_000, places=2)
LAT = st.floats(min_value=-90, max_value=90, allow_nan=False)
LON = st.floats(min_value=-180, max_value=180, allow_nan=False)
TIME = st.times()


@st.composite
def controls(draw: st.DrawFn, day: int) -> tuple[Control, ...]:
    kinds = draw(
        st.lists(st.sampled_from([k for k in ControlKind if k is not ControlKind.START]), max_size=6)
    )
    out = []
    km = Decimal(0)
    for n, kind in enumerate([ControlKind.START, *kinds]):
        by_km = draw(st.booleans())
        km = km + draw(st.decimals(min_value=0, max_value=50, places=3))
        target = draw(st.none() | TARGET)
        average = draw(st.none() | SPEED)
        if kind in (ControlKind.TIME_CONTROL, ControlKind.FINISH) and target is None and average is None:
            target = Decimal(600)
        end: dict[str, object] = {}
        if kind is ControlKind.TIMED_TRIAL:
            target = target or Decimal("21.00")
            if draw(st.booleans()):
                end = {"end_km": km + draw(st.decimals(min_value="0.001", max_value=5, places=3))}
            else:
                end = {"end_lat": draw(LAT), "end_lon": draw(LON)}
        out.append(
            Control(
                name=f"D{day}-{n}-{draw(NAME)}",
                kind=kind,
                km=km if by_km else None,
                lat=None if by_km else draw(LAT),
                lon=None if by_km else draw(LON),
                target=target,
                average_kmh=average,
                speed_changes=tuple(
                    SpeedChange(k, v) for k, v in draw(st.lists(st.tuples(KM, SPEED), max_size=3))
                ),
                description=draw(TEXT),
                **end,  # type: ignore[arg-type]
            )
        )
    return tuple(out)


STOPS = st.builds(
    Stop,
    kind=st.sampled_from(StopKind),
    name=st.text(min_size=1, max_size=40).map(str.strip).filter(bool),
    address=TEXT,
    lat=st.none() | LAT,
    lon=st.none() | LON,
    km=st.none() | KM,
    opens=st.none() | TIME,
    closes=st.none() | TIME,
    description=TEXT,
)


@st.composite
def events(draw: st.DrawFn) -> Event:
    first = draw(st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2090, 1, 1)))
    days = []
    for number in range(1, draw(st.integers(1, 4)) + 1):
        check = draw(st.none() | st.tuples(KM, st.decimals(min_value="0.001", max_value=20, places=3)))
        days.append(
            Day(
                number=number,
                date=first + dt.timedelta(days=number - 1),
                title=draw(st.text(min_size=1, max_size=60).map(str.strip).filter(bool)),
                route=f"/export/routes/day{number}.gpx",
                first_start=draw(TIME),
                start_interval_s=draw(st.integers(1, 3600)),
                controls=draw(controls(number)),
                stops=tuple(draw(st.lists(STOPS, max_size=3))),
                odometer_check=None if check is None else OdometerCheck(check[0], check[0] + check[1]),
            )
        )
    earliest = draw(st.none() | st.integers(1885, 2100))
    return Event(
        slug=draw(st.from_regex(r"\A[a-z0-9][a-z0-9\-]{0,20}\Z")),
        name=draw(st.text(min_size=1, max_size=80).map(str.strip).filter(bool)),
        timezone=draw(st.sampled_from(["America/Los_Angeles", "Europe/Rome", "UTC", "Asia/Tokyo"])),
        rules=draw(st.sampled_from(["mille-miglia", "regularity", "tsd", "tour"])),
        days=tuple(days),
        eligibility=Eligibility(latest_year=draw(st.integers(1885, 2100)), earliest_year=earliest),
        description=draw(TEXT),
        sponsor=draw(TEXT),
        tile_url=draw(st.sampled_from(["", "https://{s}.tile.example.org/{z}/{x}/{y}.png"])),
        logo=draw(st.sampled_from(["", "/export/logo.jpg"])),
        tiles=draw(st.sampled_from(["", "/export/bayarea.pmtiles"])),
    )


@pytest.fixture(scope="module")
def export_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding what an event file may name beside it: a real tile archive."""
    folder = tmp_path_factory.mktemp("export")
    write_pmtiles(folder / "bayarea.pmtiles", region_tiles())
    return folder


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event=events())
def test_any_event_written_is_read_back_the_same(export_dir: Path, event: Event) -> None:
    """The event file written for an event, read as event.toml of the export's folder, gives that event,
    its files named relative to the event file; and written again it is the same text."""
    names = {d.number: f"routes/day{d.number}.gpx" for d in event.days}
    files = {"logo": "logo.jpg" if event.logo else "", "tiles": "bayarea.pmtiles" if event.tiles else ""}
    text = event_toml(event, names, **files)
    read = parse_event(text, export_dir / "event.toml")
    assert read == replace(
        event,
        days=tuple(replace(d, route=str(export_dir / names[d.number])) for d in event.days),
        logo=str(export_dir / files["logo"]) if event.logo else "",
        tiles=str(export_dir / files["tiles"]) if event.tiles else "",
    )
    assert event_toml(read, names, **files) == text


def test_the_written_file_reads_like_the_docs_example() -> None:
    event = Event(
        slug="golden-gate-classic-2026",
        name="Golden Gate Classic 2026",
        timezone="America/Los_Angeles",
        rules="mille-miglia",
        days=(
            Day(
                number=1,
                date=dt.date(2026, 4, 27),
                title="Nob Hill to Healdsburg",
                route="/x/day1.gpx",
                first_start=dt.time(8),
                start_interval_s=60,
                controls=(
                    Control(name="D1-START", kind=ControlKind.START, km=Decimal(0)),
                    Control(
                        name="D1-PT1",
                        kind=ControlKind.TIMED_TRIAL,
                        km=Decimal("24.0"),
                        end_km=Decimal("24.3"),
                        target=Decimal("21.00"),
                    ),
                ),
            ),
        ),
    )
    text = event_toml(event, {1: "routes/day1.gpx"})
    assert (
        '\n[[days]]\ndate = 2026-04-27\ntitle = "Nob Hill to Healdsburg"\nroute = "routes/day1.gpx"\n' in text
    )
    assert "\nfirst_start = 08:00:00  # the first car\n" in text
    assert '\n[[days.controls]]\nname = "D1-PT1"\nkind = "timed_trial"\nkm = 24.0\n' in text
    assert '\ntarget = "21.00"  # time allowed from the start line to the finish line\n' in text
    assert "# Day 1, Monday 27 April 2026" in text
    assert replace(parse_event(text, Path("/x/event.toml")), days=event.days) == event
