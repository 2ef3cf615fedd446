"""The car show's and the prize-giving's papers as PDFs (fpdf2), set in DejaVu Sans (formats/fonts):

- a placard per car, A5 portrait, to stand on the dashboard at the show: the start number, the car, its
  crew, its story and a QR code (segno) that opens the car's page on a spectator's phone;
- certificates, A4 landscape: one per award winner and one per crew for taking part, with the event's
  logo when it has one.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import segno
from fpdf import FPDF

from miglia.formats.classification_pdf import FONTS

INK = (29, 29, 27)
ACCENT = (164, 22, 26)
MUTED = (95, 92, 85)
PAPER = (250, 246, 238)
A5, A4 = (148.0, 210.0), (210.0, 297.0)
"""mm, portrait (given as sizes: fpdf2 warns about its named A5 since it corrected it)."""


@dataclass(frozen=True, kw_only=True)
class Placard:
    event: str
    show: str
    """The show's name and day, e.g. "Sausalito waterfront car show · Sunday 17 May"."""
    start_no: int
    car: str
    """E.g. "1930 Alfa Romeo 6C 1750 Gran Sport"."""
    crew: str
    facts: Sequence[str]
    """Short facts: class, chassis, displacement."""
    story: str
    url: str
    """The car's page, in the QR code."""


@dataclass(frozen=True, kw_only=True)
class Certificate:
    event: str
    title: str
    """E.g. "Spirit of the Mille Miglia" or "Certificate of participation"."""
    awarded_to: str
    """The crew."""
    car: str
    lines: Sequence[str]
    """What it is for: the award's description, the final place, the jurors' words."""
    signed: str
    """Who signs it, e.g. the organiser's name, and the date."""
    logo: bytes | None = None
    """A PNG or JPEG."""


def placards(cards: Sequence[Placard]) -> bytes:
    """One A5 page per car."""
    pdf = _pdf("portrait", A5)
    pdf.set_title(f"{cards[0].event}: car show placards" if cards else "Car show placards")
    for card in cards:
        _placard(pdf, card)
    return bytes(pdf.output())


def certificates(docs: Sequence[Certificate]) -> bytes:
    """One A4 landscape page per certificate."""
    pdf = _pdf("landscape", A4)
    pdf.set_title(f"{docs[0].event}: certificates" if docs else "Certificates")
    for doc in docs:
        _certificate(pdf, doc)
    return bytes(pdf.output())


def _pdf(orientation: str, size: tuple[float, float]) -> FPDF:
    pdf = FPDF(orientation=orientation, unit="mm", format=size)
    pdf.set_auto_page_break(auto=False)
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(12, 12, 12)
    return pdf


def _placard(pdf: FPDF, card: Placard) -> None:
    pdf.add_page()
    width = pdf.w - 24
    pdf.set_fill_color(*INK)
    pdf.rect(0, 0, pdf.w, 22, style="F")
    pdf.set_text_color(255, 255, 255)
    pdf.set_xy(12, 5)
    pdf.set_font("DejaVu", "B", 12)
    pdf.cell(width, 6, card.event)
    pdf.set_xy(12, 12)
    pdf.set_font("DejaVu", "", 8.5)
    pdf.cell(width, 5, card.show)
    _roundel(pdf, pdf.w / 2, 50, 21, str(card.start_no))
    pdf.set_text_color(*INK)
    pdf.set_xy(12, 76)
    pdf.set_font("DejaVu", "B", 17)
    pdf.multi_cell(width, 8, card.car, align="C")
    pdf.set_x(12)
    pdf.set_font("DejaVu", "", 11)
    pdf.multi_cell(width, 6, card.crew, align="C")
    if card.facts:
        pdf.set_x(12)
        pdf.set_text_color(*MUTED)
        pdf.set_font("DejaVu", "", 8.5)
        pdf.multi_cell(width, 5, "  ·  ".join(card.facts), align="C")
    if card.story:
        pdf.ln(3)
        pdf.set_draw_color(*ACCENT)
        pdf.set_line_width(0.6)
        y = pdf.get_y()
        pdf.line(pdf.w / 2 - 15, y, pdf.w / 2 + 15, y)
        pdf.ln(4)
        pdf.set_x(16)
        pdf.set_text_color(*INK)
        pdf.set_font("DejaVu", "", 10)
        pdf.multi_cell(width - 8, 5.4, card.story, align="J")
    _qr(pdf, card.url, x=pdf.w - 12 - 38, y=pdf.h - 12 - 38, size=38)
    pdf.set_text_color(*MUTED)
    pdf.set_font("DejaVu", "B", 9)
    pdf.set_xy(12, pdf.h - 48)
    pdf.multi_cell(width - 44, 5, "Scan with your phone: this car's page, its photos and its times.")
    pdf.set_font("DejaVu", "", 7.5)
    pdf.set_xy(12, pdf.h - 30)
    pdf.multi_cell(width - 44, 4, card.url)


