"""Time cards: the ideal time of every control after a car's start, each car's start and due instants.

The test event (tests/domain/scoring_factory.py): first start 09:23 in Rome, one car a minute; S1 at
km 0, PT1 a 21.00 s timed trial, SC1 a secret check at km 20, TC1 at km 40 at 40 km/h, PC1 a passage
control, F at km 80 with a target of 1 h.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from miglia.domain.errors import InvalidInput
from miglia.domain.event import Control, ControlKind, SpeedChange
from miglia.domain.timecard import EventPlan, start_order, time_card, time_cards, travel_us
from tests.domain.scoring_factory import at, entry, event

D = Decimal
HOUR = 3_600_000_000


def test_travel_time_at_an_average_speed_in_whole_microseconds():
    assert travel_us(D(40), D(40)) == 3_600_000_000
    assert travel_us(D("0.3"), D(54)) == 20_000_000
    assert travel_us(D(1), D(7)) == 514_285_714  # 514285714.28...: rounded half up


def test_the_plan_of_every_control_after_the_start_of_the_day():
    plan = EventPlan.build(event())
    rows = {
        c.name: (c.kind, c.day, c.index, c.offset_us, c.leg_start, c.leg_us, c.trial_target_us)
        for c in plan.controls
    }
    assert rows == {
        "S1": (ControlKind.START, 0, 0, 0, None, None, None),
        "PT1": (ControlKind.TIMED_TRIAL, 0, 1, None, None, None, 21_000_000),
        # 20 km from S1 at TC1's 40 km/h: 30 min.
        "SC1": (ControlKind.SECRET_CHECK, 0, 2, HOUR // 2, "S1", HOUR // 2, None),
        "TC1": (ControlKind.TIME_CONTROL, 0, 3, HOUR, "S1", HOUR, None),  # 40 km at 40 km/h
        "PC1": (ControlKind.PASSAGE_CONTROL, 0, 4, None, None, None, None),
        "F": (ControlKind.FINISH, 0, 5, 2 * HOUR, "TC1", HOUR, None),  # its target: 1 h after TC1
    }
    assert plan.by_name["TC1"] is plan.controls[3]
    assert plan.day_first_start_us == (at("09:23:00"),)
    assert plan.day_interval_us == (60_000_000,)


def test_start_order_is_by_start_number_among_accepted_entries_only():
    entries = [entry(12), entry(3), entry(5, refused=True), entry(7)]
    assert start_order(entries) == {3: 0, 7: 1, 12: 2}
    assert start_order([]) == {}


def test_each_car_starts_one_interval_after_the_previous_and_keeps_the_plan():
    plan = EventPlan.build(event())
    assert plan.start_us(0, 0) == at("09:23:00")
    assert plan.start_us(0, 2) == at("09:25:00")
    card = time_card(plan, 12, 2)
    assert (card.start_no, card.day_start_us) == (12, (at("09:25:00"),))
    assert [(line.control, line.due_us, line.target_us) for line in card.lines] == [
        ("S1", at("09:25:00"), None),
        ("PT1", None, 21_000_000),
        ("SC1", at("09:55:00"), None),
        ("TC1", at("10:25:00"), None),
        ("PC1", None, None),
        ("F", at("11:25:00"), None),
    ]
    assert card.line("F").kind is ControlKind.FINISH
    with pytest.raises(KeyError):
        card.line("TC9")
    assert time_cards(plan, [entry(12), entry(3), entry(7)])[12] == card


def test_a_secret_check_without_a_speed_of_its_own_takes_the_legs_target():
    ev = event()
    day = ev.days[0]
    # TC1 with a target of 50 min instead of an average speed: the leg's speed is 40 km in 50 min.
    controls = tuple(
        dataclasses.replace(c, average_kmh=None, target=D(3000)) if c.name == "TC1" else c
        for c in day.controls
    )
    plan = EventPlan.build(dataclasses.replace(ev, days=(dataclasses.replace(day, controls=controls),)))
    assert plan.by_name["SC1"].leg_us == 25 * 60_000_000  # half the distance: half the time
    assert plan.by_name["TC1"].offset_us == 50 * 60_000_000


def test_a_speed_change_on_the_leg_changes_the_ideal_time_of_a_secret_check():
    plan = EventPlan.build(event(speed_changes=(SpeedChange(km=D(10), kmh=D(60)),)))
    # km 0-10 at 40 km/h: 15 min; km 10-20 at 60 km/h: 10 min.
    assert plan.by_name["SC1"].leg_us == 25 * 60_000_000


def _with_controls(*controls: Control):
    ev = event()
    return dataclasses.replace(ev, days=(dataclasses.replace(ev.days[0], controls=controls),))


@pytest.mark.parametrize(
    ("controls", "message"),
    [
        (
            (
                Control(name="S1", kind=ControlKind.START, km=D(0)),
                Control(name="S1", kind=ControlKind.PASSAGE_CONTROL),
            ),
            "control S1: name = 'S1': used twice; names are unique",
        ),
        (
            (
                Control(name="S1", kind=ControlKind.START, km=D(0)),
                Control(name="SC1", kind=ControlKind.SECRET_CHECK, km=D(5)),
            ),
            "control SC1: kind = 'secret_check': a secret check lies between two timed controls",
        ),
        (
            (Control(name="PT1", kind=ControlKind.TIMED_TRIAL, km=D(1)),),
            "control PT1: target = None: a timed trial needs a target time",
        ),
        (
            (
                Control(name="S1", kind=ControlKind.START, km=D(0)),
                Control(name="TC1", kind=ControlKind.TIME_CONTROL),
            ),
            "control TC1: target = None: a time control needs a target or an average_kmh",
        ),
        (
            (
                Control(name="S1", kind=ControlKind.START, km=D(10)),
                Control(name="TC1", kind=ControlKind.TIME_CONTROL, km=D(5), average_kmh=D(40)),
            ),
            "control TC1: km = Decimal('5'): must be after the leg's start at km 10",
        ),
        (
            (
                Control(name="S1", kind=ControlKind.START),
                Control(name="TC1", kind=ControlKind.TIME_CONTROL, km=D(5), average_kmh=D(40)),
            ),
            "control S1: km = None: needed to time this control from distance and speed",
        ),
    ],
)
def test_a_plan_that_cannot_be_timed_is_refused_naming_the_control_and_field(controls, message):
    with pytest.raises(InvalidInput) as info:
        EventPlan.build(_with_controls(*controls))
    assert str(info.value) == message


def test_each_day_starts_at_its_own_first_start():
    ev = event()
    day2 = dataclasses.replace(
        ev.days[0],
        number=2,
        date=dt.date(2027, 5, 2),
        first_start=dt.time(8, 0),
        start_interval_s=30,
        controls=(Control(name="S2", kind=ControlKind.START, km=D(0)),),
    )
    plan = EventPlan.build(dataclasses.replace(ev, days=(ev.days[0], day2)))
    assert plan.by_name["S2"].day == 1 and plan.by_name["S2"].index == 6
    assert plan.start_us(1, 3) == at("08:01:30", dt.date(2027, 5, 2))


# -- one schedule for the whole leg (issue 14.1) ----------------------------------------------------------


def _leg(*controls: Control):
    ev = event()
    return EventPlan.build(
        dataclasses.replace(ev, days=(dataclasses.replace(ev.days[0], controls=controls),))
    )


def test_the_docs_example_finish_follows_its_speed_change():
    # docs/event-file.md: D1-TC1 at km 61.5, then D1-FINISH at km 140 at 48 km/h, 40 km/h from km 100.
    # By hand: km 61.5-100 at 48 km/h = 38.5 / 48 h = 48 min 7.5 s; km 100-140 at 40 km/h = 1 h.
    # The leg is 1 h 48 min 7.5 s (a single 48 km/h average over 78.5 km would say 1 h 38 min 7.5 s).
    plan = _leg(
        Control(name="S", kind=ControlKind.START, km=D(0)),
        Control(name="TC1", kind=ControlKind.TIME_CONTROL, km=D("61.5"), target=D(4800)),
        Control(name="SC1", kind=ControlKind.SECRET_CHECK, km=D("80.2")),
        Control(name="SC2", kind=ControlKind.SECRET_CHECK, km=D(120)),
        Control(
            name="F",
            kind=ControlKind.FINISH,
            km=D(140),
            average_kmh=D(48),
            speed_changes=(SpeedChange(km=D(100), kmh=D(40)),),
        ),
    )
    # 18.7 km at 48 km/h = 0.389583... h = 23 min 22.5 s
    assert plan.by_name["SC1"].leg_us == (23 * 60 + 22) * 1_000_000 + 500_000
    # 38.5 km at 48 km/h + 20 km at 40 km/h = 48 min 7.5 s + 30 min = 1 h 18 min 7.5 s
    assert plan.by_name["SC2"].leg_us == (78 * 60 + 7) * 1_000_000 + 500_000
    assert plan.by_name["F"].leg_us == (108 * 60 + 7) * 1_000_000 + 500_000
    # due after the day's start: TC1's 1 h 20 min + the leg
    assert plan.by_name["F"].offset_us == (80 * 60 + 108 * 60 + 7) * 1_000_000 + 500_000
    assert plan.by_name["SC2"].offset_us == (80 * 60 + 78 * 60 + 7) * 1_000_000 + 500_000


def test_a_speed_change_moves_the_time_control_closing_the_leg():
    # The factory's TC1 (km 40, 40 km/h) with 60 km/h from km 10: 10 km in 15 min + 30 km in 30 min = 45 min.
    plan = EventPlan.build(event(speed_changes=(SpeedChange(km=D(10), kmh=D(60)),)))
    assert plan.by_name["TC1"].leg_us == 45 * 60_000_000
    assert time_card(plan, 1, 0).line("TC1").due_us == at("10:08:00")


def test_a_change_at_the_leg_start_sets_its_average():
    plan = _leg(
        Control(name="S", kind=ControlKind.START, km=D(0)),
        Control(name="SC", kind=ControlKind.SECRET_CHECK, km=D(30)),
        Control(
            name="TC",
            kind=ControlKind.TIME_CONTROL,
            km=D(60),
            average_kmh=D(40),
            speed_changes=(SpeedChange(km=D(0), kmh=D(60)),),
        ),
    )
    assert plan.by_name["SC"].leg_us == 30 * 60_000_000  # 30 km at 60 km/h
    assert plan.by_name["TC"].leg_us == 60 * 60_000_000


@pytest.mark.parametrize(
    ("tc", "check", "message"),
    [
        (
            {"average_kmh": D(40)},
            {"average_kmh": D(50)},
            "control SC: average_kmh = '50': differs from the leg's 40 km/h at TC; change the average along "
            "the leg with speed_changes",
        ),
        (
            {"speed_changes": (SpeedChange(km=D(10), kmh=D(60)),)},
            {},
            "control TC: speed_changes = ['10']: a leg with speed changes needs its average_kmh",
        ),
        (
            {"target": D(3600), "speed_changes": (SpeedChange(km=D(10), kmh=D(60)),)},
            {},
            "control TC: target = '60 min 00 s': give either a target or average_kmh with speed_changes",
        ),
        (
            {"target": D(3600), "average_kmh": D(40), "speed_changes": (SpeedChange(km=D(10), kmh=D(60)),)},
            {},
            "control TC: target = '60 min 00 s': give either a target or average_kmh with speed_changes",
        ),
        (
            {"average_kmh": D(40), "speed_changes": (SpeedChange(km=D(10), kmh=D(60)),)},
            {"speed_changes": (SpeedChange(km=D(10), kmh=D(50)),)},
            "control SC: speed_changes = 'km 10: 50 km/h': another control of the leg sets 60 km/h",
        ),
    ],
)
def test_a_leg_that_cannot_have_one_schedule_is_refused(tc: dict, check: dict, message: str):
    with pytest.raises(InvalidInput) as caught:
        _leg(
            Control(name="S", kind=ControlKind.START, km=D(0)),
            Control(name="SC", kind=ControlKind.SECRET_CHECK, km=D(20), **check),
            Control(name="TC", kind=ControlKind.TIME_CONTROL, km=D(40), **tc),
        )
    assert str(caught.value).startswith(message)
