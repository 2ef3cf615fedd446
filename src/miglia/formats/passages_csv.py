"""Read passages from a CSV file: a timing device's export, or an organiser's own records.

Columns `start_no,control,time` and optionally `source` (device, gps or marshal; default device) and
`device` (which timing device or person recorded it). `control` is a control's name in the event file;
the finish line of a timed trial is "NAME/finish". `time` is ISO 8601 with its offset
(2027-05-01T08:31:04.25+02:00, or ...Z), or a time of day (08:31:04.25) in the event's time zone on
that control's day. Every row is checked; on any problem nothing is returned and every problem is
reported as `file:line: row N: column = value: problem`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

from miglia.domain.errors import MigliaError
from miglia.domain.event import ControlKind, Event
from miglia.domain.instants import datetime_to_us, local_to_utc_us
from miglia.domain.passages import Passage
from miglia.domain.rules import Source
from miglia.domain.timecard import EventPlan

REQUIRED = ("start_no", "control", "time")
OPTIONAL = ("source", "device")
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
        out.append(
            Passage(
                start_no=int(start_no),
                control=name,
                instant_us=instant,
                source=source,
                line=line_name,
                id=f"{Path(where).name}:{line}",
                recorded_by=cell("device"),
            )
        )
    if problems:
        raise PassagesFileError(problems)
    return out
