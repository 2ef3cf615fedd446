"""The repositories' contract, on the in-memory fake, SQLite and PostgreSQL alike: what a use case may
rely on whichever store it is given. A case that passes on the databases and fails on the fake (or the
other way round) means the fake has drifted and the use-case tests that use it prove nothing."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

import pytest

from miglia.domain.accounts import User
from miglia.domain.corrections import Correction, CorrectionKind
from miglia.domain.entries import Car, CarCategory, Crew, Entry, EntryStatus, RaceHistory
from miglia.domain.passages import Passage
from miglia.domain.protests import Decision, ProtestKind
from miglia.domain.rules import Source
from miglia.roadbook.edits import Action, Edit
from miglia.store.records import (
    AlreadyStored,
    AssignmentRecord,
    EventImport,
    NewAlert,
    NewPassage,
    StoredRoute,
    StoredStreetMap,
)


def _event(slug: str = "mille-2026", name: str = "California Mille 2026") -> EventImport:
    return EventImport(
        slug=slug,
        name=name,
        timezone="America/Los_Angeles",
        rules="mille-miglia",
        source_name="event.toml",
        source_text="[event]\n",
        definition={"name": name, "days": []},
        imported_us=1_000,
    )


def _entry(start_no: int, status: EntryStatus = EntryStatus.ACCEPTED) -> Entry:
    return Entry(
        start_no=start_no,
        car=Car(
            make="Bugatti",
            model="Type 35B",
            year=1927,
            chassis=f"BC{start_no}",
            displacement_cc=2262,
            category=CarCategory.SPORT,
            history=RaceHistory.RACED,
            story="Raced at Brescia in 1928; restored in Molsheim, its engine still the original.",
        ),
        crew=Crew(driver="Ada Lovelace", co_driver="", ladies=False),
        class_name="A",
        device_id=f"car-{start_no}",
        team="",
        status=status,
        refusal_reason="" if status is EntryStatus.ACCEPTED else "built after 1957",
    )


def _passage(start_no: int, instant_us: int, uuid: str | None = None, by: str = "") -> NewPassage:
    passage = Passage(
        start_no=start_no, control="D1-TC1", instant_us=instant_us, source=Source.MARSHAL, recorded_by=by
    )
    return NewPassage(passage=passage, raw_id=None, recorded_by="import", recorded_us=5, client_uuid=uuid)


def test_an_event_saved_again_keeps_its_id_and_publication(any_store: Any) -> None:
    with any_store.unit_of_work() as uow:
        first = uow.events.save(_event())
        uow.events.set_published(first, True)
        other = uow.events.save(_event("mille-2027", "California Mille 2027"))
    with any_store.unit_of_work() as uow:
        again = uow.events.save(_event(name="California Mille, revised"))
        assert again == first
        assert uow.events.find().id == other  # no slug: the latest imported
        found = uow.events.find("mille-2026")
        assert (found.name, found.results_published) == ("California Mille, revised", True)
        assert uow.events.find("nope") is None


def test_routes_and_entries_are_replaced_whole(any_store: Any) -> None:
    route = StoredRoute(day_number=1, source_name="day1.gpx", length_m=12_345.5, coordinates=[[38.5, -122.5]])
    with any_store.unit_of_work() as uow:
        event_id = uow.events.save(_event())
        uow.events.replace_routes(event_id, [route, dataclasses.replace(route, day_number=2)])
        uow.entries.replace(event_id, [_entry(2), _entry(1, EntryStatus.REFUSED)])
    with any_store.unit_of_work() as uow:
        uow.events.replace_routes(event_id, [route])
        uow.entries.replace(event_id, [_entry(3), _entry(1, EntryStatus.REFUSED)])
    with any_store.unit_of_work() as uow:
        assert uow.events.routes(event_id) == {1: route}
        assert uow.entries.all(event_id) == [_entry(1, EntryStatus.REFUSED), _entry(3)]
        assert uow.entries.statuses(event_id) == {1: "refused", 3: "accepted"}
        counts = uow.events.counts(event_id)
        assert (counts["accepted"], counts["refused"], counts["passages"]) == (1, 1, 0)


def test_a_car_keeps_its_coefficient_parts_known_or_not(any_store: Any) -> None:
    gt = dataclasses.replace(
        _entry(1).car, displacement_cc=1991, category=CarCategory.GRAN_TURISMO, history=RaceHistory.ENTERED
    )
    unknown = dataclasses.replace(
        _entry(2).car, displacement_cc=None, category=None, history=RaceHistory.NONE
    )
    touring = dataclasses.replace(_entry(3).car, displacement_cc=1352, category=CarCategory.TOURING)
    cars = {1: gt, 2: unknown, 3: touring}
    with any_store.unit_of_work() as uow:
        event_id = uow.events.save(_event())
        uow.entries.replace(event_id, [dataclasses.replace(_entry(n), car=car) for n, car in cars.items()])
    with any_store.unit_of_work() as uow:
        assert {e.start_no: e.car for e in uow.entries.all(event_id)} == cars


def test_a_failed_unit_of_work_leaves_nothing(any_store: Any) -> None:
    with pytest.raises(RuntimeError), any_store.unit_of_work() as uow:
        uow.events.save(_event())
        raise RuntimeError("the use case found a problem")
    with any_store.unit_of_work() as uow:
        assert uow.events.find() is None


def test_passages_keep_order_keys_and_client_uuids(any_store: Any) -> None:
    with any_store.unit_of_work() as uow:
        event_id = uow.events.save(_event())
        uow.passages.add_many(event_id, [_passage(2, 300), _passage(1, 200, by="microgate-1")])
        marshal_id = uow.passages.add(event_id, _passage(1, 100, uuid="6f1c2b1e-0000-4000-8000-000000000001"))
    with any_store.unit_of_work() as uow:
        stored = uow.passages.all(event_id)
        assert [(p.start_no, p.instant_us, p.recorded_by) for p in stored] == [
            (2, 300, "import"),
            (1, 200, "microgate-1"),
            (1, 100, "import"),
        ]
        assert stored[2].id == str(marshal_id)
        assert uow.passages.keys(event_id) == {
            (2, "D1-TC1", "", "marshal", 300),
            (1, "D1-TC1", "", "marshal", 200),
            (1, "D1-TC1", "", "marshal", 100),
        }
        assert uow.passages.ids_of_uuids(["6f1c2b1e-0000-4000-8000-000000000001", "x"]) == {
            "6f1c2b1e-0000-4000-8000-000000000001": marshal_id
        }
        assert [v.instant_us for v in uow.passages.views(event_id, start_no=1)] == [100, 200]
    with pytest.raises(AlreadyStored), any_store.unit_of_work() as uow:
        uow.passages.add(event_id, _passage(3, 400, uuid="6f1c2b1e-0000-4000-8000-000000000001"))
    with any_store.unit_of_work() as uow:
        assert len(uow.passages.all(event_id)) == 3


def test_corrections_come_back_exactly(any_store: Any) -> None:
    penalty = Correction(
        id="new",
        kind=CorrectionKind.ADD_PENALTY,
        start_no=7,
        by="clerk",
        at_us=1_777_215_600_000_000,
        why="push start",
        points=Decimal("12.50"),
    )
    with any_store.unit_of_work() as uow:
        event_id = uow.events.save(_event())
        first = uow.corrections.add(event_id, penalty, None)
        cancel = Correction(
            id="new",
            kind=CorrectionKind.CANCEL,
            start_no=7,
            by="clerk",
            at_us=2,
            why="appeal",
            cancels=str(first),
        )
        second = uow.corrections.add(event_id, cancel, None)
    with any_store.unit_of_work() as uow:
        assert uow.corrections.all(event_id) == [
            dataclasses.replace(penalty, id=str(first)),
            dataclasses.replace(cancel, id=str(second)),
        ]


def test_users_and_their_sessions(any_store: Any) -> None:
    with any_store.unit_of_work() as uow:
        ada = uow.users.add(username="Ada", password_hash="h1", role="organiser", start_no=None)
        uow.users.add(username="crew7", password_hash="h2", role="crew", start_no=7)
        uow.user_sessions.add(id_hash="a" * 64, user_id=ada.id, now_us=1_000)
        uow.user_sessions.add(id_hash="b" * 64, user_id=ada.id, now_us=2_000)
    with any_store.unit_of_work() as uow:
        assert uow.users.by_name("ADA") == (User(ada.id, "Ada", "organiser", None), "h1")
        assert [u.username for u in uow.users.all()] == ["crew7", "Ada"]  # by role, then name
        assert uow.users.count_with_role("organiser") == 1
        assert uow.user_sessions.open_user("a" * 64, 999) == (
            ada,
            uow.user_sessions.open_user("a" * 64, 0)[1],
            1_000,
        )
        assert uow.user_sessions.open_user("a" * 64, 1_000) is None  # started too long ago
        uow.user_sessions.end("a" * 64, 3_000)
        assert uow.user_sessions.open_user("a" * 64, 0) is None
        uow.users.set_password_hash(ada.id, "h3")
        uow.user_sessions.end_all_of(ada.id, 4_000)
        assert uow.user_sessions.open_user("b" * 64, 0) is None
        assert uow.users.set_role(ada.id, "timekeeper", None) == User(ada.id, "Ada", "timekeeper", None)
    with any_store.unit_of_work() as uow:
        assert uow.users.by_name("ada") == (User(ada.id, "Ada", "timekeeper", None), "h3")


def test_devices_assignments_and_tracking_settings(any_store: Any) -> None:
    with any_store.unit_of_work() as uow:
        event_id = uow.events.save(_event())
        uow.entries.replace(event_id, [_entry(7), _entry(8, EntryStatus.REFUSED)])
        uow.devices.save("car-7", "sha256:aa", "phone in the glovebox")
        uow.devices.save("spare", "", "")
        first = AssignmentRecord(
            device_id="spare", start_no=7, day_number=2, assigned_by="org", assigned_us=5
        )
        uow.assignments.add(event_id, first)
        uow.tracking.save(event_id, True, {"thresholds": {"stopped_min": 8}})
    with any_store.unit_of_work() as uow:
        uow.devices.save("car-7", "sha256:bb", "")  # re-keyed; the label stays
        assert uow.devices.token_hash("car-7") == "sha256:bb"
        assert uow.devices.token_hash("nobody") is None
        assert uow.devices.token_hashes() == {"car-7": "sha256:bb", "spare": ""}
        assert uow.devices.token_hashes(["spare", "nobody"]) == {"spare": ""}
        assert uow.assignments.history(event_id) == [first]
        assert sorted(uow.assignments.entry_devices(event_id)) == [("car-7", 7), ("car-8", 8)]
        assert uow.tracking.get(event_id) == (True, {"thresholds": {"stopped_min": 8}})
        assert uow.tracking.get(event_id + 1) is None


def test_one_open_alert_per_car_kind_and_subject(any_store: Any) -> None:
    def alert(subject: str, at: int) -> NewAlert:
        return NewAlert(
            start_no=7,
            kind="off_route",
            subject=subject,
            raised_us=at,
            lat=45.0,
            lon=9.0,
            message="400 m off",
        )

    with any_store.unit_of_work() as uow:
        event_id = uow.events.save(_event())
        raised = uow.alerts.raise_new(event_id, alert("", 10))
        assert raised is not None and (raised.kind, raised.raised_us, raised.resolved_us) == (
            "off_route",
            10,
            None,
        )
        assert uow.alerts.raise_new(event_id, alert("", 20)) is None  # still open
        other = uow.alerts.raise_new(event_id, alert("zone Calistoga", 30))
        assert other is not None
    with any_store.unit_of_work() as uow:
        seen = uow.alerts.acknowledge(raised.id, "Sweep 1", 40)
        assert (seen.acknowledged_by, seen.acknowledged_us) == ("Sweep 1", 40)
        assert uow.alerts.acknowledge(raised.id, "Sweep 2", 50).acknowledged_by == "Sweep 1"
        done = uow.alerts.resolve(other.id, "Marshal", 60)  # resolving also acknowledges
        assert (done.acknowledged_by, done.acknowledged_us, done.resolved_us) == ("Marshal", 60, 60)
        assert [a.id for a in uow.alerts.all(event_id, open_only=True)] == [raised.id]
        again = uow.alerts.raise_new(event_id, alert("zone Calistoga", 70))  # after resolution: a new one
        assert again is not None and again.id != other.id
        assert [a.raised_us for a in uow.alerts.all(event_id)] == [10, 30, 70]
        assert uow.events.counts(event_id)["open_alerts"] == 2


def test_publication_finality_and_protests(any_store: Any) -> None:
    with any_store.unit_of_work() as uow:
        event_id = uow.events.save(_event())
        assert uow.events.last_change(event_id) is None
        uow.events.set_published(event_id, True, 1_000)
        uow.events.declare_final(event_id, 2_000, "clerk")
        uow.passages.add_many(event_id, [_passage(1, 100)])  # recorded at 5
        filed = uow.protests.add(
            event_id,
            start_no=7,
            kind=ProtestKind.PROTEST,
            control="D1-TC1",
            text="clock wrong",
            by="crew7",
            at_us=10,
        )
    with any_store.unit_of_work() as uow:
        found = uow.events.find()
        assert (found.results_published, found.results_published_us, found.results_final_us) == (
            True,
            1_000,
            2_000,
        )
        assert found.results_final_by == "clerk"
        assert uow.events.last_change(event_id) == 5
        assert uow.protests.all(event_id) == [filed] and uow.protests.all(event_id, 8) == []
        assert (filed.decision, filed.decided_us, filed.correction_id) == (Decision.PENDING, None, None)
        decided = uow.protests.decide(
            filed.id,
            decision=Decision.REFUSED,
            answer="the clock was right",
            by="clerk",
            at_us=20,
            correction_id=None,
        )
        assert (decided.decision, decided.answer, decided.decided_by, decided.decided_us) == (
            Decision.REFUSED,
            "the clock was right",
            "clerk",
            20,
        )
        uow.events.set_published(event_id, True, 3_000)  # published again: provisional again
    with any_store.unit_of_work() as uow:
        found = uow.events.find()
        assert (found.results_published_us, found.results_final_us, found.results_final_by) == (
            3_000,
            None,
            "",
        )
        assert uow.protests.get(filed.id) == decided


def test_roadbook_edits_come_back_in_the_order_made_and_withdrawn_ones_are_kept(any_store: Any) -> None:
    with any_store.unit_of_work() as uow:
        event_id = uow.events.save(_event())
        later = uow.roadbook_edits.add(
            event_id,
            Edit(id=0, day=1, action=Action.REMOVE, anchor_m=820.0, lat=38.1, lon=-122.2, by="org", at_us=20),
        )
        first = uow.roadbook_edits.add(
            event_id,
            Edit(
                id=0,
                day=1,
                action=Action.CHANGE,
                anchor_m=410.5,
                lat=38.0,
                lon=-122.1,
                words="turn right at the church",
                note="! narrow bridge",
                stubs=(0, 270),
                by="org",
                at_us=10,
            ),
        )
        other_day = uow.roadbook_edits.add(
            event_id,
            Edit(
                id=0, day=2, action=Action.ADD, anchor_m=5.0, lat=39.0, lon=-123.0, stubs=(), by="o", at_us=5
            ),
        )
    with any_store.unit_of_work() as uow:
        assert uow.roadbook_edits.all(event_id, 1) == [first, later]
        assert first.stubs == (0, 270) and first.icon is None and other_day.stubs == ()
        assert uow.roadbook_edits.all(event_id) == [other_day, first, later]
        withdrawn = uow.roadbook_edits.withdraw(event_id, first.id, by="org2", at_us=30)
        assert withdrawn is not None and (withdrawn.withdrawn_by, withdrawn.withdrawn_us) == ("org2", 30)
        assert uow.roadbook_edits.withdraw(event_id, first.id, by="org2", at_us=31) is None
        assert uow.roadbook_edits.withdraw(event_id + 1, later.id, by="org2", at_us=31) is None
    with any_store.unit_of_work() as uow:
        assert uow.roadbook_edits.all(event_id, 1) == [later]
        assert uow.roadbook_edits.all(event_id, 1, withdrawn=True) == [withdrawn, later]


def test_an_events_street_map_is_kept_whole_and_replaced_by_the_next(any_store: Any) -> None:
    ways = [[0, 0, [[1, 38.1, -122.1], [2, 38.2, -122.2]]], [1, 1, [[3, 38.3, -122.3], [4, 38.4, -122.4]]]]
    with any_store.unit_of_work() as uow:
        event_id = uow.events.save(_event())
        assert uow.street_maps.get(event_id) is None
        uow.street_maps.save(
            event_id, StoredStreetMap(source_name="a.osm.pbf", ways=ways, stored_by="o", stored_us=5)
        )
    with any_store.unit_of_work() as uow:
        assert uow.street_maps.get(event_id) == StoredStreetMap(
            source_name="a.osm.pbf", ways=ways, stored_by="o", stored_us=5
        )
        uow.street_maps.save(
            event_id, StoredStreetMap(source_name="b.osm", ways=ways[:1], stored_by="p", stored_us=6)
        )
    with any_store.unit_of_work() as uow:
        found = uow.street_maps.get(event_id)
        assert found is not None and (found.source_name, found.ways, found.stored_us) == (
            "b.osm",
            ways[:1],
            6,
        )
