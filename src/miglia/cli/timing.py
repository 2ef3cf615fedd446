"""`miglia passages import` and `miglia correction ...`: the timekeeper's commands."""

from __future__ import annotations

from pathlib import Path

import typer

from miglia.cli.common import DbOption, open_db, reported
from miglia.domain.corrections import EVERY_CAR, CorrectionKind
from miglia.domain.instants import format_local, seconds_to_us
from miglia.service.live.rebuild import rebuild
from miglia.service.timing import timekeeper
from miglia.service.timing.results import score

passages_app = typer.Typer(help="Passages from timing devices.", no_args_is_help=True)
timing_app = typer.Typer(help="GPS timing: re-time passages from the stored positions.", no_args_is_help=True)
correction_app = typer.Typer(
    help="Corrections and official penalties (who, when, why).", no_args_is_help=True
)


@passages_app.command("import")
def passages_import(
    csv: Path = typer.Argument(
        ..., help="CSV: start_no,control,time[,source][,device] (time with hundredths)."
    ),
    by: str = typer.Option("device import", help="Who imports it (kept with every passage)."),
    db: str | None = DbOption,
) -> None:
    """Store a timing device's passages; every row is checked and nothing is stored on a problem."""
    with reported():
        passages = timekeeper.import_passages(open_db(db), csv, by)
    typer.echo(f"imported {len(passages)} new passages from {csv}")


@correction_app.command("add")
def correction_add(
    car: int = typer.Option(..., "--car", help="Start number."),
    kind: CorrectionKind = typer.Option(..., help="replace_time, void_passage, add_penalty or exclude."),
    by: str = typer.Option(..., help="Who decides it (the timekeeper, the clerk of the course)."),
    why: str = typer.Option(..., help="The reason, shown with the results."),
    control: str = typer.Option("", help="The control it concerns."),
    line: str = typer.Option("", help='"finish" for the finish line of a timed trial.'),
    points: str | None = typer.Option(None, help="add_penalty: penalty points."),
    seconds: str | None = typer.Option(None, help="add_penalty: a time penalty in seconds."),
    db: str | None = DbOption,
) -> None:
    """Add a correction or an official penalty; results are recomputed with it."""
    with reported():
        secs = timekeeper.parse_amount(seconds, "seconds")
        new_id = timekeeper.add_correction(
            open_db(db),
            timekeeper.CorrectionRequest(
                kind=kind,
                start_no=car,
                by=by,
                why=why,
                control=control,
                line=line,
                points=timekeeper.parse_amount(points, "points"),
                time_us=None if secs is None else seconds_to_us(secs),
            ),
        )
    typer.echo(f"correction {new_id} stored")


@correction_app.command("neutralise")
def correction_neutralise(
    control: str = typer.Option(..., help="The control no car is scored at (a trial spoiled by traffic)."),
    by: str = typer.Option(..., help="Who decides it (the clerk of the course)."),
    why: str = typer.Option(..., help="The reason, shown with the results."),
    db: str | None = DbOption,
) -> None:
    """Neutralise a control for every car; undone by `miglia correction cancel ID --car 0`."""
    with reported():
        new_id = timekeeper.add_correction(
            open_db(db),
            timekeeper.CorrectionRequest(
                kind=CorrectionKind.NEUTRALISE, start_no=EVERY_CAR, by=by, why=why, control=control
            ),
        )
    typer.echo(f"correction {new_id} neutralises {control} for every car")


@correction_app.command("cancel")
def correction_cancel(
    correction_id: int = typer.Argument(..., help="The id of the correction to cancel."),
    car: int = typer.Option(
        ..., "--car", help="Its start number (0 for a control neutralised for every car)."
    ),
    by: str = typer.Option(..., help="Who cancels it."),
    why: str = typer.Option(..., help="Why."),
    db: str | None = DbOption,
) -> None:
    """Cancel an earlier correction (it stays on record, with this cancel beside it)."""
    with reported():
        new_id = timekeeper.add_correction(
            open_db(db),
            timekeeper.CorrectionRequest(
                kind=CorrectionKind.CANCEL, start_no=car, by=by, why=why, cancels=correction_id
            ),
        )
    typer.echo(f"correction {new_id} cancels {correction_id}")


@correction_app.command("list")
def correction_list(db: str | None = DbOption) -> None:
    """Every correction with who, when and why, and the conflicts between sources still to settle."""
    with reported():
        database = open_db(db)
        with database.unit_of_work() as uow:
            scored = score(uow)
    tz = scored.event.timezone
    for c in scored.board.corrections:
        whom = "every car" if c.start_no == EVERY_CAR else f"car {c.start_no}"
        typer.echo(
            f"{c.id}: {whom} {c.kind.value} {c.control} by {c.by} at {format_local(c.at_us, tz)}: {c.why}"
        )
    conflicts = scored.board.conflicts()
    typer.echo(f"{len(conflicts)} conflicts between sources")
    for conflict in conflicts:
        typer.echo(f"  {conflict.message}")


@timing_app.command("rebuild")
def timing_rebuild(
    day: int | None = typer.Option(None, help="Only this day (default: every day with a route)."),
    control: str | None = typer.Option(None, help="Only this control (e.g. after its timing line moved)."),
    db: str | None = DbOption,
) -> None:
    """Derive the GPS passages again from the stored positions, as the live path does, and store them in
    place of the GPS passages of those controls; other sources are not touched."""
    with reported():
        done = rebuild(open_db(db), day, control, progress=lambda message: typer.echo(message, err=True))
    typer.echo(
        f"re-timed {done.cars} cars from {done.positions:,} positions on day(s) "
        f"{', '.join(map(str, done.days))}: {done.removed} GPS passages replaced by {len(done.stored)}"
    )
