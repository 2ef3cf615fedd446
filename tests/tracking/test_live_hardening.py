"""The live path tried as an attacker would (issue 15): each finding, reproduced, and what happens now.

- a fix with an absurd time is refused (400, the field named, kept raw) and no stored row, however bad,
  stops the server from starting;
- positions of a device that did not prove itself move no car and make no passage;
- a logger file needs a staff session or the device's token;
- bodies are bounded (413, only the size and first bytes kept), and so are the fixes of a message;
- a large batch is stored and followed in slices, other cars' positions in between.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import json
import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from miglia.domain.plausibility import TimeWindow
from miglia.service.live import ingest
from miglia.service.live.ingest import SLICE, Message
from miglia.service.live.tracker import Tracker, _Pending, _slice, _take
from miglia.store.db import Database
from miglia.store.models import PassageRow, PositionRow, RawInputRow
from miglia.tracking.fix import Fix
from tests.tracking.helpers import ROUTE, add_event, app_for, token
from tests.web.helpers import login, make_user, use_fast_hashes

T0 = 1_749_974_400  # 2025-06-15 08:00 UTC: the test event's first start
US = 1_000_000


def osmand(
    client: TestClient, device: str, stamp: object, lat: float = 45.01, secret: str | None = None
) -> dict:
    url = f"/ingest/osmand?id={device}&lat={lat}&lon=9&timestamp={stamp}"
    answer = client.get(url + (f"&token={secret}" if secret else ""))
    return {"status": answer.status_code, **answer.json()}


def raws(db: Database) -> list[RawInputRow]:
    with db.unit_of_work() as uow:
        return list(uow.session.scalars(select(RawInputRow).order_by(RawInputRow.id)))


# ---------------------------------------------------------------------------------------------- time


def test_the_time_window_worked_by_hand() -> None:
    window = TimeWindow(early_h=24, late_min=10)
    first = T0 * US  # 2025-06-15 08:00 UTC
    received = (T0 + 3600) * US
    assert window.bounds(first, received) == ((T0 - 86_400) * US, (T0 + 3600 + 600) * US)
    assert window.contains((T0 - 86_400) * US, first, received)  # 2025-06-14 08:00:00, the first instant
    assert not window.contains((T0 - 86_400) * US - 1, first, received)
    assert window.contains((T0 + 4200) * US, first, received) and not window.contains(
        (T0 + 4200) * US + 1, first, received
    )
    assert window.bounds(None, received)[0] == 946_684_800 * US  # no event: from 2000-01-01
    with pytest.raises(ValueError, match="early_h"):
        TimeWindow(early_h=-1)


@pytest.mark.parametrize(
    ("stamp", "shown"),
    [
        ("0001-01-01T00:00:00Z", None),  # year 1: decoded as out of range before the window
        (0, "1970-01-01T00:00:00Z"),  # epoch 0 was taken as a 1970 fix
        (T0 - 2 * 86_400, "2025-06-13T08:00:00Z"),  # two days before the first start
    ],
)
def test_an_implausible_time_is_refused_naming_the_field_and_kept_raw(
    db: Database, stamp: object, shown: str | None
) -> None:
    add_event(db, {7: "car7"})
    with TestClient(app_for(db)) as client:
        answer = osmand(client, "car7", stamp, secret=token("car7"))
        assert answer["status"] == 400
        assert answer["error"].startswith("osmand: field timestamp = ")
        if shown:
            assert (
                f"field timestamp = '{shown}': device 'car7': outside the plausible time window"
                in answer["error"]
            )
        assert client.get("/live/cars").json() == []
    [raw] = raws(db)
    assert not raw.accepted and raw.problem == answer["error"] and raw.body.startswith("id=car7&")


def test_a_fix_from_the_future_beyond_ten_minutes_is_refused(db: Database) -> None:
    add_event(db, {7: "car7"})
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=9)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=12)
    with TestClient(app_for(db)) as client:
        assert osmand(client, "car7", int(soon.timestamp()), secret=token("car7"))["status"] == 200
        refused = osmand(client, "car7", int(later.timestamp()), secret=token("car7"))
    assert refused["status"] == 400 and "10 min after the message came" in refused["error"]


def _seed_bad_rows(db: Database) -> None:
    """A raw message and, under it, every kind of position row that no tracker could send."""
    with db.engine.begin() as c:
        raw_id = c.execute(
            text(
                "INSERT INTO raw_inputs (kind, source, received_us, content_type, body, accepted, problem) "
                "VALUES ('position_osmand', 'seed', 0, '', '', true, '') RETURNING id"
            )
        ).scalar_one()
        rows = [
            ("bad-year-1", -62_135_596_800 * US, 45.0, 9.0),
            ("bad-epoch-0", 0, 45.0, 9.0),
            ("bad-far-future", 2**63 - 1, 45.0, 9.0),
            ("bad-latitude", (T0 + 60) * US, 1e308, 9.0),
            ("car7", (T0 + 60) * US, 45.01, 9.0),  # a real car, which must still be followed
        ]
        if db.engine.dialect.name == "postgresql":
            rows.append(("bad-nan", (T0 + 60) * US, float("nan"), 9.0))
        for device, instant, lat, lon in rows:
            c.execute(
                text(
                    "INSERT INTO positions (raw_id, device_id, instant_us, lat, lon, trusted) "
                    "VALUES (:r, :d, :t, :lat, :lon, true)"
                ),
                {"r": raw_id, "d": device, "t": instant, "lat": lat, "lon": lon},
            )


def test_start_up_skips_and_reports_every_kind_of_bad_stored_row(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The finding: a year-1 fix stored once made `load_live` raise OverflowError at every start."""
    use_fast_hashes(monkeypatch)
    add_event(db, {7: "car7", 8: "bad-year-1", 9: "bad-latitude"})
    _seed_bad_rows(db)
    make_user(db, "olga", "organiser")
    with TestClient(app_for(db)) as client:  # the lifespan warms the tracker: load_live runs here
        assert [c["start_no"] for c in client.get("/live/cars").json()] == [7]
        assert client.get("/").status_code == 200
        problems = client.app.state.tracker.problems
        assert "stored positions dated outside the plausible time window" in " ".join(problems)
        assert any("bad-latitude" in p for p in problems)
        login(client, "olga")
        console = client.get("/organiser").text
    assert "Left out of the live map at start-up" in console and "bad-latitude" in console


