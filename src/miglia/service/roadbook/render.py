"""A roadbook as the bytes of one of its files."""

from __future__ import annotations

from miglia.geo.route import Route
from miglia.roadbook.export import roadbook_csv, roadbook_gpx
from miglia.roadbook.model import Roadbook
from miglia.roadbook.pdf import roadbook_pdf

MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "gpx": "application/gpx+xml", "pdf": "application/pdf"}


def render(book: Roadbook, route: Route, fmt: str) -> bytes:
    if fmt == "csv":
        return roadbook_csv(book).encode("utf-8")
    if fmt == "gpx":
        return roadbook_gpx(book, route).encode("utf-8")
    if fmt == "pdf":
        return roadbook_pdf(book, cover_lines=_cover(book))
    raise ValueError(f"unknown roadbook format {fmt!r}")


def _cover(book: Roadbook) -> list[str]:
    lines = [f"{len(book.instructions)} instructions"]
    if book.legs:
        lines.append("Legs: " + "; ".join(leg.name for leg in book.legs))
    return lines
