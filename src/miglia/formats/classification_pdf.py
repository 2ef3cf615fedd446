"""The official classification as a PDF (fpdf2): A4 portrait, a heading block (event, which
classification, the rule set and its version, provisional or final, when, the clerk), then each table,
then the corrections applied. Text is set in DejaVu Sans (vendored in formats/fonts, so any crew name's
letters print), and tables repeat their header row on each page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fpdf import FPDF, XPos, YPos
from fpdf.fonts import FontFace

FONTS = Path(__file__).parent / "fonts"
NUMERIC = frozenset(("Pos.", "No.", "Penalty", "Coeff.", "Score", "Points"))


@dataclass(frozen=True, kw_only=True)
class PdfTable:
    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[str]]


@dataclass(frozen=True, kw_only=True)
class OfficialClassification:
    event: str
    title: str
    """E.g. "Official classification – final" or "... after day 2"."""
    lines: Sequence[str]
    """The heading block: rule set and version, provisional/final and when, the clerk of the course."""
    tables: Sequence[PdfTable]
    corrections: Sequence[str] = field(default_factory=tuple)
    footer: str = ""


_WIDTHS = {"Pos.": 11, "No.": 11, "Penalty": 20, "Coeff.": 16, "Score": 22, "Points": 18}


def render(doc: OfficialClassification) -> bytes:
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_title(f"{doc.event} – {doc.title}")
    footer = doc.footer

    def page_footer() -> None:
        pdf.set_y(-12)
        pdf.set_font("DejaVu", "", 7)
        pdf.cell(0, 5, f"{footer}   ·   page {pdf.page_no()}", align="C")

    pdf.footer = page_footer  # type: ignore[method-assign]
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 16)
    _line(pdf, 8, doc.event)
    pdf.set_font("DejaVu", "B", 12)
    _line(pdf, 7, doc.title)
    pdf.set_font("DejaVu", "", 9)
    for line in doc.lines:
        _line(pdf, 5, line)
    for table in doc.tables:
        _table(pdf, table)
    if doc.corrections:
        pdf.ln(4)
        pdf.set_font("DejaVu", "B", 11)
        _line(pdf, 7, "Corrections and official penalties applied")
        pdf.set_font("DejaVu", "", 8)
        for line in doc.corrections:
            _line(pdf, 4.5, line)
    return bytes(pdf.output())


def _line(pdf: FPDF, height: float, text: str) -> None:
    """A paragraph the page's width, the next one below it at the left margin."""
    pdf.multi_cell(0, height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _table(pdf: FPDF, table: PdfTable) -> None:
    pdf.ln(4)
    pdf.set_font("DejaVu", "B", 11)
    _line(pdf, 7, table.title)
    pdf.set_font("DejaVu", "", 8)
    fixed = sum(_WIDTHS.get(h, 0) for h in table.headers)
    flexible = [h for h in table.headers if h not in _WIDTHS]
    rest = (pdf.epw - fixed) / max(len(flexible), 1)
    widths = tuple(_WIDTHS.get(h, rest) for h in table.headers)
    aligns = tuple("RIGHT" if h in NUMERIC else "LEFT" for h in table.headers)
    with pdf.table(
        col_widths=widths,
        text_align=aligns,
        headings_style=FontFace(emphasis="BOLD", fill_color=(240, 236, 226)),
        line_height=4.6,
        borders_layout="HORIZONTAL_LINES",
        repeat_headings=1,
        width=pdf.epw,
    ) as grid:
        grid.row(list(table.headers))
        for cells in table.rows:
            grid.row([str(c) for c in cells])
