"""Photos uploaded and matched to the cars, on SQLite and PostgreSQL: cars 1-3 of the small event driven
along day 1 at 10 m/s (car 2 one minute after car 1, car 3 two seconds behind car 2), photos taken on
their tracks. A photo of one car alone is tagged with it; of two cars seconds apart, it goes to review;
a camera clock off is found from the tracks; bad files are refused one by one and the rest go on."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from miglia.domain.errors import InvalidInput
from miglia.domain.photos import PhotoStatus, flat_distance_m
from miglia.service.photos import gallery, upload
from miglia.store.db import Database
from miglia.store.records import StoredPhoto
from tests.service.photos.helpers import Driven, drive_cars, photo_at

LUNCH = "The Girl & the Fig"
"""The small event's lunch stop, about 200 m from the route's start."""


@pytest.fixture
def driven(db: Database) -> Driven:
    return drive_cars(db)


def stored(db: Database) -> dict[str, StoredPhoto]:
    with db.unit_of_work() as uow:
        return {p.file_name: p for p in uow.photos.all(1)}


def test_a_photo_of_one_car_is_tagged_and_two_cars_seconds_apart_go_to_review(driven: Driven) -> None:
    db = driven.db
    session = upload.open_session(db, "Ansel")
    alone = driven.where(1, 3000)
    pair = driven.where(2, 5000)
    upload.add_files(db, session.id, [("alone.jpg", photo_at(*alone)), ("pair.jpg", photo_at(*pair))])
    photos = stored(db)
    first = photos["alone.jpg"]
    assert (first.status, first.cars, first.day, first.spot) == ("tagged", (1,), 1, "exif")
    # car 1 at the spot at the photo's time; car 2 a minute later, on the same fix; car 3 20 m short then
    assert first.candidates == ((1, 0.0, 0.0), (2, 0.0, 60.0), (3, 20.0, 60.0))
    second = photos["pair.jpg"]
    assert (second.status, second.cars) == ("review", ())
    assert [n for n, _, _ in second.candidates] == [2, 3, 1]
    assert second.candidates[1] == (3, 0.0, 2.0)


def test_the_review_records_who_chose_which_cars_and_a_new_match_keeps_it(driven: Driven) -> None:
    db = driven.db
    session = upload.open_session(db, "Ansel")
    upload.add_files(db, session.id, [("pair.jpg", photo_at(*driven.where(2, 5000)))])
    (photo,) = stored(db).values()
    with db.unit_of_work() as uow:
        assert [p.id for p in gallery.review_queue(uow)] == [photo.id]
    done = gallery.review(db, photo.id, [3, 2], "ansel")
    assert (done.status, done.cars, done.reviewed_by) == ("confirmed", (2, 3), "ansel")
    changed = gallery.review(db, photo.id, [3], "olga")  # a second opinion replaces the first
    assert (changed.cars, changed.reviewed_by) == ((3,), "olga")
    upload.match_all(db)
    again = stored(db)["pair.jpg"]
    assert (again.status, again.cars) == ("confirmed", (3,))
    with db.unit_of_work() as uow:
        assert gallery.review_queue(uow) == []
    with pytest.raises(InvalidInput, match="car = 99: no entry has this start number"):
        gallery.review(db, photo.id, [99], "ansel")


def test_a_photo_at_a_stop_is_the_stops_and_its_cars_wait_for_a_person(driven: Driven) -> None:
    db = driven.db
    session = upload.open_session(db, "Ansel")
    t, lat, lon = driven.where(1, 0)  # the start, 209 m from the lunch stop
    upload.add_files(db, session.id, [("lunch.jpg", photo_at(t, lat, lon))])
    photo = stored(db)["lunch.jpg"]
    assert (photo.stop, photo.status, photo.cars) == (LUNCH, "review", ())
    assert photo.candidates[0][0] == 1


def test_photos_without_gps_take_the_sessions_spot_snapped_to_the_route(driven: Driven) -> None:
    db = driven.db
    session = upload.open_session(db, "Dorothea")
    t, lat, lon = driven.where(1, 7000)
    upload.add_files(db, session.id, [("nogps.jpg", photo_at(t, None, None))])
    assert stored(db)["nogps.jpg"].status == "no_spot"
    # a click 0.0003 degrees north of the route (about 33 m): snapped onto it, at km 7.00
    km, s_lat, s_lon = upload.set_spot(db, session.id, 1, lat + 0.0003, lon)
    assert flat_distance_m(s_lat, s_lon, lat, lon) < 40.0
    assert km == pytest.approx(7.0, abs=0.04)
    assert abs(s_lat - lat) < 0.0003
    photo = stored(db)["nogps.jpg"]
    assert (photo.spot, photo.status, photo.cars) == ("session", "tagged", (1,))


def test_a_wrong_camera_clock_is_found_from_the_tracks_and_then_the_photos_match(driven: Driven) -> None:
    """A camera 200 s fast: its photos of cars 1 and 2 agree on -200 s only (cars keeping one schedule also
    make a false peak one start interval off, which only some photos share)."""
    db = driven.db
    session = upload.open_session(db, "Dorothea")
    shots = [(1, 1500), (2, 3000), (1, 4500), (2, 6000), (1, 8000), (2, 9500)]
    files = [
        (f"off{i}.jpg", photo_at(*driven.where(car, m), camera_off_s=200.0, seed=i))
        for i, (car, m) in enumerate(shots)
    ]
    upload.add_files(db, session.id, files)
    assert all(p.cars == () for p in stored(db).values())
    proposal = upload.proposal(db, session.id)
    assert proposal is not None
    offset, agreeing = proposal
    assert offset == pytest.approx(-200.0, abs=2.0)
    assert agreeing == len(shots)
    upload.set_offset(db, session.id, offset, "proposed", "dorothea")
    photos = stored(db)
    for i, (car, _) in enumerate(shots):
        photo = photos[f"off{i}.jpg"]
        # car 1 alone; car 2 with car 3 two seconds behind: a person decides
        assert (photo.cars, photo.status) == (((1,), "tagged") if car == 1 else ((), "review"))
        assert photo.candidates[0][0] == car
    with db.unit_of_work() as uow:
        kept = uow.photos.session(1, session.id)
    assert kept is not None and (kept.offset_how, kept.offset_by) == ("proposed", "dorothea")


def test_the_offset_from_a_photo_of_a_known_car(driven: Driven) -> None:
    db = driven.db
    session = upload.open_session(db, "Dorothea")
    t, lat, lon = driven.where(1, 4000)
    upload.add_files(db, session.id, [("known.jpg", photo_at(t, lat, lon, camera_off_s=-95.0))])
    photo = stored(db)["known.jpg"]
    assert photo.cars == ()
    offset = upload.offset_from_car(db, session.id, photo.id, 1, "dorothea")
    assert offset == pytest.approx(95.0, abs=1.0)
    assert stored(db)["known.jpg"].cars == (1,)
    with pytest.raises(InvalidInput, match="car = 4: its track does not pass"):
        upload.offset_from_car(db, session.id, photo.id, 4, "dorothea")


def test_bad_files_are_refused_one_by_one_and_the_rest_go_on(driven: Driven) -> None:
    db = driven.db
    session = upload.open_session(db, "Ansel")
    good = photo_at(*driven.where(1, 3000))
    years_off = photo_at(driven.where(1, 3000)[0] - 7 * 365 * 86_400 * 1_000_000, None, None)
    no_time = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(no_time, "JPEG")
    added = upload.add_files(
        db,
        session.id,
        [
            ("notes.txt", b"not a picture"),
            ("old.jpg", years_off),
            ("plain.jpg", no_time.getvalue()),
            ("good.jpg", good),
            ("again.jpg", good),
        ],
    )
    messages = [a.message for a in added]
    assert messages[0] == "notes.txt: not a photo (JPEG, HEIC or PNG expected)"
    assert messages[1].startswith("old.jpg: time = '2019-04-")
    assert "not on a day of the event (26 Apr 2026 to 26 Apr 2026)" in messages[1]
    assert messages[2] == "plain.jpg: no time in its EXIF; Miglia needs the camera's time"
    assert messages[4] == f"again.jpg: already uploaded (photo {added[3].photo_id}), kept once"
    assert [a.ok for a in added] == [False, False, False, True, True]
    assert list(stored(db)) == ["good.jpg"]


def test_public_copies_carry_no_position_and_a_hidden_photo_leaves_the_galleries(driven: Driven) -> None:
    db = driven.db
    session = upload.open_session(db, "Ansel")
    upload.add_files(db, session.id, [("alone.jpg", photo_at(*driven.where(1, 3000)))])
    photo = stored(db)["alone.jpg"]
    for size in ("thumb", "screen", "full"):
        data = db.media.copy_path(photo.sha256, size).read_bytes()
        assert b"Exif" not in data and not Image.open(io.BytesIO(data)).getexif()
    original = db.media.original_path(photo.sha256, photo.media_type).read_bytes()
    assert b"Exif" in original  # the original is kept as received, privately
    archive = zipfile.ZipFile(io.BytesIO(gallery.car_zip(db, 1)))
    (name,) = archive.namelist()
    assert name == f"car1-day1-080500-Ansel-{photo.id}.jpg"
    assert archive.read(name) == db.media.copy_path(photo.sha256, "full").read_bytes()
    with pytest.raises(InvalidInput, match="why"):
        gallery.hide(db, photo.id, "olga", "  ")
    gallery.hide(db, photo.id, "olga", "the crew asked")
    with db.unit_of_work() as uow:
        assert gallery.car_photos(uow, 1) == [] and gallery.day_photos(uow, 1) == []
        hidden = gallery.photo(uow, photo.id, staff=True).hidden
        assert hidden is not None and (hidden.hidden_by, hidden.why) == ("olga", "the crew asked")
    gallery.show(db, photo.id, "olga")
    with db.unit_of_work() as uow:
        assert [p.id for p in gallery.car_photos(uow, 1)] == [photo.id]
        assert [h.shown_by for h in gallery.photo(uow, photo.id).hidings] == ["olga"]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(at_m=st.floats(1000, 13000), car=st.sampled_from([1, 2]), jitter_s=st.floats(-0.9, 0.9))
def test_a_photo_on_a_cars_track_is_that_car_or_goes_to_review_never_to_another(
    driven: Driven, at_m: float, car: int, jitter_s: float
) -> None:
    """Wherever along the route, whichever car: tagged with that car, or (car 2, with car 3 two seconds
    behind) left for review, never tagged with the wrong car."""
    db = driven.db
    t, lat, lon = driven.where(car, at_m)
    session = upload.open_session(db, "Ansel")
    added = upload.add_files(
        db, session.id, [("p.jpg", photo_at(t + round(jitter_s * 1e6), lat, lon, seed=int(at_m)))]
    )
    with db.unit_of_work() as uow:
        photo = uow.photos.get(1, added[0].photo_id or 0)
    assert photo is not None
    assert photo.cars in ((car,), ()), photo
    assert photo.status == ("tagged" if car == 1 else "review") or photo.stop is not None
    assert PhotoStatus(photo.status)
