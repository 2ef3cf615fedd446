"""The demo entry list: 70 real makes and models built from 1927 to 1957, and one built in 1959.

Crews are invented (names drawn from a seeded generator); chassis numbers are invented in the style
of each maker. The 1959 Austin-Healey 3000 is there on purpose: the event accepts cars built up to
1957, so the demo shows an entry refused with its reason.

Each car has the parts of its 1000 Miglia coefficient: the model's nominal displacement (real figures;
where a model came with several engines, one of them), its category (sport, gran turismo or touring, as
a 1000 Miglia scrutineer would likely class it) and, for a few of the invented chassis, an invented
history in the historic Mille Miglia (raced or entered). They come from the table below, not from the
random generator, so the crews and chassis numbers drawn for a seed stay the same.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from miglia.domain.entries import CarCategory, RaceHistory
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
    displacement_cc: int
    """Nominal, in whole cc (a compressor does not count)."""
    category: CarCategory
    history: RaceHistory = RaceHistory.NONE
    """What this car (its invented chassis) did in a historic Mille Miglia."""


SPORT, GT, TOURING = CarCategory.SPORT, CarCategory.GRAN_TURISMO, CarCategory.TOURING
RACED, ENTERED = RaceHistory.RACED, RaceHistory.ENTERED

# In start order, oldest first, as on the Mille Miglia.
CARS: tuple[DemoCar, ...] = (
    DemoCar(1927, "Bugatti", "Type 35B", "48##", 2262, SPORT),
    DemoCar(1928, "Mercedes-Benz", "SSK", "36###", 7065, SPORT),
    DemoCar(1929, "Bentley", "4½ Litre", "KL3###", 4398, SPORT),
    DemoCar(1930, "Alfa Romeo", "6C 1750 Gran Sport", "8513###", 1752, SPORT, RACED),
    DemoCar(1931, "Invicta", "S-Type 4½ Litre", "S##", 4467, SPORT),
    DemoCar(1932, "Ford", "Model 18 V8 Roadster", "18-###-###", 3622, TOURING),
    DemoCar(1933, "Alfa Romeo", "8C 2300 Monza", "2211###", 2336, SPORT, RACED),
    DemoCar(1934, "MG", "PA Midget", "PA/0###", 847, SPORT),
    DemoCar(1935, "Lagonda", "M45 Rapide", "Z11###", 4453, SPORT),
    DemoCar(1935, "Auburn", "851 Speedster", "33###E", 4587, SPORT),
    DemoCar(1936, "Delahaye", "135 Competition", "46###", 3557, SPORT),
    DemoCar(1936, "Aston Martin", "2-Litre Speed Model", "K6/7##/U", 1950, SPORT),
    DemoCar(1937, "BMW", "328", "85###", 1971, SPORT, ENTERED),
    DemoCar(1937, "Cord", "812 Supercharged", "32###H", 4730, TOURING),
    DemoCar(1937, "Riley", "Sprite", "46T ###", 1496, SPORT),
    DemoCar(1938, "Talbot-Lago", "T150C", "90###", 3996, SPORT),
    DemoCar(1938, "Lancia", "Aprilia", "238-####", 1352, TOURING),
    DemoCar(1938, "Fiat", "508 CS Balilla Mille Miglia", "508CS-0####", 995, SPORT, RACED),
    DemoCar(1939, "Lincoln", "Zephyr Coupé", "H####", 4378, TOURING),
    DemoCar(1948, "Cisitalia", "202 SC", "###SC", 1089, GT),
    DemoCar(1949, "MG", "TC", "TC/#####", 1250, SPORT),
    DemoCar(1949, "Healey", "Silverstone", "E###", 2443, SPORT),
    DemoCar(1950, "Jaguar", "XK120 Roadster", "660###", 3442, SPORT),
    DemoCar(1950, "Ferrari", "166 Inter", "00##S", 1995, GT),
    DemoCar(1950, "Frazer Nash", "Le Mans Replica", "421/100/###", 1971, SPORT),
    DemoCar(1950, "Cadillac", "Series 61 Coupe", "506####", 5424, TOURING),
    DemoCar(1951, "Jaguar", "XK120 Fixed Head Coupé", "669###", 3442, GT),
    DemoCar(1951, "Lancia", "Aurelia B20 GT", "B20-1###", 1991, GT, RACED),
    DemoCar(1951, "OSCA", "MT4 1100", "11##", 1092, SPORT),
    DemoCar(1951, "Nash-Healey", "Roadster", "N2###", 3848, SPORT),
    DemoCar(1951, "Aston Martin", "DB2", "LML/50/###", 2580, GT),
    DemoCar(1952, "Ferrari", "212 Export", "01##E", 2562, SPORT),
    DemoCar(1952, "Porsche", "356 Pre-A Coupé", "11###", 1488, GT),
    DemoCar(1952, "Allard", "J2X", "31##", 5424, SPORT),
    DemoCar(1952, "Jowett", "Jupiter", "E1/SA/###R", 1486, SPORT),
    DemoCar(1952, "Siata", "208 S Spider", "BS5##", 1996, SPORT, ENTERED),
    DemoCar(1953, "Fiat", "8V", "106*000###", 1996, GT),
    DemoCar(1953, "Lancia", "Aurelia B20 GT 2500", "B20-3###", 2451, GT),
    DemoCar(1953, "Austin-Healey", "100 BN1", "BN1L/22####", 2660, SPORT),
    DemoCar(1953, "Alfa Romeo", "1900 C Sprint", "AR1900C-01###", 1884, GT),
    DemoCar(1953, "Bristol", "401", "401/###", 1971, TOURING),
    DemoCar(1954, "Mercedes-Benz", "300 SL Gullwing", "198.040-45-00###", 2996, GT),
    DemoCar(1954, "Chevrolet", "Corvette", "E54S00####", 3859, SPORT),
    DemoCar(1954, "Triumph", "TR2", "TS ####", 1991, SPORT),
    DemoCar(1954, "Fiat", "1100 TV Trasformabile", "103-0####", 1089, SPORT),
    DemoCar(1954, "Aston Martin", "DB2/4", "LML/###", 2580, GT),
    DemoCar(1955, "Mercedes-Benz", "300 SL Gullwing", "198.040-55-00###", 2996, GT),
    DemoCar(1955, "Porsche", "550 Spyder", "550-0##", 1498, SPORT),
    DemoCar(1955, "Maserati", "A6GCS/53", "20##", 1986, SPORT, RACED),
    DemoCar(1955, "Ford", "Thunderbird", "P5FH2#####", 4785, TOURING),
    DemoCar(1955, "AC", "Ace", "AE###", 1991, SPORT),
    DemoCar(1955, "Austin-Healey", "100M", "BN2L/22####", 2660, SPORT),
    DemoCar(1955, "Alfa Romeo", "Giulietta Sprint", "AR1493#####", 1290, GT),
    DemoCar(1955, "Ferrari", "250 Europa GT", "0###GT", 2953, GT),
    DemoCar(1956, "Mercedes-Benz", "190 SL", "121.040-65-0####", 1897, SPORT),
    DemoCar(1956, "Mercedes-Benz", "300 SL Gullwing", "198.040-65-00###", 2996, GT),
    DemoCar(1956, "Porsche", "356A Carrera 1500 GS", "5####", 1498, GT),
    DemoCar(1956, "Jaguar", "XK140 Roadster", "S81####", 3442, SPORT),
    DemoCar(1956, "Triumph", "TR3", "TS #####L", 1991, SPORT),
    DemoCar(1956, "Alfa Romeo", "Giulietta Spider", "AR1495#####", 1290, SPORT),
    DemoCar(1956, "Lancia", "Aurelia B24 Spider America", "B24S-1###", 2451, SPORT),
    DemoCar(1956, "Abarth", "750 GT Zagato", "221-0####", 747, GT),
    DemoCar(1956, "MG", "MGA 1500", "HDR43/####", 1489, SPORT),
    DemoCar(1957, "Porsche", "356A Speedster", "8####", 1582, SPORT),
    DemoCar(1957, "Ford", "Thunderbird", "D7FH######", 5113, TOURING),
    DemoCar(1957, "Austin-Healey", "100-6 BN4", "BN4L/2####", 2639, SPORT),
    DemoCar(1957, "Jaguar", "XK150 Fixed Head Coupé", "S824###", 3442, GT),
    DemoCar(1957, "BMW", "507", "70###", 3168, SPORT),
    DemoCar(1957, "Chevrolet", "Corvette Fuel Injection", "E57S10####", 4638, SPORT),
    DemoCar(1957, "Maserati", "A6G/54 2000 Zagato", "21##", 1985, GT),
    DemoCar(INELIGIBLE_YEAR, "Austin-Healey", "3000 BN7", "HBN7L/####", 2912, SPORT),
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


# What the model is known for (model-level facts); the demo's chassis and their lives are invented.
MODEL_NOTES = {
    "Type 35B": "The Type 35 won the Targa Florio five years running, 1925 to 1929.",
    "SSK": "Rudolf Caracciola won the 1931 Mille Miglia in its lightened SSKL sister.",
    "4½ Litre": "A 4½ Litre Bentley won Le Mans in 1928.",
    "6C 1750 Gran Sport": "The 6C 1750 won the Mille Miglia in 1929 and 1930.",
    "8C 2300 Monza": "The 8C 2300 won Le Mans four years running, 1931 to 1934.",
    "328": "A 328 coupé won the 1940 Mille Miglia, run on a closed circuit around Brescia.",
    "508 CS Balilla Mille Miglia": "Named for the race its class ruled in the mid-1930s.",
    "Aurelia B20 GT": "An Aurelia B20 finished second overall in the 1951 Mille Miglia.",
    "300 SL Gullwing": "Its racing forebear won Le Mans and the Carrera Panamericana in 1952.",
    "550 Spyder": "Small and light, the 550 took class wins all over the world.",
    "A6GCS/53": "Maserati's two-litre sports racer of the early 1950s.",
    "XK120 Roadster": "An XK120 ran 132 mph on the Jabbeke road in 1949.",
    "166 Inter": "Its sports sister, the 166 MM, won the Mille Miglia in 1948 and 1949.",
    "Le Mans Replica": "Named for the third place of its prototype at Le Mans in 1949.",
}
_LIVES = (
    "Found in a barn in {place} in 1987 and restored over nine winters.",
    "In the same family since new; it has covered the route of the Mille twice before.",
    "Raced at club level in {place} in the 1960s, then a long sleep before a careful restoration.",
    "Kept in {place} for forty years; its paint is mostly original.",
    "Bought new by a doctor in {place}; the crew drives it to every event on its own wheels.",
)
_PLACES = ("Sonoma", "Modena", "Surrey", "Lyon", "Stuttgart", "Ohio", "Brescia", "Oregon")


def car_story(car: DemoCar, start_no: int) -> str:
    """A few lines for the car's placard: what its model is known for, and an invented life."""
    life = _LIVES[start_no % len(_LIVES)].format(place=_PLACES[start_no % len(_PLACES)])
    history = {
        RaceHistory.RACED: " This chassis raced in a historic Mille Miglia.",
        RaceHistory.ENTERED: " This chassis was entered in a historic Mille Miglia.",
    }.get(car.history, "")
    note = MODEL_NOTES.get(car.model, "")
    return " ".join(part for part in (note, life) if part) + history


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
                "displacement_cc": str(car.displacement_cc),
                "category": car.category.value,
                "mm_history": car.history.value,
                "story": car_story(car, start_no),
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
