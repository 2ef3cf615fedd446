"""The roadbook of the whole demo event (4 days, ~1,600 km): instructions alone, then everything (the
instructions, every tulip as SVG, and each day's PDF), each beside a named baseline of the same run.

    .venv/bin/python benchmarks/roadbook.py

Baselines:
  - instructions: the plain pass, one NumPy pass over the same routes that any turn finder makes at
    least (resample every 5 m, one chord bearing per sample);
  - everything: the bare PDF, fpdf2 writing the same number of A5 pages with one line of text per
    instruction and no drawing (the PDF library's own floor).
Goals (issue 10): instructions under 1 s, everything under 30 s.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from fpdf import FPDF

from miglia.demo import write_demo_event
from miglia.domain.event import Day, Event
from miglia.geo.common import m_per_deg_lat, m_per_deg_lon
from miglia.geo.route import Route
from miglia.roadbook.build import day_roadbook
from miglia.roadbook.model import Roadbook
from miglia.roadbook.pdf import roadbook_pdf
from miglia.roadbook.tulip import tulip_svg
from miglia.service.event.events import check_event

RUNS = 3


def plain_pass(routes: list[Route]) -> int:
    samples = 0
    for route in routes:
        s = np.arange(0.0, route.length_m, 5.0)
        lat, lon = route.point_at(s)
        mid = (lat[:-8] + lat[8:]) / 2
        np.arctan2((lon[8:] - lon[:-8]) * m_per_deg_lon(mid), (lat[8:] - lat[:-8]) * m_per_deg_lat(mid))
        samples += s.size
    return samples


def bare_pdf(lines: int) -> int:
    pdf = FPDF(unit="mm", format=(148, 210))
    pdf.set_font("helvetica", size=12)
    for k in range(lines):
        if k % 7 == 0:
            pdf.add_page()
        pdf.cell(0, 25, f"{k}.00 turn right")
        pdf.ln()
    return len(bytes(pdf.output()))


def everything(event: Event, days: list[Day], routes: list[Route]) -> list[Roadbook]:
    books = [day_roadbook(event, d, r) for d, r in zip(days, routes, strict=True)]
    for book in books:
        for line in book.instructions:
            tulip_svg(line)
        roadbook_pdf(book)
    return books


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        files = write_demo_event(Path(folder))
        checked = check_event(files.event_toml)
    days = list(checked.event.days)
    routes = [checked.routes[d.number].geometry() for d in days]
    km = sum(r.length_m for r in routes) / 1000
    timings: dict[str, list[float]] = {"instructions": [], "plain pass": [], "everything": [], "bare pdf": []}
    lines = 0
    for _ in range(RUNS):
        t0 = time.perf_counter()
        plain_pass(routes)
        timings["plain pass"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        lines = sum(
            len(day_roadbook(checked.event, d, r).instructions) for d, r in zip(days, routes, strict=True)
        )
        timings["instructions"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        bare_pdf(lines)
        timings["bare pdf"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        everything(checked.event, days, routes)
        timings["everything"].append(time.perf_counter() - t0)
    med = {k: statistics.median(v) for k, v in timings.items()}
    print(
        f"roadbook of the demo event: {len(days)} days, {km:,.0f} km, {lines} lines; medians of {RUNS} runs"
    )
    for name in ("instructions", "plain pass", "everything", "bare pdf"):
        low, high = min(timings[name]) * 1000, max(timings[name]) * 1000
        print(f"  {name:<24}{med[name] * 1000:9.1f} ms   (runs {low:.1f}-{high:.1f} ms)")
    print(f"  instructions / plain pass {med['instructions'] / med['plain pass']:8.1f} x")
    print(f"  everything / bare pdf     {med['everything'] / med['bare pdf']:8.1f} x")
    ok = med["instructions"] < 1.0 and med["everything"] < 30.0
    print(f"goals: instructions < 1 s, everything < 30 s: {'met' if ok else 'NOT met'}")
    sys.exit(0)


if __name__ == "__main__":
    main()
