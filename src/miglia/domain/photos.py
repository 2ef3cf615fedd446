"""The rules for the photographers' pictures: when a photo was taken, on which day, at which stop, and
what becomes of the cars its spot and time point to.

A camera writes the local time it believes (EXIF DateTimeOriginal), often without its zone and often
minutes off. The photographer gives the camera's offset once per upload session (seconds to add to the
camera's time); a camera time without a zone is read in the event's time zone, where the photographer
stood. A photo must fall on one of the event's days: a time years off is refused, naming it.

What the tracks say about a photo (`decide`):
- no car passed within reach of the spot around that time: unmatched (a landscape, a marshal, a car
  without a tracker);
- one car clearly nearest in time: tagged with that car, at once;
- several cars within seconds of each other: review, a person picks the car (never a guess);
- a photo at a stop (lunch, hotel, car show: cars stand there for hours, so time says nothing): tagged to
  the stop, and to cars only when a person confirms them.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from miglia.domain.errors import InvalidInput
from miglia.domain.event import Event
from miglia.domain.instants import US_PER_S, datetime_to_us, us_to_local, zone

STOP_RADIUS_M = 250.0
"""A photo taken this close to a stop's place is a photo of the stop (a restaurant's car park, a show)."""

MAX_OFFSET_S = 24 * 3600
"""A camera offset beyond a day is a wrong date, not a slow clock: refused."""


class PhotoStatus(StrEnum):
    PENDING = "pending"
    """Stored, not matched yet (an upload in progress: matching runs once the files are in)."""
    TAGGED = "tagged"
    """One car clearly in it, tagged from the tracks."""
    REVIEW = "review"
    """Doubtful: waiting for a person to pick the car(s)."""
    CONFIRMED = "confirmed"
    """A person decided which cars it shows (perhaps none)."""
    UNMATCHED = "unmatched"
    """No car passed the spot around that time."""
    NO_SPOT = "no_spot"
    """Neither the photo nor its session gives a place: only a person can tag it."""

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    PhotoStatus.PENDING: "Not matched yet",
    PhotoStatus.TAGGED: "Tagged from the tracks",
    PhotoStatus.REVIEW: "To review",
    PhotoStatus.CONFIRMED: "Confirmed by hand",
    PhotoStatus.UNMATCHED: "No car there",
    PhotoStatus.NO_SPOT: "No place known",
}


class SpotSource(StrEnum):
    EXIF = "exif"
    """The camera's own GPS."""
    SESSION = "session"
    """The photographer's spot for the upload session, chosen on the route's map."""
    NONE = "none"


@dataclass(frozen=True, kw_only=True)
class Candidate:
    """A car whose track passed the photo's spot: its closest approach (m) and when (s, minus the photo's
    corrected time)."""

    start_no: int
    distance_m: float
    delta_s: float


@dataclass(frozen=True, kw_only=True)
class Decision:
    status: PhotoStatus
    cars: tuple[int, ...]
    """The cars tagged now (from the tracks); a person's choice is recorded separately."""
    candidates: tuple[Candidate, ...]
    """Nearest in time first."""
    stop: str | None


def decide(candidates: Sequence[Candidate], clear: bool, stop: str | None, has_spot: bool) -> Decision:
    """What the tracks say about a photo (see the module's description)."""
    found = tuple(candidates)
    if not has_spot:
        return Decision(status=PhotoStatus.NO_SPOT, cars=(), candidates=(), stop=None)
    if stop is not None:
        # cars stand at a stop for hours (and trackers are often off there): only a person can tell
        return Decision(status=PhotoStatus.REVIEW, cars=(), candidates=found, stop=stop)
    if not found:
        return Decision(status=PhotoStatus.UNMATCHED, cars=(), candidates=(), stop=None)
    if clear:
        return Decision(status=PhotoStatus.TAGGED, cars=(found[0].start_no,), candidates=found, stop=None)
    return Decision(status=PhotoStatus.REVIEW, cars=(), candidates=found, stop=None)


def camera_instant_us(taken_local: dt.datetime, utc_offset_min: int | None, timezone: str) -> int:
    """The instant (µs UTC) the camera's clock showed: its own zone when it wrote one, else the event's."""
    if utc_offset_min is not None:
        aware = taken_local.replace(tzinfo=dt.timezone(dt.timedelta(minutes=utc_offset_min)))
    else:
        aware = taken_local.replace(tzinfo=zone(timezone))
    return datetime_to_us(aware)


def check_offset(offset_s: float, where: str = "upload") -> float:
    """A camera offset in seconds, refused beyond a day (a wrong date is fixed in the camera, not here)."""
    if not -MAX_OFFSET_S <= offset_s <= MAX_OFFSET_S:
        raise InvalidInput(
            where, "offset", offset_s, f"a camera offset is at most {MAX_OFFSET_S // 3600} h either way"
        )
    return offset_s


def corrected_us(camera_us: int, offset_s: float) -> int:
    """The true instant of a photo: the camera's time plus its clock's offset (whole microseconds)."""
    return camera_us + round(offset_s * US_PER_S)


def day_of(event: Event, instant_us: int, name: str) -> int:
    """The event day (number) a photo taken at `instant_us` belongs to, by its local date; a time on no
    day of the event is refused, saying when it was and when the event is."""
    local = us_to_local(instant_us, event.timezone)
    for day in event.days:
        if day.date == local.date():
            return day.number
    first, last = event.days[0].date, event.days[-1].date
    raise InvalidInput(
        name,
        "time",
        local.strftime("%Y-%m-%d %H:%M:%S"),
        f"not on a day of the event ({first:%d %b %Y} to {last:%d %b %Y}); "
        "check the camera's date or give its clock offset",
    )


def stop_at(event: Event, day: int, lat: float, lon: float) -> str | None:
    """The name of the day's stop (lunch, hotel, car show, fuel) nearest the spot within STOP_RADIUS_M."""
    best: tuple[float, str] | None = None
    for d in event.days:
        if d.number != day:
            continue
        for stop in d.stops:
            if stop.lat is None or stop.lon is None:
                continue
            metres = flat_distance_m(lat, lon, stop.lat, stop.lon)
            if metres <= STOP_RADIUS_M and (best is None or metres < best[0]):
                best = (metres, stop.name)
    return None if best is None else best[1]


def flat_distance_m(lat: float, lon: float, lat2: float, lon2: float) -> float:
    """Metres between two close points (an equirectangular approximation: exact enough within a km)."""
    north = (lat2 - lat) * 111_132.0
    east = (lon2 - lon) * 111_320.0 * math.cos(math.radians((lat + lat2) / 2))
    return math.hypot(north, east)
