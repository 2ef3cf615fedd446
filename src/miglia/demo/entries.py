"""The demo entry list: 71 real makes and models built from 1927 to 1957, and one built in 1959.

Crews are invented (names drawn from a seeded generator); chassis numbers are invented in the style
of each maker. The 1959 Austin-Healey 3000 is there on purpose: the event accepts cars built up to
1957, so the demo shows an entry refused with its reason.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from miglia.formats.entries_csv import OPTIONAL, REQUIRED

COLUMNS = REQUIRED + OPTIONAL
INELIGIBLE_YEAR = 1959


@dataclass(frozen=True)
class DemoCar:
    year: int
    make: str
    model: str
    chassis: str
    """Chassis number pattern: each # becomes a digit."""


# In start order, oldest first, as on the Mille Miglia.
CARS: tuple[DemoCar, ...] = (
    DemoCar(1927, "Bugatti", "Type 35B", "48##"),
    DemoCar(1928, "Mercedes-Benz", "SSK", "36###"),
    DemoCar(1929, "Bentley", "4½ Litre", "KL3###"),
    DemoCar(1930, "Alfa Romeo", "6C 1750 Gran Sport", "8513###"),
    DemoCar(1931, "Invicta", "S-Type 4½ Litre", "S##"),
    DemoCar(1932, "Ford", "Model 18 V8 Roadster", "18-###-###"),
    DemoCar(1933, "Alfa Romeo", "8C 2300 Monza", "2211###"),
    DemoCar(1934, "MG", "PA Midget", "PA/0###"),
    DemoCar(1935, "Lagonda", "M45 Rapide", "Z11###"),
    DemoCar(1935, "Auburn", "851 Speedster", "33###E"),
    DemoCar(1936, "Delahaye", "135 Competition", "46###"),
    DemoCar(1936, "Aston Martin", "2-Litre Speed Model", "K6/7##/U"),
    DemoCar(1937, "BMW", "328", "85###"),
    DemoCar(1937, "Cord", "812 Supercharged", "32###H"),
    DemoCar(1937, "Riley", "Sprite", "46T ###"),
    DemoCar(1938, "Talbot-Lago", "T150C", "90###"),
    DemoCar(1938, "Lancia", "Aprilia", "238-####"),
    DemoCar(1938, "Fiat", "508 CS Balilla Mille Miglia", "508CS-0####"),
    DemoCar(1939, "Lincoln", "Zephyr Coupé", "H####"),
    DemoCar(1948, "Cisitalia", "202 SC", "###SC"),
    DemoCar(1949, "MG", "TC", "TC/#####"),
    DemoCar(1949, "Healey", "Silverstone", "E###"),
    DemoCar(1950, "Jaguar", "XK120 Roadster", "660###"),
    DemoCar(1950, "Ferrari", "166 Inter", "00##S"),
    DemoCar(1950, "Frazer Nash", "Le Mans Replica", "421/100/###"),
    DemoCar(1950, "Cadillac", "Series 61 Coupe", "506####"),
    DemoCar(1951, "Jaguar", "XK120 Fixed Head Coupé", "669###"),
    DemoCar(1951, "Lancia", "Aurelia B20 GT", "B20-1###"),
    DemoCar(1951, "OSCA", "MT4 1100", "11##"),
    DemoCar(1951, "Nash-Healey", "Roadster", "N2###"),
    DemoCar(1951, "Aston Martin", "DB2", "LML/50/###"),
    DemoCar(1952, "Ferrari", "212 Export", "01##E"),
    DemoCar(1952, "Porsche", "356 Pre-A Coupé", "11###"),
    DemoCar(1952, "Allard", "J2X", "31##"),
    DemoCar(1952, "Jowett", "Jupiter", "E1/SA/###R"),
    DemoCar(1952, "Siata", "208 S Spider", "BS5##"),
    DemoCar(1953, "Fiat", "8V", "106*000###"),
    DemoCar(1953, "Lancia", "Aurelia B20 GT 2500", "B20-3###"),
    DemoCar(1953, "Austin-Healey", "100 BN1", "BN1L/22####"),
    DemoCar(1953, "Alfa Romeo", "1900 C Sprint", "AR1900C-01###"),
    DemoCar(1953, "Bristol", "401", "401/###"),
    DemoCar(1954, "Mercedes-Benz", "300 SL Gullwing", "198.040-45-00###"),
    DemoCar(1954, "Chevrolet", "Corvette", "E54S00####"),
    DemoCar(1954, "Triumph", "TR2", "TS ####"),
    DemoCar(1954, "Fiat", "1100 TV Trasformabile", "103-0####"),
    DemoCar(1954, "Aston Martin", "DB2/4", "LML/###"),
    DemoCar(1955, "Mercedes-Benz", "300 SL Gullwing", "198.040-55-00###"),
    DemoCar(1955, "Porsche", "550 Spyder", "550-0##"),
    DemoCar(1955, "Maserati", "A6GCS/53", "20##"),
    DemoCar(1955, "Ford", "Thunderbird", "P5FH2#####"),
    DemoCar(1955, "AC", "Ace", "AE###"),
    DemoCar(1955, "Austin-Healey", "100M", "BN2L/22####"),
    DemoCar(1955, "Alfa Romeo", "Giulietta Sprint", "AR1493#####"),
    DemoCar(1955, "Ferrari", "250 Europa GT", "0###GT"),
    DemoCar(1956, "Mercedes-Benz", "190 SL", "121.040-65-0####"),
    DemoCar(1956, "Mercedes-Benz", "300 SL Gullwing", "198.040-65-00###"),
    DemoCar(1956, "Porsche", "356A Carrera 1500 GS", "5####"),
    DemoCar(1956, "Jaguar", "XK140 Roadster", "S81####"),
    DemoCar(1956, "Triumph", "TR3", "TS #####L"),
    DemoCar(1956, "Alfa Romeo", "Giulietta Spider", "AR1495#####"),
    DemoCar(1956, "Lancia", "Aurelia B24 Spider America", "B24S-1###"),
    DemoCar(1956, "Abarth", "750 GT Zagato", "221-0####"),
    DemoCar(1956, "MG", "MGA 1500", "HDR43/####"),
    DemoCar(1957, "Porsche", "356A Speedster", "8####"),
    DemoCar(1957, "Ford", "Thunderbird", "D7FH######"),
    DemoCar(1957, "Austin-Healey", "100-6 BN4", "BN4L/2####"),
    DemoCar(1957, "Jaguar", "XK150 Fixed Head Coupé", "S824###"),
    DemoCar(1957, "BMW", "507", "70###"),
    DemoCar(1957, "Chevrolet", "Corvette Fuel Injection", "E57S10####"),
    DemoCar(1957, "Maserati", "A6G/54 2000 Zagato", "21##"),
    DemoCar(INELIGIBLE_YEAR, "Austin-Healey", "3000 BN7", "HBN7L/####"),
)

