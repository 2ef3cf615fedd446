"""Build the demo event end to end: write its files, import them, store every car's synthetic GPS
track as positions, time the cars from those tracks, score them and publish the results.

The tracks are inputs like any tracker's: stored as positions first, then timed from what was stored.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from miglia.demo import Simulation, simulate_event, write_demo_event
from miglia.demo.photos import write_demo_photos
from miglia.domain.classification import Standing
from miglia.geo.track import Track
from miglia.roadbook.model import Kind
from miglia.service.accounts import users
from miglia.service.awards.items import seed_demo_items
from miglia.service.awards.juries import seed_demo_awards
from miglia.service.awards.votes import seed_demo_votes
from miglia.service.entries.demo import seed_demo_applications
from miglia.service.event import events
from miglia.service.event.routes import DayRoute
from miglia.service.hospitality.demo import seed_demo_hospitality
from miglia.service.live import enrolment
from miglia.service.live.ingest import insert_positions
from miglia.service.photos import gallery, upload
from miglia.service.photos.upload import Matched
from miglia.service.raw import store_raw
from miglia.service.roadbook import books
from miglia.service.timing.gps_timing import day_lines, gps_passages
from miglia.service.timing.results import score
from miglia.service.timing.timekeeper import store_passages
from miglia.store.db import Database
from miglia.tracking.fix import Fix

Progress = Callable[[str], None]
TRACK_INTERVAL_S = 10.0


# Accounts to try every role on the demo site; the password is the role's name followed by "-demo".
DEMO_ACCOUNTS = (
    ("organiser", "organiser", None),
    ("timekeeper", "timekeeper", None),
    ("marshal", "marshal", None),
    ("mechanic", "mechanic", None),
    ("crew7", "crew", 7),
    ("photographer", "photographer", None),
    ("scrutineer", "scrutineer", None),
)


def demo_password(username: str) -> str:
    return f"{username}-demo"


@dataclass(frozen=True)
class DemoSummary:
    name: str
    days: int
    km: float
    accepted: int
    refused: int
    controls: int
    positions: int
    passages: int
    top: list[tuple[Standing, str]]
    photos: Matched | None = None
    around: tuple[str, ...] = ()
    """A line each for the event around the race: applications, hotels and meals, the car show's vote, the
    juried awards and the commemorative items."""


def build_demo(
    directory: Path, progress: Progress = lambda _: None, seed: int = 1927
) -> tuple[Database, DemoSummary]:
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    progress("writing the event file, four routes and 71 entries")
    files = write_demo_event(directory, seed=seed)
    db = Database(f"sqlite:///{directory / 'miglia.db'}")
    progress("importing the event and its routes")
    event = events.import_event(db, files.event_toml)
    entries = events.import_entries(db, files.entries_csv)
    progress(
        f"driving {sum(e.accepted for e in entries)} cars over {len(event.days)} days "
        f"(synthetic GPS, one fix every {TRACK_INTERVAL_S:.0f} s)"
    )
    simulation = simulate_event(files.event_toml, seed=seed, interval_s=TRACK_INTERVAL_S)
    with db.unit_of_work() as uow:
        row = events.event_row(uow)
        routes = {
            n: DayRoute(r.source_name, r.length_m, r.coordinates).geometry()
            for n, r in events.routes(uow, row.id).items()
        }
        event_id = row.id
    progress("enrolling the cars' trackers (each phone sends its token)")
    enrolment.enrol(db, event_id)
    positions = _store_tracks(db, event_id, simulation, progress)
    progress("timing every car at every control from its GPS track")
    lines = day_lines(event, routes)
    passages = [
        (raw_id, p)
        for (start_no, day), (raw_id, track) in positions.items()
        for p in gps_passages(lines[day], start_no, track)
    ]
    with db.unit_of_work() as uow:
        store_passages(uow, event_id, passages, "gps")
    events.publish_results(db, True)
    for username, role, start_no in DEMO_ACCOUNTS:
        users.add_user(db, username, role, demo_password(username), start_no)
    progress("making the roadbooks, with a few of the organiser's corrections")
    _edit_roadbooks(db)
    progress("the photographers' pictures: drawing, uploading, matching them to the cars by their tracks")
    photos = _photos(db, directory, simulation, seed)
    progress("applications and the waitlist, scrutineering, hotels and meals")
    before = (seed_demo_applications(db), seed_demo_hospitality(db))
    progress("the car show: the spectators' vote, the juried awards, the sponsor's chronographs")
    around = (*before, seed_demo_votes(db, seed), seed_demo_awards(db, seed), seed_demo_items(db))
    progress("scoring under the mille-miglia rules")
    with db.unit_of_work() as uow:
        scored = score(uow)
    top = [
        (st, scored.entries[st.start_no].car.title)
        for st in scored.board.classification().overall.standings[:5]
    ]
    summary = DemoSummary(
        name=event.name,
        days=len(event.days),
        km=sum(r.length_m for r in routes.values()) / 1000,
        accepted=sum(e.accepted for e in entries),
        refused=sum(not e.accepted for e in entries),
        controls=sum(len(d.controls) for d in event.days),
        positions=sum(len(t) for _, t in positions.values()),
        passages=len(passages),
        top=top,
        photos=photos,
        around=around,
    )
    return db, summary


def _photos(db: Database, directory: Path, simulation: Simulation, seed: int) -> Matched:
    """Two photographers' uploads (demo/photos.py): Ansel's matched at once; Dorothea's placed at her spot
    on the map and matched once her camera's offset, proposed by the tracks, is accepted; two of the
    car show's pictures confirmed by hand, the rest left in the review queue."""
    with db.unit_of_work() as uow:
        event = events.load(uow)
    made = write_demo_photos(directory / "photos", event, simulation.tracks, seed)
    upload.import_folder(db, made.ansel, "Ansel Reyes")
    session, _ = upload.import_folder(db, made.dorothea, "Dorothea Lange")
    upload.set_spot(db, session.id, made.spot_day, *made.spot)
    proposal = upload.proposal(db, session.id)
    if proposal is not None:
        upload.set_offset(db, session.id, proposal[0], "proposed", "photographer")
    with db.unit_of_work() as uow:
        ids = {p.file_name: p.id for p in uow.photos.all(events.event_row(uow).id)}
    for shot in [s for s in made.shots if s.file.startswith("AR-show-")][:2]:
        if shot.file in ids and shot.start_no is not None:
            gallery.review(db, ids[shot.file], [shot.start_no], "photographer")
    with db.unit_of_work() as uow:
        found = uow.photos.all(events.event_row(uow).id)
    statuses = [p.status for p in found]
    return Matched(
        photos=len(found),
        tagged=statuses.count("tagged") + statuses.count("confirmed"),
        review=statuses.count("review"),
        unmatched=statuses.count("unmatched"),
        no_spot=statuses.count("no_spot"),
    )


