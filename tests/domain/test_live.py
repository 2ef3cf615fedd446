"""Live state and alerts: pure rules, no database; the day's route measured by the geo kernel's gauge."""

from __future__ import annotations

import pytest

from miglia.domain.errors import InvalidInput
from miglia.domain.live import (
    AlertKind,
    CarState,
    DayCourse,
    Mark,
    Place,
    Thresholds,
    Zone,
    observe,
    observe_many,
    silent,
)
from miglia.geo.chainage import Gauge
from miglia.geo.route import Route
from miglia.tracking.fix import Fix

ROUTE = Gauge(Route.from_latlon([45.0 + i * 0.01 for i in range(11)], [9.0] * 11))  # ~11.1 km due north
COURSE = DayCourse(
    1,
    ROUTE,
    (Mark("START", 0.0, True), Mark("TC1", 10_000.0, True, 40.0)),
    (Place("Trattoria", 45.05, 9.0),),
)
T0 = 1_750_000_000_000_000
MIN = 60_000_000


def drive(
    points: list[tuple[int, float, float, float | None]], **kwargs: object
) -> tuple[CarState, list[AlertKind]]:
    state: CarState | None = None
    kinds: list[AlertKind] = []
    for t, lat, lon, speed in points:
        state, alerts = observe(state, Fix("dev", T0 + t, lat, lon, speed), 7, COURSE, **kwargs)  # type: ignore[arg-type]
        kinds.extend(a.kind for a in alerts)
    assert state is not None
    return state, kinds


def test_chainage_and_offset_on_a_straight_route() -> None:
    # On the WGS84 ellipsoid (geo kernel): a hundredth of a degree of meridian at 45 deg N is 1,111.33 m,
    # a thousandth of a degree of longitude at 45.045 deg N 78.785 m. (The stopgap this replaced measured
    # on a sphere of the mean radius: 1,111.95 m and, at the route's mean latitude, 78.558 m.)
    chainage, offset = ROUTE.measure([45.045], [9.001]).pick(0)
    assert chainage == pytest.approx(5000.950, abs=1e-3)
    assert offset == pytest.approx(78.785, abs=1e-3)
    assert ROUTE.length_m == pytest.approx(11_113.275, abs=1e-3)


def test_next_control_and_expected_arrival() -> None:
    state, kinds = drive([(0, 45.02, 9.0, 60.0)])
    assert state.next_control == "TC1"
    assert state.chainage_m == pytest.approx(2222.639, abs=1e-3)
    # 7,777.36 m at 60 km/h = 466.64 s
    assert (state.expected_us or 0) - state.instant_us == round(7777.360543269438 / (60 / 3.6) * 1e6)
    assert kinds == []


def test_slow_car_expected_at_the_legs_average() -> None:
    state, _ = drive([(0, 45.02, 9.0, 2.0)])
    assert (state.expected_us or 0) - state.instant_us == round(7777.360543269438 / (40 / 3.6) * 1e6)


def test_stopped_away_from_a_planned_stop() -> None:
    points = [(i * MIN, 45.031 + (i % 2) * 0.0001, 9.0, 0.0) for i in range(12)]
    _, kinds = drive(points)
    assert kinds.count(AlertKind.STOPPED) == 2  # minutes 10 and 11: persistence keeps one open alert


def test_stopped_at_lunch_is_planned() -> None:
    _, kinds = drive([(i * MIN, 45.0502, 9.0, 0.0) for i in range(30)])
    assert kinds == []


def test_stopped_at_a_control_is_planned() -> None:
    _, kinds = drive([(i * MIN, 45.0001, 9.0, 0.0) for i in range(30)])
    assert kinds == []


def test_off_route() -> None:
    _, kinds = drive([(0, 45.03, 9.0, 50.0), (MIN, 45.03, 9.01, 50.0)])  # 787 m east of the road
    assert kinds == [AlertKind.OFF_ROUTE]


def test_speeding_in_a_declared_zone_only() -> None:
    zone = Zone("Village", 45.04, 9.0, 400.0, 30.0)
    _, kinds = drive(
        [(0, 45.03, 9.0, 80.0), (MIN, 45.04, 9.0, 34.0), (2 * MIN, 45.041, 9.0, 50.0)], zones=[zone]
    )
    assert kinds == [AlertKind.SPEEDING]


def test_out_of_time_at_the_next_timed_control() -> None:
    due = {"TC1": T0 + 5 * MIN}
    _, early = drive([(0, 45.02, 9.0, 60.0)], due_us=due)
    assert early == []
    _, late = drive([(0, 45.02, 9.0, 60.0)], due_us={"TC1": T0 - 30 * MIN})
    assert late == [AlertKind.OUT_OF_TIME]


def test_late_fix_does_not_move_the_car_back() -> None:
    state, _ = drive([(MIN, 45.03, 9.0, 50.0), (0, 45.02, 9.0, 50.0)])
    assert state.instant_us == T0 + MIN and state.lat == 45.03


def test_no_signal() -> None:
    state, _ = drive([(0, 45.03, 9.0, 50.0)])
    assert silent(state, T0 + 9 * MIN) is None
    alert = silent(state, T0 + 11 * MIN)
    assert alert is not None and alert.kind is AlertKind.NO_SIGNAL and "11 min" in alert.message


def test_unassigned_device_raises_nothing() -> None:
    state, alerts = observe(None, Fix("stranger", T0, 45.03, 9.05, 200.0), None, COURSE)
    assert state.start_no is None and alerts == []