TEAMS: dict[str, tuple[int, int, int]] = {
    "Scuderia Russian Hill": (7, 24, 32),
    "Petaluma Preservation Works": (3, 23, 27),
    "Golden Gate Marques": (42, 47, 56),
    "Team Silverado": (28, 38, 61),
    "Valley of the Moon Racing": (13, 48, 64),
}
LADIES: tuple[int, ...] = (12, 21, 40, 53, 66)
"""Start numbers of the all-female crews (the ladies' cup)."""

_WOMEN = (
    "Amara",
    "Beatriz",
    "Chiara",
    "Daniela",
    "Elena",
    "Farida",
    "Greta",
    "Hana",
    "Ingrid",
    "Julia",
    "Keiko",
    "Lucia",
    "Maya",
    "Nadia",
    "Olivia",
    "Priya",
    "Rosa",
    "Sofia",
    "Tamar",
    "Valentina",
    "Wen",
    "Ximena",
    "Yasmin",
    "Zoe",
    "Anneke",
    "Carmen",
    "Leilani",
    "Mei",
    "Nkechi",
    "Sigrid",
)
_MEN = (
    "Alessandro",
    "Ben",
    "Carlos",
    "David",
    "Emeka",
    "Felix",
    "Giorgio",
    "Hiroshi",
    "Ivan",
    "James",
    "Kwame",
    "Luca",
    "Marco",
    "Nikhil",
    "Oscar",
    "Pablo",
    "Rafael",
    "Stefan",
    "Tomás",
    "Umberto",
    "Viktor",
    "William",
    "Yusuf",
    "Andrés",
    "Bjorn",
    "Chen",
    "Dmitri",
    "Henrik",
    "Jonas",
    "Matteo",
    "Rohan",
    "Samuel",
    "Theo",
)
_SURNAMES = (
    "Albertini",
    "Bergström",
    "Castellano",
    "Delacroix",
    "Eriksen",
    "Fontaine",
    "Galli",
    "Hargreaves",
    "Ishikawa",
    "Jovanović",
    "Kowalski",
    "Laurent",
    "Mancini",
    "Nakamura",
    "Okafor",
    "Petrakis",
    "Quintero",
    "Rossi",
    "Sandoval",
    "Tanaka",
    "Underwood",
    "Valdés",
    "Whitcombe",
    "Xu",
    "Yilmaz",
    "Zanetti",
    "Abernathy",
    "Brambilla",
    "Chowdhury",
    "Dunmore",
    "Esposito",
    "Ferreira",
    "Grünewald",
    "Halvorsen",
    "Iyer",
    "Janssen",
    "Kaur",
    "Lindqvist",
    "Moreau",
    "Novak",
    "O'Sullivan",
    "Pellegrini",
    "Ramírez",
    "Salvatori",
    "Thornbury",
    "Van der Berg",
    "Wojcik",
    "Adeyemi",
    "Bianchi",
    "Carrington",
    "Da Silva",
    "Engel",
    "Fitzgerald",
    "Gallo",
    "Hoffmann",
    "Ibáñez",
    "Kim",
    "Lombardi",
    "Mendoza",
    "Nguyen",
    "Ortega",
    "Park",
    "Russo",
    "Schneider",
    "Takahashi",
    "Vasquez",
    "Weatherby",
    "Zhou",
    "Ashworth",
    "Berenger",
    "Cavendish",
    "Delgado",
    "Halloran",
)


