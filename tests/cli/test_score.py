"""`miglia score`: event file + entries CSV + passages CSV -> classification CSV, no database."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from miglia.cli.score import app

EVENT = """
[event]
name = "Coppa Test"
timezone = "Europe/Rome"
rules = "regularity"

[[days]]
date = 2027-05-01
route = "day1.gpx"
first_start = 09:23:00
start_interval = 60

[[days.controls]]
name = "S1"
kind = "start"
km = 0

[[days.controls]]
name = "PT1"
kind = "timed_trial"
km = 5
end_km = 5.3
target = "21.00"

[[days.controls]]
name = "TC1"
kind = "time_control"
km = 40
target = "1:00:00"
"""

ENTRIES = """start_no,driver,co_driver,make,model,year,chassis,class,device_id,team,ladies
1,Anna,Bea,OM,665 Superba,1927,,A,,,yes
2,Carlo,Dino,Fiat,1100,1955,,B,,,no
3,Ezio,Fabio,Lancia,Aurelia,1961,,B,,,no
"""

PASSAGES = """start_no,control,time,source
1,S1,09:23:00,device
1,PT1,09:30:00.00,device
1,PT1/finish,09:30:21.37,device
1,TC1,2027-05-01T10:23:40+02:00,marshal
2,S1,2027-05-01T07:24:00Z,
2,PT1,09:31:00.00,device
2,PT1/finish,09:31:21.10,gps
2,TC1,10:26:10,device
"""


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path, Path]:
    event = tmp_path / "event.toml"
    event.write_text(EVENT)
    entries = tmp_path / "entries.csv"
    entries.write_text(ENTRIES)
    passages = tmp_path / "passages.csv"
    passages.write_text(PASSAGES)
    return event, entries, passages


def invoke(target: typer.Typer, *args: str):
    return CliRunner().invoke(target, list(args))


def test_prints_the_overall_classification(files):
    event, entries, passages = files
    result = invoke(app, str(event), str(passages), "--entries", str(entries))
    assert result.exit_code == 0, result.output
    # Car 1: 37 points at PT1 / 1.85 = 20.00. Car 2 (due TC1 10:24): 10 points at PT1 + 2 min late (200).
    # Car 3 is refused (built 1961) and not classified.
    assert result.stdout == (
        "position,start_no,penalty,coefficient,score\n1,1,37.00,1.85,20.00\n2,2,210.00,1.00,210.00\n"
    )


def test_works_mounted_as_miglia_score(files):
    event, entries, passages = files
    main = typer.Typer()
    main.add_typer(app)  # no name: its one command, "score", joins the parent's commands

    @main.command()
    def other() -> None:  # a second command, as in the real `miglia`
        pass

    result = invoke(main, "score", str(event), str(passages), "--entries", str(entries))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("position,start_no,penalty,coefficient,score\n1,1,")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("9,TC1,10:00:00,device", "passages.csv:10: row 9: start_no = '9': no accepted entry"),
        ("3,TC1,10:00:00,device", "start_no = '3': no accepted entry"),
        ("1,TC9,10:00:00,device", "passages.csv:10: row 9: control = 'TC9': no control"),
        ("1,TC1/finish,10:00:00,device", "control = 'TC1/finish': only a timed trial has a finish line"),
        ("1,TC1,10:61,device", "passages.csv:10: row 9: time = '10:61': expected an ISO 8601 time"),
        ("1,TC1,2027-05-01T10:00:00,device", "time = '2027-05-01T10:00:00': expected an ISO 8601"),
        ("1,TC1,10:00:00,radio", "source = 'radio': expected device, gps or marshal"),
    ],
)
def test_bad_rows_exit_2_naming_row_column_and_value(files, row, message):
    event, entries, passages = files
    passages.write_text(PASSAGES + row + "\n")
    result = invoke(app, str(event), str(passages), "--entries", str(entries))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in result.stderr


def test_bad_event_file_exits_2(files):
    event, entries, passages = files
    event.write_text(EVENT.replace('target = "21.00"', 'target = "soon"'))
    result = invoke(app, str(event), str(passages), "--entries", str(entries))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "target = 'soon'" in result.stderr


def test_a_points_rule_set_keeps_the_columns(files):
    # The 1000 Miglia's points method (rules/mille-miglia.toml), worked by hand:
    # car 1, OM 665 Superba 1927, 1991 cc, Sports: coefficient 1 + 0.60 + (0.20 - 0) = 1.80; PT1 0.37 s
    #   slow: 37 hundredths, past the 12-value table: 331 - (37 - 12 + 1) = 305 points; on time at TC1:
    #   305 x 1.80 = 549.00; its penalty before conversion 37.
    # car 2, Fiat 1100 1955, 1089 cc, Touring: 1 + 0.25 + (0.15 - 0.20) = 1.20; PT1 0.10 s slow: 334
    #   points; TC1 2 minutes late: 200 deducted: 334 x 1.20 - 200 = 200.80; penalty 10 + 200 = 210.
    event, entries, passages = files
    event.write_text(EVENT.replace('rules = "regularity"', 'rules = "mille-miglia"'))
    entries.write_text(
        "start_no,driver,co_driver,make,model,year,chassis,class,device_id,team,ladies,"
        "displacement_cc,category,mm_history\n"
        "1,Anna,Bea,OM,665 Superba,1927,,A,,,yes,1991,sport,\n"
        "2,Carlo,Dino,Fiat,1100,1955,,B,,,no,1089,touring,\n"
        "3,Ezio,Fabio,Lancia,Aurelia,1961,,B,,,no,2266,gran_turismo,\n"
    )
    result = invoke(app, str(event), str(passages), "--entries", str(entries))
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "position,start_no,penalty,coefficient,score\n1,1,37.00,1.80,549.00\n2,2,210.00,1.20,200.80\n"
    )
