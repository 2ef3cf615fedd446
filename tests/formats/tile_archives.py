"""Small tile archives for tests, built here: PNG tiles drawn with Pillow, written as MBTiles (SQLite) and
PMTiles (the pmtiles writer)."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

from PIL import Image

Tiles = dict[tuple[int, int, int], bytes]


def png_tile(colour: tuple[int, int, int], size: int = 256) -> bytes:
    """A plain tile of one colour (each test tile has its own, so a tile served is known by its bytes)."""
    out = io.BytesIO()
    Image.new("RGB", (size, size), colour).save(out, format="PNG")
    return out.getvalue()


def region_tiles() -> Tiles:
    """Tiles of the San Francisco Bay at zooms 7 and 8 (x, y from the north), and one at zoom 2."""
    return {
        (2, 0, 1): png_tile((200, 10, 10)),
        (7, 20, 49): png_tile((10, 200, 10)),
        (8, 41, 98): png_tile((10, 10, 200)),
        (8, 41, 99): png_tile((10, 120, 200)),
    }


def write_mbtiles(path: Path, tiles: Tiles, metadata: dict[str, str] | None = None) -> Path:
    meta = {
        "name": "Bay Area",
        "format": "png",
        "attribution": "© OpenStreetMap contributors",
        **(metadata or {}),
    }
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE metadata (name text, value text)")
        db.execute(
            "CREATE TABLE tiles (zoom_level integer, tile_column integer, tile_row integer, tile_data blob)"
        )
        db.executemany("INSERT INTO metadata VALUES (?, ?)", meta.items())
        db.executemany(
            "INSERT INTO tiles VALUES (?, ?, ?, ?)",
            [
                (z, x, 2**z - 1 - y, data) for (z, x, y), data in tiles.items()
            ],  # MBTiles rows count from the south
        )
    return path


def write_pmtiles(
    path: Path, tiles: Tiles, metadata: dict[str, str] | None = None, tile_type: str = "PNG"
) -> Path:
    from pmtiles.tile import Compression, TileType, zxy_to_tileid
    from pmtiles.writer import write

    meta = {
        "name": "Bay Area",
        "attribution": '<a href="https://www.openstreetmap.org/copyright">© OpenStreetMap contributors</a>',
        **(metadata or {}),
    }
    with write(str(path)) as writer:
        for tile_id, data in sorted((zxy_to_tileid(*zxy), data) for zxy, data in tiles.items()):
            writer.write_tile(tile_id, data)
        writer.finalize(
            {
                "tile_type": getattr(TileType, tile_type),
                "tile_compression": Compression.NONE,
                "min_lon_e7": int(-123.0 * 1e7),
                "min_lat_e7": int(37.0 * 1e7),
                "max_lon_e7": int(-121.5 * 1e7),
                "max_lat_e7": int(38.5 * 1e7),
                "center_zoom": 8,
                "center_lon_e7": int(-122.4 * 1e7),
                "center_lat_e7": int(37.8 * 1e7),
            },
            json.loads(json.dumps(meta)),
        )
    return path
