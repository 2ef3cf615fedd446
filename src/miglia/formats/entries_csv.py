"""Read the entry list from a CSV file: one row per car and crew.

Columns: start_no, driver, co_driver, make, model, year, chassis, class, device_id; optional team,
ladies (yes when the whole crew is female) and the parts of a 1000 Miglia coefficient: displacement_cc
(the nominal displacement in whole cc), category (sport, gran_turismo or touring) and mm_history
(entered or raced when this very chassis was in a historic Mille Miglia); empty when not known; and
story (a few lines about the car, for its placard and page).
Every row is checked before anything is kept; a car the event's eligibility rule refuses is kept as a
refused entry with its reason. docs/entries-file.md describes the columns.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from miglia.domain.entries import Car, CarCategory, Crew, Entry, RaceHistory, judge
from miglia.domain.errors import MigliaError
from miglia.domain.event import Eligibility

REQUIRED = ("start_no", "driver", "co_driver", "make", "model", "year", "chassis", "class", "device_id")
OPTIONAL = ("team", "ladies", "displacement_cc", "category", "mm_history", "story")
MAX_DISPLACEMENT_CC = 20000
MAX_STORY = 600
"""Characters of a car's story: what an A5 placard holds."""
_YES = {"yes", "y", "true", "1", "x"}
_NO = {"no", "n", "false", "0", ""}


class EntriesFileError(MigliaError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def read_entries(path: Path, eligibility: Eligibility) -> list[Entry]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise EntriesFileError([f"{path}: cannot read the entries file: {exc}"]) from None
    return parse_entries(text, str(path), eligibility)


def parse_entries(text: str, where: str, eligibility: Eligibility) -> list[Entry]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in REQUIRED + OPTIONAL]
    if missing or unknown:
        expected = ", ".join(REQUIRED + OPTIONAL)
        raise EntriesFileError(
            [f"{where}:1: missing column {c!r}" for c in missing]
            + [f"{where}:1: unknown column {c!r}; expected {expected}" for c in unknown]
        )
    reader.fieldnames = header
    entries: list[Entry] = []
    problems: list[str] = []
    numbers: dict[int, int] = {}
    devices: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        try:
            entry = _entry(row, f"{where}:{line}")
        except MigliaError as exc:
            problems.append(str(exc))
            continue
        if entry.start_no in numbers:
            problems.append(
                f"{where}:{line}: start_no = '{entry.start_no}': "
                f"already used on line {numbers[entry.start_no]}"
            )
        numbers.setdefault(entry.start_no, line)
        if entry.device_id:
            if entry.device_id in devices:
                problems.append(
                    f"{where}:{line}: device_id = {entry.device_id!r}: "
                    f"already used on line {devices[entry.device_id]}"
                )
            devices.setdefault(entry.device_id, line)
        entries.append(judge(entry, eligibility))
    if problems:
        raise EntriesFileError(problems)
    if not entries:
        raise EntriesFileError([f"{where}: no entries (only a header)"])
    return entries


def _cell(row: dict[str, str | None], column: str) -> str:
    value = row.get(column)
    return value.strip() if isinstance(value, str) else ""


def _entry(row: dict[str, str | None], where: str) -> Entry:
    if None in row:
        raise MigliaError(f"{where}: more cells than columns: {row[None]!r}")  # type: ignore[index]
    start_no = _cell(row, "start_no")
    if not start_no.isdigit() or not 0 < int(start_no) < 100000:
        raise MigliaError(f"{where}: start_no = {start_no!r}: expected a whole number from 1 to 99999")
    year = _cell(row, "year")
    if not (year.isdigit() and 1885 <= int(year) <= 2100):
        raise MigliaError(f"{where}: year = {year!r}: expected the year of construction, e.g. 1955")
    for column in ("driver", "make", "model"):
        if not _cell(row, column):
            raise MigliaError(f"{where}: {column} = '': required")
    ladies = _cell(row, "ladies").lower()
    if ladies not in _YES | _NO:
        raise MigliaError(f"{where}: ladies = {ladies!r}: expected yes or no")
    return Entry(
        start_no=int(start_no),
        car=Car(
            make=_cell(row, "make"),
            model=_cell(row, "model"),
            year=int(year),
            chassis=_cell(row, "chassis"),
            displacement_cc=_displacement(row, where),
            category=_category(row, where),
            history=_history(row, where),
            story=_story(row, where),
        ),
        crew=Crew(driver=_cell(row, "driver"), co_driver=_cell(row, "co_driver"), ladies=ladies in _YES),
        class_name=_cell(row, "class"),
        device_id=_cell(row, "device_id"),
        team=_cell(row, "team"),
    )


def _displacement(row: dict[str, str | None], where: str) -> int | None:
    cc = _cell(row, "displacement_cc")
    if not cc:
        return None
    if not (cc.isascii() and cc.isdigit() and 1 <= int(cc) <= MAX_DISPLACEMENT_CC):
        raise MigliaError(
            f"{where}: displacement_cc = {cc!r}: expected the nominal displacement in whole cc, "
            f"from 1 to {MAX_DISPLACEMENT_CC}, e.g. 1991, or empty"
        )
    return int(cc)


def _category(row: dict[str, str | None], where: str) -> CarCategory | None:
    category = _cell(row, "category")
    if not category:
        return None
    try:
        return CarCategory(category)
    except ValueError:
        expected = ", ".join(c.value for c in CarCategory)
        raise MigliaError(f"{where}: category = {category!r}: expected one of {expected}, or empty") from None


def _story(row: dict[str, str | None], where: str) -> str:
    story = " ".join(_cell(row, "story").split())
    if len(story) > MAX_STORY:
        raise MigliaError(
            f"{where}: story = {story[:40] + '...'!r}: {len(story)} characters, at most {MAX_STORY} "
            "(a few lines for the car's placard)"
        )
    return story


def _history(row: dict[str, str | None], where: str) -> RaceHistory:
    history = _cell(row, "mm_history")
    try:
        return RaceHistory(history)
    except ValueError:
        expected = " or ".join(h.value for h in RaceHistory if h.value)
        raise MigliaError(
            f"{where}: mm_history = {history!r}: expected {expected} "
            "(this chassis in a historic Mille Miglia), or empty"
        ) from None
