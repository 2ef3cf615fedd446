"""Photo files on disk, beside the database: each original as uploaded (private: it keeps the camera's
EXIF, position included) and its re-encoded copies (no metadata), both named by the original's SHA-256,
so the same file uploaded twice is one file.

The folder is `MIGLIA_MEDIA`, or for a SQLite file `<its name>-media` beside it, else `miglia-media` in
the working directory; several workers on one machine share it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url

SUFFIXES = {"JPEG": ".jpg", "HEIF": ".heic", "PNG": ".png"}


def media_root(url: str) -> Path:
    explicit = os.environ.get("MIGLIA_MEDIA")
    if explicit:
        return Path(explicit)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        database = Path(str(parsed.database))
        return database.with_name(database.stem + "-media")
    return Path("miglia-media")


class MediaStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, sha256: str, media_type: str, original: bytes, copies: dict[str, bytes]) -> None:
        """Write the original and its copies (each file written whole, then renamed into place)."""
        _write(self.original_path(sha256, media_type), original)
        for size, data in copies.items():
            _write(self.copy_path(sha256, size), data)

    def original_path(self, sha256: str, media_type: str) -> Path:
        return self.root / "originals" / sha256[:2] / (sha256 + SUFFIXES.get(media_type, ".bin"))

    def copy_path(self, sha256: str, size: str) -> Path:
        return self.root / "copies" / sha256[:2] / sha256 / f"{size}.jpg"

    def logo_path(self, slug: str) -> Path:
        """The event's logo as imported, re-encoded (JPEG, no metadata)."""
        return self.root / "logos" / f"{slug}.jpg"

    def put_logo(self, slug: str, data: bytes) -> None:
        _write(self.logo_path(slug), data)

    def logo(self, slug: str) -> bytes | None:
        path = self.logo_path(slug)
        return path.read_bytes() if path.is_file() else None


def _write(path: Path, data: bytes) -> None:
    if path.exists() and path.stat().st_size == len(data):
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    # A reader (another worker serving the gallery) never sees half a file.
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as tmp:
        tmp.write(data)
    os.replace(tmp.name, path)
