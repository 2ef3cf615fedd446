"""Hospitality papers (fpdf2, DejaVu Sans from formats/fonts), A4 portrait: a hotel's rooming list, a
restaurant's meal list (covers, menu choices, dietary counts, allergies by name) and a crew's itinerary;
the same lists as CSV, and a crew's itinerary as an iCalendar feed (`icalendar`).

Plain values in, bytes out: no database, no use cases.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zoneinfo
from collections.abc import Sequence

import icalendar
from fpdf import FPDF
from fpdf.fonts import FontFace

from miglia.domain.hospitality import ItineraryDay, ItineraryItem, MealList, RoomingList, RoomType
from miglia.formats.classification_pdf import FONTS

INK = (29, 29, 27)
ACCENT = (164, 22, 26)
MUTED = (95, 92, 85)
RULE = (214, 208, 196)
A4 = (210.0, 297.0)


def _pdf(title: str) -> FPDF:
    pdf = FPDF(orientation="portrait", unit="mm", format=A4)
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_title(title)
    pdf.set_creator("Miglia")
    pdf.add_page()
    return pdf


def _heading(pdf: FPDF, event: str, title: str, subtitle: str) -> None:
    pdf.set_font("DejaVu", "", 9)
    pdf.set_text_color(*MUTED)
    pdf.cell(0, 5, event, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 18)
    pdf.set_text_color(*INK)
    pdf.multi_cell(0, 9, title, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(0, 5, subtitle, new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.6)
    pdf.line(pdf.l_margin, pdf.get_y() + 2, pdf.w - pdf.r_margin, pdf.get_y() + 2)
    pdf.ln(5)
    pdf.set_text_color(*INK)


def _section(pdf: FPDF, text: str) -> None:
    if pdf.get_y() > pdf.h - 45:
        pdf.add_page()
    pdf.ln(2)
    pdf.set_font("DejaVu", "B", 12)
    pdf.set_text_color(*ACCENT)
    pdf.multi_cell(0, 7, text, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)


def _table(pdf: FPDF, header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float]) -> None:
    pdf.set_font("DejaVu", "", 9)
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.2)
    with pdf.table(
        col_widths=tuple(widths),
        headings_style=FontFace(emphasis="BOLD", fill_color=(240, 235, 225)),
        line_height=5.5,
        text_align="LEFT",
        first_row_as_headings=True,
    ) as table:
        table.row(list(header))
        for r in rows:
            table.row(list(r))
    pdf.ln(2)


def _line(pdf: FPDF, text: str, bold: bool = False) -> None:
    pdf.set_font("DejaVu", "B" if bold else "", 10)
    pdf.multi_cell(0, 5.5, text, align="L", new_x="LMARGIN", new_y="NEXT")


def _date(d: dt.date) -> str:
    return d.strftime("%a %-d %b %Y")


def rooming_pdf(event: str, doc: RoomingList, made: str) -> bytes:
    """The rooming list a hotel is sent: night by night, every car, its crew and its room type."""
    pdf = _pdf(f"{event}: rooming list, {doc.hotel}")
    _heading(pdf, event, f"Rooming list · {doc.hotel}", f"{len(doc.rows)} room-nights · {made}")
    counts = doc.counts()
    for night in sorted(counts):
        rows = [r for r in doc.rows if r.night == night]
        _section(pdf, f"Night {night} · {_date(rows[0].date)}")
        _line(pdf, "Rooms: " + _room_counts(counts[night]), bold=True)
        _table(
            pdf,
            ("Car", "Guests", "Room"),
            [(str(r.start_no), r.crew, r.room_type.value) for r in rows],
            (15, 120, 45),
        )
    if not counts:
        _line(pdf, "No rooms allocated at this hotel.")
    return bytes(pdf.output())


def _room_counts(c: dict[RoomType, int]) -> str:
    total = sum(c.values())
    parts = [f"{c[t]} {t.value}" for t in RoomType if c.get(t)]
    return f"{total} ({', '.join(parts)})"


def meal_pdf(event: str, doc: MealList, made: str) -> bytes:
    """The meal list a restaurant is sent: for each meal, the covers, the menu choices, the diets, the
    allergies by name, then every guest."""
    pdf = _pdf(f"{event}: meal list, {doc.venue}")
    _heading(pdf, event, f"Meal list · {doc.venue}", made)
    for s in doc.services:
        times = _span(s.venue.opens, s.venue.closes)
        _section(pdf, f"{s.venue.kind.label} · {_date(s.date)}{' · ' + times if times else ''}")
        seats = f" of {s.venue.seats} seats" if s.venue.seats else ""
        _line(
            pdf,
            f"Covers: {s.covers}{seats}" + (f" · {s.over_seats} over the seats" if s.over_seats else ""),
            True,
        )
        if s.venue.menu or any(r.choice for r in s.rows):
            _line(pdf, "Menu: " + ", ".join(f"{k} {n}" for k, n in sorted(s.choices.items())))
        diets = ", ".join(f"{d.label} {n}" for d, n in sorted(s.diets.items())) or "none"
        _line(pdf, f"Diets: {diets}")
        if s.allergies:
            _line(
                pdf,
                "Allergies: " + "; ".join(f"{r.name} (car {r.start_no}): {r.allergies}" for r in s.allergies),
            )
        _table(
            pdf,
            ("Car", "Guest", "Menu", "Diet", "Allergies"),
            [
                (str(r.start_no), r.name, r.choice, r.diet.label if r.diet.value else "", r.allergies)
                for r in s.rows
            ],
            (12, 55, 48, 27, 38),
        )
    return bytes(pdf.output())


def _span(a: dt.time | None, b: dt.time | None) -> str:
    if a is None:
        return ""
    return a.strftime("%H:%M") + ("–" + b.strftime("%H:%M") if b else "")


def rooming_csv(doc: RoomingList) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["hotel", "night", "date", "start_no", "guests", "room_type"])
    for r in doc.rows:
        w.writerow([r.hotel, r.night, r.date.isoformat(), r.start_no, r.crew, r.room_type.value])
    return out.getvalue()


def meal_csv(doc: MealList) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["venue", "meal", "date", "time", "start_no", "guest", "menu", "diet", "allergies"])
    for s in doc.services:
        for r in s.rows:
            w.writerow(
                [
                    doc.venue,
                    s.venue.kind.value,
                    s.date.isoformat(),
                    _span(s.venue.opens, s.venue.closes),
                    r.start_no,
                    r.name,
                    r.choice,
                    r.diet.value,
                    r.allergies,
                ]
            )
    return out.getvalue()


# -- the itinerary --------------------------------------------------------------------------------


def _item_time(item: ItineraryItem) -> str:
    return _span(item.at, item.until)


def itinerary_text(event: str, car: str, crew: str, days: Sequence[ItineraryDay]) -> str:
    lines = [event, f"{car} · {crew}", ""]
    for d in days:
        lines.append(f"Day {d.number} · {_date(d.date)} · {d.title}")
        for i in d.items:
            lines.append(f"  {_item_time(i):11} {i.label}: {i.name}")
            for extra in (i.address, i.detail):
                if extra:
                    lines.append(f"  {'':11}   {extra}")
        lines.append("")
    return "\n".join(lines)


def itinerary_pdf(event: str, car: str, crew: str, days: Sequence[ItineraryDay], zone_name: str) -> bytes:
    """A crew's itinerary: each day its start time, lunch, car show, hotel and dinner, with addresses."""
    pdf = _pdf(f"{event}: itinerary, {car}")
    _heading(pdf, event, f"Itinerary · {car}", f"{crew} · times are local ({zone_name})")
    for d in days:
        _section(pdf, f"Day {d.number} · {_date(d.date)} · {d.title}")
        _table(
            pdf,
            ("Time", "What", "Where"),
            [
                (
                    _item_time(i),
                    i.label,
                    "\n".join(x for x in (i.name, i.address, i.detail) if x),
                )
                for i in d.items
            ],
            (25, 30, 125),
        )
    return bytes(pdf.output())


