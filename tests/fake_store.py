"""An in-memory store with the repositories of store/unit_of_work.py, for use-case tests that need no
database. `tests/store/test_repositories.py` runs the same checks on it and on SQLite and PostgreSQL,
so the fake cannot drift from the real repositories unnoticed.

A unit of work copies the state when it begins and puts the copy back if the block raises: what a
rolled-back transaction leaves, nothing. Positions are not faked: the live path's tests run on the
real databases (tests/tracking, tests/service/live).
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from miglia.domain.accounts import User
from miglia.domain.corrections import Correction
from miglia.domain.entries import Entry
from miglia.domain.passages import Passage
from miglia.domain.protests import Decision, Protest, ProtestKind
from miglia.roadbook.edits import Edit
from miglia.store.records import (
    Alert,
    AlreadyStored,
    AssignmentRecord,
    EventImport,
    EventRecord,
    NewAlert,
    NewPassage,
    PassageKey,
    PassageView,
    StoredRoute,
    StoredStreetMap,
    passage_key,
)


@dataclass
class RawInput:
    id: int
    event_id: int | None
    kind: str
    source: str
    received_us: int
    content_type: str
    body: str
    accepted: bool
    problem: str


@dataclass
class _Session:
    id: int
    id_hash: str
    user_id: int
    created_us: int
    last_seen_us: int | None
    ended_us: int | None = None


@dataclass
class State:
    events: list[EventRecord] = field(default_factory=list)
    routes: dict[int, dict[int, StoredRoute]] = field(default_factory=dict)
    entries: dict[int, list[Entry]] = field(default_factory=dict)
    raw: list[RawInput] = field(default_factory=list)
    passages: list[tuple[int, NewPassage, int]] = field(default_factory=list)
    """(event id, the passage, its id)"""
    corrections: list[tuple[int, Correction]] = field(default_factory=list)
    users: list[tuple[User, str]] = field(default_factory=list)
    sessions: list[_Session] = field(default_factory=list)
    devices: dict[str, tuple[str, str]] = field(default_factory=dict)
    """device id -> (token hash, label)"""
    assignments: list[tuple[int, AssignmentRecord]] = field(default_factory=list)
    tracking: dict[int, tuple[bool, dict[str, Any]]] = field(default_factory=dict)
    alerts: list[tuple[int, Alert]] = field(default_factory=list)
    protests: list[tuple[int, Protest]] = field(default_factory=list)
    roadbook_edits: list[tuple[int, Edit]] = field(default_factory=list)
    street_maps: dict[int, StoredStreetMap] = field(default_factory=dict)
    next_id: int = 1

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1


class _Events:
    def __init__(self, state: State) -> None:
        self._st = state

    def find(self, slug: str | None = None) -> EventRecord | None:
        found = [e for e in self._st.events if not slug or e.slug == slug]
        return max(found, key=lambda e: e.id) if found else None

    def save(self, event: EventImport) -> int:
        old = next((e for e in self._st.events if e.slug == event.slug), None)
        record = EventRecord(
            id=old.id if old else self._st.new_id(),
            slug=event.slug,
            name=event.name,
            timezone=event.timezone,
            rules=event.rules,
            imported_us=event.imported_us,
            results_published=old.results_published if old else False,
            definition=event.definition,
            source_name=event.source_name,
            source_text=event.source_text,
        )
        self._st.events = [e for e in self._st.events if e.slug != event.slug] + [record]
        return record.id

    def set_published(self, event_id: int, published: bool, at_us: int | None = None) -> None:
        self._replace(
            event_id,
            results_published=published,
            results_published_us=at_us if published else None,
            results_final_us=None,
            results_final_by="",
        )

    def declare_final(self, event_id: int, at_us: int, by: str) -> None:
        self._replace(event_id, results_final_us=at_us, results_final_by=by)

    def last_change(self, event_id: int) -> int | None:
        times = [p.recorded_us for ev, p, _ in self._st.passages if ev == event_id]
        times += [c.at_us for ev, c in self._st.corrections if ev == event_id]
        return max(times) if times else None

    def _replace(self, event_id: int, **changes: Any) -> None:
        self._st.events = [
            dataclasses.replace(e, **changes) if e.id == event_id else e for e in self._st.events
        ]

    def replace_routes(self, event_id: int, routes: Iterable[StoredRoute]) -> None:
        self._st.routes[event_id] = {r.day_number: r for r in routes}

    def routes(self, event_id: int) -> dict[int, StoredRoute]:
        return dict(self._st.routes.get(event_id, {}))

    def counts(self, event_id: int | None) -> dict[str, int]:
        figures = {"users": len(self._st.users)}
        if event_id is not None:
            entries = self._st.entries.get(event_id, [])
            figures |= {
                "accepted": sum(e.accepted for e in entries),
                "refused": sum(not e.accepted for e in entries),
                "passages": sum(1 for ev, _, _ in self._st.passages if ev == event_id),
                "open_alerts": len(_Alerts(self._st).all(event_id, open_only=True)),
            }
        return figures


class _Entries:
    def __init__(self, state: State) -> None:
        self._st = state

    def replace(self, event_id: int, entries: Iterable[Entry]) -> None:
        self._st.entries[event_id] = list(entries)

    def all(self, event_id: int) -> list[Entry]:
        return sorted(self._st.entries.get(event_id, []), key=lambda e: e.start_no)

    def statuses(self, event_id: int) -> dict[int, str]:
        return {e.start_no: e.status.value for e in self._st.entries.get(event_id, [])}


class _Raw:
    def __init__(self, state: State) -> None:
        self._st = state

    def add(
        self,
        *,
        event_id: int | None,
        kind: str,
        source: str,
        received_us: int,
        content_type: str,
        body: str,
        problem: str = "",
    ) -> int:
        raw = RawInput(
            self._st.new_id(),
            event_id,
            kind,
            source[:200],
            received_us,
            content_type,
            body,
            not problem,
            problem,
        )
        self._st.raw.append(raw)
        return raw.id


class _Passages:
    def __init__(self, state: State) -> None:
        self._st = state

    def add_many(self, event_id: int, passages: Sequence[NewPassage]) -> None:
        for p in passages:
            self.add(event_id, p)

    def add(self, event_id: int, passage: NewPassage) -> int:
        if passage.client_uuid is not None and passage.client_uuid in self.ids_of_uuids(
            [passage.client_uuid]
        ):
            raise AlreadyStored(passage.client_uuid)
        passage_id = self._st.new_id()
        self._st.passages.append((event_id, passage, passage_id))
        return passage_id

    def delete(self, event_id: int, source: Any, controls: Iterable[str]) -> int:
        names = set(controls)
        kept = [
            (ev, p, i)
            for ev, p, i in self._st.passages
            if not (ev == event_id and p.passage.source == source and p.passage.control in names)
        ]
        removed = len(self._st.passages) - len(kept)
        self._st.passages = kept
        return removed

    def keys(self, event_id: int) -> set[PassageKey]:
        return {passage_key(p.passage) for ev, p, _ in self._st.passages if ev == event_id}

    def ids_of_uuids(self, uuids: Iterable[str]) -> dict[str, int]:
        wanted = set(uuids)
        return {
            p.client_uuid: i
            for _, p, i in self._st.passages
            if p.client_uuid is not None and p.client_uuid in wanted
        }

    def all(self, event_id: int) -> list[Passage]:
        return [
            dataclasses.replace(p.passage, id=str(i), recorded_by=p.passage.recorded_by or p.recorded_by)
            for ev, p, i in self._st.passages
            if ev == event_id
        ]

    def views(
        self, event_id: int, start_no: int | None = None, control: str | None = None
    ) -> list[PassageView]:
        found = [
            PassageView(
                id=i,
                start_no=p.passage.start_no,
                control=p.passage.control,
                line=p.passage.line,
                instant_us=p.passage.instant_us,
                source=p.passage.source.value,
                recorded_by=p.passage.recorded_by or p.recorded_by,
                recorded_us=p.recorded_us,
            )
            for ev, p, i in self._st.passages
            if ev == event_id
            and (start_no is None or p.passage.start_no == start_no)
            and (control is None or p.passage.control == control)
        ]
        return sorted(found, key=lambda v: (v.instant_us, v.id))


class _Corrections:
    def __init__(self, state: State) -> None:
        self._st = state

    def add(self, event_id: int, correction: Correction, raw_id: int | None) -> int:
        new_id = self._st.new_id()
        self._st.corrections.append((event_id, dataclasses.replace(correction, id=str(new_id))))
        return new_id

    def all(self, event_id: int) -> list[Correction]:
        return [c for ev, c in self._st.corrections if ev == event_id]


class _Users:
    def __init__(self, state: State) -> None:
        self._st = state

    def add(self, *, username: str, password_hash: str, role: str, start_no: int | None) -> User:
        user = User(self._st.new_id(), username, role, start_no)
        self._st.users.append((user, password_hash))
        return user

    def get(self, user_id: int) -> User | None:
        return next((u for u, _ in self._st.users if u.id == user_id), None)

    def by_name(self, username: str) -> tuple[User, str] | None:
        return next(((u, h) for u, h in self._st.users if u.username.lower() == username.lower()), None)

    def all(self) -> list[User]:
        return sorted((u for u, _ in self._st.users), key=lambda u: (u.role, u.username))

    def set_role(self, user_id: int, role: str, start_no: int | None) -> User:
        changed = None
        for k, (u, h) in enumerate(self._st.users):
            if u.id == user_id:
                changed = dataclasses.replace(u, role=role, start_no=start_no)
                self._st.users[k] = (changed, h)
        assert changed is not None, user_id
        return changed

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        self._st.users = [(u, password_hash if u.id == user_id else h) for u, h in self._st.users]

    def count_with_role(self, role: str) -> int:
        return sum(1 for u, _ in self._st.users if u.role == role)


class _UserSessions:
    def __init__(self, state: State) -> None:
        self._st = state

    def add(self, *, id_hash: str, user_id: int, now_us: int) -> None:
        self._st.sessions.append(_Session(self._st.new_id(), id_hash, user_id, now_us, now_us))

    def open_user(self, id_hash: str, created_after_us: int) -> tuple[User, int, int | None] | None:
        for s in self._st.sessions:
            if s.id_hash == id_hash and s.ended_us is None and s.created_us > created_after_us:
                user = _Users(self._st).get(s.user_id)
                return None if user is None else (user, s.id, s.last_seen_us)
        return None

    def seen(self, row_id: int, now_us: int) -> None:
        for s in self._st.sessions:
            if s.id == row_id:
                s.last_seen_us = now_us

    def end(self, id_hash: str, now_us: int) -> None:
        for s in self._st.sessions:
            if s.id_hash == id_hash and s.ended_us is None:
                s.ended_us = now_us

    def end_all_of(self, user_id: int, now_us: int) -> None:
        for s in self._st.sessions:
            if s.user_id == user_id and s.ended_us is None:
                s.ended_us = now_us


class _Devices:
    def __init__(self, state: State) -> None:
        self._st = state

    def token_hash(self, device_id: str) -> str | None:
        found = self._st.devices.get(device_id)
        return None if found is None else found[0]

    def token_hashes(self, device_ids: Iterable[str] | None = None) -> dict[str, str]:
        wanted = None if device_ids is None else set(device_ids)
        return {d: h for d, (h, _) in self._st.devices.items() if wanted is None or d in wanted}

    def save(self, device_id: str, token_hash: str, label: str) -> None:
        old_label = self._st.devices.get(device_id, ("", ""))[1]
        self._st.devices[device_id] = (token_hash, label or old_label or "")


class _Assignments:
    def __init__(self, state: State) -> None:
        self._st = state

    def add(self, event_id: int, assignment: AssignmentRecord) -> None:
        self._st.assignments.append((event_id, assignment))

    def history(self, event_id: int) -> list[AssignmentRecord]:
        return [a for ev, a in self._st.assignments if ev == event_id]

    def entry_devices(self, event_id: int) -> list[tuple[str, int]]:
        return [(e.device_id, e.start_no) for e in _Entries(self._st).all(event_id) if e.device_id]


class _Tracking:
    def __init__(self, state: State) -> None:
        self._st = state

    def get(self, event_id: int) -> tuple[bool, dict[str, Any]] | None:
        found = self._st.tracking.get(event_id)
        return None if found is None else (found[0], copy.deepcopy(found[1]))

    def save(self, event_id: int, accept_unregistered: bool, settings: dict[str, Any]) -> None:
        self._st.tracking[event_id] = (accept_unregistered, copy.deepcopy(settings))


class _Alerts:
    def __init__(self, state: State) -> None:
        self._st = state

    def raise_new(self, event_id: int, alert: NewAlert) -> Alert | None:
        key = (alert.start_no, alert.kind, alert.subject)
        if any(
            ev == event_id and (a.start_no, a.kind, a.subject) == key and a.resolved_us is None
            for ev, a in self._st.alerts
        ):
            return None
        stored = Alert(
            id=self._st.new_id(),
            start_no=alert.start_no,
            kind=alert.kind,
            subject=alert.subject,
            raised_us=alert.raised_us,
            lat=alert.lat,
            lon=alert.lon,
            message=alert.message,
            acknowledged_by="",
            acknowledged_us=None,
            resolved_by="",
            resolved_us=None,
        )
        self._st.alerts.append((event_id, stored))
        return stored

    def all(self, event_id: int, open_only: bool = False) -> list[Alert]:
        found = [
            a for ev, a in self._st.alerts if ev == event_id and not (open_only and a.resolved_us is not None)
        ]
        return sorted(found, key=lambda a: (a.raised_us, a.id))

    def get(self, alert_id: int) -> Alert | None:
        return next((a for _, a in self._st.alerts if a.id == alert_id), None)

    def acknowledge(self, alert_id: int, by: str, at_us: int) -> Alert:
        return self._change(
            alert_id,
            lambda a: (
                a
                if a.acknowledged_us is not None
                else dataclasses.replace(a, acknowledged_by=by, acknowledged_us=at_us)
            ),
        )

    def resolve(self, alert_id: int, by: str, at_us: int) -> Alert:
        def resolved(a: Alert) -> Alert:
            if a.resolved_us is not None:
                return a
            if a.acknowledged_us is None:
                a = dataclasses.replace(a, acknowledged_by=by, acknowledged_us=at_us)
            return dataclasses.replace(a, resolved_by=by, resolved_us=at_us)

        return self._change(alert_id, resolved)

    def _change(self, alert_id: int, how: Any) -> Alert:
        for k, (ev, a) in enumerate(self._st.alerts):
            if a.id == alert_id:
                self._st.alerts[k] = (ev, how(a))
                return self._st.alerts[k][1]
        raise AssertionError(alert_id)


class _Protests:
    def __init__(self, state: State) -> None:
        self._st = state

    def add(
        self, event_id: int, *, start_no: int, kind: ProtestKind, control: str, text: str, by: str, at_us: int
    ) -> Protest:
        made = Protest(
            id=self._st.new_id(),
            start_no=start_no,
            kind=kind,
            control=control,
            text=text,
            filed_by=by,
            filed_us=at_us,
        )
        self._st.protests.append((event_id, made))
        return made

    def all(self, event_id: int, start_no: int | None = None) -> list[Protest]:
        return [p for ev, p in self._st.protests if ev == event_id and start_no in (None, p.start_no)]

    def get(self, protest_id: int) -> Protest | None:
        return next((p for _, p in self._st.protests if p.id == protest_id), None)

    def decide(
        self,
        protest_id: int,
        *,
        decision: Decision,
        answer: str,
        by: str,
        at_us: int,
        correction_id: int | None,
    ) -> Protest:
        for k, (ev, p) in enumerate(self._st.protests):
            if p.id == protest_id:
                decided = dataclasses.replace(
                    p,
                    decision=decision,
                    answer=answer,
                    decided_by=by,
                    decided_us=at_us,
                    correction_id=correction_id,
                )
                self._st.protests[k] = (ev, decided)
                return decided
        raise AssertionError(protest_id)


class _RoadbookEdits:
    def __init__(self, state: State) -> None:
        self._st = state

    def add(self, event_id: int, edit: Edit) -> Edit:
        made = dataclasses.replace(edit, id=self._st.new_id(), withdrawn_by="", withdrawn_us=None)
        self._st.roadbook_edits.append((event_id, made))
        return made

    def all(self, event_id: int, day: int | None = None, *, withdrawn: bool = False) -> list[Edit]:
        found = [
            e
            for ev, e in self._st.roadbook_edits
            if ev == event_id and day in (None, e.day) and (withdrawn or e.withdrawn_us is None)
        ]
        return sorted(found, key=lambda e: (e.at_us, e.id))

    def withdraw(self, event_id: int, edit_id: int, *, by: str, at_us: int) -> Edit | None:
        for k, (ev, e) in enumerate(self._st.roadbook_edits):
            if ev == event_id and e.id == edit_id and e.withdrawn_us is None:
                self._st.roadbook_edits[k] = (ev, dataclasses.replace(e, withdrawn_by=by, withdrawn_us=at_us))
                return self._st.roadbook_edits[k][1]
        return None


class _StreetMaps:
    def __init__(self, state: State) -> None:
        self._st = state

    def save(self, event_id: int, street_map: StoredStreetMap) -> None:
        self._st.street_maps[event_id] = copy.deepcopy(street_map)

    def get(self, event_id: int) -> StoredStreetMap | None:
        return copy.deepcopy(self._st.street_maps.get(event_id))


class FakeUnitOfWork:
    def __init__(self, state: State) -> None:
        self.events = _Events(state)
        self.entries = _Entries(state)
        self.raw = _Raw(state)
        self.passages = _Passages(state)
        self.corrections = _Corrections(state)
        self.users = _Users(state)
        self.user_sessions = _UserSessions(state)
        self.devices = _Devices(state)
        self.assignments = _Assignments(state)
        self.tracking = _Tracking(state)
        self.alerts = _Alerts(state)
        self.protests = _Protests(state)
        self.roadbook_edits = _RoadbookEdits(state)
        self.street_maps = _StreetMaps(state)


class FakeDatabase:
    """Stands where a use case takes a `Database`: opens units of work over one in-memory state."""

    def __init__(self) -> None:
        self.state = State()

    @contextmanager
    def unit_of_work(self) -> Iterator[Any]:
        before = copy.deepcopy(self.state)
        try:
            yield FakeUnitOfWork(self.state)
        except BaseException:
            self.state.__dict__.update(before.__dict__)
            raise