def test_thresholds_are_checked() -> None:
    assert Thresholds.from_dict({"off_route_m": 200}).off_route_m == 200
    with pytest.raises(InvalidInput, match="off_route_km"):
        Thresholds.from_dict({"off_route_km": 1})
    with pytest.raises(InvalidInput, match="no_signal_min"):
        Thresholds.from_dict({"no_signal_min": "ten"})


def test_where_the_route_passes_twice_the_car_keeps_to_its_pass() -> None:
    # Out 2 km north and back south 16 m to the east: a fix between the two roads is as near to both, and
    # the car's previous chainage chooses, so that a car is never sent to the other pass.
    north = [45.0 + i * 0.002 for i in range(10)]
    gauge = Gauge(Route.from_latlon(north + north[::-1], [9.0] * 10 + [9.0002] * 10))
    course = DayCourse(1, gauge, (Mark("START", 0.0, True), Mark("FINISH", gauge.length_m, True)))
    going, _ = observe(None, Fix("going", T0, 45.006, 9.0, 50.0), 7, course)  # on the way out
    coming, _ = observe(None, Fix("coming", T0, 45.014, 9.0002, 50.0), 8, course)  # on the way back
    going, _ = observe(going, Fix("going", T0 + MIN, 45.010, 9.0001, 50.0), 7, course)
    coming, _ = observe(coming, Fix("coming", T0 + MIN, 45.010, 9.0001, 50.0), 8, course)
    on_the_way_out = gauge.measure([45.010], [9.0]).pick(0)[0]
    on_the_way_back = gauge.measure([45.010], [9.0002]).pick(0)[0]
    assert on_the_way_back - on_the_way_out == pytest.approx(1_793.9, abs=0.1)  # 2 x 889 m + the 16 m across
    assert going.chainage_m == pytest.approx(on_the_way_out, abs=1e-6)
    assert coming.chainage_m == pytest.approx(on_the_way_back, abs=1e-6)
    assert going.offset_m == pytest.approx(7.883, abs=1e-3)
    assert coming.offset_m == pytest.approx(7.883, abs=1e-3)


def test_observe_many_is_observe_fix_by_fix() -> None:
    import random

    rng = random.Random(3)
    zones = (Zone("Village", 45.03, 9.0, 800.0, 30.0),)
    due = {"TC1": T0 + 5 * MIN}
    fixes = []
    for n in range(6):  # six cars, some stopping, some off route, some late, some fixes out of order
        t, lat = 0, 45.0 + n * 0.004
        for _ in range(40):
            t += rng.choice([1, 1, 1, 30, 120]) * 1_000_000
            lat += rng.choice([0.0, 0.0002, 0.001])
            lon = 9.0 + rng.choice([0.0, 0.0, 0.01])
            fixes.append(
                Fix(f"dev-{n}", T0 + t - rng.choice([0, 0, 0, 5_000_000]), lat, lon, rng.choice([None, 50.0]))
            )
    fixes.sort(key=lambda f: f.instant_us)
    one: dict[str, CarState] = {}
    expected = []
    for f in fixes:
        car = int(f.device_id[-1]) or None
        state, raised = observe(one.get(f.device_id), f, car, COURSE, due, zones)
        one[f.device_id] = state
        expected += raised
    for size in (1, 7, len(fixes)):
        many: dict[str, CarState] = {}
        got = []
        for start in range(0, len(fixes), size):
            batch = [(f, int(f.device_id[-1]) or None, COURSE, due) for f in fixes[start : start + size]]
            moved, raised = observe_many(many, batch, zones)  # type: ignore[arg-type]
            many.update(moved)
            got += raised
        assert many == one
        assert got == expected


# -- what a real rally does that is not an emergency ---------------------------------------------------


def test_a_car_slowed_by_a_hairpin_is_expected_at_the_legs_set_pace_not_out_of_time() -> None:
    # START to TC1, 10 km in 10 min: a set pace of 60 km/h. With 7,777 m to go, at its own 12 km/h the
    # car would arrive 39 min later, 31 min after its due time (out of time); at the set pace, 7.8 min.
    dues = {"START": T0 - 2 * MIN, "TC1": T0 + 8 * MIN}
    state, kinds = drive([(0, 45.02, 9.0, 12.0)], due_us=dues)
    assert (state.expected_us or 0) - state.instant_us == round(7777.360543269438 / (60 / 3.6) * 1e6)
    assert kinds == []


def test_early_for_a_time_control_a_car_waits_before_it_until_its_minute() -> None:
    # 1.5 km before TC1, beyond the 300 m around the control: waiting for its due minute is planned...
    waiting = [(i * MIN, 45.0765 + (i % 2) * 0.0001, 9.0, 0.0) for i in range(20)]
    _, kinds = drive(waiting, due_us={"START": T0 - 20 * MIN, "TC1": T0 + 20 * MIN})
    assert kinds == []
    # ... but not once its due minute is over: then it is stopped by the road.
    _, kinds = drive(waiting, due_us={"START": T0 - 40 * MIN, "TC1": T0})
    assert AlertKind.STOPPED in kinds


def test_no_signal_once_the_day_is_done_is_not_an_alert() -> None:
    at_the_finish, _ = drive([(0, 45.0899, 9.0, 0.0)])
    assert silent(at_the_finish, T0 + 60 * MIN, course=COURSE) is None
    on_the_road, _ = drive([(0, 45.05, 9.0, 50.0)])
    draft = silent(on_the_road, T0 + 60 * MIN, course=COURSE)
    assert draft is not None and draft.kind is AlertKind.NO_SIGNAL
