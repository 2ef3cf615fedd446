"""Applications to enter an event (issue 12.1-12.2): the form's rules, the selection and the waitlist.

An application is a car and its crew asking for a place. The organiser decides on it (accept, waitlist,
decline, each a new decision with a reason, who and when; none is overwritten), and an accepted car may
withdraw. The waitlist is ordered by when each car was put on it. A place freed by an accepted car's
withdrawal is offered to one waiting car at a time, with a deadline to answer; after a decline or the
deadline the next waiting car gets the offer. Start numbers go by age (oldest first) or by hand.

Pure rules: no I/O. The service layer (service/entries/) stores and loads what these functions decide.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from miglia.domain.entries import CarCategory, RaceHistory
from miglia.domain.event import Eligibility


class Status(StrEnum):
    APPLIED = "applied"
    ACCEPTED = "accepted"
    WAITLISTED = "waitlisted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


DECISIONS = (Status.ACCEPTED, Status.WAITLISTED, Status.DECLINED)
"""What the organiser decides; a withdrawal is the applicant's (or recorded by the organiser for them)."""


class FeeStatus(StrEnum):
    DUE = "due"
    PAID = "paid"
    REFUNDED = "refunded"


class Answer(StrEnum):
    OPEN = ""
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    """Not answered before its deadline."""


SIZES = ("", "XS", "S", "M", "L", "XL", "XXL", "3XL")
"""T-shirt (or jacket) sizes offered on the form; "" for none."""
MAX_PHOTOS = 5
OFFER_HOURS = 72
DEADLINE_DAYS = 14
"""The default deadline for changing an application: the first day's date minus this many days."""
EARLIEST_YEAR = 1885

_EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$")
_PHONE = re.compile(r"^\+?[0-9 ()./-]{6,30}$")


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    required: bool = False
    max_len: int = 200
    kind: str = "text"
    """text, email, tel, year, cc, choice, textarea, checkbox."""
    public: bool = True
    """False for personal data never shown on a public page (e-mail, phone, emergency contact, licence)."""
    choices: tuple[tuple[str, str], ...] = ()
    """For a choice: (value, label)."""


_SIZE_CHOICES = tuple((s, s or "—") for s in SIZES)
CATEGORIES = (
    ("", "—"),
    (CarCategory.SPORT.value, "Sport"),
    (CarCategory.GRAN_TURISMO.value, "Gran Turismo"),
    (CarCategory.TOURING.value, "Touring"),
)
HISTORIES = (
    (RaceHistory.NONE.value, "It did not take part"),
    (RaceHistory.ENTERED.value, "Entered, did not start"),
    (RaceHistory.RACED.value, "Raced"),
)
MIN_CC, MAX_CC = 50, 20_000


def _person(prefix: str, who: str, required: bool) -> tuple[Field, ...]:
    return (
        Field(f"{prefix}_name", f"{who}: name", required),
        Field(f"{prefix}_email", f"{who}: e-mail", required, 200, "email", False),
        Field(f"{prefix}_phone", f"{who}: phone", required, 30, "tel", False),
        Field(f"{prefix}_licence", f"{who}: driving licence number", required, 50, "text", False),
        Field(
            f"{prefix}_emergency", f"{who}: emergency contact (name and phone)", required, 200, "text", False
        ),
        Field(f"{prefix}_diet", f"{who}: dietary needs", False, 200),
        Field(f"{prefix}_size", f"{who}: T-shirt size", False, 4, "choice", choices=_SIZE_CHOICES),
    )


CAR_FIELDS = (
    Field("make", "Make", True, 100),
    Field("model", "Model", True, 200),
    Field("year", "Year of construction", True, 4, "year"),
    Field("displacement_cc", "Engine displacement (cc)", True, 5, "cc"),
    Field("category", "Category", True, 20, "choice", choices=CATEGORIES),
    Field(
        "history",
        "This very car in the historic Mille Miglia (1927-1957)",
        False,
        10,
        "choice",
        choices=HISTORIES,
    ),
    Field("chassis", "Chassis number", True, 100),
    Field("engine_no", "Engine number", False, 100),
    Field("coachwork", "Coachwork", False, 200),
    Field("story", "The car's history, in a few lines", False, 1500, "textarea"),
)
DRIVER_FIELDS = _person("driver", "Driver", True)
CO_DRIVER_FIELDS = _person("co", "Co-driver", False)
CONSENT = Field(
    "consent", "I agree to the event's rules and to my data being used to run it", True, 3, "checkbox"
)
FIELDS: tuple[Field, ...] = (*CAR_FIELDS, *DRIVER_FIELDS, *CO_DRIVER_FIELDS, CONSENT)
PRIVATE_FIELDS = tuple(f.name for f in FIELDS if not f.public)


