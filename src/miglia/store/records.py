"""What the store returns and takes besides domain objects: frozen records of stored rows (so that what a
repository gives stays valid after its transaction ends and no caller handles an ORM row), their keys,
and the one conflict a use case may meet and handle."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from miglia.domain.passages import Passage

PassageKey = tuple[int, str, str, str, int]
"""(start number, control, line, source, instant): the same passage sent twice has the same key."""

PositionSpan = tuple[Sequence[str], int, int]
"""(devices, first instant, end instant): a car's positions on a day are its devices' in [first, end)."""


class AlreadyStored(Exception):
    """Another transaction stored the same passage (its client UUID) first; this one is rolled back."""


def passage_key(p: Passage) -> PassageKey:
    return (p.start_no, p.control, p.line, p.source.value, p.instant_us)


@dataclass(frozen=True, kw_only=True)
class EventRecord:
    """The stored event's own columns; `definition` is the event codec's JSON (formats.event_codec)."""

    id: int
    slug: str
    name: str
    timezone: str
    rules: str
    imported_us: int
    results_published: bool
    definition: dict[str, Any]
    source_name: str
    source_text: str
    """The event file as imported, word for word."""
    results_published_us: int | None = None
    """When the results were last published (provisional until declared final)."""
    results_final_us: int | None = None
    results_final_by: str = ""


@dataclass(frozen=True, kw_only=True)
class StoredRoute:
    day_number: int
    source_name: str
    length_m: float
    coordinates: list[list[float]]
    """[[lat, lon], ...] in driving order."""


@dataclass(frozen=True, kw_only=True)
class EventImport:
    """What an import of the event file writes over the event of the same slug."""

    slug: str
    name: str
    timezone: str
    rules: str
    source_name: str
    source_text: str
    definition: dict[str, Any]
    imported_us: int


@dataclass(frozen=True, kw_only=True)
class NewPassage:
    """A passage to store, with the raw input it was read from."""

    passage: Passage
    raw_id: int | None
    recorded_by: str
    recorded_us: int
    client_uuid: str | None = None


@dataclass(frozen=True, kw_only=True)
class PassageView:
    """A passage as stored (every source), for a car's private page or a control's list."""

    id: int
    start_no: int
    control: str
    line: str
    instant_us: int
    source: str
    recorded_by: str
    recorded_us: int


@dataclass(frozen=True, kw_only=True)
class AssignmentRecord:
    """Car `start_no` carries `device_id` on day `day_number` from `assigned_us` on."""

    device_id: str
    start_no: int
    day_number: int
    assigned_by: str
    assigned_us: int


@dataclass(frozen=True, kw_only=True)
class Alert:
    """A car in trouble as stored: raised, then acknowledged (someone is on it) and resolved, with who
    and when."""

    id: int
    start_no: int
    kind: str
    subject: str
    raised_us: int
    lat: float | None
    lon: float | None
    message: str
    acknowledged_by: str
    acknowledged_us: int | None
    resolved_by: str
    resolved_us: int | None

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True, kw_only=True)
class NewAlert:
    start_no: int
    kind: str
    subject: str
    raised_us: int
    lat: float | None
    lon: float | None
    message: str


@dataclass(frozen=True, kw_only=True)
class StoredStreetMap:
    """The roads near an event's routes as the organiser's OpenStreetMap extract had them."""

    source_name: str
    ways: list[list[Any]]
    """As `roadbook.osm.ways_to_json` writes them."""
    stored_by: str
    stored_us: int


@dataclass(frozen=True, kw_only=True)
class PhotoSession:
    """A photographer's upload session: the camera's offset (s to add to its times) and the spot of the
    photos that carry no position."""

    id: int
    photographer: str
    created_us: int
    offset_s: float = 0.0
    offset_how: str = ""
    """"" (not set), "typed", "car" (from a photo of a known car) or "proposed" (from the tracks)."""
    offset_by: str = ""
    offset_us: int | None = None
    spot_day: int | None = None
    spot_km: float | None = None
    spot_lat: float | None = None
    spot_lon: float | None = None


@dataclass(frozen=True, kw_only=True)
class NewPhoto:
    """A checked photo to store, with what matching made of it (`PhotoMatch`)."""

    session_id: int
    file_name: str
    photographer: str
    sha256: str
    media_type: str
    width: int
    height: int
    size_bytes: int
    camera: str
    exif_time: str
    camera_us: int
    exif_lat: float | None
    exif_lon: float | None
    uploaded_us: int


@dataclass(frozen=True, kw_only=True)
class PhotoMatch:
    """What the offset, the spot and the tracks make of a photo (derived again on every match)."""

    time_us: int
    day: int
    lat: float | None
    lon: float | None
    spot: str
    stop: str | None
    status: str
    candidates: tuple[tuple[int, float, float], ...] = ()
    """(start number, distance m, delta s), nearest in time first."""
    cars: tuple[int, ...] = ()
    """Tagged from the tracks."""


@dataclass(frozen=True, kw_only=True)
class Hiding:
    id: int
    hidden_by: str
    hidden_us: int
    why: str
    shown_by: str = ""
    shown_us: int | None = None


@dataclass(frozen=True, kw_only=True)
class StoredPhoto(NewPhoto):
    """A stored photo: the file as checked, and what matching and people made of it."""

    id: int
    time_us: int
    day: int
    lat: float | None
    lon: float | None
    spot: str
    stop: str | None
    status: str
    reviewed_by: str
    reviewed_us: int | None
    candidates: tuple[tuple[int, float, float], ...]
    cars: tuple[int, ...]
    """The cars it shows: a person's choice once reviewed, else those tagged from the tracks."""
    hidings: tuple[Hiding, ...] = ()

    @property
    def hidden(self) -> Hiding | None:
        """The hiding in force, if the organiser took the photo off the public pages."""
        live = [h for h in self.hidings if h.shown_us is None]
        return live[-1] if live else None
