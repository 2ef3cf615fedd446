"""Alerts for the crews on the road (stopped, off route, no signal, speeding, out of time), and the
event's tracking context the live logic measures against.

An alert is raised once: at most one open (unresolved) alert per car, kind and subject, enforced by a
partial unique index and `INSERT ... ON CONFLICT DO NOTHING`, so two workers raising the same alert
store it once. It is acknowledged (someone is on it) and resolved (it is over) with who and when; a car
that gets into the same trouble after its alert was resolved raises a new one.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from miglia.domain.entries import Entry
from miglia.domain.errors import InvalidInput, MigliaError
from miglia.domain.event import Event
from miglia.domain.instants import us_to_datetime
from miglia.domain.live import AlertDraft, DayCourse, Mark, Place, Thresholds, Zone
from miglia.domain.plausibility import TimeWindow
from miglia.formats import event_codec
from miglia.geo.chainage import Gauge
from miglia.geo.common import GeoError
from miglia.geo.route import Route
from miglia.service.clock import local_instant, now_us
from miglia.service.live.devices import cars_by_device
from miglia.store.db import Database
from miglia.store.records import Alert, NewAlert, StoredRoute
from miglia.store.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Watch:
    """The current event as live tracking sees it (loaded once, refreshed every few seconds)."""

    event_id: int | None = None
    timezone: str = "UTC"
    accept_unregistered: bool = False
    """True for a casual tour: positions of unregistered devices move cars and make passages."""
    window: TimeWindow = field(default_factory=TimeWindow)
    first_day_us: int | None = None
    """The first start of the event's first day: the plausible window opens some hours before it."""
    thresholds: Thresholds = field(default_factory=Thresholds)
    zones: tuple[Zone, ...] = ()
    days: dict[dt.date, DayCourse] = field(default_factory=dict)
    cars: dict[int, dict[str, int]] = field(default_factory=dict)
    """day number -> device_id -> start number."""
    default_cars: dict[str, int] = field(default_factory=dict)
    """device_id -> start number from the entries, for instants outside the event's days."""
    due_us: dict[int, dict[str, int]] = field(default_factory=dict)
    """start number -> control -> due instant."""

    def course(self, instant_us: int) -> DayCourse | None:
        try:
            local = us_to_datetime(instant_us).astimezone(_zone(self.timezone))
        except (OverflowError, ValueError, OSError):  # a stored instant no calendar holds: no event day
            return None
        return self.days.get(local.date())

    def car(self, device_id: str, course: DayCourse | None) -> int | None:
        table = self.cars.get(course.number, self.default_cars) if course else self.default_cars
        return table.get(device_id)


def load_watch(uow: UnitOfWork) -> Watch:
    row = uow.events.find()
    if row is None:
        return Watch()
    event = event_codec.from_json(row.definition)
    accept_unregistered, values = uow.tracking.get(row.id) or (False, {})
    routes = uow.events.routes(row.id)
    days = {day.date: _course(day, routes.get(day.number)) for day in event.days}
    first_day = min(event.days, key=lambda day: day.date, default=None)
    return Watch(
        event_id=row.id,
        timezone=event.timezone,
        accept_unregistered=accept_unregistered,
        window=TimeWindow.from_dict(values.get("time_window", {})),
        first_day_us=None
        if first_day is None
        else local_instant(first_day.date, first_day.first_start, event.timezone),
        thresholds=Thresholds.from_dict(values.get("thresholds", {})),
        zones=tuple(Zone(**z) for z in values.get("zones", [])),
        days=days,
        cars={d.number: cars_by_device(uow, row.id, d.number) for d in event.days},
        default_cars=cars_by_device(uow, row.id, None),
        due_us=_due(event, uow.entries.all(row.id)),
    )


def _course(day: Any, route: StoredRoute | None) -> DayCourse:
    gauge = _gauge(route.coordinates) if route else None
    marks = tuple(
        Mark(c.name, float(c.km) * 1000, c.kind.is_timed, float(c.average_kmh) if c.average_kmh else None)
        for c in day.controls
        if c.km is not None
    )
    stops = tuple(Place(s.name, s.lat, s.lon) for s in day.stops if s.lat is not None and s.lon is not None)
    return DayCourse(day.number, gauge, marks, stops)


def _gauge(coordinates: Sequence[Sequence[float]]) -> Gauge | None:
    """The day's route as live tracking measures cars against it, on the geo kernel GPS timing uses
    (none for a route of fewer than two distinct points)."""
    if len(coordinates) < 2:
        return None
    return _gauge_of(np.asarray(coordinates, dtype=np.float64)[:, :2].tobytes())


