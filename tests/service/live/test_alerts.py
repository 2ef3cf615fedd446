"""Alerts are raised once, acknowledged and resolved with who and when (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from miglia.domain.errors import InvalidInput
from miglia.domain.live import AlertDraft, AlertKind
from miglia.service.live import alerts as alerts_service
from miglia.service.live.tracker import Tracker
from miglia.store.db import Database
from miglia.tracking.fix import Fix
from tests.tracking.helpers import add_event

T0 = 1_749_974_400_000_000  # 2025-06-15 08:00 UTC, day 1 of the test event
MIN = 60_000_000


def send(tracker: Tracker, fixes: list[Fix]) -> None:
    """Positions from a proven source (as a trusted broker's): these tests are about the alerts."""
    tracker.receive("position_test", "test", "text/plain", "test", lambda: fixes, authenticated=True)


def test_off_route_alert_is_raised_once(db: Database) -> None:
    event_id = add_event(db, {7: "car7"})
    tracker = Tracker(db)
    send(tracker, [Fix("car7", T0 + i * MIN, 45.03, 9.02, 50.0) for i in range(3)])  # 1.6 km off the route
    send(tracker, [Fix("car7", T0 + 5 * MIN, 45.03, 9.02, 50.0)])
    with db.unit_of_work() as uow:
        [alert] = alerts_service.alerts(uow, event_id)
    assert (alert.start_no, alert.kind, alert.raised_us) == (7, "off_route", T0)
    assert (alert.lat, alert.lon) == (45.03, 9.02)


def test_acknowledge_resolve_and_raise_again(db: Database) -> None:
    event_id = add_event(db, {7: "car7"})
    draft = AlertDraft(7, AlertKind.SPEEDING, "Village", T0, 45.0, 9.0, "car 7: 60 km/h in Village")
    with db.unit_of_work() as uow:
        [raised] = alerts_service.raise_alerts(uow, event_id, [draft])
        assert alerts_service.raise_alerts(uow, event_id, [draft, draft]) == []
    acknowledged = alerts_service.acknowledge(db, raised.id, "Sweep 1")
    assert acknowledged.acknowledged_by == "Sweep 1" and acknowledged.acknowledged_us
    resolved = alerts_service.resolve(db, raised.id, "Marshal Rossi")
    assert (resolved.resolved_by, resolved.acknowledged_by) == ("Marshal Rossi", "Sweep 1")
    with db.unit_of_work() as uow:
        again = alerts_service.raise_alerts(
            uow, event_id, [AlertDraft(7, AlertKind.SPEEDING, "Village", T0 + MIN, 45.0, 9.0, "x")]
        )
    assert len(again) == 1
    with db.unit_of_work() as uow:
        assert len(alerts_service.alerts(uow, event_id)) == 2
        assert [a.id for a in alerts_service.alerts(uow, event_id, open_only=True)] == [again[0].id]
    with pytest.raises(InvalidInput, match="by"):
        alerts_service.resolve(db, raised.id, " ")


def test_no_signal_sweep(db: Database) -> None:
    event_id = add_event(db, {7: "car7", 8: "car8"})
    tracker = Tracker(db)
    send(tracker, [Fix("car7", T0, 45.03, 9.0, 50.0), Fix("car8", T0 + 8 * MIN, 45.02, 9.0, 50.0)])
    tracker.sweep(T0 + 15 * MIN)
    tracker.sweep(T0 + 16 * MIN)
    with db.unit_of_work() as uow:
        assert [(a.start_no, a.kind) for a in alerts_service.alerts(uow, event_id)] == [(7, "no_signal")]


def test_tracking_settings_are_checked_and_used(db: Database) -> None:
    event_id = add_event(db, {7: "car7"})
    with pytest.raises(InvalidInput, match="stopped_minutes"):
        alerts_service.set_tracking(db, event_id, thresholds={"stopped_minutes": 5})
    zone = {"name": "Village", "lat": 45.04, "lon": 9.0, "radius_m": 1000, "limit_kmh": 30}
    alerts_service.set_tracking(db, event_id, thresholds={"off_route_m": 5000}, zones=[zone])
    tracker = Tracker(db)
    send(tracker, [Fix("car7", T0, 45.04, 9.008, 70.0)])  # 630 m off the route
    with db.unit_of_work() as uow:
        assert [a.kind for a in alerts_service.alerts(uow, event_id)] == ["speeding"]