def _edit_roadbooks(db: Database) -> None:
    """What an organiser proof-reading the generated roadbooks would do: name a landmark, warn of gravel,
    draw a side road, add a level crossing, drop a line crews do not need."""
    with db.unit_of_work() as uow:
        day1 = books.day_book(uow, 1).book.instructions
        day4 = books.day_book(uow, 4).book.instructions
    turns = [i for i in day1 if i.kind is Kind.TURN and i.km > 20]
    hairpin = next(i for i in day1 if i.kind is Kind.HAIRPIN)
    keep = next(i for i in day1 if i.words.startswith("keep"))
    books.change_line(
        db,
        1,
        turns[0].anchor_m,
        "organiser",
        words=f"{turns[0].words} at the Wagon Wheel saloon",
        stubs=str((turns[0].heading_in + 180 + 90) % 360),
    )
    books.change_line(db, 1, hairpin.anchor_m, "organiser", note="! gravel on the exit of the bend")
    books.add_line(db, 1, 12.34, "organiser", words="! level crossing", note="stop, look both ways")
    books.remove_line(db, 1, keep.anchor_m, "organiser")
    show = next(i for i in day4 if i.icon == "car_show")
    books.change_line(db, 4, show.anchor_m, "organiser", note="car show: follow the marshals to your place")


def _store_tracks(
    db: Database, event_id: int, simulation: Simulation, progress: Progress
) -> dict[tuple[int, int], tuple[int, Track]]:
    """One raw input per car and day (what generated it), then its positions; returns what was stored."""
    stored: dict[tuple[int, int], tuple[int, Track]] = {}
    keys = sorted(simulation.tracks)
    for done, key in enumerate(keys, start=1):
        track = simulation.tracks[key]
        start_no, day = key
        with db.unit_of_work() as uow:
            raw_id = store_raw(
                uow,
                event_id,
                "device_file",
                f"demo:{track.source}",
                "application/json",
                json.dumps(
                    {
                        "generator": "miglia.demo.simulate_event",
                        "start_no": start_no,
                        "day": day,
                        "fixes": len(track),
                        "interval_s": TRACK_INTERVAL_S,
                    }
                ),
            )
            fixes = [
                Fix(device_id=track.source, instant_us=t, lat=la, lon=lo)
                for t, la, lo in zip(track.t_us.tolist(), track.lat.tolist(), track.lon.tolist(), strict=True)
            ]
            insert_positions(uow, raw_id, fixes)
        stored[key] = (raw_id, track)
        if done % 40 == 0 or done == len(keys):
            progress(f"  stored tracks: {done}/{len(keys)} car-days")
    return stored
