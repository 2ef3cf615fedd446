"""`miglia photos import` and `miglia photos match`: a photographer's folder in, the cars found in it out."""

from __future__ import annotations

from pathlib import Path

import typer

from miglia.cli.common import DbOption, open_db, reported
from miglia.service.photos import upload

app = typer.Typer(
    help="Photographers' pictures, matched to the cars by their GPS tracks.", no_args_is_help=True
)


@app.command("import")
def photos_import(
    folder: Path = typer.Argument(
        ..., help="A folder of photos (JPEG, HEIC, PNG); sub-folders are not read."
    ),
    by: str = typer.Option(..., "--by", help="The photographer (credited on every photo)."),
    offset: float = typer.Option(
        0.0, "--offset", help="Seconds to add to the camera's times (-180: 3 min fast)."
    ),
    db: str | None = DbOption,
) -> None:
    """Store every photo of the folder (re-encoded, the original kept private) and match them to the cars.
    A bad file is reported on its own line and the rest go on."""
    with reported():
        session, added = upload.import_folder(
            open_db(db), folder, by, offset, lambda a: typer.echo(a.message)
        )
    stored = sum(a.ok for a in added)
    typer.echo(f"upload {session.id}: {stored} of {len(added)} files stored for {session.photographer}")
    if stored < len(added):
        raise typer.Exit(1)


@app.command("match")
def photos_match(
    day: int | None = typer.Option(None, "--day", help="Only the photos of this day."),
    db: str | None = DbOption,
) -> None:
    """Match the photos to the cars again and print the tagged ones: file,start_no,distance_m,delta_s."""
    with reported():
        photos = upload.match_all(open_db(db), day)
    typer.echo("file,start_no,distance_m,delta_s")
    for p in photos:
        near = {n: (d, t) for n, d, t in p.candidates}
        for n in p.cars:
            d, t = near.get(n, (None, None))
            typer.echo(
                f"{p.file_name},{n},{'' if d is None else f'{d:.1f}'},{'' if t is None else f'{t:.2f}'}"
            )