@dataclass(frozen=True)
class Checked:
    """A form as checked: its values cleaned (`values`), and a message per field that is wrong."""

    values: dict[str, str]
    errors: dict[str, str]

    @property
    def ok(self) -> bool:
        return not self.errors


def check_form(form: Mapping[str, str], eligibility: Eligibility) -> Checked:
    """Every field checked at once; the year also against the event's eligibility (the reason shown)."""
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    for f in FIELDS:
        raw = form.get(f.name, "")
        value = raw.strip() if f.kind != "textarea" else raw.strip().replace("\r\n", "\n")
        if f.kind == "checkbox":
            value = "yes" if value in ("yes", "on", "true", "1") else ""
        values[f.name] = value
        if not value:
            if f.required:
                errors[f.name] = f"{f.label}: required" if f.kind != "checkbox" else "Please agree to apply."
            continue
        if len(value) > f.max_len and f.kind in ("text", "email", "tel", "textarea"):
            errors[f.name] = f"{f.label}: at most {f.max_len} characters ({len(value)} given)"
        elif f.kind == "email" and not _EMAIL.match(value):
            errors[f.name] = f"{f.label}: {value!r} is not an e-mail address"
        elif f.kind == "tel" and not _PHONE.match(value):
            errors[f.name] = f"{f.label}: {value!r} is not a phone number (digits, spaces, +, -)"
        elif f.kind == "choice" and value not in {v for v, _ in f.choices}:
            errors[f.name] = f"{f.label}: {value!r}; choose one of {', '.join(t for v, t in f.choices if v)}"
        elif f.kind == "cc" and not (value.isdigit() and MIN_CC <= int(value) <= MAX_CC):
            errors[f.name] = f"{f.label}: {value!r}; give the cubic centimetres, {MIN_CC} to {MAX_CC}"
        elif f.kind == "year":
            problem = year_problem(value, eligibility)
            if problem:
                errors[f.name] = problem
    if values["co_name"]:
        for f in CO_DRIVER_FIELDS[1:5]:
            if not values[f.name] and f.name not in errors:
                errors[f.name] = f"{f.label}: required when there is a co-driver"
    return Checked(values, errors)


def year_problem(value: str, eligibility: Eligibility) -> str | None:
    """Why this year of construction is refused (not a year, or not eligible: the event's reason)."""
    if not re.fullmatch(r"\d{4}", value):
        return f"Year of construction: {value!r} is not a year (four digits, e.g. 1954)"
    year = int(value)
    if year < EARLIEST_YEAR:
        return f"Year of construction: {year} is before the first motor car ({EARLIEST_YEAR})"
    reason = eligibility.refusal(year)
    return f"Not eligible: {reason}" if reason else None


def default_deadline(first_day: dt.date) -> dt.date:
    return first_day - dt.timedelta(days=DEADLINE_DAYS)


# -- the selection -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    application_id: int
    status: Status
    reason: str
    by: str
    at_us: int
    seq: int
    """The order decisions were recorded in (their id)."""


@dataclass(frozen=True)
class Offer:
    application_id: int
    made_us: int
    deadline_us: int
    answer: Answer = Answer.OPEN
    answered_us: int | None = None

    def open_at(self, now_us: int) -> bool:
        return self.answer is Answer.OPEN and now_us <= self.deadline_us


def current(decisions: Iterable[Decision]) -> dict[int, Decision]:
    """Application id -> its latest decision (the one in force)."""
    out: dict[int, Decision] = {}
    for d in sorted(decisions, key=lambda d: d.seq):
        out[d.application_id] = d
    return out


class Refused(Exception):
    """A decision the rules do not allow, in words for the organiser."""


