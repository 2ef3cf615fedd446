"""The demo's applications (issue 12.8): twelve cars applying for places beyond the 70 imported entries,
through the same use cases as the public form and the organiser's page: four accepted (numbered by age
after the 70), three declined with their reasons, five on the waitlist in order; one accepted car
withdraws and the first waiting car is offered its place. And the scrutineering sheets of a few cars,
one failed for its missing fire extinguisher; a scrutineer account to try the phone page.

The 70 entries and their results are not touched: the new cars have no passages.
"""

from __future__ import annotations

import datetime as dt

from miglia.domain import scrutineering as checklist
from miglia.domain.applications import Status
from miglia.formats.photo_file import make_photo
from miglia.service.accounts import users
from miglia.service.entries import applications, common, scrutineering, selection
from miglia.service.event import events
from miglia.store.db import Database

ORGANISER = "organiser"
SCRUTINEER = "scrutineer"
EXTRA_PLACES = 4

# (make, model, year, chassis, coachwork, story, driver, co-driver, colour)
_CARS = (
    (
        "Lancia",
        "Aurelia B20 GT",
        1953,
        "B20-1702",
        "Pinin Farina",
        "Third in class at the 1953 Mille Miglia.",
        "Paola Neri",
        "Giulia Neri",
        (150, 20, 24),
    ),
    (
        "Alfa Romeo",
        "1900 C Sprint",
        1952,
        "AR1900C-01234",
        "Touring",
        "Found in a barn near Modesto in 1988.",
        "Ed Castro",
        "Ruth Castro",
        (30, 60, 140),
    ),
    (
        "Bentley",
        "R-Type Continental",
        1954,
        "BC21D",
        "H. J. Mulliner",
        "Driven from Vancouver every year.",
        "Hugh Mallory",
        "Ann Mallory",
        (40, 70, 50),
    ),
    (
        "Talbot-Lago",
        "T26 Grand Sport",
        1948,
        "110152",
        "Figoni et Falaschi",
        "Restored over ten years.",
        "Jean Marchal",
        "Lise Marchal",
        (20, 20, 30),
    ),
    (
        "Jaguar",
        "E-Type Series 1",
        1957,
        "875026",
        "Works",
        "Says 1957 on the form.",
        "Tom Baxter",
        "",
        (200, 200, 190),
    ),
    (
        "Porsche",
        "356 A Coupé",
        1957,
        "101877",
        "Reutter",
        "A fifth 356 A coupé.",
        "Kurt Vogel",
        "Ilse Vogel",
        (180, 180, 170),
    ),
    (
        "Chevrolet",
        "Bel Air",
        1955,
        "VC55L120345",
        "Fisher",
        "A replica body on a 1961 frame.",
        "Bud Harris",
        "Lou Harris",
        (60, 160, 170),
    ),
    (
        "MG",
        "TD Midget",
        1951,
        "TD-12044",
        "Abingdon",
        "Its first owner drove it to Alaska.",
        "Sam Ortiz",
        "Ana Ortiz",
        (20, 90, 40),
    ),
    (
        "Austin-Healey",
        "100 BN1",
        1954,
        "BN1-L-221190",
        "Jensen",
        "Raced at Pebble Beach in 1955.",
        "Greg Lowe",
        "Dana Lowe",
        (90, 110, 140),
    ),
    (
        "Mercedes-Benz",
        "190 SL",
        1956,
        "121040-6500123",
        "Sindelfingen",
        "Three owners, all in California.",
        "Frank Weber",
        "Mia Weber",
        (210, 200, 180),
    ),
    (
        "Triumph",
        "TR2",
        1955,
        "TS6102",
        "Standard-Triumph",
        "Rebuilt by its owner in his garage.",
        "Neil Carter",
        "Joan Carter",
        (200, 60, 40),
    ),
    (
        "Fiat",
        "8V Coupé",
        1953,
        "106000029",
        "Vignale",
        "One of 114 built.",
        "Marco Bruni",
        "Elena Bruni",
        (230, 180, 40),
    ),
)
_CC = (1991, 1884, 4566, 4482, 3781, 1582, 4343, 1250, 2660, 1897, 1991, 1996)
_DECLINED = {
    4: "the chassis number 875026 is a 1961 car: built after 1957, the latest year this event accepts",
    5: "a fifth Porsche 356 A coupé: we keep the field varied this year",
    6: "a replica body on a 1961 frame: the car is not of its stated year",
}
_ACCEPTED = (0, 1, 2, 3)
_WAITLIST = (7, 8, 9, 10, 11)
_WITHDRAWS = 1


def demo_password(username: str) -> str:
    """The demo's password of an account: the rule of service/demo.py (`demo_password`), written here since
    the demo imports this module (no cycle between service packages)."""
    return f"{username}-demo"