def car_class(year: int) -> str:
    if year <= 1940:
        return "Pre-war"
    if year <= 1953:
        return "1946-1953"
    return "1954-1957"


def _chassis(pattern: str, rng: np.random.Generator) -> str:
    return "".join(str(rng.integers(0, 10)) if ch == "#" else ch for ch in pattern)


def demo_entries(seed: int = 1927) -> list[dict[str, str]]:
    """The rows of the entries CSV, in start-number order."""
    rng = np.random.default_rng(seed + 71)
    team_of = {n: team for team, numbers in TEAMS.items() for n in numbers}
    used: set[str] = set()

    def person(women: bool) -> str:
        while True:
            first = _WOMEN[rng.integers(len(_WOMEN))] if women else _MEN[rng.integers(len(_MEN))]
            name = f"{first} {_SURNAMES[rng.integers(len(_SURNAMES))]}"
            if name not in used:
                used.add(name)
                return name

    rows: list[dict[str, str]] = []
    for start_no, car in enumerate(CARS, start=1):
        ladies = start_no in LADIES
        driver = person(ladies or rng.random() < 0.2)
        co_driver = person(ladies or rng.random() < 0.45)
        rows.append(
            {
                "start_no": str(start_no),
                "driver": driver,
                "co_driver": co_driver,
                "make": car.make,
                "model": car.model,
                "year": str(car.year),
                "chassis": _chassis(car.chassis, rng),
                "class": car_class(car.year),
                "device_id": f"mille-{start_no:03d}",
                "team": team_of.get(start_no, ""),
                "ladies": "yes" if ladies else "no",
            }
        )
    return rows


def write_entries_csv(path: Path, seed: int = 1927) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(demo_entries(seed))
    return path