ALLOWED: dict[Status, frozenset[Status]] = {
    Status.APPLIED: frozenset({Status.ACCEPTED, Status.WAITLISTED, Status.DECLINED, Status.WITHDRAWN}),
    Status.WAITLISTED: frozenset({Status.ACCEPTED, Status.WAITLISTED, Status.DECLINED, Status.WITHDRAWN}),
    Status.DECLINED: frozenset({Status.ACCEPTED, Status.WAITLISTED}),
    Status.ACCEPTED: frozenset({Status.WAITLISTED, Status.DECLINED, Status.WITHDRAWN}),
    Status.WITHDRAWN: frozenset(),
}


def check_decision(now: Status, new: Status, reason: str, eligible_reason: str | None) -> None:
    """Raises Refused when `new` may not follow `now`, has no reason, or accepts an ineligible car."""
    if new not in ALLOWED[now]:
        raise Refused(f"an application {now.value} cannot be {new.value}")
    if not reason.strip():
        raise Refused(f"give the reason it is {new.value}")
    if new is Status.ACCEPTED and eligible_reason:
        raise Refused(f"the car is not eligible: {eligible_reason}")


def waitlist(decisions: Iterable[Decision]) -> list[int]:
    """The waiting applications in order: by when each was (last) put on the waitlist."""
    now = current(decisions)
    waiting = [d for d in now.values() if d.status is Status.WAITLISTED]
    return [d.application_id for d in sorted(waiting, key=lambda d: d.seq)]


@dataclass(frozen=True)
class Step:
    """What `advance` decides: offers that expired, and the new offer (if any)."""

    expired: tuple[int, ...]
    offer_to: int | None


def advance(waiting: Sequence[int], offers: Sequence[Offer], free_places: int, now_us: int) -> Step:
    """Expire the open offers past their deadline, then, if a place is free and no offer is open, offer
    it to the first waiting car (not one whose offer just expired).

    One offer is open at a time: a place goes to exactly one car, the next only after a decline or the
    deadline. `free_places` counts places with neither an accepted car nor an open offer in them. The
    service records an expired offer's car as declined ("did not answer in time") and a declined offer's
    as withdrawn; the organiser may put either back on the waitlist."""
    expired = tuple(o.application_id for o in offers if o.answer is Answer.OPEN and now_us > o.deadline_us)
    if any(o.open_at(now_us) for o in offers) or free_places <= 0:
        return Step(expired, None)
    for application_id in waiting:
        if application_id not in expired:
            return Step(expired, application_id)
    return Step(expired, None)


def free_places(places: int, accepted: int, open_offers: int) -> int:
    return max(0, places - accepted - open_offers)


# -- start numbers -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ToNumber:
    application_id: int
    year: int


def numbers_by_age(cars: Sequence[ToNumber], taken: Iterable[int], first: int = 1) -> dict[int, int]:
    """Application id -> start number: oldest car first (then by application), the lowest numbers from
    `first` that are not `taken` (the entries already numbered that are not being numbered again)."""
    blocked = set(taken)
    out: dict[int, int] = {}
    number = max(first, 1)
    for car in sorted(cars, key=lambda c: (c.year, c.application_id)):
        while number in blocked:
            number += 1
        out[car.application_id] = number
        blocked.add(number)
    return out


def check_number(start_no: int, taken: Mapping[int, str]) -> None:
    """Raises Refused when a start number given by hand is out of range or already someone's."""
    if not 0 < start_no <= 9999:
        raise Refused(f"start number {start_no}: give a number from 1 to 9999")
    if start_no in taken:
        raise Refused(f"start number {start_no} is already {taken[start_no]}'s")


def next_free(taken: Iterable[int]) -> int:
    """A provisional start number for a newly accepted car: one after the highest in use."""
    return max(taken, default=0) + 1


# -- what is stored (the repository's records) -------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    deadline: str
    places: int
    offer_hours: int
    set_by: str
    set_us: int


@dataclass(frozen=True)
class StoredApplication:
    id: int
    created_us: int
    updated_us: int
    versions: int
    form: dict[str, str]
    start_no: int | None
    number_how: str


@dataclass(frozen=True)
class ApplicationPhoto:
    id: int
    application_id: int
    sha256: str
    file_name: str
    added_us: int


@dataclass(frozen=True)
class Note:
    text: str
    by: str
    at_us: int


@dataclass(frozen=True)
class Fee:
    status: str
    note: str
    by: str
    at_us: int


@dataclass(frozen=True)
class StoredOffer:
    id: int
    offer: Offer


@dataclass(frozen=True)
class Message:
    id: int
    to: str
    subject: str
    body: str
    created_us: int
