"""The real places of the demo event: towns the route passes through, restaurants, hotels, the car show.

Coordinates are those of the real places (town centres, the restaurants' and hotels' street addresses),
to about a hundred metres. Only the roads between them are invented (see `roads`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Terrain(StrEnum):
    """How the road to the next waypoint winds (and how fast it can be driven)."""

    CITY = "city"
    STRAIGHT = "straight"
    VALLEY = "valley"
    HILLS = "hills"
    MOUNTAIN = "mountain"


@dataclass(frozen=True)
class Waypoint:
    """A real place the route passes through; `terrain` is that of the road from here to the next one."""

    name: str
    lat: float
    lon: float
    terrain: Terrain = Terrain.HILLS
    town: bool = True
    """False for a place that is not a town (a bridge, a dam): no control is put there."""


@dataclass(frozen=True)
class Venue:
    """A restaurant, hotel or show ground with its street address."""

    name: str
    address: str
    lat: float
    lon: float
    description: str = ""


@dataclass(frozen=True)
class DayPlan:
    date: str
    title: str
    target_km: float
    """Length the generated road of the day is stretched to."""
    waypoints: tuple[Waypoint, ...]
    lunch: Venue
    lunch_at: str
    """Name of the waypoint where the lunch venue is (the route passes its door)."""
    hotel: Venue
    fuel_at: tuple[str, ...]
    car_show: Venue | None = None


C, S, V, H, M = Terrain.CITY, Terrain.STRAIGHT, Terrain.VALLEY, Terrain.HILLS, Terrain.MOUNTAIN

START = Venue(
    "Fairmont San Francisco",
    "950 Mason St, San Francisco, CA 94108",
    37.7925,
    -122.4100,
    "The start on Nob Hill, between the Fairmont and the Mark Hopkins.",
)

HOTEL_HEALDSBURG = Venue(
    "Hotel Healdsburg", "25 Matheson St, Healdsburg, CA 95448", 38.6107, -122.8694, "On the plaza."
)
HOTEL_UKIAH = Venue(
    "Vichy Springs Resort",
    "2605 Vichy Springs Rd, Ukiah, CA 95482",
    39.1669,
    -123.1571,
    "The historic mineral springs resort above Ukiah.",
)
HOTEL_SONOMA = Venue(
    "Fairmont Sonoma Mission Inn & Spa",
    "100 Boyes Blvd, Sonoma, CA 95476",
    38.3131,
    -122.4840,
    "Cars parked on the lawn.",
)
HOTEL_SAUSALITO = Venue(
    "Cavallo Point Lodge",
    "601 Murray Circle, Sausalito, CA 94965",
    37.8329,
    -122.4781,
    "Farewell dinner and prize-giving.",
)
CAR_SHOW = Venue(
    "Sausalito waterfront car show",
    "Gabrielson Park, Anchor St & Bridgeway, Sausalito, CA 94965",
    37.8567,
    -122.4781,
    "Free public car show: every car of the rally on the waterfront after the finish.",
)

LUNCH_1 = Venue(
    "Gott's Roadside", "933 Main St, St. Helena, CA 94574", 38.5030, -122.4700, "Burgers under the oaks."
)
LUNCH_2 = Venue(
    "Café Beaujolais", "961 Ukiah St, Mendocino, CA 95460", 39.3068, -123.7966, "Lunch in the garden."
)
LUNCH_3 = Venue(
    "Granzella's Restaurant & Deli", "451 6th St, Williams, CA 95987", 39.1543, -122.1484, "Italian deli."
)
LUNCH_4 = Venue(
    "The Tides Wharf Restaurant", "835 CA-1, Bodega Bay, CA 94923", 38.3331, -123.0480, "On the harbour."
)

DAYS: tuple[DayPlan, ...] = (
    DayPlan(
        date="2026-04-26",
        title="Nob Hill to Healdsburg",
        target_km=370.0,
        waypoints=(
            Waypoint("Nob Hill", START.lat, START.lon, C),
            Waypoint("Golden Gate Bridge toll plaza", 37.8060, -122.4755, S, town=False),
            Waypoint("Vista Point", 37.8325, -122.4810, H, town=False),
            Waypoint("Sausalito", 37.8591, -122.4853, V),
            Waypoint("San Rafael", 37.9735, -122.5311, H),
            Waypoint("Nicasio", 38.0613, -122.6983, H),
            Waypoint("Petaluma", 38.2324, -122.6367, V),
            Waypoint("Sonoma", 38.2919, -122.4580, V),
            Waypoint("Napa", 38.2975, -122.2869, V),
            Waypoint("Yountville", 38.4016, -122.3608, V),
            Waypoint("Rutherford", 38.4585, -122.4222, V),
            Waypoint("St. Helena", LUNCH_1.lat, LUNCH_1.lon, V),
            Waypoint("Calistoga", 38.5788, -122.5797, M),
            Waypoint("Middletown", 38.7524, -122.6150, M),
            Waypoint("Cobb", 38.8221, -122.7236, M),
            Waypoint("Healdsburg", HOTEL_HEALDSBURG.lat, HOTEL_HEALDSBURG.lon, C),
        ),
        lunch=LUNCH_1,
        lunch_at="St. Helena",
        hotel=HOTEL_HEALDSBURG,
        fuel_at=("Calistoga",),
    ),
    DayPlan(
        date="2026-04-27",
        title="Healdsburg to Ukiah by the Mendocino coast",
        target_km=430.0,
        waypoints=(
            Waypoint("Healdsburg", HOTEL_HEALDSBURG.lat, HOTEL_HEALDSBURG.lon, V),
            Waypoint("Geyserville", 38.7063, -122.9044, V),
            Waypoint("Cloverdale", 38.8055, -123.0172, M),
            Waypoint("Yorkville", 38.8977, -123.2158, H),
            Waypoint("Boonville", 39.0093, -123.3661, V),
            Waypoint("Philo", 39.0660, -123.4447, H),
            Waypoint("Navarro", 39.1529, -123.5559, H),
            Waypoint("Albion", 39.2246, -123.7681, H),
            Waypoint("Mendocino", LUNCH_2.lat, LUNCH_2.lon, V),
            Waypoint("Fort Bragg", 39.4457, -123.8053, H),
            Waypoint("Westport", 39.6358, -123.7820, M),
            Waypoint("Leggett", 39.8655, -123.7142, H),
            Waypoint("Laytonville", 39.6882, -123.4828, H),
            Waypoint("Willits", 39.4096, -123.3556, V),
            Waypoint("Ukiah", 39.1502, -123.2078, H),
            Waypoint("Vichy Springs", HOTEL_UKIAH.lat, HOTEL_UKIAH.lon, C),
        ),
        lunch=LUNCH_2,
        lunch_at="Mendocino",
        hotel=HOTEL_UKIAH,
        fuel_at=("Boonville", "Willits"),
    ),
    DayPlan(
        date="2026-04-28",
        title="Ukiah to Sonoma by Clear Lake, the Sacramento Valley and Lake Berryessa",
        target_km=470.0,
        waypoints=(
            Waypoint("Vichy Springs", HOTEL_UKIAH.lat, HOTEL_UKIAH.lon, V),
            Waypoint("Hopland", 38.9730, -123.1169, M),
            Waypoint("Lakeport", 39.0430, -122.9158, V),
            Waypoint("Nice", 39.1235, -122.8472, V),
            Waypoint("Lucerne", 39.0924, -122.7952, V),
            Waypoint("Clearlake Oaks", 39.0263, -122.6719, H),
            Waypoint("Williams", LUNCH_3.lat, LUNCH_3.lon, S),
            Waypoint("Colusa", 39.2143, -122.0094, S),
            Waypoint("Arbuckle", 39.0174, -122.0578, H),
            Waypoint("Rumsey", 38.8877, -122.2372, V),
            Waypoint("Guinda", 38.8297, -122.1958, V),
            Waypoint("Capay", 38.7063, -122.0411, V),
            Waypoint("Esparto", 38.6924, -122.0175, V),
            Waypoint("Winters", 38.5249, -121.9708, H),
            Waypoint("Monticello Dam", 38.5135, -122.1047, M, town=False),
            Waypoint("Pope Valley", 38.6152, -122.4275, H),
            Waypoint("Angwin", 38.5757, -122.4500, M),
            Waypoint("Yountville", 38.4016, -122.3608, V),
            Waypoint("Napa", 38.2975, -122.2869, V),
            Waypoint("Sonoma", HOTEL_SONOMA.lat, HOTEL_SONOMA.lon, C),
        ),
        lunch=LUNCH_3,
        lunch_at="Williams",
        hotel=HOTEL_SONOMA,
        fuel_at=("Colusa", "Winters"),
    ),
    DayPlan(
        date="2026-04-29",
        title="Sonoma to Sausalito by the Russian River, Bodega Bay and Point Reyes",
        target_km=330.0,
        waypoints=(
            Waypoint("Sonoma", HOTEL_SONOMA.lat, HOTEL_SONOMA.lon, V),
            Waypoint("Glen Ellen", 38.3641, -122.5247, V),
            Waypoint("Kenwood", 38.4138, -122.5458, V),
            Waypoint("Santa Rosa", 38.4404, -122.7141, H),
            Waypoint("Guerneville", 38.5019, -122.9961, H),
            Waypoint("Jenner", 38.4488, -123.1142, M),
            Waypoint("Fort Ross", 38.5146, -123.2437, M),
            Waypoint("Cazadero", 38.5327, -123.0858, H),
            Waypoint("Monte Rio", 38.4660, -123.0086, H),
            Waypoint("Occidental", 38.4074, -122.9486, H),
            Waypoint("Bodega", 38.3452, -122.9744, H),
            Waypoint("Bodega Bay", LUNCH_4.lat, LUNCH_4.lon, H),
            Waypoint("Tomales", 38.2469, -122.9053, H),
            Waypoint("Marshall", 38.1611, -122.8933, H),
            Waypoint("Point Reyes Station", 38.0691, -122.8069, V),
            Waypoint("Olema", 38.0410, -122.7880, H),
            Waypoint("Stinson Beach", 37.9005, -122.6444, M),
            Waypoint("Mill Valley", 37.9060, -122.5450, H),
            Waypoint("Sausalito", CAR_SHOW.lat, CAR_SHOW.lon, C),
        ),
        lunch=LUNCH_4,
        lunch_at="Bodega Bay",
        hotel=HOTEL_SAUSALITO,
        fuel_at=("Guerneville",),
        car_show=CAR_SHOW,
    ),
)


def all_town_points() -> list[tuple[float, float]]:
    """(lat, lon) of every town of the demo: cars drive slowly through them."""
    return [(w.lat, w.lon) for day in DAYS for w in day.waypoints if w.town]
