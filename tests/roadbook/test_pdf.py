"""The roadbook, time card and schedule PDFs, read back with poppler (pdftotext, pdfinfo, pdffonts) as a
reader's viewer would: the text on each page, the page count and size, the fonts embedded."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

import pytest

from miglia.domain.instants import local_to_utc_us
from miglia.roadbook.model import DaySchedule, Instruction, Kind, Leg, Roadbook, ScheduleRow
from miglia.roadbook.pdf import TimeCardRow, roadbook_pdf, schedule_pdf, time_card_pdf
from tests.conftest import need

MM_PER_PT = 25.4 / 72
TZ = "America/Los_Angeles"
DATE = dt.date(2025, 4, 28)

# kind, heading in, heading out, words, icon, note, stubs, roundabout exit
LINES: list[tuple[Kind, int, int, str, str, str, tuple[int, ...], int | None]] = [
    (Kind.START, 0, 0, "START at the Fairmont", "start", "", (), None),
    (Kind.TURN, 10, 100, "Turn right onto Bodega Hwy", "", "", (280,), None),
    (Kind.ODOMETER, 100, 100, "Odometer check: zero the trip meter", "odometer", "", (), None),
    (Kind.TURN, 100, 60, "Keep left at the fork", "", "", (130,), None),
    (Kind.ROUNDABOUT, 60, 150, "Roundabout, 1st exit", "", "", (60, 330), 1),
    (Kind.CONTROL, 150, 150, "TC1 time control", "time_control", "Check in at your due minute", (), None),
    (Kind.HAIRPIN, 150, 310, "Hairpin right", "", "!Gravel on the apex", (), None),
    (Kind.STRAIGHT, 340, 340, "Straight over the crossroads", "", "Stop sign", (70, 250), None),
    (Kind.CONTROL, 340, 340, "PC1 passage control", "passage_control", "", (), None),
    (Kind.NOTE, 340, 340, "Level crossing", "", "Look both ways", (), None),
    (Kind.CONTROL, 340, 340, "TT1 timed trial: start line", "timed_trial", "", (), None),
    (Kind.TURN, 340, 250, "Turn left at the T", "", "", (70,), None),
    (Kind.STOP, 250, 250, "Lunch: Nick's Cove", "lunch", "Park on the grass", (), None),
    (Kind.ROUNDABOUT, 250, 160, "Roundabout, 3rd exit", "", "", (340, 70), 3),
    (Kind.CONTROL, 160, 160, "TC2 time control", "time_control", "", (), None),
    (Kind.STOP, 160, 160, "Fuel: Chevron", "fuel", "", (), None),
    (Kind.HAIRPIN, 160, 350, "Hairpin left", "", "", (), None),
    (Kind.STOP, 350, 350, "Car show at the plaza", "car_show", "", (), None),
    (Kind.STOP, 350, 350, "Hotel: Mission Inn", "hotel", "", (), None),
    (Kind.FINISH, 350, 350, "FINISH at the hotel", "finish", "", (), None),
]
EDITED = (3, 9)
"""The organiser edited lines 4 and 10."""


def instructions() -> tuple[Instruction, ...]:
    out = []
    km = Decimal(0)
    for index, (kind, heading_in, heading_out, words, icon, note, stubs, exit_no) in enumerate(LINES):
        partial = Decimal(index * 137 % 500 + 30) / 100 if index else Decimal(0)
        km += partial
        out.append(
            Instruction(
                km=km,
                partial_km=partial,
                heading_in=heading_in,
                heading_out=heading_out,
                kind=kind,
                words=words,
                icon=icon,
                note=note,
                stubs=stubs,
                exit=exit_no,
                lat=38.3,
                lon=-122.9,
                anchor_m=float(km * 1000),
                edited=index in EDITED,
            )
        )
    return tuple(out)


@pytest.fixture(scope="module")
def book() -> Roadbook:
    lines = instructions()
    tc1, tc2 = lines[5].km, lines[14].km
    legs = (
        Leg(name="START - TC1", from_km=Decimal(0), to_km=tc1, average_kmh=Decimal("48.00")),
        Leg(name="TC1 - TC2", from_km=tc1, to_km=tc2, average_kmh=None),
        Leg(name="TC2 - FINISH", from_km=tc2, to_km=lines[-1].km, average_kmh=Decimal("42.5")),
    )
    return Roadbook(
        event="California Mille 2025",
        day=2,
        title="Sonoma coast",
        date=DATE,
        length_km=lines[-1].km,
        instructions=lines,
        legs=legs,
    )


@pytest.fixture(scope="module")
def poppler() -> None:
    for tool in ("pdftotext", "pdfinfo", "pdffonts"):
        need(shutil.which(tool) is not None, f"{tool} not found; install Debian's poppler-utils")


def saved(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    return path


def page_text(pdf: Path, page: int | None = None, *, layout: bool = True) -> str:
    """The text as laid out on the page, or (`layout=False`) in reading order, block by block."""
    pages = [] if page is None else ["-f", str(page), "-l", str(page)]
    mode = ["-layout"] if layout else []
    return subprocess.run(
        ["pdftotext", *mode, *pages, str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout


def page_words(pdf: Path, page: int) -> str:
    """The page's text in reading order on one line: a paragraph wrapped in its cell reads whole."""
    return " ".join(page_text(pdf, page, layout=False).split())


