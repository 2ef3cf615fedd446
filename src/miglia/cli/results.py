"""`miglia results`: the classification, or one car's breakdown, from what is stored."""

from __future__ import annotations

import csv
import json
import sys
from enum import StrEnum
from pathlib import Path

import typer

from miglia.cli.common import DbOption, open_db, reported
from miglia.domain.instants import US_PER_S, format_local
from miglia.service.timing import official
from miglia.service.timing import results as results_service

app = typer.Typer()


class Format(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"


@app.command("results")
def results(
    car: int | None = typer.Option(
        None, "--car", help="Show this start number's breakdown, control by control."
    ),
    output: Format = typer.Option(Format.TABLE, "--format", help="table (terminal), csv or json."),
    event: str | None = typer.Option(None, help="Event slug (default: the latest imported event)."),
    db: str | None = DbOption,
) -> None:
    """Print the classifications (or one car's breakdown), recomputed from stored passages and corrections."""
    with reported():
        database = open_db(db)
        with database.unit_of_work() as uow:
            scored = results_service.score(uow, event)
            tables = [_breakdown(scored, car)] if car is not None else results_service.tables(scored).tables
    if not tables:
        typer.echo(f"{scored.event.name}: nobody is ranked under the {scored.event.rules} rules.")
        return
    if output is Format.JSON:
        typer.echo(
            json.dumps(
                [
                    {"title": t.title, "rows": [dict(zip(t.headers, r, strict=True)) for r in t.rows]}
                    for t in tables
                ],
                indent=2,
            )
        )
    elif output is Format.CSV:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        for t in tables[:1] if car is None else tables:
            writer.writerow(t.headers)
            writer.writerows(t.rows)
    else:
        for t in tables:
            typer.echo(_text_table(t))


def _breakdown(scored: results_service.Scored, start_no: int) -> results_service.ResultTable:
    if start_no not in scored.entries or not scored.entries[start_no].accepted:
        from miglia.domain.errors import MigliaError

        raise MigliaError(f"--car = {start_no}: no accepted entry with that start number")
    tz = scored.event.timezone
    result = scored.board.result(start_no)
    rows = [
        [
            line.control,
            "" if line.due_us is None else format_local(line.due_us, tz),
            "" if line.actual_us is None else format_local(line.actual_us, tz),
            "" if line.deviation_us is None else f"{line.deviation_us / US_PER_S:+.2f} s",
            str(line.penalty),
            line.reason,
        ]
        for line in result.lines
    ]
    rows.append(
        ["total", "", "", "", str(result.penalty), f"coefficient {result.coefficient} → score {result.score}"]
    )
    entry = scored.entries[start_no]
    return results_service.ResultTable(
        f"#{start_no} {entry.car.title}", ["Control", "Due", "Actual", "Deviation", "Penalty", "Why"], rows
    )


def _text_table(table: results_service.ResultTable) -> str:
    widths = [
        max(len(h), *(len(r[i]) for r in table.rows)) if table.rows else len(h)
        for i, h in enumerate(table.headers)
    ]
    line = "  ".join(h.ljust(w) for h, w in zip(table.headers, widths, strict=True))
    body = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in table.rows]
    return "\n".join([table.title, line, "-" * len(line), *body, ""])


@app.command("classification")
def classification(
    out: Path = typer.Option(..., "--out", help="The PDF file to write."),
    day: int | None = typer.Option(None, help="The classification after this day (default: the final one)."),
    db: str | None = DbOption,
) -> None:
    """Write the official classification as a PDF: rule set and version, provisional or final and since
    when, every classification and the corrections applied."""
    with reported():
        with open_db(db).unit_of_work() as uow:
            pdf = official.official_pdf(uow, day)
        out.write_bytes(pdf)
    typer.echo(f"wrote {out} ({len(pdf):,} bytes)")
