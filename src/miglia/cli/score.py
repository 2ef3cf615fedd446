"""`miglia score EVENT.toml PASSAGES.csv --entries ENTRIES.csv`: the classification, without a database.

Prints the overall classification as CSV: `position,start_no,penalty,coefficient,score`, best first
(a car without a position, excluded or in a tour, has an empty position). Penalty and score are printed
with the rule set's `classification.places` decimals (2 in the shipped rule sets), the coefficient with 2.

PASSAGES.csv is described in `miglia.formats.passages_csv` (columns start_no,control,time[,source]).

Bad input prints every problem (file:line: row N: column = value: problem) to stderr, nothing to stdout,
and exits with code 2.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import typer

from miglia.domain.errors import MigliaError
from miglia.domain.scoreboard import Scoreboard
from miglia.domain.timecard import EventPlan
from miglia.formats.passages_csv import parse_passages

app = typer.Typer(help="Score an event from files: event, entries, passages.", add_completion=False)


def classification_csv(board: Scoreboard) -> str:
    decimals = board.rules.classification.decimals
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["position", "start_no", "penalty", "coefficient", "score"])
    for s in board.overall().standings:
        writer.writerow(
            [
                "" if s.position is None else s.position,
                s.start_no,
                f"{s.penalty:.{decimals}f}",
                f"{s.coefficient:.2f}",
                f"{s.score:.{decimals}f}",
            ]
        )
    return buffer.getvalue()


@app.command("score")
def score(
    event_file: Path = typer.Argument(..., help="The event file (TOML, docs/event-file.md)."),
    passages_file: Path = typer.Argument(..., help="Passages CSV: start_no,control,time[,source]."),
    entries: Path = typer.Option(..., "--entries", help="Entries CSV (docs/entries-file.md)."),
) -> None:
    """Print the overall classification as CSV: position,start_no,penalty,coefficient,score."""
    from miglia.formats.entries_csv import read_entries
    from miglia.formats.event_file import load_event
    from miglia.rules import load_rules

    try:
        event = load_event(event_file)
        rules = load_rules(event.rules)
        entry_list = read_entries(entries, event.eligibility)
        plan = EventPlan.build(event)
        numbers = {e.start_no for e in entry_list if e.accepted}
        try:
            text = passages_file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise MigliaError(f"{passages_file}: cannot read the passages file: {exc}") from None
        passages = parse_passages(text, str(passages_file), event, plan, numbers)
        board = Scoreboard(event, entry_list, rules, plan=plan, passages=passages)
        output = classification_csv(board)
    except MigliaError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=2) from None
    sys.stdout.write(output)