def info(pdf: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    return dict(line.split(":", 1) for line in out.splitlines() if ":" in line)


def page_size_mm(pdf: Path) -> tuple[float, float]:
    match = re.match(r"\s*([\d.]+) x ([\d.]+) pts", info(pdf)["Page size"])
    assert match is not None
    return (float(match[1]) * MM_PER_PT, float(match[2]) * MM_PER_PT)


def word_tops_pt(pdf: Path, word: str) -> list[float]:
    """Where `word` sits on the pages, from the top (pdftotext's word boxes)."""
    html = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    return [float(y) for y in re.findall(rf'<word xMin="[\d.]+" yMin="([\d.]+)"[^>]*>{word}</word>', html)]


@pytest.mark.usefixtures("poppler")
def test_the_roadbook_is_a5_with_a_cover_and_seven_lines_a_page(tmp_path: Path, book: Roadbook) -> None:
    pdf = saved(tmp_path, roadbook_pdf(book))
    assert info(pdf)["Pages"].strip() == "4"  # the cover, then 20 lines at 7 a page
    width, height = page_size_mm(pdf)
    assert (width, height) == (pytest.approx(148, abs=0.5), pytest.approx(210, abs=0.5))
    pages = [page_words(pdf, n) for n in (2, 3, 4)]
    for index, line in enumerate(book.instructions):
        on_page = pages[index // 7]
        assert line.words in on_page
        assert f"{line.km:.2f}" in on_page
        assert all(line.words not in other for other in pages if other is not on_page)


@pytest.mark.usefixtures("poppler")
def test_a_line_shows_total_and_partial_km_with_two_decimals(tmp_path: Path, book: Roadbook) -> None:
    pdf = saved(tmp_path, roadbook_pdf(book))
    second = book.instructions[1]
    assert (second.km, second.partial_km) == (Decimal("1.67"), Decimal("1.67"))
    third = book.instructions[2]
    text = page_text(pdf, 2)
    assert f"{third.km:.2f}" in text
    assert f"{third.partial_km:.2f}" in text
    assert "0.00" in text


@pytest.mark.usefixtures("poppler")
def test_each_page_is_headed_with_the_day_and_the_legs_on_it(tmp_path: Path, book: Roadbook) -> None:
    pdf = saved(tmp_path, roadbook_pdf(book))
    first, second, third = (page_text(pdf, n) for n in (2, 3, 4))
    assert "California Mille 2025 · Day 2: Sonoma coast" in first
    assert "START - TC1: average 48 km/h · TC1 - TC2: target time" in first
    assert "TC2 - FINISH" not in first
    assert "TC1 - TC2: target time" in second
    assert "START - TC1" not in second
    assert "TC2 - FINISH: average 42.5 km/h" in third
    assert "page 4 / 4" in third


@pytest.mark.usefixtures("poppler")
def test_cautions_and_the_organiser_s_edits_are_marked(tmp_path: Path, book: Roadbook) -> None:
    pdf = saved(tmp_path, roadbook_pdf(book))
    first, second = page_words(pdf, 2), page_words(pdf, 3)
    assert "⚠ Gravel on the apex" in first
    assert "!Gravel" not in first
    assert "Look both ways" in second
    assert "⚠ Look" not in second
    # the line number, then the mark (pdftotext joins "4 *" to "4*")
    assert re.search(r"\b4 ?\*", first)
    assert re.search(r"\b10 ?\*", second)
    assert not re.search(r"\b(5|6|7) ?\*", first)


@pytest.mark.usefixtures("poppler")
def test_the_cover_names_the_day_and_explains_the_symbols(tmp_path: Path, book: Roadbook) -> None:
    pdf = saved(tmp_path, roadbook_pdf(book, ["Drivers' briefing 07:30 in the lobby"]))
    cover = page_text(pdf, 1)
    for expected in (
        "California Mille 2025",
        "Day 2",
        "Sonoma coast",
        "Monday 28 April 2025",
        f"{book.length_km:.2f} km",
        "Drivers' briefing 07:30 in the lobby",
        "Time control",
        "Straight over",
        "Lunch",
        "Odometer check",
    ):
        assert expected in cover
    assert "Secret check" not in cover  # never in a roadbook, so not in its legend


@pytest.mark.usefixtures("poppler")
def test_the_fonts_travel_inside_the_pdf(tmp_path: Path, book: Roadbook) -> None:
    pdf = saved(tmp_path, roadbook_pdf(book))
    fonts = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows
    assert all("DejaVu" in row and " yes " in row for row in rows)


CARD_ROWS = (
    TimeCardRow(day=1, control="START", kind_label="Start", km="0.00", due="08:01"),
    TimeCardRow(day=1, control="TT1", kind_label="Timed trial", km="12.40", due="target 21.00 s"),
    TimeCardRow(day=1, control="TC1", kind_label="Time control", km="38.20", due="09:12:30"),
    TimeCardRow(day=1, control="PC1", kind_label="Passage control", km="51.75", due=""),
    TimeCardRow(day=2, control="TC2", kind_label="Time control", km="44.00", due="10:02"),
)


@pytest.mark.usefixtures("poppler")
def test_the_time_card_has_a_page_per_day_with_the_crew_and_the_controls(tmp_path: Path) -> None:
    data = time_card_pdf(
        "California Mille 2025", ["Golden Gate", "Sonoma coast"], 42, "Maria Rossi", "1955 300 SL", CARD_ROWS
    )
    pdf = saved(tmp_path, data)
    assert info(pdf)["Pages"].strip() == "2"
    assert page_size_mm(pdf) == (pytest.approx(148, abs=0.5), pytest.approx(210, abs=0.5))
    first, second = page_text(pdf, 1), page_text(pdf, 2)
    for page in (first, second):
        assert "Start no." in page
        assert re.search(r"\b42\b", page)
        assert "Maria Rossi" in page
        assert "1955 300 SL" in page
        assert re.search(r"Control\s+Kind\s+km\s+Due\s+Actual time\s+Marshal", page)
    assert "Day 1: Golden Gate" in first
    assert "target 21.00 s" in first
    assert "09:12:30" in first
    assert "TC2" not in first
    assert "Day 2: Sonoma coast" in second
    assert "10:02" in second


@pytest.mark.usefixtures("poppler")
def test_the_time_card_rows_leave_room_to_write_by_hand(tmp_path: Path) -> None:
    pdf = saved(tmp_path, time_card_pdf("Rally", ["Day"], 7, "A / B", "Car", CARD_ROWS[:4]))
    tops = [word_tops_pt(pdf, control)[0] for control in ("START", "TT1", "TC1", "PC1")]
    gaps_mm = [(b - a) * MM_PER_PT for a, b in pairwise(tops)]
    assert all(gap >= 11.5 for gap in gaps_mm), gaps_mm


def day_schedule() -> DaySchedule:
    def at(hour: int, minute: int, second: int = 0) -> int:
        return local_to_utc_us(DATE, dt.time(hour, minute, second), TZ)

    def row(km: str, what: str, first_us: int | None, last_us: int | None) -> ScheduleRow:
        return ScheduleRow(km=Decimal(km), what=what, icon="", first_us=first_us, last_us=last_us)

    return DaySchedule(
        event="California Mille 2025",
        day=2,
        title="Sonoma coast",
        date=DATE,
        timezone=TZ,
        first_car=1,
        last_car=72,
        rows=(
            row("0", "START", at(8, 1), at(9, 12)),
            row("51.7", "PC1 passage control", None, None),
            row("80", "Lunch: Nick's Cove", at(11, 30, 45), at(12, 41)),
        ),
    )


@pytest.mark.usefixtures("poppler")
def test_the_schedule_is_a4_with_local_times_of_day(tmp_path: Path) -> None:
    pdf = saved(tmp_path, schedule_pdf(day_schedule()))
    assert info(pdf)["Pages"].strip() == "1"
    assert page_size_mm(pdf) == (pytest.approx(210, abs=0.5), pytest.approx(297, abs=0.5))
    text = page_text(pdf)
    for expected in ("California Mille 2025", "Day 2: Sonoma coast", "Monday 28 April 2025", TZ, "UTC−07:00"):
        assert expected in text
    assert re.search(r"First car \(no\. 1\)\s+Last car \(no\. 72\)", text)
    assert re.search(r"0\.00\s+START\s+08:01\s+09:12", text)
    assert re.search(r"51\.70\s+PC1 passage control\s+—\s+—", text)
    assert re.search(r"80\.00\s+Lunch: Nick's Cove\s+11:30\s+12:41", text)
    assert "15:01" not in text  # 08:01 in California is 15:01 UTC
