"""The rules of hotels and meals: worked examples, then properties over random events (hypothesis)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from miglia.domain import hospitality as h
from miglia.domain.errors import InvalidInput

T = h.RoomType
DATES = {n: dt.date(2026, 4, 20 + n) for n in range(1, 8)}


def hotel(vid: int, night: int, name: str = "", from_stop: bool = True) -> h.Venue:
    return h.Venue(
        id=vid, day=night, kind=h.VenueKind.HOTEL, name=name or f"Hotel {night}", from_stop=from_stop
    )


def crew(n: int, room: h.RoomType | None = None, solo: bool = False, **needs: Any) -> h.Crew:
    return h.Crew(
        start_no=n,
        driver=f"Driver {n}",
        co_driver="" if solo else f"Co {n}",
        needs=h.Needs(start_no=n, room=room, **needs),
    )


def block(vid: int, t: h.RoomType, count: int) -> h.RoomBlock:
    return h.RoomBlock(venue_id=vid, room_type=t, count=count)


# -- worked examples --------------------------------------------------------------------------------


def test_a_crew_asking_for_twin_gets_twin_while_any_is_left_then_the_nearest_with_a_reason() -> None:
    hotels = [hotel(1, 1)]
    blocks = [block(1, T.TWIN, 1), block(1, T.DOUBLE, 2)]
    plan = h.allocate(hotels, blocks, [crew(12, T.TWIN), crew(14, T.TWIN)])
    got = {a.start_no: a for a in plan.allocations}
    assert got[12].room_type is T.TWIN and got[12].reason == ""
    assert got[14].room_type is T.DOUBLE
    assert got[14].reason == "asked for twin; no twin room left on night 1; given double"
    assert plan.unhoused == ()


def test_requests_come_before_start_number_order() -> None:
    """Car 1 (no preference, two people: double wanted) does not take the one twin car 2 asked for."""
    plan = h.allocate([hotel(1, 1)], [block(1, T.TWIN, 1), block(1, T.DOUBLE, 1)], [crew(1), crew(2, T.TWIN)])
    assert {a.start_no: a.room_type for a in plan.allocations} == {1: T.DOUBLE, 2: T.TWIN}


def test_a_crew_of_one_without_preference_gets_a_single() -> None:
    plan = h.allocate([hotel(1, 1)], [block(1, T.SINGLE, 1), block(1, T.DOUBLE, 1)], [crew(5, solo=True)])
    assert plan.allocations[0].room_type is T.SINGLE


def test_the_second_hotel_of_a_night_takes_the_overflow_and_the_stop_hotel_fills_first() -> None:
    hotels = [hotel(2, 3, "Second", from_stop=False), hotel(1, 3, "Fairmont")]
    blocks = [block(1, T.DOUBLE, 2), block(2, T.DOUBLE, 5)]
    plan = h.allocate(hotels, blocks, [crew(n) for n in (1, 2, 3)])
    assert [(a.start_no, a.venue_id) for a in plan.allocations] == [(1, 1), (2, 1), (3, 2)]


def test_not_enough_rooms_lists_the_crews_without_one_and_why() -> None:
    plan = h.allocate([hotel(1, 1)], [block(1, T.DOUBLE, 1)], [crew(1), crew(2), crew(3)])
    assert [u.start_no for u in plan.unhoused] == [2, 3]
    assert plan.unhoused[0].reason == "no room left on night 1: 1 rooms for 3 crews"


def test_kept_allocations_stay_and_their_rooms_are_not_given_again() -> None:
    kept = [h.Allocation(id=9, night=1, start_no=2, venue_id=1, room_type=T.TWIN, how="hand")]
    plan = h.allocate(
        [hotel(1, 1)], [block(1, T.TWIN, 1), block(1, T.DOUBLE, 1)], [crew(1, T.TWIN), crew(2)], kept
    )
    assert [(a.start_no, a.room_type) for a in plan.allocations] == [(1, T.DOUBLE)]


def test_a_move_by_hand_is_refused_when_no_room_of_that_type_is_left_or_the_hotel_is_another_nights() -> None:
    hotels = [hotel(1, 1), hotel(2, 2)]
    blocks = [block(1, T.TWIN, 1), block(1, T.DOUBLE, 1)]
    given_ = [h.Allocation(id=1, night=1, start_no=1, venue_id=1, room_type=T.TWIN)]
    with pytest.raises(InvalidInput, match="room_type = 'twin': no twin room left at Hotel 1"):
        h.check_move(hotels, blocks, given_, night=1, start_no=2, venue_id=1, room_type=T.TWIN)
    with pytest.raises(InvalidInput, match="it is the hotel of night 2, not 1"):
        h.check_move(hotels, blocks, given_, night=1, start_no=2, venue_id=2, room_type=T.TWIN)
    # the crew's own room does not count against its move: car 1 may stay in its twin
    h.check_move(hotels, blocks, given_, night=1, start_no=1, venue_id=1, room_type=T.TWIN)


def test_fewer_rooms_than_crews_already_in_them_is_refused() -> None:
    given_ = [h.Allocation(id=1, night=1, start_no=n, venue_id=1, room_type=T.TWIN) for n in (1, 2)]
    with pytest.raises(InvalidInput, match="twin rooms = 1: 2 crews already have one on night 1"):
        h.check_blocks(hotel(1, 1), [block(1, T.TWIN, 1)], given_)


def test_rooming_list_and_the_changes_since_it_was_sent() -> None:
    hotels = [hotel(1, 2, "Fairmont")]
    crews = {12: crew(12), 14: crew(14)}
    before = [
        h.Allocation(night=2, start_no=12, venue_id=1, room_type=T.TWIN),
        h.Allocation(night=2, start_no=14, venue_id=1, room_type=T.DOUBLE),
    ]
    sent = h.rooming_list("Fairmont", hotels, before, crews, DATES).lines()
    after = [h.Allocation(night=2, start_no=12, venue_id=1, room_type=T.DOUBLE)]
    doc = h.rooming_list("Fairmont", hotels, after, crews, DATES)
    assert doc.rows[0].crew == "Driver 12 / Co 12"
    assert h.changes(sent, doc.lines()) == [
        "car 12, night 2: moved from twin to double",
        "car 14, night 2: no longer on the list (was double)",
    ]


def test_meal_list_counts_covers_choices_and_diets() -> None:
    lunch = h.Venue(id=7, day=1, kind=h.VenueKind.LUNCH, name="Gott's", menu=("Burger", "Fish"))
    crews = {
        1: crew(1, driver_diet=h.Diet.VEGAN, co_driver_allergies="nuts", menu={7: ("Fish", "Burger")}),
        2: crew(2, solo=True, driver_diet=h.Diet.VEGAN, menu={7: ("Fish", "")}),
    }
    guests = h.meal_guests([lunch], list(crews.values()))
    doc = h.meal_list("Gott's", [lunch], guests, crews, DATES)
    (s,) = doc.services
    assert s.covers == 3
    assert s.choices == Counter({"Fish": 2, "Burger": 1})
    assert s.diets == Counter({h.Diet.VEGAN: 2})
    assert [(r.name, r.allergies) for r in s.allergies] == [("Co 1", "nuts")]


def test_two_dinners_on_one_day_share_the_crews_by_their_seats() -> None:
    a = h.Venue(id=1, day=1, kind=h.VenueKind.DINNER, name="A", seats=4)
    b = h.Venue(id=2, day=1, kind=h.VenueKind.DINNER, name="B")
    guests = h.meal_guests([a, b], [crew(n) for n in (1, 2, 3)])
    assert guests == {1: (1, 2), 2: (3,)}


def test_times_and_menus_typed_by_the_organiser_are_checked() -> None:
    with pytest.raises(InvalidInput, match="dinner: opens = '7pm': write a time of day as HH:MM"):
        h.check_time("dinner", "opens", "7pm")
    assert h.check_time("dinner", "opens", "19:30") == dt.time(19, 30)
    assert h.check_menu("dinner", "Beef, Fish\nBeef") == ("Beef", "Fish")


# -- properties over random events -----------------------------------------------------------------

crews_st = st.lists(st.tuples(st.sampled_from([None, *T]), st.booleans()), min_size=0, max_size=30).map(
    lambda xs: [crew(i + 1, room, solo) for i, (room, solo) in enumerate(xs)]
)

event_st = st.fixed_dictionaries(
    {
        "nights": st.integers(1, 4),
        "hotels": st.integers(1, 2),
        "rooms": st.lists(st.integers(0, 8), min_size=8, max_size=8),
    }
)


def _event(spec: dict[str, object]) -> tuple[list[h.Venue], list[h.RoomBlock]]:
    hotels, blocks = [], []
    rooms = spec["rooms"]
    assert isinstance(rooms, list)
    vid = 0
    for night in range(1, int(spec["nights"]) + 1):  # type: ignore[call-overload]
        for k in range(int(spec["hotels"])):  # type: ignore[call-overload]
            vid += 1
            hotels.append(hotel(vid, night, f"H{k}", from_stop=k == 0))
            for i, t in enumerate(T):
                blocks.append(block(vid, t, rooms[(k * 4 + i + night) % 8]))
    return hotels, blocks


@settings(max_examples=300, deadline=None)
@given(event_st, crews_st, st.data())
def test_no_room_twice_and_every_crew_housed_when_there_are_rooms(
    spec: dict[str, object], crews: list[h.Crew], data: st.DataObject
) -> None:
    hotels, blocks = _event(spec)
    # some allocations already made by hand (valid ones), kept
    kept: list[h.Allocation] = []
    for c in data.draw(st.lists(st.sampled_from(crews), unique_by=lambda c: c.start_no)) if crews else []:
        night = 1
        for v in h._ordered_hotels(hotels, night):
            left = h.rooms_left(hotels, blocks, kept, night)
            free = [t for (vid, t), n in left.items() if vid == v.id and n > 0]
            if free:
                kept.append(
                    h.Allocation(
                        night=night, start_no=c.start_no, venue_id=v.id, room_type=free[0], how="hand"
                    )
                )
                break
    plan = h.allocate(hotels, blocks, crews, kept)
    every = kept + list(plan.allocations)
    capacity = {(b.venue_id, b.room_type): b.count for b in blocks}
    used = Counter((a.venue_id, a.room_type) for a in every)
    assert all(n <= capacity[k] for k, n in used.items()), "a room given twice"
    per_night = Counter((a.night, a.start_no) for a in every)
    assert all(n == 1 for n in per_night.values()), "a crew given two rooms on one night"
    for night in h.nights(hotels):
        rooms = sum(b.count for b in blocks if b.venue_id in {v.id for v in hotels if v.day == night})
        housed = {a.start_no for a in every if a.night == night}
        unhoused = {u.start_no for u in plan.unhoused if u.night == night}
        assert housed | unhoused == {c.start_no for c in crews}
        assert not housed & unhoused
        if rooms >= len(crews):
            assert not unhoused, "a crew without a room though there are enough"
        else:
            assert len(housed) == rooms, "rooms left empty while crews have none"
    for a in plan.allocations:
        c = next(c for c in crews if c.start_no == a.start_no)
        assert (a.room_type is c.wanted) == (a.reason == "")


@settings(max_examples=200, deadline=None)
@given(event_st, crews_st)
def test_the_reports_counts_add_up_to_the_allocation(spec: dict[str, object], crews: list[h.Crew]) -> None:
    hotels, blocks = _event(spec)
    plan = h.allocate(hotels, blocks, crews)
    by_no = {c.start_no: c for c in crews}
    total = 0
    for name in {v.name for v in hotels}:
        doc = h.rooming_list(name, hotels, plan.allocations, by_no, DATES)
        for night, counts in doc.counts().items():
            ids = {v.id for v in hotels if v.name == name and v.day == night}
            expected = Counter(
                a.room_type for a in plan.allocations if a.night == night and a.venue_id in ids
            )
            assert counts == expected
        total += len(doc.rows)
    assert total == len(plan.allocations)
    lunch = h.Venue(id=99, day=1, kind=h.VenueKind.LUNCH, name="L", menu=("A", "B"))
    meals = h.meal_list("L", [lunch], h.meal_guests([lunch], crews), by_no, DATES)
    (s,) = meals.services
    assert s.covers == sum(len(c.people) for c in crews) == sum(s.choices.values())
