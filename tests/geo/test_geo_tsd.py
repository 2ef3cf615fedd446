import numpy as np
import pytest

from miglia.geo import HUNDREDTH_US, NO_TIME, GeoError
from miglia.geo.chainage import locate
from miglia.geo.tsd import Schedule, actual_instant_us, deviation_us
from tests.geo.geo_synth import T0, drive, route_xy

LEG = Schedule.of(T0, 1000.0, [(1000.0, 60.0), (4000.0, 45.0), (7000.0, 50.0)])


def test_ideal_instants_exact_to_the_microsecond():
    assert LEG.ideal_instant_us(1000.0) == T0
    assert LEG.ideal_instant_us(2000.0) == T0 + 60_000_000  # 1 km at 60 km/h
    assert LEG.ideal_instant_us(4000.0) == T0 + 180_000_000
    assert LEG.ideal_instant_us(5000.0) == T0 + 260_000_000  # + 1 km at 45 km/h = 80 s
    # 7 km: 180 + 240 s; then 1 m at 50 km/h = 72 ms.
    assert LEG.ideal_instant_us(7001.0) == T0 + 420_072_000
    # 1 m at 45 km/h = 80 ms exactly; 1/3 m = 26,666.67 µs -> 26,667 µs.
    assert LEG.ideal_instant_us(4000.0 + 1 / 3) == T0 + 180_026_667
    assert LEG.ideal_instant_us(4000.0 + 1 / 3, HUNDREDTH_US) == T0 + 180_030_000
    got = LEG.ideal_instant_us(np.array([1000.0, 2000.0, 5000.0]))
    assert got.tolist() == [T0, T0 + 60_000_000, T0 + 260_000_000]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ([], "at least one"),
        ([(900.0, 50.0)], "not at the start chainage"),
        ([(1000.0, 0.0)], "speed_kmh = 0.0"),
        ([(1000.0, 50.0), (1000.0, 40.0)], "does not increase"),
    ],
)
def test_bad_schedules(changes, message):
    with pytest.raises(GeoError, match=message):
        Schedule.of(T0, 1000.0, changes)


def test_before_start_raises():
    with pytest.raises(GeoError, match="before the start"):
        LEG.ideal_instant_us(999.0)


def test_actual_instant_and_deviation():
    r = route_xy(np.linspace(0, 9000, 10), np.zeros(10))
    c = np.arange(0, 8001, 20.0)  # 20 m/s, 1 Hz
    res = locate(r, drive(r, c, t0=T0 - 50_000_000))  # at 1000 m at T0
    got = actual_instant_us(res, [1000.0, 2000.0, 2010.0, 8500.0])
    assert got.tolist() == [T0, T0 + 50_000_000, T0 + 50_500_000, NO_TIME]
    dev = deviation_us(LEG, res, [1000.0, 2000.0, 8500.0])
    assert dev.tolist() == [0, 50_000_000 - 60_000_000, NO_TIME]


def test_actual_instant_first_reach_ignores_going_back():
    r = route_xy(np.linspace(0, 3000, 4), np.zeros(4))
    c = np.array([0, 400, 800, 1200, 900, 700, 1100, 1500.0])  # one fix every 10 s: 1000 m at 25 s
    res = locate(r, drive(r, c, dt_s=10.0))
    assert actual_instant_us(res, [1000.0])[0] == T0 + 25_000_000
    assert actual_instant_us(res, [0.0])[0] == T0