def _form(i: int) -> dict[str, str]:
    make, model, year, chassis, coachwork, story, driver, co, _ = _CARS[i]
    slug = driver.lower().replace(" ", ".")
    co_slug = co.lower().replace(" ", ".")
    return {
        "make": make,
        "model": model,
        "year": str(year),
        "displacement_cc": str(_CC[i]),
        "category": "gran_turismo" if i % 3 else "sport",
        "history": "raced" if i == 0 else "",
        "chassis": chassis,
        "engine_no": f"E-{chassis}",
        "coachwork": coachwork,
        "story": story,
        "driver_name": driver,
        "driver_email": f"{slug}@example.com",
        "driver_phone": f"+1 415 555 01{i:02d}",
        "driver_licence": f"CA-D{4100000 + i}",
        "driver_emergency": f"Pat {driver.split()[-1]} +1 415 555 09{i:02d}",
        "driver_diet": "vegetarian" if i % 4 == 1 else "",
        "driver_size": "L",
        "co_name": co,
        "co_email": f"{co_slug}@example.com" if co else "",
        "co_phone": f"+1 415 555 02{i:02d}" if co else "",
        "co_licence": f"CA-C{4200000 + i}" if co else "",
        "co_emergency": f"Pat {co.split()[-1]} +1 415 555 08{i:02d}" if co else "",
        "co_diet": "no gluten" if co and i % 3 == 0 else "",
        "co_size": "M" if co else "",
        "consent": "yes",
    }


def seed_demo_applications(db: Database) -> str:
    """Applications, selection, the waitlist's offer and scrutineering on the demo; a one-line summary."""
    with db.unit_of_work() as uow:
        row = events.event_row(uow)
        event = events.event_of(row)
        settings = common.settings(uow, row, event)
        if uow.applications.all(row.id):
            return f"applications: there already ({len(uow.applications.all(row.id))})"
        imported = [e for e in uow.entries.all(row.id) if e.accepted]
    deadline = max(dt.date.fromisoformat(settings.deadline), dt.date.today() + dt.timedelta(days=60))
    applications.save_settings(db, deadline.isoformat(), len(imported) + EXTRA_PLACES, 72, ORGANISER)
    ids = []
    for i, car in enumerate(_CARS):
        photos = [
            applications.Upload(
                f"car-{i}-{k}.jpg", make_photo(width=960, height=640, colour=car[8], seed=100 + 10 * i + k)
            )
            for k in range(1 + i % 2)
        ]
        ids.append(applications.apply(db, _form(i), photos).application_id)
    for i in _ACCEPTED:
        selection.decide(db, ids[i], Status.ACCEPTED, "a fine car with a story; eligible", ORGANISER)
    for i, reason in _DECLINED.items():
        selection.decide(db, ids[i], Status.DECLINED, reason, ORGANISER)
    for i in _WAITLIST:
        selection.decide(db, ids[i], Status.WAITLISTED, "all places taken: on the waitlist", ORGANISER)
    selection.add_note(db, ids[0], "Ask the Neris to bring the 1953 race photos for the car show.", ORGANISER)
    numbers = selection.numbers_by_age(db, ORGANISER)
    for i in _ACCEPTED[:2]:
        selection.set_fee(db, ids[i], "paid", "bank transfer", ORGANISER)
    selection.decide(
        db, ids[_WITHDRAWS], Status.WITHDRAWN, "the gearbox failed on the shakedown run", ORGANISER
    )
    with db.unit_of_work() as uow:
        over = selection.overview(uow)
    offered = [r for r in over.rows if r.offer is not None]
    sheets = _scrutineering(db, sorted(e.start_no for e in imported)[:6])
    with db.unit_of_work() as uow:
        known = {u.username for u in users.all_users(uow)}
    if SCRUTINEER not in known:
        users.add_user(db, SCRUTINEER, SCRUTINEER, demo_password(SCRUTINEER))
    title = " ".join(str(x) for x in _CARS[_WAITLIST[0]][:2]) if offered else "nobody"
    return (
        f"{len(ids)} applications: {len(_ACCEPTED)} accepted (numbers {min(numbers.values())}-"
        f"{max(numbers.values())}), one withdrew, {len(_DECLINED)} declined, a waitlist of "
        f"{len(_WAITLIST)} (the {title} offered the place); {sheets} scrutineering sheets, one failed"
    )


def _scrutineering(db: Database, cars: list[int]) -> int:
    """Passed sheets for the first cars, and one failed (the last): no fire extinguisher."""
    for n in cars:
        results = {item: (True, "") for item in checklist.KEYS}
        if n == cars[-1]:
            results["extinguisher"] = (False, "no fire extinguisher")
        scrutineering.record(db, n, results, SCRUTINEER)
    return len(cars)