# ---------------------------------------------------------------------------------------------- trust


def test_spoofed_positions_make_no_passage_and_no_track(small_db: Database) -> None:
    """The finding: a stream of fixes with a car's device id and no token made GPS passages that changed
    its score. Car 3's device is not registered here: its positions are kept, and change nothing."""
    from tests.service.timing.helpers import batches, drive, small_lines

    with small_db.unit_of_work() as uow:
        uow.session.execute(text("DELETE FROM devices WHERE device_id = 'dev-3'"))
    _, lines = small_lines()
    track = drive(lines.route, T0_SMALL, 10.0)
    with TestClient(app_for(small_db)) as client:
        for body in batches(track, "dev-3"):
            assert client.post("/ingest/osmand", json=body).json()["stored"] > 0
        cars = client.get("/live/cars").json()
        page = client.get("/api/cars/3/track.geojson")
    with small_db.unit_of_work() as uow:
        assert uow.session.scalars(select(PassageRow)).all() == []
        assert set(uow.session.scalars(select(PositionRow.trusted))) == {False}
    assert cars == []
    assert page.status_code == 200 and page.json()["features"] == []  # no track on the public car page


T0_SMALL = 1_777_215_600 * US  # 2026-04-26 08:00 America/Los_Angeles: the small event's first start


