"""The plausible time window of a fix: from a day before the event's first start to minutes after receipt."""

from __future__ import annotations

import pytest

from miglia.domain.plausibility import NO_EVENT_FLOOR_US, TimeWindow

FIRST_START_US = 1_777_187_700_000_000  # 2026-04-26T07:15:00Z
RECEIVED_US = 1_777_200_000_000_000
HOUR = 3_600_000_000


def test_the_floor_without_an_event_is_2000_01_01() -> None:
    assert NO_EVENT_FLOOR_US == 946_684_800_000_000


def test_default_window_is_24_hours_before_the_first_start_to_10_minutes_after_receipt() -> None:
    window = TimeWindow()
    assert window.bounds(FIRST_START_US, RECEIVED_US) == (
        FIRST_START_US - 24 * HOUR,
        RECEIVED_US + 600_000_000,
    )
    assert window.bounds(None, RECEIVED_US) == (NO_EVENT_FLOOR_US, RECEIVED_US + 600_000_000)


def test_the_window_includes_its_ends() -> None:
    window = TimeWindow(early_h=1.5, late_min=0.5)
    earliest, latest = window.bounds(FIRST_START_US, RECEIVED_US)
    assert (earliest, latest) == (FIRST_START_US - 5_400_000_000, RECEIVED_US + 30_000_000)
    assert window.contains(earliest, FIRST_START_US, RECEIVED_US)
    assert window.contains(latest, FIRST_START_US, RECEIVED_US)
    assert not window.contains(earliest - 1, FIRST_START_US, RECEIVED_US)
    assert not window.contains(latest + 1, FIRST_START_US, RECEIVED_US)
    assert not window.contains(NO_EVENT_FLOOR_US - 1, None, RECEIVED_US)


def test_settings_read_and_written_as_a_dict() -> None:
    window = TimeWindow.from_dict({"early_h": "48", "late_min": 5})
    assert (window.early_h, window.late_min) == (48.0, 5.0)
    assert window.to_dict() == {"early_h": 48.0, "late_min": 5.0}
    assert TimeWindow.from_dict(window.to_dict()) == window
    assert TimeWindow.from_dict({}) == TimeWindow()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"early_days": 1}, "time window: unknown setting 'early_days': expected early_h, late_min"),
        ({"early_h": -1}, "time window: early_h = -1.0: expected 0 to 8784"),
        ({"late_min": 9000}, "time window: late_min = 9000.0: expected 0 to 8784"),
    ],
)
def test_bad_settings_are_refused_naming_the_setting(values: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError) as info:
        TimeWindow.from_dict(values)  # type: ignore[arg-type]
    assert str(info.value) == message
