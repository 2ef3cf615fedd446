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
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from miglia.domain.entries import Car, Crew, Entry, EntryStatus
from miglia.domain.errors import InvalidInput, MigliaError
from miglia.domain.event import Event
from miglia.domain.live import AlertDraft, DayCourse, Mark, Place, Thresholds, Zone
from miglia.domain.plausibility import TimeWindow
from miglia.formats import event_codec
from miglia.geo.chainage import Gauge
from miglia.geo.common import GeoError
from miglia.geo.route import Route
from miglia.service.clock import local_instant, now_us
from miglia.service.live.devices import cars_by_device
from miglia.store.db import Database
from miglia.store.models import AlertRow, EntryRow, EventRow, RouteRow, TrackingSettingsRow


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
            local = dt.datetime.fromtimestamp(instant_us / 1_000_000, dt.UTC).astimezone(_zone(self.timezone))
        except (OverflowError, ValueError, OSError):  # a stored instant no calendar holds: no event day
            return None
        return self.days.get(local.date())

    def car(self, device_id: str, course: DayCourse | None) -> int | None:
        table = self.cars.get(course.number, self.default_cars) if course else self.default_cars
        return table.get(device_id)


def load_watch(session: Session) -> Watch:
    row = session.scalars(select(EventRow).order_by(EventRow.id.desc())).first()
    if row is None:
        return Watch()
    event = event_codec.from_json(row.definition)
    settings = session.get(TrackingSettingsRow, row.id)
    values: dict[str, Any] = settings.settings if settings else {}
    routes = {r.day_number: r for r in session.scalars(select(RouteRow).where(RouteRow.event_id == row.id))}
    days = {day.date: _course(day, routes.get(day.number)) for day in event.days}
    first_day = min(event.days, key=lambda day: day.date, default=None)
    return Watch(
        event_id=row.id,
        timezone=event.timezone,
        accept_unregistered=settings.accept_unregistered if settings else False,
        window=TimeWindow.from_dict(values.get("time_window", {})),
        first_day_us=None
        if first_day is None
        else local_instant(first_day.date, first_day.first_start, event.timezone),
        thresholds=Thresholds.from_dict(values.get("thresholds", {})),
        zones=tuple(Zone(**z) for z in values.get("zones", [])),
        days=days,
        cars={d.number: cars_by_device(session, row.id, d.number) for d in event.days},
        default_cars=cars_by_device(session, row.id, None),
        due_us=_due(event, _entries(session, row.id)),
    )


def _course(day: Any, route: RouteRow | None) -> DayCourse:
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


def _entries(session: Session, event_id: int) -> list[Entry]:
    rows = session.scalars(select(EntryRow).where(EntryRow.event_id == event_id))
    return [
        Entry(r.start_no, Car(r.make, r.model, r.year), Crew(r.driver), status=EntryStatus(r.status))
        for r in rows
    ]


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
    with db.transaction() as session:
        row = session.get(TrackingSettingsRow, event_id)
        if row is None:
            row = TrackingSettingsRow(event_id=event_id, accept_unregistered=False, settings={})
            session.add(row)
        values = dict(row.settings or {})
        if thresholds is not None:
            values["thresholds"] = thresholds
        if zones is not None:
            values["zones"] = zones
        if time_window is not None:
            values["time_window"] = time_window
        row.settings = values
        if accept_unregistered is not None:
            row.accept_unregistered = accept_unregistered


# -- alerts ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Alert:
    id: int
    start_no: int
    kind: str
    subject: str
    raised_us: int
    lat: float | None
    lon: float | None
    message: str
    acknowledged_by: str
    acknowledged_us: int | None
    resolved_by: str
    resolved_us: int | None

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def raise_alerts(session: Session, event_id: int, drafts: Sequence[AlertDraft]) -> list[Alert]:
    """Store the drafts that are not already open; returns the ones newly raised. Of several drafts of
    one car, kind and subject only the first can be stored (one open alert each): the others are not
    sent to the database at all (a car off route for a 10,000-fix batch drafts 10,000 alerts)."""
    drafts = _first_of_each(drafts)
    if not drafts:
        return []
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    raised = []
    for d in drafts:
        statement = (
            insert(AlertRow)
            .values(
                event_id=event_id,
                start_no=d.start_no,
                kind=d.kind.value,
                subject=d.subject,
                raised_us=d.instant_us,
                lat=d.lat,
                lon=d.lon,
                message=d.message,
                acknowledged_by="",
                resolved_by="",
            )
            .on_conflict_do_nothing()
            .returning(AlertRow)
        )
        row = session.scalars(statement).first()
        if row is not None:
            raised.append(_alert(row))
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


def alerts(session: Session, event_id: int, open_only: bool = False) -> list[Alert]:
    query = select(AlertRow).where(AlertRow.event_id == event_id).order_by(AlertRow.raised_us, AlertRow.id)
    if open_only:
        query = query.where(AlertRow.resolved_us.is_(None))
    return [_alert(r) for r in session.scalars(query)]


def acknowledge(db: Database, alert_id: int, by: str) -> Alert:
    with db.transaction() as session:
        row = _row(session, alert_id, by)
        if row.acknowledged_us is None:
            row.acknowledged_by, row.acknowledged_us = by.strip(), now_us()
        return _alert(row)


def resolve(db: Database, alert_id: int, by: str) -> Alert:
    with db.transaction() as session:
        row = _row(session, alert_id, by)
        if row.resolved_us is None:
            row.resolved_by, row.resolved_us = by.strip(), now_us()
            if row.acknowledged_us is None:
                row.acknowledged_by, row.acknowledged_us = row.resolved_by, row.resolved_us
        return _alert(row)


def _row(session: Session, alert_id: int, by: str) -> AlertRow:
    if not by.strip():
        raise InvalidInput(f"alert {alert_id}", "by", by, "say who")
    row = session.get(AlertRow, alert_id)
    if row is None:
        raise InvalidInput("alert", "id", alert_id, "no such alert")
    return row


def _alert(r: AlertRow) -> Alert:
    return Alert(
        r.id,
        r.start_no,
        r.kind,
        r.subject,
        r.raised_us,
        r.lat,
        r.lon,
        r.message,
        r.acknowledged_by,
        r.acknowledged_us,
        r.resolved_by,
        r.resolved_us,
    )
