"""`miglia show placards --out FILE.pdf [--url URL] [--car N]`."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from miglia.cli.main import app
from miglia.store.db import Database
from tests.conftest import need
from tests.roadbook.test_pdf import info, page_words
from tests.web.helpers import with_event


def test_the_placards_command(sqlite_url: str, tmp_path: Path) -> None:
    need(shutil.which("pdftotext") is not None, "pdftotext not found; install Debian's poppler-utils")
    with_event(Database(sqlite_url))
    out = tmp_path / "placards.pdf"
    args = ["show", "placards", "--out", str(out), "--url", "https://mille.example.org", "--db", sqlite_url]
    done = CliRunner().invoke(app, args)
    assert done.exit_code == 0, done.output
    assert done.output.startswith(f"wrote {out} (")
    assert info(out)["Pages"].strip() == "3"
    one = CliRunner().invoke(app, [*args, "--car", "3"])
    assert one.exit_code == 0 and info(out)["Pages"].strip() == "1"
    assert "https://mille.example.org/show/cars/3" in page_words(out, 1)
    refused = CliRunner().invoke(app, [*args, "--car", "4"])
    assert refused.exit_code != 0 and "car 4: no accepted car" in refused.output
