"""`miglia photos import DIR --by NAME [--offset S]` and `miglia photos match [--day N]`."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from miglia.cli.main import app
from miglia.store.db import Database
from tests.service.photos.helpers import drive_cars, photo_at


def test_import_a_folder_then_print_the_tagged_photos(sqlite_url: str, tmp_path: Path) -> None:
    driven = drive_cars(Database(sqlite_url))
    folder = tmp_path / "card"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(photo_at(*driven.where(1, 3000), camera_off_s=-60.0))
    (folder / "b.jpg").write_bytes(photo_at(*driven.where(1, 9000), camera_off_s=-60.0, seed=2))
    (folder / "readme.txt").write_text("not a photo")
    runner = CliRunner()
    done = runner.invoke(
        app, ["photos", "import", str(folder), "--by", "Ansel", "--offset", "60", "--db", sqlite_url]
    )
    assert done.exit_code == 1  # one file refused, said on its own line
    assert done.output.splitlines() == [
        "a.jpg: day 1, 08:05:00, placed by its GPS position",
        "b.jpg: day 1, 08:15:00, placed by its GPS position",
        "readme.txt: not a photo (JPEG, HEIC or PNG expected)",
        "upload 1: 2 of 3 files stored for Ansel",
    ]
    matched = runner.invoke(app, ["photos", "match", "--day", "1", "--db", sqlite_url])
    assert matched.exit_code == 0, matched.output
    assert matched.output.splitlines() == [
        "file,start_no,distance_m,delta_s",
        "a.jpg,1,0.0,0.00",
        "b.jpg,1,0.0,0.00",
    ]
    missing = runner.invoke(
        app, ["photos", "import", str(tmp_path / "nope"), "--by", "A", "--db", sqlite_url]
    )
    assert missing.exit_code != 0 and "not a folder" in missing.output
