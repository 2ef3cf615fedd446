"""The organiser's edits on top of the generated roadbook: applied in the order made, carried over to a
route imported again where their place still lies on it, listed (never dropped) where it does not."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal

from miglia.domain.event import Day
from miglia.roadbook.build import day_roadbook
from miglia.roadbook.edits import Action, Edit
from miglia.roadbook.model import Instruction, Kind, Source
from tests.geo.geo_synth import route_xy
from tests.geo.test_geo_turns import polyline
from tests.roadbook.synth import CORNERS, day, drawn_route, event

AT_10 = 1_700_000_000_000_000


def edit_at(
    route_m: float,
    action: Action,
    n: int = 1,
    *,
    words: str | None = None,
    note: str | None = None,
    stubs: tuple[int, ...] | None = None,
) -> Edit:
    """An edit made at `route_m` of the drawn route (its place taken from there, as the editor does)."""
    lat, lon = drawn_route().point_at(route_m)
    return Edit(
        id=n,
        day=1,
        action=action,
        anchor_m=route_m,
        lat=lat,
        lon=lon,
        words=words,
        note=note,
        stubs=stubs,
        by="org",
        at_us=AT_10 + n,
    )


def words_at(lines: Sequence[Instruction], km: str) -> list[str]:
    return [i.words for i in lines if i.km == Decimal(km)]


def test_a_change_rewords_notes_and_draws_side_roads_of_the_line_at_its_place() -> None:
    edits = [
        edit_at(2003.0, Action.CHANGE, words="turn right at the church", note="! narrow", stubs=(0, 270))
    ]
    book = day_roadbook(event(), day(), drawn_route(), edits=edits)
    line = next(i for i in book.instructions if i.km == Decimal("2.00"))
    assert (line.words, line.note, line.stubs, line.edited, line.kind) == (
        "turn right at the church",
        "! narrow",
        (0, 270),
        True,
        Kind.TURN,
    )
    assert book.unplaced == ()


def test_an_added_line_takes_its_km_and_the_partials_follow_and_a_removed_one_is_gone() -> None:
    edits = [
        edit_at(2750.0, Action.ADD, 1, words="! level crossing", note="stop, look"),
        edit_at(3500.0, Action.REMOVE, 2),
    ]
    book = day_roadbook(event(), day(), drawn_route(), edits=edits)
    got = [
        (str(i.km), str(i.partial_km), i.words)
        for i in book.instructions
        if Decimal(2) <= i.km <= Decimal("4.5")
    ]
    assert got == [
        ("2.00", "0.50", "turn right"),
        ("2.75", "0.75", "! level crossing"),
        ("3.00", "0.25", "D1-TC1 time control"),
        ("4.50", "1.50", "D1-PT1 timed trial: start line"),
    ]
    added = next(i for i in book.instructions if i.words == "! level crossing")
    assert (added.source, added.kind, added.note, added.edited) == (
        Source.ORGANISER,
        Kind.NOTE,
        "stop, look",
        True,
    )


def test_edits_apply_in_the_order_made_whatever_order_they_come_in() -> None:
    first = edit_at(2000.0, Action.CHANGE, 1, words="first")
    second = edit_at(2000.0, Action.CHANGE, 2, words="second")
    for edits in ([first, second], [second, first]):
        book = day_roadbook(event(), day(), drawn_route(), edits=edits)
        assert words_at(book.instructions, "2.00") == ["second"]


def test_edits_follow_their_place_when_the_route_is_imported_again_longer_at_its_start() -> None:
    edits = [
        edit_at(2000.0, Action.CHANGE, words="turn right at the church"),
        edit_at(3500.0, Action.REMOVE, 2),
    ]
    # the new route starts 600 m further south: every place is 0.6 km later
    longer = route_xy(*polyline([(0.0, -600.0), *CORNERS[1:]], 20.0))
    book = day_roadbook(event(), day(), longer, edits=edits)
    assert words_at(book.instructions, "2.60") == ["turn right at the church"]
    assert words_at(book.instructions, "4.10") == []  # the left turn, removed, stays removed
    assert book.unplaced == ()


def test_an_edit_whose_place_left_the_route_or_whose_line_is_gone_is_listed_not_dropped() -> None:
    edits = [
        edit_at(4500.0, Action.CHANGE, 1, words="trial start by the mill"),
        edit_at(1000.0, Action.CHANGE, 2, words="fuel here"),
        edit_at(2400.0, Action.CHANGE, 3, words="nothing here"),
    ]
    # the new route turns back south at the corner: the trial's start, 1 km north of it, is off the route
    rerouted = route_xy(*polyline([(0.0, 0.0), (0.0, 2000.0), (1500.0, 2000.0), (1500.0, 1000.0)], 20.0))
    shorter_day = _day_within(3.5)
    book = day_roadbook(event(), shorter_day, rerouted, edits=edits)
    assert words_at(book.instructions, "1.00") == ["fuel here"]
    assert len(book.unplaced) == 2
    assert book.unplaced[0].startswith('edit 1 (change "trial start by the mill", by org at ')
    assert book.unplaced[0].endswith(" m from the route now")
    assert book.unplaced[1].startswith('edit 3 (change "nothing here"')
    assert book.unplaced[1].endswith("no instruction within 30 m of km 2.40 now")


def _day_within(km: float) -> Day:
    """The drawn day's controls up to `km` (without TC1), for a route that ends there."""
    d = day()
    return replace(
        d,
        controls=tuple(
            c for c in d.controls if c.km is not None and float(c.km) <= km and c.name != "D1-TC1"
        ),
        odometer_check=None,
    )