def test_upload_needs_a_staff_session_or_the_devices_token(
    db: Database, real_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_fast_hashes(monkeypatch)
    add_event(db, {7: "car7-phone"}, day=dt.date(2019, 2, 18), enrol=False)
    make_user(db, "tim", "timekeeper")
    make_user(db, "mario", "marshal")
    gpx = real_data / "limerick-bus-304-2019-02-18.gpx"
    files = {"file": (gpx.name, gpx.read_bytes(), "application/gpx+xml")}
    with TestClient(app_for(db)) as client:
        anyone = client.post("/ingest/upload", data={"start_no": "7"}, files=files)
        assert anyone.status_code == 401 and "log in as organiser or timekeeper" in anyone.json()["error"]
        guessed = client.post("/ingest/upload", data={"start_no": "7", "token": "guess"}, files=files)
        assert guessed.status_code == 401 and "not registered" in guessed.json()["error"]
        csrf = login(client, "mario")
        marshal = client.post("/ingest/upload", data={"start_no": "7", "csrf": csrf}, files=files)
        assert marshal.status_code == 401
        client.post("/logout", data={"csrf": csrf})
        csrf = login(client, "tim")
        no_csrf = client.post("/ingest/upload", data={"start_no": "7"}, files=files)
        assert no_csrf.status_code == 403
        ok = client.post("/ingest/upload", data={"start_no": "7", "csrf": csrf}, files=files)
        assert ok.status_code == 200 and ok.json()["stored"] > 2000
    with db.unit_of_work() as uow:
        assert set(uow.session.scalars(select(PositionRow.trusted))) == {
            True
        }  # a timekeeper's upload is trusted


# ---------------------------------------------------------------------------------------------- bounds


def test_a_body_over_the_limit_is_refused_and_only_its_head_kept(db: Database) -> None:
    """The finding: 60 MB bodies were answered 200 and kept whole."""
    add_event(db, {7: "car7"})
    body = b'{"device_id": "car7", "location": [' + b" " * (5 * 1024 * 1024) + b"]}"
    with TestClient(app_for(db)) as client:
        for path in ("/ingest/osmand", "/ingest/owntracks", "/ingest/traccar"):
            answer = client.post(path, content=body, headers={"content-type": "application/json"})
            assert answer.status_code == 413, path
            assert (
                f"body of {len(body):,} bytes: a message may have 4,194,304 bytes at most"
                in answer.json()["error"]
            )
    kept = raws(db)
    assert [r.kind for r in kept] == ["position_osmand", "position_owntracks", "position_traccar"]
    assert all(
        not r.accepted and len(r.body) == 1024 and r.body.startswith('{"device_id": "car7"') for r in kept
    )


def test_a_message_of_more_than_ten_thousand_fixes_is_refused(db: Database) -> None:
    add_event(db, {7: "car7"})
    location = [
        {"timestamp": T0 + i, "coords": {"latitude": 45.0, "longitude": 9.0}}
        for i in range(ingest.MAX_FIXES + 1)
    ]
    with TestClient(app_for(db)) as client:
        answer = client.post(
            "/ingest/osmand",
            params={"token": token("car7")},
            json={"device_id": "car7", "location": location},
        )
    assert answer.status_code == 400
    assert (
        answer.json()["error"] == "osmand: field body = '10001 positions': send at most 10,000 in one message"
    )


# ---------------------------------------------------------------------------------------------- slices


def _pending(fixes: int) -> _Pending:
    return _Pending(Message("position_test", "t", "", "", [Fix("d", i, 45.0, 9.0) for i in range(fixes)]))


def test_a_group_commit_takes_at_most_a_slice_but_always_one_message() -> None:
    queue = [_pending(10_000), _pending(5), _pending(3)]
    assert len(_take(queue)) == 1  # the large one goes alone
    assert len(_take(queue[1:])) == 2
    assert len(_take([_pending(1_500), _pending(400), _pending(200)])) == 2  # 1,900; 2,100 would be over


def test_the_live_side_follows_a_large_batch_in_slices_with_newer_messages_first() -> None:
    big = [(Fix("big", i, 45.0, 9.0), 1) for i in range(10_000)]
    small = [(Fix("small", 1, 45.0, 9.0), 2)]
    done_big, done_small = threading.Event(), threading.Event()
    first, rest = _slice([(big, [done_big])])
    assert [len(f) for f, _ in first] == [SLICE] and [len(f) for f, _ in rest] == [8_000]
    assert first[0][1] == [] and rest[0][1] == [done_big]  # the sender is told once all is followed
    # a message comes meanwhile: it is followed in the next pass, before the rest of the large batch
    second, rest = _slice([*rest, (small, [done_small])])
    assert [(f[0][0].device_id, len(f)) for f, _ in second] == [("small", 1), ("big", SLICE - 1)]
    assert [len(f) for f, _ in rest] == [6_001] and rest[0][1] == [done_big]


def test_a_ten_thousand_fix_batch_is_stored_and_followed_whole(db: Database) -> None:
    add_event(db, {7: "car7"})
    tracker = Tracker(db)
    calls: list[int] = []
    original = tracker.follow

    def follow(fixes, watch=None):  # type: ignore[no-untyped-def]
        fixes = list(fixes)
        calls.append(len(fixes))
        original(fixes, watch)

    tracker.follow = follow  # type: ignore[method-assign]
    lat = [ROUTE[0][0] + i * 0.00001 for i in range(10_000)]
    fixes = [Fix("car7", (T0 + i) * US, lat[i], 9.0) for i in range(10_000)]
    receipt = tracker.receive(
        "position_osmand", "test", "application/json", json.dumps({"n": 10_000}), lambda: fixes, token("car7")
    )
    tracker.close()
    assert len(receipt.stored) == 10_000 and len(receipt.counted) == 10_000
    assert max(calls) <= SLICE and sum(calls) == 10_000
    assert [s.instant_us for s in tracker.states.values()] == [(T0 + 9_999) * US]


def test_a_large_message_is_stored_in_slices_with_other_cars_committed_in_between(db: Database) -> None:
    """The writer stores a 10,000-fix message a slice per transaction and goes back to the end of the
    queue after each: car 8's one fix, queued behind it, is committed and answered first."""
    add_event(db, {7: "car7", 8: "car8"})
    tracker = Tracker(db)
    fixes = [Fix("car7", (T0 + i) * US, 45.0 + i * 1e-6, 9.0) for i in range(10_000)]
    big = ingest.read("position_osmand", "test", "", "{}", lambda: fixes, token("car7"))
    small = ingest.read(
        "position_osmand", "test", "", "{}", lambda: [Fix("car8", T0 * US, 45.0, 9.0)], token("car8")
    )
    answered: list[str] = []
    pending = []
    for name, message in (("big", big), ("small", small)):
        waiting = _Pending(message, future=concurrent.futures.Future())
        assert waiting.future is not None
        waiting.future.add_done_callback(lambda _, name=name: answered.append(name))
        pending.append(waiting)
    tracker._queue = list(pending)
    tracker._start()
    receipts = [p.future.result(60) for p in pending if p.future is not None]
    tracker.close()
    assert answered == ["small", "big"]
    assert [len(r.stored) for r in receipts] == [10_000, 1]
    with db.unit_of_work() as uow:
        assert len(uow.session.scalars(select(RawInputRow)).all()) == 2  # one raw row for the large message
        assert len(uow.session.scalars(select(PositionRow.id)).all()) == 10_001


def test_a_logger_file_may_hold_a_whole_day_at_one_hertz() -> None:
    day = [Fix("car7", (T0 + i) * US, 45.0, 9.0) for i in range(36_000)]
    policy = ingest.Policy(first_day_us=T0 * US)
    received = (T0 + 40_000) * US
    as_file = Message("track_file", "t", "", "", day, received_us=received)
    as_message = Message("position_osmand", "t", "", "", day, received_us=received)
    assert ingest.bounds_problem(as_file, policy) is None
    problem = ingest.bounds_problem(as_message, policy)
    assert str(problem) == "osmand: field body = '36000 positions': send at most 10,000 in one message"
