"""The docs' examples, read by the real readers: a doc that drifts from the code fails here.

- docs/event-file.md: the full example is a valid event file (formats/event_file.py), with the values it
  shows; the error lines it quotes are what the reader says of that example with two mistakes; its key
  tables list exactly the keys the reader accepts.
- The error messages quoted in docs/web.md (entries CSV) and docs/rules.md (a rule-set file).
- docs/entries-file.md: its table lists exactly the columns the entries reader knows, in order; its
  example is a valid entries file with the values it shows.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import BaseModel

from miglia.domain.entries import CarCategory, RaceHistory
from miglia.domain.errors import MigliaError
from miglia.domain.event import ControlKind, Eligibility, SpeedChange, StopKind
from miglia.formats import event_file
from miglia.formats.entries_csv import OPTIONAL, REQUIRED, EntriesFileError, read_entries
from miglia.formats.event_file import EventFileError, load_event
from miglia.rules import load_rules, shipped

DOCS = Path(__file__).resolve().parents[2] / "docs"
EVENT_FILE_DOC = DOCS / "event-file.md"
ENTRIES_FILE_DOC = DOCS / "entries-file.md"


def fenced(path: Path, language: str = "") -> list[str]:
    """The fenced code blocks of a Markdown file whose opening fence names `language` ("" for none)."""
    pattern = re.compile(rf"^```{re.escape(language)}\n(.*?)^```$", re.M | re.S)
    return pattern.findall(path.read_text(encoding="utf-8"))


def event_example() -> str:
    [example] = fenced(EVENT_FILE_DOC, "toml")
    return example


def replaced_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"the example no longer has one line {old!r}"
    return text.replace(old, new)


def test_the_event_file_example_is_a_valid_event_with_the_values_it_shows(tmp_path: Path) -> None:
    path = tmp_path / "event.toml"
    path.write_text(event_example(), encoding="utf-8")
    event = load_event(path, known_rules=set(shipped()))

    assert (event.name, event.slug) == ("Golden Gate Classic 2026", "golden-gate-classic-2026")
    assert (event.timezone, event.rules, event.sponsor) == (
        "America/Los_Angeles",
        "mille-miglia",
        "Sausalito Garage",
    )
    assert event.eligibility == Eligibility(latest_year=1957, earliest_year=None)
    assert event.tile_url == ""
    day1, day2 = event.days
    assert (day1.number, day1.date, day1.title) == (1, dt.date(2026, 4, 27), "Nob Hill to Healdsburg")
    assert day1.route == str((tmp_path / "routes" / "day1.gpx").resolve())  # relative to the event file
    assert (day1.first_start, day1.start_interval_s) == (dt.time(8, 0), 60)
    assert [(c.name, c.kind, c.km) for c in day1.controls] == [
        ("D1-START", ControlKind.START, Decimal(0)),
        ("D1-PT1", ControlKind.TIMED_TRIAL, Decimal("24.0")),
        ("D1-TC1", ControlKind.TIME_CONTROL, Decimal("61.5")),
        ("D1-SC1", ControlKind.SECRET_CHECK, Decimal("80.2")),
        ("D1-FINISH", ControlKind.FINISH, Decimal("140.0")),
    ]
    _start, trial, tc1, _secret, finish = day1.controls
    assert (trial.end_km, trial.target) == (Decimal("24.3"), Decimal("21.00"))  # "21.00": to the 1/100 s
    assert tc1.target == Decimal(4800)  # "1:20:00"
    assert (finish.target, finish.average_kmh) == (None, Decimal(48))
    assert finish.speed_changes == (SpeedChange(km=Decimal("100.0"), kmh=Decimal(40)),)
    [lunch] = day1.stops
    assert (lunch.kind, lunch.name, lunch.lat, lunch.lon) == (
        StopKind.LUNCH,
        "The Girl & the Fig",
        38.2937,
        -122.4587,
    )
    assert (lunch.opens, lunch.closes) == (dt.time(11, 30), dt.time(13, 30))
    assert (day2.title, day2.first_start, day2.start_interval_s) == (
        "Healdsburg to Sausalito",
        dt.time(8, 30),
        60,  # the default
    )
    assert [(c.name, c.target) for c in day2.controls] == [("D2-START", None), ("D2-FINISH", Decimal(12600))]
    assert day2.stops == ()


def test_the_errors_the_event_file_doc_quotes_are_what_the_reader_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The doc's example with D1-TC1 at km "twelve" and day 2 starting at "25:00", checked as event.toml."""
    quoted = fenced(EVENT_FILE_DOC)[0].splitlines()
    broken = replaced_once(event_example(), "\nkm = 61.5\n", '\nkm = "twelve"\n')
    broken = replaced_once(broken, "\nfirst_start = 08:30:00\n", '\nfirst_start = "25:00"\n')
    (tmp_path / "event.toml").write_text(broken, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(EventFileError) as caught:
        load_event(Path("event.toml"))
    assert caught.value.problems == quoted


TABLES: dict[str, type[BaseModel]] = {
    "`[event]`": event_file._EventHead,
    "`[[days]]`": event_file._Day,
    "`[[days.controls]]`": event_file._Control,
    "`[[days.stops]]`": event_file._Stop,
}
SUBTABLES = {"controls", "stops"}
"""Keys of a day documented in sections of their own."""


def sections(path: Path) -> dict[str, str]:
    """Each `## ` heading's first word (the table's name) -> the text up to the next heading."""
    parts = re.split(r"^## ", path.read_text(encoding="utf-8"), flags=re.M)[1:]
    return {part.split()[0].rstrip(","): part for part in parts}


@pytest.mark.parametrize("heading", list(TABLES))
def test_the_event_file_doc_lists_exactly_the_keys_the_reader_accepts(heading: str) -> None:
    """The first column of each table names keys the reader accepts; every key it accepts is named in
    its section (in the table, or in the meaning of a key it goes with: `lat` and `lon` beside `km`)."""
    text = sections(EVENT_FILE_DOC)[heading]
    rows = re.findall(r"^\| ([^|]+) \|", text, flags=re.M)
    listed = {key for row in rows for key in re.findall(r"`(\w+)`", row)}
    named = set(re.findall(r"`(\w+)`", text))
    accepted = set(TABLES[heading].model_fields) - SUBTABLES
    assert listed <= accepted, f"{heading}: documented but refused: {sorted(listed - accepted)}"
    assert accepted <= named, f"{heading}: accepted but not documented: {sorted(accepted - named)}"


def test_the_entries_error_quoted_in_the_web_doc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    found = re.search(r"`(entries\.csv:(\d+): year = '([^']*)': )…`", (DOCS / "web.md").read_text("utf-8"))
    assert found, "docs/web.md no longer quotes an entries.csv error"
    prefix, line, year = found.group(1), int(found.group(2)), found.group(3)
    header = "start_no,driver,co_driver,make,model,year,chassis,class,device_id"
    rows = [f"{n},Driver {n},Co {n},Fiat,8V Zagato,1953,CH{n},GT,phone-{n}" for n in range(1, line - 1)]
    rows.append(f"{line - 1},Driver,Co,Fiat,8V Zagato,{year},CHX,GT,phone-x")
    (tmp_path / "entries.csv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(EntriesFileError) as caught:
        read_entries(Path("entries.csv"), Eligibility(latest_year=1957))
    assert [p for p in caught.value.problems if p.startswith(prefix)], caught.value.problems


def test_the_rule_set_error_quoted_in_the_rules_doc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    found = re.search(r"`(my\.toml: timed_trial\.cap = -1: [^`]+)`", (DOCS / "rules.md").read_text("utf-8"))
    assert found, "docs/rules.md no longer quotes a rule-set error"
    (tmp_path / "my.toml").write_text('[rule_set]\nname = "mine"\n\n[timed_trial]\ncap = -1\n', "utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(MigliaError) as caught:
        load_rules("my.toml")
    assert str(caught.value) == found.group(1)


def test_the_entries_file_doc_lists_exactly_the_columns_the_reader_knows() -> None:
    rows = re.findall(r"^\| `(\w+)` \| (yes|no) \|", ENTRIES_FILE_DOC.read_text("utf-8"), flags=re.M)
    assert [c for c, _ in rows] == list(REQUIRED + OPTIONAL)
    assert [c for c, required in rows if required == "yes"] == list(REQUIRED)


def test_the_entries_file_example_is_read_with_the_values_it_shows(tmp_path: Path) -> None:
    [example] = fenced(ENTRIES_FILE_DOC, "csv")
    (tmp_path / "entries.csv").write_text(example, encoding="utf-8")
    entries = read_entries(tmp_path / "entries.csv", Eligibility(latest_year=1957))
    assert [(e.start_no, e.car.title, e.crew.ladies, e.team) for e in entries] == [
        (1, "1927 Bugatti Type 35B", True, ""),
        (2, "1951 Lancia Aurelia B20 GT", False, "Cats"),
        (3, "1938 Lancia Aprilia", False, ""),
    ]
    assert [(e.car.displacement_cc, e.car.category, e.car.history) for e in entries] == [
        (2262, CarCategory.SPORT, RaceHistory.RACED),
        (1991, CarCategory.GRAN_TURISMO, RaceHistory.NONE),
        (1352, CarCategory.TOURING, RaceHistory.ENTERED),
    ]
