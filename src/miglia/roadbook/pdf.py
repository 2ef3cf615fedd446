"""The roadbook, the time card and the day's schedule as PDFs (fpdf2, DejaVu Sans embedded: they print
offline and any name's letters show).

The roadbook is A5 portrait, the size of a roadbook holder: a cover, then `ROWS_PER_PAGE` instructions
a page in the classic three columns (total and partial km, the tulip, the words and the note). The time
card is A5 too, one page per day with a box per control for the marshal's time and stamp. The schedule
is A4, for the organiser's and the marshals' clipboard.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import partial
from itertools import groupby

from fpdf import FPDF, XPos, YPos
from fpdf.enums import StrokeCapStyle, StrokeJoinStyle
from fpdf.fonts import FontFace

from miglia.domain.instants import us_to_local, zone
from miglia.formats.classification_pdf import FONTS

from .model import DaySchedule, Instruction, Kind, Leg, Roadbook
from .tulip import CAP_HALF, Disc, Label, Ring, Shape, Solid, Stroke, drawing

A5 = (148.0, 210.0)
A4 = (210.0, 297.0)
"""Page sizes in mm, given as sizes: fpdf2 2.8.9 warns on each use of the names (it fixed A5's once)."""
MARGIN = 10.0
PT = 25.4 / 72
"""Millimetres in a point."""
FONT = "DejaVu"

ROWS_PER_PAGE = 7
ROW_TOP = 24.0
ROW_HEIGHT = 25.0
KM_WIDTH = 30.0
TULIP_WIDTH = 30.0
TULIP_SIZE = 24.0
"""The tulip's side in mm: its thick lines read at arm's length in a moving car."""
LEGEND_TULIP = 13.0
CAUTION = "!"
GREY = (225, 225, 225)

STAMP_ROW_HEIGHT = 12.0
"""A time card row: tall enough for a marshal to write a time and press a stamp."""
TIME_CARD_WIDTHS = (17.0, 25.0, 14.0, 26.0, 25.0, 21.0)
TIME_CARD_HEADINGS = ("Control", "Kind", "km", "Due", "Actual time", "Marshal")
NO_TIME = "—"


@dataclass(frozen=True, kw_only=True)
class TimeCardRow:
    day: int
    control: str
    kind_label: str
    km: str
    due: str
    """The due time as local "HH:MM" or "HH:MM:SS", a timed trial's "target 21.00 s", or "" for none."""


class _Document(FPDF):
    """An fpdf2 document with the vendored fonts, a footer line with the page number out of the total,
    and an optional header drawn on every page."""

    def __init__(self, page_format: tuple[float, float], title: str, footer_text: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format=page_format)
        self.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_title(title)
        self.footer_text = footer_text
        self.page_header: Callable[[], None] | None = None

    def header(self) -> None:
        if self.page_header is not None:
            self.page_header()

    def footer(self) -> None:
        self.set_y(-9)
        self.set_font(FONT, "", 7)
        self.cell(0, 4, f"{self.footer_text}   ·   page {self.page_no()} / {{nb}}", align="C")


# --- the roadbook ---------------------------------------------------------------------------------------


def roadbook_pdf(book: Roadbook, cover_lines: Sequence[str] = ()) -> bytes:
    """The day's roadbook: A5 portrait, a cover (event, day, date, length, `cover_lines`, a legend of the
    symbols), then `ROWS_PER_PAGE` instructions a page under a header naming the legs on the page and
    their set averages.

    A note that starts with "!" is a caution: it prints without the "!", in bold, after a warning sign,
    on grey. An instruction the organiser edited is marked "*" beside its number, for proof-reading.
    """
    pdf = _Document(A5, f"{book.event} – roadbook day {book.day}", f"{book.event} · day {book.day}")
    pdf.set_auto_page_break(auto=False)
    _cover(pdf, book, cover_lines)
    for number, page in _pages(book.instructions):
        pdf.page_header = partial(_page_header, pdf, book, page)
        pdf.add_page()
        for row, instruction in enumerate(page):
            _instruction_row(pdf, ROW_TOP + row * ROW_HEIGHT, number + row, instruction)
    return bytes(pdf.output())


def _pages(instructions: Sequence[Instruction]) -> Iterator[tuple[int, Sequence[Instruction]]]:
    """The instructions page by page, with the line number (from 1) of each page's first one."""
    for first in range(0, len(instructions), ROWS_PER_PAGE):
        yield first + 1, instructions[first : first + ROWS_PER_PAGE]


def _cover(pdf: _Document, book: Roadbook, cover_lines: Sequence[str]) -> None:
    pdf.add_page()
    pdf.set_y(22)
    _centred(pdf, book.event, 20, "B", 9)
    pdf.ln(4)
    _centred(pdf, f"Day {book.day}", 13, "", 6)
    _centred(pdf, book.title, 16, "B", 7)
    pdf.ln(3)
    _centred(pdf, _long_date(book.date), 11, "", 5.5)
    _centred(pdf, f"{book.length_km:.2f} km", 11, "B", 5.5)
    pdf.ln(4)
    for line in cover_lines:
        _centred(pdf, line, 10, "", 5)
    pdf.ln(6)
    _legend(pdf)


def _centred(pdf: FPDF, text: str, size_pt: float, style: str, line_height: float) -> None:
    pdf.set_font(FONT, style, size_pt)
    pdf.multi_cell(0, line_height, text, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _long_date(date: dt.date) -> str:
    return f"{date:%A} {date.day} {date:%B %Y}"


_SAMPLE = Instruction(
    km=Decimal(0),
    partial_km=Decimal(0),
    heading_in=0,
    heading_out=0,
    kind=Kind.NOTE,
    words="",
    lat=0.0,
    lon=0.0,
    anchor_m=0.0,
)
"""A made-up instruction for the legend, where only the kind, the turn and the icon matter."""

LEGEND: tuple[tuple[str, Instruction], ...] = (
    ("Turn right", replace(_SAMPLE, kind=Kind.TURN, heading_out=90, stubs=(0,))),
    ("Roundabout, 2nd exit", replace(_SAMPLE, kind=Kind.ROUNDABOUT, exit=2, stubs=(90, 270))),
    ("Hairpin left", replace(_SAMPLE, kind=Kind.HAIRPIN, heading_out=200)),
    ("Start", replace(_SAMPLE, kind=Kind.START, icon="start")),
    ("Finish", replace(_SAMPLE, kind=Kind.FINISH, icon="finish")),
    ("Time control", replace(_SAMPLE, kind=Kind.CONTROL, icon="time_control")),
    ("Passage control", replace(_SAMPLE, kind=Kind.CONTROL, icon="passage_control")),
    ("Timed trial", replace(_SAMPLE, kind=Kind.CONTROL, icon="timed_trial")),
    ("Straight over", replace(_SAMPLE, kind=Kind.STRAIGHT, stubs=(90, 270))),
    ("Odometer check", replace(_SAMPLE, kind=Kind.ODOMETER)),
    ("Lunch", replace(_SAMPLE, kind=Kind.STOP, icon="lunch")),
    ("Fuel", replace(_SAMPLE, kind=Kind.STOP, icon="fuel")),
    ("Hotel", replace(_SAMPLE, kind=Kind.STOP, icon="hotel")),
    ("Car show", replace(_SAMPLE, kind=Kind.STOP, icon="car_show")),
    ("Note, caution", _SAMPLE),
)
LEGEND_COLUMNS = 3
LEGEND_ROW = LEGEND_TULIP + 2
LEGEND_TEXT = (
    "Left: total km from the start (large) and km since the previous line (below). "
    "⚠ on grey: caution. * beside a line's number: changed by the organiser."
)


def _legend(pdf: FPDF) -> None:
    rows = -(-len(LEGEND) // LEGEND_COLUMNS)
    needed = 8 + rows * LEGEND_ROW + 14
    if pdf.get_y() + needed > pdf.h - 14:
        pdf.add_page()
    pdf.set_font(FONT, "B", 10)
    pdf.cell(0, 6, "Symbols", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    top = pdf.get_y() + 1
    column_width = pdf.epw / LEGEND_COLUMNS
    label_width = column_width - LEGEND_TULIP - 2.5
    for index, (label, sample) in enumerate(LEGEND):
        x = MARGIN + (index % LEGEND_COLUMNS) * column_width
        y = top + (index // LEGEND_COLUMNS) * LEGEND_ROW
        _draw_tulip(pdf, drawing(sample), x, y, LEGEND_TULIP)
        pdf.set_xy(x + LEGEND_TULIP + 1.5, y + (LEGEND_TULIP - _height(pdf, label, label_width, 8, "")) / 2)
        _paragraph(pdf, label, label_width, 8, "")
    pdf.set_xy(MARGIN, top + rows * LEGEND_ROW + 3)
    _paragraph(pdf, LEGEND_TEXT, pdf.epw, 8, "")


def _page_header(pdf: FPDF, book: Roadbook, page: Sequence[Instruction]) -> None:
    pdf.set_xy(MARGIN, 7)
    title = f"{book.event} · Day {book.day}: {book.title}"
    _paragraph(pdf, title, pdf.epw, _fitting_size(pdf, title, pdf.epw, 5, 10, "B"), "B")
    legs = dict.fromkeys(leg for leg in (book.leg_at(i.km) for i in page) if leg is not None)
    text = " · ".join(map(_leg_text, legs))
    pdf.set_y(pdf.get_y() + 0.5)
    _paragraph(pdf, text, pdf.epw, _fitting_size(pdf, text, pdf.epw, ROW_TOP - 1 - pdf.get_y(), 8.5, ""), "")


def _leg_text(leg: Leg) -> str:
    if leg.average_kmh is None:
        return f"{leg.name}: target time"
    return f"{leg.name}: average {leg.average_kmh.normalize():f} km/h"


def _instruction_row(pdf: FPDF, top: float, number: int, instruction: Instruction) -> None:
    pdf.set_line_width(0.3)
    pdf.set_draw_color(0)
    pdf.rect(MARGIN, top, pdf.epw, ROW_HEIGHT)
    pdf.line(MARGIN + KM_WIDTH, top, MARGIN + KM_WIDTH, top + ROW_HEIGHT)
    words_left = MARGIN + KM_WIDTH + TULIP_WIDTH
    pdf.line(words_left, top, words_left, top + ROW_HEIGHT)
    _km_cell(pdf, top, number, instruction)
    tulip_left = MARGIN + KM_WIDTH + (TULIP_WIDTH - TULIP_SIZE) / 2
    _draw_tulip(pdf, drawing(instruction), tulip_left, top + (ROW_HEIGHT - TULIP_SIZE) / 2, TULIP_SIZE)
    _words_cell(pdf, words_left, top, pdf.w - MARGIN - words_left, instruction)


def _km_cell(pdf: FPDF, top: float, number: int, instruction: Instruction) -> None:
    pdf.set_font(FONT, "", 7)
    pdf.text(MARGIN + 1.2, top + 3.5, f"{number}{' *' if instruction.edited else ''}")
    pdf.set_xy(MARGIN, top + 6)
    pdf.set_font(FONT, "B", 17)
    pdf.cell(KM_WIDTH, 8, f"{instruction.km:.2f}", align="C")
    pdf.set_xy(MARGIN, top + 15)
    pdf.set_font(FONT, "", 11)
    pdf.cell(KM_WIDTH, 6, f"{instruction.partial_km:.2f}", align="C")


def _words_cell(pdf: FPDF, left: float, top: float, width: float, instruction: Instruction) -> None:
    """The words in bold and the note below, shrunk together until they fit the row; what still does not
    fit is cut at the row's edge rather than printed over the next line."""
    caution = instruction.note.startswith(CAUTION)
    note = f"⚠ {instruction.note.removeprefix(CAUTION).strip()}" if caution else instruction.note
    note_style = "B" if caution else ""
    inner = width - 3
    scale = _fitting_scale(pdf, instruction.words, (note, note_style), inner, ROW_HEIGHT - 3)
    # rect_clip saves the PDF's graphics state but not fpdf2's record of it: the local context keeps both
    # in step, or the next grey fill after a clipped one is skipped as "already set" and prints black
    with pdf.local_context(), pdf.rect_clip(left, top, width, ROW_HEIGHT):
        pdf.set_xy(left + 1.5, top + 1.5)
        _paragraph(pdf, instruction.words, inner, 11 * scale, "B")
        if not note:
            return
        if caution:
            pdf.set_fill_color(*GREY)
            note_top = pdf.get_y() + 0.3
            pdf.rect(left + 0.5, note_top, width - 1, top + ROW_HEIGHT - 0.5 - note_top, style="F")
        pdf.set_xy(left + 1.5, pdf.get_y() + 0.8)
        _paragraph(pdf, note, inner, 9 * scale, note_style)


def _paragraph(pdf: FPDF, text: str, width: float, size_pt: float, style: str) -> None:
    pdf.set_font(FONT, style, size_pt)
    pdf.multi_cell(width, size_pt * PT * 1.2, text, align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)


def _fitting_scale(pdf: FPDF, words: str, note: tuple[str, str], width: float, height: float) -> float:
    """The largest scale (of 11 pt words, 9 pt note in its style) at which both fit the box; the smallest
    tried if none does (an organiser's proof-read catches a note too long)."""
    scale = 1.0
    while scale > 0.6 and height < (
        _height(pdf, words, width, 11 * scale, "B") + 0.8 + _height(pdf, note[0], width, 9 * scale, note[1])
    ):
        scale -= 0.05
    return scale


def _height(pdf: FPDF, text: str, width: float, size_pt: float, style: str) -> float:
    if not text:
        return 0.0
    pdf.set_font(FONT, style, size_pt)
    lines = pdf.multi_cell(width, size_pt * PT * 1.2, text, dry_run=True, output="LINES")
    assert isinstance(lines, list)  # what output="LINES" returns; fpdf2's signature is a union
    return len(lines) * size_pt * PT * 1.2


def _fitting_size(pdf: FPDF, text: str, width: float, height: float, size_pt: float, style: str) -> float:
    """The largest font size, from `size_pt` down to 6 pt, at which `text` fits the box."""
    while size_pt > 6 and _height(pdf, text, width, size_pt, style) > height:
        size_pt -= 0.5
    return size_pt


def _draw_tulip(pdf: FPDF, shapes: Sequence[Shape], left: float, top: float, size: float) -> None:
    """The shapes of a tulip (roadbook/tulip.py, in a unit box) in the square at `left`, `top`."""

    def at(point: tuple[float, float]) -> tuple[float, float]:
        return (left + point[0] * size, top + point[1] * size)

    with pdf.local_context(
        stroke_cap_style=StrokeCapStyle.ROUND, stroke_join_style=StrokeJoinStyle.ROUND, draw_color=0
    ):
        for shape in shapes:
            if isinstance(shape, Stroke):
                pdf.set_line_width(shape.width * size)
                pdf.polyline([at(p) for p in shape.points], polygon=shape.closed, style="D")
            elif isinstance(shape, Solid):
                pdf.set_fill_color(0)
                pdf.polygon([at(p) for p in shape.points], style="F")
            elif isinstance(shape, Disc):
                pdf.set_fill_color(0)
                pdf.circle(*at(shape.centre), shape.radius * size, style="F")
            elif isinstance(shape, Ring):
                pdf.set_fill_color(255)
                pdf.set_line_width(shape.width * size)
                pdf.circle(*at(shape.centre), shape.radius * size, style="DF")
            else:
                _draw_label(pdf, shape, at(shape.centre), size)


def _draw_label(pdf: FPDF, label: Label, centre: tuple[float, float], size: float) -> None:
    font_mm = label.size * size
    pdf.set_font(FONT, "B", font_mm / PT)
    pdf.text(centre[0] - pdf.get_string_width(label.text) / 2, centre[1] + font_mm * CAP_HALF, label.text)


# --- the time card --------------------------------------------------------------------------------------


def time_card_pdf(
    event_name: str,
    day_titles: Sequence[str],
    start_no: int,
    crew: str,
    car: str,
    rows: Sequence[TimeCardRow],
) -> bytes:
    """A crew's time card: A5 portrait, a page per day (day N's title is `day_titles[N - 1]`), each headed
    with the event, the start number, the crew and the car, and a row per control with empty boxes for
    the actual time and the marshal's stamp."""
    pdf = _Document(
        A5, f"{event_name} – time card no. {start_no}", f"{event_name} · time card no. {start_no}"
    )
    pdf.set_auto_page_break(auto=True, margin=14)
    pdf.page_header = lambda: _card_header(pdf, event_name, start_no, crew, car)
    for day, day_rows in groupby(sorted(rows, key=lambda row: row.day), key=lambda row: row.day):
        pdf.add_page()
        title = day_titles[day - 1] if 0 < day <= len(day_titles) else ""
        pdf.set_font(FONT, "B", 11)
        pdf.cell(0, 7, f"Day {day}: {title}" if title else f"Day {day}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        _time_card_table(pdf, list(day_rows))
    return bytes(pdf.output())


def _card_header(pdf: FPDF, event_name: str, start_no: int, crew: str, car: str) -> None:
    number_width = 30.0
    pdf.set_xy(MARGIN, MARGIN)
    pdf.set_font(FONT, "B", 12)
    pdf.multi_cell(pdf.epw - number_width - 2, 5.5, event_name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 9)
    pdf.cell(pdf.epw - number_width - 2, 5, "Time card", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.multi_cell(pdf.epw - number_width - 2, 4.5, f"Crew: {crew}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.multi_cell(pdf.epw - number_width - 2, 4.5, f"Car: {car}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    bottom = pdf.get_y()
    pdf.set_xy(pdf.w - MARGIN - number_width, MARGIN)
    pdf.set_line_width(0.6)
    pdf.set_font(FONT, "", 8)
    pdf.cell(number_width, 5, "Start no.", border="LTR", align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", 24)
    pdf.cell(number_width, 13, str(start_no), border="LBR", align="C")
    pdf.set_xy(MARGIN, max(bottom, MARGIN + 18) + 4)


def _time_card_table(pdf: FPDF, rows: Sequence[TimeCardRow]) -> None:
    pdf.set_font(FONT, "", 9)
    pdf.set_line_width(0.3)
    with pdf.table(
        col_widths=TIME_CARD_WIDTHS,
        text_align=("LEFT", "LEFT", "RIGHT", "CENTER", "CENTER", "CENTER"),
        headings_style=FontFace(emphasis="BOLD", fill_color=GREY),
        line_height=4.2,
        min_row_height=STAMP_ROW_HEIGHT,
        repeat_headings=1,
        width=pdf.epw,
    ) as table:
        table.row(list(TIME_CARD_HEADINGS))
        for row in rows:
            table.row([row.control, row.kind_label, row.km, row.due, "", ""])


# --- the schedule ---------------------------------------------------------------------------------------


def schedule_pdf(schedule: DaySchedule) -> bytes:
    """The day's schedule: A4 portrait, a heading block, then a row per control and stop with the first
    and the last car's ideal times of day there, local to the event ("—" where the schedule sets none)."""
    title = f"{schedule.event} – schedule day {schedule.day}"
    pdf = _Document(A4, title, f"{schedule.event} · schedule day {schedule.day}")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font(FONT, "B", 16)
    pdf.multi_cell(0, 8, schedule.event, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", 12)
    pdf.multi_cell(0, 7, f"Day {schedule.day}: {schedule.title}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 10)
    for line in _schedule_lines(schedule):
        pdf.multi_cell(0, 5.5, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    _schedule_table(pdf, schedule)
    return bytes(pdf.output())


def _schedule_lines(schedule: DaySchedule) -> tuple[str, ...]:
    return (
        _long_date(schedule.date),
        f"Times of day in {schedule.timezone} ({_utc_offset(schedule.date, schedule.timezone)})",
        f"Cars: no. {schedule.first_car} starts first, no. {schedule.last_car} last",
    )


def _utc_offset(date: dt.date, timezone: str) -> str:
    """The zone's offset that day, "UTC−07:00" (at noon, clear of a night's daylight-saving change)."""
    offset = dt.datetime.combine(date, dt.time(12), tzinfo=zone(timezone)).strftime("%z")
    sign = "−" if offset.startswith("-") else "+"
    return f"UTC{sign}{offset[1:3]}:{offset[3:5]}"


def _schedule_table(pdf: FPDF, schedule: DaySchedule) -> None:
    pdf.set_font(FONT, "", 10)
    with pdf.table(
        col_widths=(22, pdf.epw - 22 - 2 * 40, 40, 40),
        text_align=("RIGHT", "LEFT", "CENTER", "CENTER"),
        headings_style=FontFace(emphasis="BOLD", fill_color=GREY),
        line_height=6,
        borders_layout="HORIZONTAL_LINES",
        repeat_headings=1,
        width=pdf.epw,
    ) as table:
        table.row(
            ["km", "What", f"First car (no. {schedule.first_car})", f"Last car (no. {schedule.last_car})"]
        )
        for row in schedule.rows:
            first = _time_of_day(row.first_us, schedule.timezone)
            table.row([f"{row.km:.2f}", row.what, first, _time_of_day(row.last_us, schedule.timezone)])


def _time_of_day(instant_us: int | None, timezone: str) -> str:
    if instant_us is None:
        return NO_TIME
    return us_to_local(instant_us, timezone).strftime("%H:%M")
