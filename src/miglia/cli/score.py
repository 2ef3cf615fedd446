"""`miglia score EVENT.toml PASSAGES.csv --entries ENTRIES.csv`: the classification, without a database.

Prints the overall classification as CSV: `position,start_no,penalty,coefficient,score`, best first
(a car without a position, excluded or in a tour, has an empty position). Penalty and score are printed
with the rule set's `classification.places` decimals (2 in the shipped rule sets), the coefficient with 2.

PASSAGES.csv has the columns `start_no,control,time` and optionally `source` (device, gps or marshal;
default device). `control` is a control's name in the event file; the finish line of a timed trial is
"NAME/finish". `time` is ISO 8601 with its offset (2027-05-01T08:31:04.25+02:00, or ...Z), or a time
of day (08:31:04.25) in the event's time zone on that control's day.

Bad input prints every problem (file:line: row N: column = value: problem) to stderr, nothing to stdout,
and exits with code 2.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import sys
from pathlib import Path

import typer

from miglia.domain.errors import MigliaError
from miglia.domain.event import ControlKind, Event
from miglia.domain.passages import Passage
from miglia.domain.rules import RuleSet, Source
from miglia.domain.scoreboard import Scoreboard
from miglia.domain.timecard import EventPlan, datetime_to_us, local_to_utc_us

app = typer.Typer(help="Score an event from files: event, entries, passages.", add_completion=False)

REQUIRED = ("start_no", "control", "time")
OPTIONAL = ("source",)
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}:\d{2})$")
_TIME_OF_DAY = re.compile(r"^(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$")


class PassagesFileError(MigliaError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def parse_time(value: str, date: dt.date, timezone: str) -> int:
    """Microseconds UTC of an ISO 8601 instant with offset, or of a time of day on `date` in `timezone`."""
    text = value.strip()
    match = _ISO.match(text)
    if match:
        y, mo, d, h, mi, s, frac, offset = match.groups()
        tz = dt.UTC
        if offset != "Z":
            sign = 1 if offset[0] == "+" else -1
            tz = dt.timezone(sign * dt.timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])))
        instant = dt.datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), _micro(frac), tzinfo=tz)
        return datetime_to_us(instant)
    match = _TIME_OF_DAY.match(text)
    if match:
        h, mi, s, frac = match.groups()
        return local_to_utc_us(date, dt.time(int(h), int(mi), int(s), _micro(frac)), timezone)
    raise ValueError(
        "expected an ISO 8601 time with its offset (2027-05-01T08:31:04.25+02:00 or ...Z) "
        "or a time of day (08:31:04.25)"
    )


def _micro(fraction: str | None) -> int:
    return int((fraction or "").ljust(6, "0"))


def parse_passages(
    text: str, where: str, event: Event, plan: EventPlan, start_numbers: set[int]
) -> list[Passage]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    problems = [f"{where}:1: missing column {c!r}" for c in REQUIRED if c not in header]
    problems += [
        f"{where}:1: unknown column {c!r}; expected {', '.join(REQUIRED + OPTIONAL)}"
        for c in header
        if c not in REQUIRED + OPTIONAL
    ]
    if problems:
        raise PassagesFileError(problems)
    reader.fieldnames = header
    out: list[Passage] = []
    for row_no, row in enumerate(reader, start=1):
        line = reader.line_num
        at = f"{where}:{line}: row {row_no}"

        def cell(column: str, row: dict[str, str | None] = row) -> str:
            value = row.get(column)
            return value.strip() if isinstance(value, str) else ""

        if None in row:
            problems.append(f"{at}: more cells than columns")
            continue
        start_no = cell("start_no")
        if not start_no.isdigit() or int(start_no) not in start_numbers:
            problems.append(f"{at}: start_no = {start_no!r}: no accepted entry has this start number")
            continue
        control_text = cell("control")
        name, _, line_name = control_text.partition("/")
        control = plan.by_name.get(name)
        if control is None or line_name not in ("", "finish"):
            problems.append(f"{at}: control = {control_text!r}: no control of the event has this name")
            continue
        if line_name == "finish" and control.kind is not ControlKind.TIMED_TRIAL:
            problems.append(f"{at}: control = {control_text!r}: only a timed trial has a finish line")
            continue
        source_text = cell("source") or "device"
        try:
            source = Source(source_text)
        except ValueError:
            problems.append(f"{at}: source = {source_text!r}: expected device, gps or marshal")
            continue
        time_text = cell("time")
        try:
            instant = parse_time(time_text, event.days[control.day].date, event.timezone)
        except (ValueError, MigliaError) as exc:
            problems.append(f"{at}: time = {time_text!r}: {exc}")
            continue
        out.append(Passage(int(start_no), name, instant, source, line_name, f"{Path(where).name}:{line}"))
    if problems:
        raise PassagesFileError(problems)
    return out


def _rules(event: Event, event_file: Path) -> RuleSet:
    from miglia.rules import load_rules, shipped

    if event.rules in shipped():
        return load_rules(event.rules)
    candidate = Path(event.rules)
    if not candidate.is_absolute():
        candidate = event_file.parent / candidate
    return load_rules(candidate if candidate.is_file() else event.rules)


def classification_csv(board: Scoreboard) -> str:
    places = board.rules.classification.places
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["position", "start_no", "penalty", "coefficient", "score"])
    for s in board.overall().standings:
        writer.writerow(
            [
                "" if s.position is None else s.position,
                s.start_no,
                f"{s.penalty:.{places}f}",
                f"{s.coefficient:.2f}",
                f"{s.score:.{places}f}",
            ]
        )
    return buffer.getvalue()


@app.command("score")
def score(
    event_file: Path = typer.Argument(..., help="The event file (TOML, docs/event-file.md)."),
    passages_file: Path = typer.Argument(..., help="Passages CSV: start_no,control,time[,source]."),
    entries: Path = typer.Option(..., "--entries", help="Entries CSV (docs: service.entries_csv)."),
) -> None:
    """Print the overall classification as CSV: position,start_no,penalty,coefficient,score."""
    from miglia.service.entries_csv import read_entries
    from miglia.service.event_file import load_event

    try:
        event = load_event(event_file)
        rules = _rules(event, event_file)
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