@functools.lru_cache(maxsize=16)
def _gauge_of(coordinates: bytes) -> Gauge | None:
    """Kept across the reloads of the tracking context (every few seconds): a long route's index takes
    seconds to build, and is built once, on the first fix measured against it."""
    lat_lon = np.frombuffer(coordinates, dtype=np.float64).reshape(-1, 2)
    try:
        return Gauge(Route.from_latlon(lat_lon[:, 0], lat_lon[:, 1]))
    except GeoError:
        return None


def _due(event: Event, entries: Sequence[Entry]) -> dict[int, dict[str, int]]:
    """Each car's due instants at the timed controls, or none if the schedule cannot be worked out."""
    from miglia.domain.timecard import EventPlan, time_cards

    try:
        cards = time_cards(EventPlan.build(event), entries)
    except (MigliaError, KeyError, ValueError):
        return {}
    return {
        n: {line.control: line.due_us for line in card.lines if line.due_us is not None}
        for n, card in cards.items()
    }


def _zone(name: str) -> dt.tzinfo:
    import zoneinfo

    return zoneinfo.ZoneInfo(name)


# -- settings -------------------------------------------------------------------------------------------


def set_tracking(
    db: Database,
    event_id: int,
    accept_unregistered: bool | None = None,
    thresholds: dict[str, float] | None = None,
    zones: list[dict[str, Any]] | None = None,
    time_window: dict[str, float] | None = None,
) -> None:
    """Change an event's tracking settings; every value is checked before anything is stored."""
    if thresholds is not None:
        Thresholds.from_dict(thresholds)
    if time_window is not None:
        try:
            TimeWindow.from_dict(time_window)
        except (TypeError, ValueError) as exc:
            raise InvalidInput("tracking", "time_window", time_window, str(exc)) from None
    for i, zone in enumerate(zones or []):
        try:
            Zone(**zone)
        except TypeError as exc:
            raise InvalidInput(f"zone {i + 1}", "fields", sorted(zone), str(exc)) from None
    with db.unit_of_work() as uow:
        accepted_before, values = uow.tracking.get(event_id) or (False, {})
        if thresholds is not None:
            values["thresholds"] = thresholds
        if zones is not None:
            values["zones"] = zones
        if time_window is not None:
            values["time_window"] = time_window
        uow.tracking.save(
            event_id, accepted_before if accept_unregistered is None else accept_unregistered, values
        )


# -- alerts ---------------------------------------------------------------------------------------------


def raise_alerts(uow: UnitOfWork, event_id: int, drafts: Sequence[AlertDraft]) -> list[Alert]:
    """Store the drafts that are not already open; returns the ones newly raised. Of several drafts of
    one car, kind and subject only the first can be stored (one open alert each): the others are not
    sent to the database at all (a car off route for a 10,000-fix batch drafts 10,000 alerts)."""
    raised = []
    for d in _first_of_each(drafts):
        stored = uow.alerts.raise_new(
            event_id,
            NewAlert(
                start_no=d.start_no,
                kind=d.kind.value,
                subject=d.subject,
                raised_us=d.instant_us,
                lat=d.lat,
                lon=d.lon,
                message=d.message,
            ),
        )
        if stored is not None:
            raised.append(stored)
    return raised


def _first_of_each(drafts: Sequence[AlertDraft]) -> list[AlertDraft]:
    seen: set[tuple[int, str, str]] = set()
    out: list[AlertDraft] = []
    for d in drafts:
        key = (d.start_no, d.kind.value, d.subject)
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out


def alerts(uow: UnitOfWork, event_id: int, open_only: bool = False) -> list[Alert]:
    return uow.alerts.all(event_id, open_only)


def acknowledge(db: Database, alert_id: int, by: str) -> Alert:
    with db.unit_of_work() as uow:
        _check(uow, alert_id, by)
        return uow.alerts.acknowledge(alert_id, by.strip(), now_us())


def resolve(db: Database, alert_id: int, by: str) -> Alert:
    with db.unit_of_work() as uow:
        _check(uow, alert_id, by)
        return uow.alerts.resolve(alert_id, by.strip(), now_us())


def _check(uow: UnitOfWork, alert_id: int, by: str) -> None:
    if not by.strip():
        raise InvalidInput(f"alert {alert_id}", "by", by, "say who")
    if uow.alerts.get(alert_id) is None:
        raise InvalidInput("alert", "id", alert_id, "no such alert")
