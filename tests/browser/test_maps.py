"""The map in a real browser with no internet: every request but Miglia's own is refused, and the /map page
still draws a base map (the shipped world map; the event's tile archive where it has tiles) with the
OpenStreetMap attribution. Screenshots at desktop and phone sizes in artifacts/screenshots/."""

from __future__ import annotations

import io
import math
import shutil
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw

from miglia.formats.trackfiles import read_route
from miglia.service.event import events
from miglia.store.db import Database
from tests.browser.conftest import SCREENSHOTS, serving
from tests.formats.tile_archives import write_pmtiles

SMALL = Path(__file__).resolve().parents[1] / "data" / "small"
SIZES = {"desktop": (1200, 900), "phone": (390, 844)}


def tile_of(lat: float, lon: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def grid_tile(z: int, x: int, y: int) -> bytes:
    """A survey-sheet tile: paper colour, a grid and its z/x/y, so a screenshot shows which tile is where."""
    image = Image.new("RGB", (256, 256), (236, 231, 218))
    draw = ImageDraw.Draw(image)
    for k in range(0, 256, 32):
        draw.line([(k, 0), (k, 255)], fill=(214, 206, 188))
        draw.line([(0, k), (255, k)], fill=(214, 206, 188))
    draw.rectangle([0, 0, 255, 255], outline=(120, 140, 110))
    draw.text((8, 8), f"{z}/{x}/{y}", fill=(80, 96, 70))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def zoom_of(tile_url: str) -> int:
    return int(tile_url.split("/tiles/")[1].split("/")[0])


def region_archive(path: Path, zooms: range) -> Path:
    """Grid tiles over the small event's route (and a tile around it) at `zooms`."""
    route = read_route(SMALL / "day1.gpx")
    tiles = {}
    for z in zooms:
        west, north = tile_of(float(route.lat.max()), float(route.lon.min()), z)
        east, south = tile_of(float(route.lat.min()), float(route.lon.max()), z)
        for x in range(west - 1, east + 2):
            for y in range(north - 1, south + 2):
                tiles[(z, x, y)] = grid_tile(z, x, y)
    return write_pmtiles(path, tiles, {"attribution": "Survey grid © Miglia tests"})


def draw_offline(
    browser: Any, url: str, size: tuple[int, int], shot: str, zoom_out_to: float | None = None
) -> dict[str, Any]:
    """Open /map with every request off 127.0.0.1 refused (zoomed out with its "−" button to `zoom_out_to`
    if given); what the map loaded."""
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    asked: list[str] = []
    refused: list[str] = []

    def only_miglia(route: Any) -> None:
        request_url = route.request.url
        if request_url.startswith(url):
            asked.append(request_url)
            route.continue_()
        else:
            refused.append(request_url)
            route.abort()

    page.route("**/*", only_miglia)
    page.goto(url + "/map")
    page.wait_for_selector("#map[data-loaded='true']")
    page.wait_for_selector("#map[data-tiles-source='miglia']")
    fitted = page.evaluate("window.migliaMap.getZoom()")
    while zoom_out_to is not None and page.evaluate("window.migliaMap.getZoom()") > zoom_out_to:
        page.get_by_role("button", name="Zoom out").click()
        page.wait_for_timeout(300)
    page.wait_for_selector("#map img.leaflet-tile-loaded >> nth=3")  # four tiles drawn (no eval: the CSP)
    page.wait_for_timeout(600)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / shot), full_page=False)
    found = {
        "refused": refused,
        "tiles": [u for u in asked if "/tiles/" in u and u.endswith(".png")],
        "attribution": page.inner_text(".leaflet-control-attribution"),
        "link": page.get_attribute(".leaflet-control-attribution a[href*='openstreetmap']", "href"),
        "fitted": fitted,
        "zoom": page.evaluate("window.migliaMap.getZoom()"),
        "broken": page.evaluate(
            "[...document.querySelectorAll('#map img.leaflet-tile')]"
            ".filter(i => i.complete && !i.naturalWidth).map(i => i.src)"
        ),
    }
    context.close()
    return found


@pytest.mark.parametrize("size", list(SIZES))
def test_the_map_draws_the_shipped_world_map_with_no_internet(
    small_db: Database, browser: Any, size: str
) -> None:
    """The small event's loop fits at zoom 13, far past the base map's 6: zoomed out to 8 (what a
    several-day event fits at), the world map shows, its zoom 6 tiles enlarged."""
    with serving(small_db) as url:
        found = draw_offline(browser, url, SIZES[size], f"map_offline_basemap_{size}.png", zoom_out_to=8)
    assert found["refused"] == []  # the page asks nothing of the internet
    assert found["fitted"] > 12 and found["zoom"] <= 8
    assert found["tiles"] and {zoom_of(u) for u in found["tiles"]} == {6}
    assert "© OpenStreetMap contributors" in found["attribution"]
    assert found["link"] == "https://www.openstreetmap.org/copyright"
    assert found["broken"] == []


@pytest.mark.parametrize("size", list(SIZES))
def test_the_events_tile_archive_is_drawn_where_it_has_tiles(
    db: Database, tmp_path: Path, browser: Any, size: str
) -> None:
    folder = tmp_path / "event"
    folder.mkdir()
    shutil.copy(SMALL / "day1.gpx", folder / "day1.gpx")
    region_archive(folder / "sonoma.pmtiles", range(7, 15))
    text = (SMALL / "event.toml").read_text().replace("[event]\n", '[event]\ntiles = "sonoma.pmtiles"\n', 1)
    (folder / "event.toml").write_text(text)
    events.import_event(db, folder / "event.toml")
    with serving(db) as url:
        found = draw_offline(browser, url, SIZES[size], f"map_offline_archive_{size}.png")
    assert found["refused"] == []
    assert {zoom_of(u) for u in found["tiles"]} == {int(found["zoom"])}  # the archive's own zoom 13
    assert "Survey grid © Miglia tests" in found["attribution"]
    assert "OpenStreetMap contributors" in found["attribution"]
    assert found["broken"] == []
