"""`miglia timing rebuild`: GPS passages derived again from the stored positions are exactly those the live
path stored (to the microsecond, with the same raw input behind each), the rebuild is idempotent, it can
be scoped to a day or a control, and it follows a timing line that moved."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from typer.testing import CliRunner

from miglia.cli.main import app as cli
from miglia.domain.errors import InvalidInput
from miglia.service.event import events
from miglia.service.live.rebuild import rebuild
from miglia.store.db import Database
from miglia.store.models import PassageRow
from miglia.web.app import create_app
from tests.conftest import SMALL
from tests.service.live.test_live_timing import TOKEN, wait_for
from tests.service.timing.helpers import T0, batches, drive, small_lines

Stored = dict[tuple[int, str, str], tuple[int, int | None]]


def gps(db: Database) -> Stored:
    with db.unit_of_work() as uow:
        rows = uow.session.scalars(select(PassageRow).where(PassageRow.source == "gps")).all()
    return {(r.start_no, r.control, r.line): (r.instant_us, r.raw_id) for r in rows}


@pytest.fixture
def timed_live(small_db: Database) -> Stored:
    """Car 1 driven along day 1 at 10 m/s and sent through /ingest/osmand: what the live path stored."""
    _, lines = small_lines()
    track = drive(lines.route, T0, 10.0)
    with TestClient(create_app(small_db)) as client:
        for body in batches(track, "dev-1"):
            assert client.post("/ingest/osmand", json=body, params=TOKEN).status_code == 200
        assert wait_for(lambda: len(gps(small_db)) == len(lines.slots))
    return gps(small_db)


def test_rebuild_gives_what_the_live_path_stored(small_db: Database, timed_live: Stored) -> None:
    done = rebuild(small_db)
    assert gps(small_db) == timed_live  # same instants, same raw message behind each passage
    assert (done.days, done.cars, done.removed, len(done.stored)) == (
        (1,),
        1,
        len(timed_live),
        len(timed_live),
    )
    rebuild(small_db)  # idempotent
    assert gps(small_db) == timed_live


def test_a_scoped_rebuild_touches_only_its_control(small_db: Database, timed_live: Stored) -> None:
    with small_db.unit_of_work() as uow:
        uow.session.execute(PassageRow.__table__.delete().where(PassageRow.source == "gps"))
    done = rebuild(small_db, control="D1-PT1")
    assert done.controls == ("D1-PT1",)
    assert gps(small_db) == {k: v for k, v in timed_live.items() if k[1] == "D1-PT1"}
    rebuild(small_db, day=1)
    assert gps(small_db) == timed_live


def test_a_moved_timing_line_is_followed_and_moving_it_back_restores(
    small_db: Database, timed_live: Stored, tmp_path: Path
) -> None:
    shutil.copy(SMALL / "day1.gpx", tmp_path / "day1.gpx")
    original = (SMALL / "event.toml").read_text()
    moved = original.replace(
        'name = "D1-TC1"\nkind = "time_control"\nkm = 6.0', 'name = "D1-TC1"\nkind = "time_control"\nkm = 6.5'
    )
    assert moved != original
    (tmp_path / "event.toml").write_text(moved)
    events.import_event(small_db, tmp_path / "event.toml")
    rebuild(small_db, control="D1-TC1")
    after = gps(small_db)
    # 500 m further at 10 m/s: 50 s later (to the hundredth, where the line crosses the route)
    assert abs(after[(1, "D1-TC1", "")][0] - timed_live[(1, "D1-TC1", "")][0] - 50_000_000) < 100_000
    assert {k: v for k, v in after.items() if k[1] != "D1-TC1"} == {
        k: v for k, v in timed_live.items() if k[1] != "D1-TC1"
    }
    (tmp_path / "event.toml").write_text(original)
    events.import_event(small_db, tmp_path / "event.toml")
    rebuild(small_db, control="D1-TC1")
    assert gps(small_db) == timed_live


def test_bad_scopes_are_refused_naming_the_value(small_db: Database) -> None:
    with pytest.raises(InvalidInput, match="control = 'D9-X': no control of the event has this name"):
        rebuild(small_db, control="D9-X")
    with pytest.raises(InvalidInput, match=r"day = 4: the event's days are \[1\]"):
        rebuild(small_db, day=4)
    with pytest.raises(InvalidInput, match="control = 'D1-PT1': is on day 1, not day 2"):
        rebuild(small_db, day=2, control="D1-PT1")


def test_the_command(small_db: Database, timed_live: Stored) -> None:
    result = CliRunner().invoke(cli, ["timing", "rebuild", "--db", small_db.url])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("re-timed 1 cars from ")
    assert result.stdout.rstrip().endswith(
        f"day(s) 1: {len(timed_live)} GPS passages replaced by {len(timed_live)}"
    )
    assert gps(small_db) == timed_live


def test_a_void_of_a_replaced_gps_passage_is_named_and_nothing_changes(
    small_db: Database, timed_live: Stored
) -> None:
    from miglia.domain.corrections import CorrectionKind
    from miglia.service.timing import timekeeper

    with small_db.unit_of_work() as uow:
        passage_id = uow.session.scalars(
            select(PassageRow.id).where(PassageRow.source == "gps", PassageRow.control == "D1-TC1")
        ).one()
    void = timekeeper.add_correction(
        small_db,
        timekeeper.CorrectionRequest(
            kind=CorrectionKind.VOID_PASSAGE,
            start_no=1,
            by="tim",
            why="spike",
            control="D1-TC1",
            passage_id=passage_id,
        ),
    )
    with pytest.raises(
        InvalidInput, match=rf"corrections = '{void} \(car 1, D1-TC1\)': they void GPS passages"
    ):
        rebuild(small_db, control="D1-TC1")
    assert gps(small_db) == timed_live
    rebuild(small_db, control="D1-PT1")  # another control: the void is not in the way
    assert gps(small_db) == timed_live


def _store_track(db: Database, device: str, speed_ms: float, step_s: float, offset_s: int) -> None:
    from miglia.service.live.ingest import insert_positions
    from miglia.tracking.fix import Fix

    _, lines = small_lines()
    track = drive(lines.route, T0 + offset_s * 1_000_000, speed_ms, step_s)
    fixes = [
        Fix(device_id=device, instant_us=int(t), lat=float(la), lon=float(lo))
        for t, la, lo in zip(track.t_us, track.lat, track.lon, strict=True)
    ]
    with db.unit_of_work() as uow:
        [raw_id] = uow.positions.add_raws([(None, "device_file", "test", 0, "text/csv", "", True, "")])
        insert_positions(uow, raw_id, fixes)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    speeds=st.lists(st.floats(6.0, 30.0), min_size=1, max_size=3),
    step_s=st.sampled_from([1.0, 2.5, 5.0]),
    shift_m=st.sampled_from([-400, -150, 150, 400]),
)
def test_rebuild_is_idempotent_and_a_line_moved_and_back_restores_it(
    sqlite_url: str,
    tmp_path_factory: pytest.TempPathFactory,
    speeds: list[float],
    step_s: float,
    shift_m: int,
) -> None:
    folder = tmp_path_factory.mktemp("rebuild")
    db = Database(f"sqlite:///{folder / 'miglia.db'}")
    try:
        events.import_event(db, SMALL / "event.toml")
        events.import_entries(db, SMALL / "entries.csv")  # cars 1-3 carry dev-1, dev-2, dev-3
        for k, speed in enumerate(speeds):
            _store_track(db, f"dev-{k + 1}", speed, step_s, offset_s=60 * k)
        rebuild(db)
        first = gps(db)
        assert len(first) == len(speeds) * len(small_lines()[1].slots)  # every car crossed every line
        rebuild(db)
        assert gps(db) == first  # idempotent
        shutil.copy(SMALL / "day1.gpx", folder / "day1.gpx")
        original = (SMALL / "event.toml").read_text()
        moved_km = 6.0 + shift_m / 1000
        (folder / "event.toml").write_text(original.replace("km = 6.0\n", f"km = {moved_km}\n", 1))
        events.import_event(db, folder / "event.toml")
        rebuild(db, control="D1-TC1")
        (folder / "event.toml").write_text(original)
        events.import_event(db, folder / "event.toml")
        rebuild(db, control="D1-TC1")
        assert gps(db) == first  # moved and back: the original passages, to the microsecond
    finally:
        db.dispose()