def itinerary_ics(
    *, uid_prefix: str, event: str, car: str, days: Sequence[ItineraryDay], zone_name: str, stamp: dt.datetime
) -> bytes:
    """A crew's itinerary as an iCalendar feed: one VEVENT per timed item, in the event's zone (with its
    VTIMEZONE), stable UIDs so a subscribed calendar updates rather than duplicates."""
    tz = zoneinfo.ZoneInfo(zone_name)
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Miglia//itinerary//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"{event} · {car}")
    cal.add("x-wr-timezone", zone_name)
    for d in days:
        for item in d.items:
            if item.at is None:
                continue
            start = dt.datetime.combine(d.date, item.at, tzinfo=tz)
            end = (
                dt.datetime.combine(d.date, item.until, tzinfo=tz)
                if item.until is not None and item.until > item.at
                else start + dt.timedelta(minutes=30 if item.kind == "start" else 60)
            )
            vevent = icalendar.Event()
            tag = "".join(c if c.isalnum() else "-" for c in item.name.lower()).strip("-")[:40]
            vevent.add("uid", f"{uid_prefix}-day{d.number}-{item.kind}-{tag}@miglia")
            vevent.add("dtstamp", stamp)
            vevent.add("dtstart", start)
            vevent.add("dtend", end)
            vevent.add("summary", f"{item.label}: {item.name}")
            if item.address:
                vevent.add("location", item.address)
            if item.lat is not None and item.lon is not None:
                vevent.add("geo", (item.lat, item.lon))
            description = "\n".join(x for x in (f"Day {d.number}: {d.title}", item.detail) if x)
            vevent.add("description", description)
            cal.add_component(vevent)
    if days:
        cal.add_missing_timezones(
            days[0].date - dt.timedelta(days=366), days[-1].date + dt.timedelta(days=366)
        )
    return bytes(cal.to_ical())
