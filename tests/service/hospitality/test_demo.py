"""The demo's hospitality seed, on the small event (one day, a lunch stop and no hotel stop): the second
hotel houses everyone, the lunch gets its menu, the dinner is added, every crew's needs are recorded."""

from __future__ import annotations

from miglia.service.hospitality import hotels, itinerary
from miglia.service.hospitality.demo import seed_demo_hospitality
from miglia.store.db import Database
from tests.web.helpers import with_event


def test_the_seed_fills_the_hotels_and_meals_and_allocates(sqlite_url: str) -> None:
    db = with_event(Database(sqlite_url))
    summary = seed_demo_hospitality(db)
    assert summary.startswith(
        "hospitality: 1 hotel-nights (a second hotel on night 1, MacArthur Place Hotel)"
    )
    assert summary.endswith("3 crews' needs; 3 rooms allocated")
    hosp = hotels.overview(db)
    assert len(hosp.allocations) == 3 and not hosp.unhoused()
    assert all(c.needs is not None for c in hosp.crews.values())
    assert next(v.menu for v in hosp.meals) == ("Burger", "Veggie burger", "Ahi tuna")
    kinds = [i.kind for i in itinerary.itinerary(db, 1).days[0].items]
    assert kinds == ["start", "lunch", "hotel", "dinner"]
