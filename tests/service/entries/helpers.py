"""What the entries service tests share: the small event open for applications, and a filled form."""

from __future__ import annotations

from miglia.formats.photo_file import make_photo
from miglia.service.entries import applications
from miglia.store.db import Database
from tests.web.helpers import with_event

DEADLINE = "2099-01-31"


def form(**changes: str) -> dict[str, str]:
    values = {
        "make": "Lancia",
        "model": "Aurelia B20 GT",
        "year": "1953",
        "displacement_cc": "1991",
        "category": "gran_turismo",
        "history": "raced",
        "chassis": "B20-1234",
        "engine_no": "B20-5678",
        "coachwork": "Pinin Farina",
        "story": "Raced at the 1954 Mille Miglia.",
        "driver_name": "Paola Neri",
        "driver_email": "paola.neri@example.org",
        "driver_phone": "+39 055 123 4567",
        "driver_licence": "FI1234567",
        "driver_emergency": "Marco Neri +39 055 765 4321",
        "driver_diet": "vegetarian",
        "driver_size": "M",
        "co_name": "Giulia Neri",
        "co_email": "giulia.neri@example.org",
        "co_phone": "+39 055 222 3333",
        "co_licence": "FI7654321",
        "co_emergency": "Luca Neri +39 055 444 5555",
        "co_diet": "",
        "co_size": "S",
        "consent": "yes",
    }
    return values | changes


SOLO = {
    f: "" for f in ("co_name", "co_email", "co_phone", "co_licence", "co_emergency", "co_diet", "co_size")
}
"""The form's changes for a crew of one."""


def photo(seed: int = 0) -> applications.Upload:
    """A car's photo as a phone would send it: a JPEG with the camera's EXIF, its position included."""
    data = make_photo(width=640, height=480, lat=38.29, lon=-122.46, camera="Phone", seed=seed)
    return applications.Upload(f"car-{seed}.jpg", data)


def open_event(db: Database, places: int | None = None) -> Database:
    """The small event (4 entries, 3 accepted), open for applications until 2099 with `places` places
    (default: the 3 accepted entries and 2 more)."""
    with_event(db)
    applications.save_settings(db, DEADLINE, 5 if places is None else places, 72, "olga")
    return db


def apply(db: Database, **changes: str) -> applications.Applied:
    return applications.apply(db, form(**changes), [photo()])
