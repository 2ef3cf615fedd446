"""The official classification, per day or final, as the PDF the clerk of the course signs and posts:
the rule set and its version, whether the results are provisional or final and since when, who declared
them final, every classification, and the corrections applied (formats/classification_pdf.py)."""

from __future__ import annotations

from miglia.domain.corrections import EVERY_CAR, Correction, effective
from miglia.domain.errors import InvalidInput
from miglia.formats.classification_pdf import OfficialClassification, PdfTable, render
from miglia.service.clock import clock_text, now_us
from miglia.service.timing import protests, results
from miglia.store.unit_of_work import UnitOfWork


def official_pdf(uow: UnitOfWork, day: int | None = None) -> bytes:
    return render(official(uow, day))


def official(uow: UnitOfWork, day: int | None = None) -> OfficialClassification:
    scored = results.score(uow)
    state = protests.state(uow, scored.rules)
    event = scored.event
    numbers = [d.number for d in event.days]
    if day is not None and day not in numbers:
        raise InvalidInput("classification", "day", day, f"the event's days are {numbers}")
    shown = scored if day is None else results.after_day(scored, day)
    tz = event.timezone
    which = "final" if state.final else "provisional"
    title = f"Official classification – {which}" if day is None else f"Classification after day {day}"
    lines = [
        f"Rule set: {scored.rules.name}"
        + (f", version {scored.rules.version}" if scored.rules.version else "")
    ]
    if state.final and state.final_us is not None:
        lines.append(
            f"Final, declared {clock_text(state.final_us, tz)} by {state.final_by} (clerk of the course)."
        )
    elif state.published and state.published_us is not None and state.window_closes_us is not None:
        lines.append(
            f"Provisional, published {clock_text(state.published_us, tz)}; "
            f"protests until {clock_text(state.window_closes_us, tz)}."
        )
    elif state.published:
        lines.append("Provisional.")
    else:
        lines.append("Not published: for the timekeepers only.")
    if state.last_change_us is not None:
        lines.append(f"Last changed {clock_text(state.last_change_us, tz)} ({tz}).")
    page = results.tables(shown)
    tables = [PdfTable(title=t.title, headers=t.headers, rows=t.rows) for t in page.tables]
    if not page.ranked:
        lines.append(page.note)
    return OfficialClassification(
        event=event.name,
        title=title,
        lines=lines,
        tables=tables,
        corrections=[_correction_line(c, tz) for c in effective(shown.board.corrections)],
        footer=f"{event.name} · {title} · printed {clock_text(now_us(), tz)} · Miglia",
    )


def _correction_line(c: Correction, tz: str) -> str:
    car = "every car" if c.start_no == EVERY_CAR else f"car {c.start_no}"
    what = c.kind.value.replace("_", " ") + (f" at {c.control}" if c.control else "")
    if c.points is not None:
        what += f": {c.points} points"
    return f"#{c.id} {car}, {what} – {c.why} ({c.by}, {clock_text(c.at_us, tz)})"