def _certificate(pdf: FPDF, doc: Certificate) -> None:
    pdf.add_page()
    pdf.set_fill_color(*PAPER)
    pdf.rect(0, 0, pdf.w, pdf.h, style="F")
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(1.2)
    pdf.rect(8, 8, pdf.w - 16, pdf.h - 16)
    pdf.set_line_width(0.3)
    pdf.rect(11, 11, pdf.w - 22, pdf.h - 22)
    width = pdf.w - 48
    top = 34.0
    if doc.logo:
        pdf.image(io.BytesIO(doc.logo), x=pdf.w / 2 - 30, y=20, w=60, h=34, keep_aspect_ratio=True)
        top = 60.0
    pdf.set_text_color(*MUTED)
    pdf.set_font("DejaVu", "B", 12)
    pdf.set_xy(24, top)
    pdf.cell(width, 7, doc.event.upper(), align="C")
    pdf.set_text_color(*ACCENT)
    pdf.set_font("DejaVu", "B", 28)
    pdf.set_xy(24, top + 12)
    pdf.multi_cell(width, 13, doc.title, align="C")
    pdf.set_text_color(*MUTED)
    pdf.set_font("DejaVu", "", 11)
    pdf.set_x(24)
    pdf.cell(width, 8, "awarded to", align="C")
    pdf.ln(9)
    pdf.set_text_color(*INK)
    pdf.set_font("DejaVu", "B", 20)
    pdf.set_x(24)
    pdf.multi_cell(width, 10, doc.awarded_to, align="C")
    pdf.set_font("DejaVu", "", 13)
    pdf.set_x(24)
    pdf.multi_cell(width, 8, doc.car, align="C")
    pdf.ln(3)
    pdf.ln(4)
    pdf.set_font("DejaVu", "", 12)
    for line in doc.lines:
        pdf.set_x(34)
        pdf.multi_cell(width - 20, 7, line, align="C")
    pdf.set_draw_color(*INK)
    pdf.set_line_width(0.3)
    pdf.line(pdf.w / 2 - 40, pdf.h - 34, pdf.w / 2 + 40, pdf.h - 34)
    pdf.set_text_color(*MUTED)
    pdf.set_font("DejaVu", "", 9)
    pdf.set_xy(24, pdf.h - 32)
    pdf.cell(width, 5, doc.signed, align="C")


def _roundel(pdf: FPDF, cx: float, cy: float, r: float, text: str) -> None:
    pdf.set_fill_color(255, 255, 255)
    pdf.set_draw_color(*INK)
    pdf.set_line_width(1.6)
    pdf.ellipse(cx - r, cy - r, 2 * r, 2 * r, style="DF")
    pdf.set_text_color(*INK)
    pdf.set_font("DejaVu", "B", 34 if len(text) <= 2 else 26)
    pdf.set_xy(cx - r, cy - 7)
    pdf.cell(2 * r, 14, text, align="C")


def _qr(pdf: FPDF, url: str, *, x: float, y: float, size: float) -> None:
    png = io.BytesIO()
    segno.make(url, error="m").save(png, kind="png", scale=8, border=2)
    png.seek(0)
    pdf.image(png, x=x, y=y, w=size, h=size)
