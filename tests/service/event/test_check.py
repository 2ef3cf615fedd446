"""`miglia event check` (service.event.events.check_event) refuses an event whose legs cannot be timed,
with the file and the control named, before anything is imported."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from miglia.formats.event_file import EventFileError
from miglia.service.event.events import check_event
from tests.conftest import SMALL


def test_a_leg_with_a_target_and_speed_changes_is_refused(tmp_path: Path) -> None:
    shutil.copy(SMALL / "day1.gpx", tmp_path / "day1.gpx")
    text = (SMALL / "event.toml").read_text()
    text = text.replace(
        'km = 6.0\ntarget = "0:10:00"',
        'km = 6.0\ntarget = "0:10:00"\nspeed_changes = [{ km = 3.0, average_kmh = 50 }]',
    )
    (tmp_path / "event.toml").write_text(text)
    with pytest.raises(EventFileError) as caught:
        check_event(tmp_path / "event.toml")
    assert str(caught.value) == (
        f"{tmp_path / 'event.toml'}: control D1-TC1: target = '10 min 00 s': give either a target or "
        "average_kmh with speed_changes: the leg's time follows its speeds"
    )


def test_the_small_event_checks() -> None:
    checked = check_event(SMALL / "event.toml")
    assert [c.name for c in checked.event.days[0].controls][-1] == "D1-FINISH"
