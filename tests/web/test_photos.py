"""Photos on the web: the photographer uploads (file by file with JSON answers, or one plain form), sets
the spot and the offset, reviews; the public sees galleries and copies without metadata, never a hidden
photo; a crew downloads its own car's ZIP; the roles and bounds hold."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from miglia.store.db import Database
from tests.service.photos.helpers import Driven, drive_cars, photo_at
from tests.web.helpers import client_for, login, make_user


@pytest.fixture
def site(db: Database) -> tuple[Driven, TestClient]:
    driven = drive_cars(db)
    for name, role, car in [
        ("pat", "photographer", None),
        ("olga", "organiser", None),
        ("crew1", "crew", 1),
        ("crew2", "crew", 2),
    ]:
        make_user(db, name, role, car)
    return driven, client_for(db)


def _session(client: TestClient, token: str, **form: str) -> int:
    answer = client.post("/photos/sessions", data={"csrf": token, **form}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    found = re.fullmatch(r"/photos/sessions/(\d+)", answer.headers["location"])
    assert found
    return int(found.group(1))


def test_the_upload_file_by_file_then_matched_and_shown(site: tuple[Driven, TestClient]) -> None:
    driven, client = site
    token = login(client, "pat")
    session = _session(client, token, photographer="Pat Lens")
    headers = {"X-CSRF-Token": token, "Accept": "application/json"}
    one = client.post(
        f"/photos/sessions/{session}/files",
        files={"files": ("card/car1.jpg", photo_at(*driven.where(1, 3000)), "image/jpeg")},
        headers=headers,
    )  # a folder's upload names the file with its path: the name is kept
    assert one.status_code == 200
    (answer,) = one.json()["files"]
    assert answer["ok"] and answer["message"] == "car1.jpg: day 1, 08:05:00, placed by its GPS position"
    bad = client.post(
        f"/photos/sessions/{session}/files",
        files={"files": ("x.jpg", b"junk", "image/jpeg")},
        headers=headers,
    )
    assert bad.json()["files"][0] == {
        "name": "x.jpg",
        "photo_id": None,
        "message": "x.jpg: not a photo (JPEG, HEIC or PNG expected)",
        "ok": False,
    }
    matched = client.post(f"/photos/sessions/{session}/match", headers=headers).json()
    assert (matched["photos"], matched["tagged"]) == (1, 1)
    photo_id = answer["photo_id"]
    public = client_for(driven.db)
    page = public.get(f"/photos/{photo_id}")
    assert page.status_code == 200 and "Pat Lens" in page.text and 'href="/cars/1"' in page.text
    assert "car1.jpg" not in page.text  # the file name is for staff
    for size in ("thumb", "screen", "full"):
        copy = public.get(f"/photos/{photo_id}/{size}.jpg")
        assert copy.status_code == 200 and copy.headers["content-type"] == "image/jpeg"
        assert b"Exif" not in copy.content and not Image.open(io.BytesIO(copy.content)).getexif()
    assert public.get(f"/photos/{photo_id}/original.jpg").status_code == 404
    assert f"/photos/{photo_id}/thumb.jpg" in public.get("/cars/1").text
    assert f"/photos/{photo_id}" in public.get("/photos/day-1").text
    assert "Day 1" in public.get("/photos").text


def test_the_plain_form_uploads_many_and_the_review_confirms(site: tuple[Driven, TestClient]) -> None:
    driven, client = site
    token = login(client, "pat")
    session = _session(client, token)
    files = [
        ("files", ("alone.jpg", photo_at(*driven.where(1, 3000)), "image/jpeg")),
        ("files", ("pair.jpg", photo_at(*driven.where(2, 5000)), "image/jpeg")),
    ]
    answer = client.post(f"/photos/sessions/{session}/files", data={"csrf": token}, files=files)
    assert answer.status_code == 200
    assert "2 of 2 files stored; 2 photos matched: 1 tagged, 1 to review" in answer.text
    queue = client.get("/photos/review")
    (pair_id,) = re.findall(r'id="review-(\d+)"', queue.text)
    done = client.post(f"/photos/{pair_id}/review", data={"csrf": token, "car": ["3"]})
    assert "pair.jpg: confirmed, car 3." in done.text
    assert "Nothing to review" in client.get("/photos/review").text
    assert f"/photos/{pair_id}/thumb.jpg" in client_for(driven.db).get("/cars/3").text


def test_spot_and_offset_from_the_session_page(site: tuple[Driven, TestClient]) -> None:
    driven, client = site
    token = login(client, "pat")
    session = _session(client, token, offset_s="0")
    t, lat, lon = driven.where(1, 7000)
    headers = {"X-CSRF-Token": token, "Accept": "application/json"}
    client.post(
        f"/photos/sessions/{session}/files",
        files={"files": ("nogps.jpg", photo_at(t, None, None, camera_off_s=30.0), "image/jpeg")},
        headers=headers,
    )
    spot = client.post(
        f"/photos/sessions/{session}/spot",
        data={"day": "1", "lat": str(lat + 0.0002), "lon": str(lon)},
        headers=headers,
    ).json()
    assert spot["day"] == 1 and spot["km"] == pytest.approx(7.0, abs=0.03)
    page = client.post(
        f"/photos/sessions/{session}/offset", data={"csrf": token, "offset_s": "-30", "how": "typed"}
    )
    assert "Camera offset -30.0 s set; 1 photos matched: 1 tagged" in page.text
    refused = client.post(f"/photos/sessions/{session}/offset", data={"csrf": token, "offset_s": "999999"})
    assert "a camera offset is at most 24 h either way" in refused.text


def test_roles_hiding_and_the_crews_zip(site: tuple[Driven, TestClient]) -> None:
    driven, client = site
    public = client_for(driven.db)
    assert public.get("/photos/upload", follow_redirects=False).status_code in (303, 307)
    crew = client_for(driven.db)
    crew_token = login(crew, "crew1")
    assert crew.post("/photos/sessions", data={"csrf": crew_token}).status_code == 403
    token = login(client, "pat")
    session = _session(client, token)
    client.post(
        f"/photos/sessions/{session}/files",
        files={"files": ("car1.jpg", photo_at(*driven.where(1, 3000)), "image/jpeg")},
        headers={"X-CSRF-Token": token, "Accept": "application/json"},
    )
    client.post(f"/photos/sessions/{session}/match", headers={"X-CSRF-Token": token})
    archive = zipfile.ZipFile(io.BytesIO(crew.get("/cars/1/photos.zip").content))
    assert len(archive.namelist()) == 1
    assert crew.get("/cars/2/photos.zip").status_code == 403
    assert crew.get("/cars/9/photos.zip").status_code == 403
    organiser = client_for(driven.db)
    olga = login(organiser, "olga")
    photo_id = re.findall(r"/photos/(\d+)/thumb.jpg", public.get("/photos/day-1").text)[0]
    assert client.post(f"/photos/{photo_id}/hide", data={"csrf": token, "why": "x"}).status_code == 403
    hidden = organiser.post(f"/photos/{photo_id}/hide", data={"csrf": olga, "why": "the crew asked"})
    assert "Hidden from the public by olga" in hidden.text and "the crew asked" in hidden.text
    assert public.get(f"/photos/{photo_id}").status_code == 404
    assert public.get(f"/photos/{photo_id}/screen.jpg").status_code == 404
    assert f"/photos/{photo_id}/" not in public.get("/cars/1").text
    assert client.get(f"/photos/{photo_id}/screen.jpg").status_code == 200  # staff still see it
    organiser.post(f"/photos/{photo_id}/show", data={"csrf": olga})
    assert public.get(f"/photos/{photo_id}").status_code == 200
    assert public.get("/photos/99999999999").status_code == 404
    assert public.get("/photos/day-9").status_code == 404


def test_the_tracks_propose_the_cameras_offset_when_asked(site: tuple[Driven, TestClient]) -> None:
    driven, client = site
    token = login(client, "pat")
    session = _session(client, token)
    shots = [(1, 1500), (2, 3000), (1, 4500), (2, 6000)]
    files = [
        ("files", (f"s{i}.jpg", photo_at(*driven.where(car, m), camera_off_s=120.0, seed=i), "image/jpeg"))
        for i, (car, m) in enumerate(shots)
    ]
    client.post(f"/photos/sessions/{session}/files", data={"csrf": token}, files=files)
    page = client.get(f"/photos/sessions/{session}")
    assert "Find the offset from the cars' tracks" in page.text and "tracks propose" not in page.text
    asked = client.get(f"/photos/sessions/{session}", params={"propose": "1"})
    assert "The cars' tracks propose <strong>-120.0 s</strong>: 4 photos agree on it." in asked.text


def test_a_session_number_too_large_for_the_store_is_not_found(site: tuple[Driven, TestClient]) -> None:
    _, client = site
    login(client, "pat")
    assert client.get("/photos/sessions/9223372036854775808").status_code == 404
