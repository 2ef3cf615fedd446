"""The `miglia` command as an organiser types it: event check/import, entries import, results, demo."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from miglia.cli import app

SMALL = Path(__file__).resolve().parents[1] / "data" / "small"
runner = CliRunner()


def test_every_subcommand_has_help() -> None:
    for args in (
        ["--help"],
        ["event", "check", "--help"],
        ["entries", "import", "--help"],
        ["demo", "--help"],
        ["results", "--help"],
        ["passages", "import", "--help"],
        ["correction", "add", "--help"],
        ["gps", "crossings", "--help"],
        ["score", "--help"],
        ["serve", "--help"],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, args
        assert "Usage" in result.output


def test_event_check_summarises_a_good_file() -> None:
    result = runner.invoke(app, ["event", "check", str(SMALL / "event.toml")])
    assert result.exit_code == 0
    assert result.output.strip().endswith("OK: Sonoma Test Run, 1 days, 14.1 km, 6 controls")


def test_event_check_names_line_field_and_value(tmp_path: Path) -> None:
    shutil.copy(SMALL / "day1.gpx", tmp_path)
    (tmp_path / "event.toml").write_text(
        (SMALL / "event.toml").read_text().replace('target = "21.00"', 'target = "soon"')
    )
    result = runner.invoke(app, ["event", "check", str(tmp_path / "event.toml")])
    assert result.exit_code == 2
    assert re.search(
        r"event.toml:\d+: days\[0\]\.controls\[1\]\.target = 'soon': expected a duration", result.output
    )


def test_import_then_results_from_the_command_line(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'm.db'}"
    assert runner.invoke(app, ["event", "import", str(SMALL / "event.toml"), "--db", db]).exit_code == 0
    result = runner.invoke(app, ["entries", "import", str(SMALL / "entries.csv"), "--db", db])
    assert result.exit_code == 0
    assert "imported 4 entries: 3 accepted, 1 refused" in result.output
    assert "refused #4 1959 Chevrolet Corvette: built in 1959, after 1957" in result.output
    passages = tmp_path / "p.csv"
    passages.write_text("start_no,control,time\n1,D1-PT1,08:05:00.00\n1,D1-PT1/finish,08:05:21.37\n")
    assert runner.invoke(app, ["passages", "import", str(passages), "--db", db]).exit_code == 0
    breakdown = runner.invoke(app, ["results", "--car", "1", "--db", db])
    assert breakdown.exit_code == 0
    assert "0.37 s late at timed trial D1-PT1: 37 points" in breakdown.output
    table = runner.invoke(app, ["results", "--format", "csv", "--db", db])
    assert table.output.splitlines()[0] == "Pos.,No.,Car,Crew,Penalty,Coeff.,Score"
    assert len(table.output.splitlines()) == 4


def test_entries_import_refuses_a_broken_file_and_stores_nothing(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'm.db'}"
    runner.invoke(app, ["event", "import", str(SMALL / "event.toml"), "--db", db])
    bad = tmp_path / "entries.csv"
    bad.write_text((SMALL / "entries.csv").read_text().replace("1951", "195l"))
    result = runner.invoke(app, ["entries", "import", str(bad), "--db", db])
    assert result.exit_code == 2
    assert "entries.csv:3: year = '195l'" in result.output
    table = runner.invoke(app, ["results", "--format", "csv", "--db", db]).output
    assert table.splitlines() == ["Pos.,No.,Car,Crew,Penalty,Coeff.,Score"]


@pytest.mark.parametrize("args", [["results"], ["entries", "import", "x.csv"]])
def test_an_empty_database_says_what_to_do(tmp_path: Path, args: list[str]) -> None:
    result = runner.invoke(app, [*args, "--db", f"sqlite:///{tmp_path / 'empty.db'}"])
    assert result.exit_code == 2
    assert "no event in the database; import one" in result.output


def test_an_organiser_manages_trackers_from_the_command_line(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'm.db'}"
    runner.invoke(app, ["event", "import", str(SMALL / "event.toml"), "--db", db])
    runner.invoke(app, ["entries", "import", str(SMALL / "entries.csv"), "--db", db])
    registered = runner.invoke(app, ["devices", "register", "spare-9", "--label", "spare phone", "--db", db])
    assert registered.exit_code == 0 and registered.output.startswith("spare-9: token ")
    assigned = runner.invoke(
        app, ["devices", "assign", "spare-9", "--car", "2", "--day", "1", "--by", "olga", "--db", db]
    )
    assert assigned.output.strip() == "spare-9 is carried by car 2 on day 1"
    listed = runner.invoke(app, ["devices", "list", "--db", db]).output
    assert "day 1: spare-9 -> car 2 (by olga at " in listed and "0 devices in quarantine" in listed
    settings = ["--thresholds", '{"stopped_min": 8}', "--registered-only", "--early-hours", "6"]
    ok = runner.invoke(app, ["tracking", "set", *settings, "--db", db])
    assert ok.exit_code == 0
    from fastapi.testclient import TestClient

    from miglia.store.db import Database
    from miglia.web.app import create_app

    with TestClient(create_app(Database(db), tile_url="")) as web:
        kept = web.get("/ingest/osmand?id=stranger&lat=38.29&lon=-122.45&timestamp=1777215600")
        assert kept.json() == {"stored": 1, "duplicates": 0} and web.get("/live/cars").json() == []
        early = web.get("/ingest/osmand?id=stranger&lat=38.29&lon=-122.45&timestamp=1777100000")
        assert (
            early.status_code == 400 and "field timestamp = '2026-04-25T06:53:20Z'" in early.json()["error"]
        )
    listed = runner.invoke(app, ["devices", "list", "--db", db]).output
    assert "stranger: 1 positions" in listed and "no car carries it" in listed
    enrolled = runner.invoke(app, ["devices", "enrol", "--db", db])
    assert enrolled.exit_code == 0 and enrolled.output.startswith(
        "3 trackers enrolled"
    )  # cars 1-3; car 4 was refused
    bad = runner.invoke(app, ["tracking", "set", "--thresholds", '{"stoped_min": 8}', "--db", db])
    assert bad.exit_code == 2 and "stoped_min" in bad.output and "unknown" in bad.output
