"""Properties of the engine: order of input, independence of cars, corrections that undo, the minute."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from miglia.domain.corrections import EVERY_CAR, Correction, CorrectionKind
from miglia.domain.passages import Passage
from miglia.domain.rules import Source
from miglia.domain.scoreboard import Scoreboard, score_event
from miglia.domain.scoring import score_car
from miglia.domain.timecard import EventPlan
from tests.domain.scoring_factory import at, entry, event, rules

EVENT = event()
PLAN = EventPlan.build(EVENT)
RULES = rules()
ENTRIES = [entry(1, 1927), entry(2, 1948), entry(3, 1955)]
SLOTS = [(c.name, "") for c in PLAN.controls] + [("PT1", "finish")]
BASE = at("09:20:00")

passage = st.builds(
    lambda n, slot, offset, source, k: Passage(
        start_no=n, control=slot[0], instant_us=BASE + offset, source=source, line=slot[1], id=f"p{k}"
    ),
    st.sampled_from([1, 2, 3]),
    st.sampled_from(SLOTS),
    st.integers(0, 3 * 3_600_000_000),
    st.sampled_from(list(Source)),
    st.integers(0, 10**6),
)
passages = st.lists(passage, max_size=40, unique_by=lambda x: x.id)


def table(board: Scoreboard) -> list[tuple[object, ...]]:
    return [(s.position, s.start_no, s.penalty, s.score, s.excluded) for s in board.overall().standings]


@settings(max_examples=60, deadline=None)
@given(passages, st.randoms(use_true_random=False))
def test_input_order_never_changes_results(ps, rnd):
    shuffled = list(ps)
    rnd.shuffle(shuffled)
    a = score_event(EVENT, ENTRIES, RULES, ps)
    b = Scoreboard(EVENT, ENTRIES, RULES)
    for x in shuffled:  # one by one, as they arrive live
        b.add_passage(x)
    assert a.results == b.results
    assert table(a) == table(b)


@settings(max_examples=60, deadline=None)
@given(passages, passages)
def test_a_cars_result_does_not_depend_on_other_cars_passages(mine, others):
    mine = [
        Passage(start_no=1, control=x.control, instant_us=x.instant_us, source=x.source, line=x.line, id=x.id)
        for x in mine
    ]
    others = [
        Passage(
            start_no=2 + (i % 2),
            control=x.control,
            instant_us=x.instant_us,
            source=x.source,
            line=x.line,
            id=x.id,
        )
        for i, x in enumerate(others)
    ]
    alone = score_event(EVENT, ENTRIES, RULES, mine).result(1)
    together = score_event(EVENT, ENTRIES, RULES, mine + others).result(1)
    assert alone == together


corrections = st.lists(
    st.one_of(
        st.builds(
            lambda slot, off: dict(kind="replace_time", control=slot[0], line=slot[1], instant_us=BASE + off),
            st.sampled_from(SLOTS),
            st.integers(0, 3 * 3_600_000_000),
        ),
        st.builds(
            lambda slot: dict(kind="void_passage", control=slot[0], line=slot[1]), st.sampled_from(SLOTS)
        ),
        st.builds(lambda pts: dict(kind="add_penalty", points=Decimal(pts)), st.integers(0, 500)),
        st.just(dict(kind="exclude")),
    ),
    min_size=1,
    max_size=5,
)


@settings(max_examples=60, deadline=None)
@given(passages, corrections, st.sampled_from([1, 2, 3]))
def test_a_correction_and_its_reversal_give_back_the_original_table(ps, specs, car):
    board = score_event(EVENT, ENTRIES, RULES, ps)
    before = (table(board), dict(board.results))
    for i, original in enumerate(specs):
        spec = dict(original)
        kind = CorrectionKind(spec.pop("kind"))
        board.add_correction(
            Correction(id=f"c{i}", kind=kind, start_no=car, by="tk", at_us=i, why="why", **spec)
        )
    for i in range(len(specs)):
        board.add_correction(
            Correction(
                id=f"x{i}",
                kind=CorrectionKind.CANCEL,
                start_no=car,
                by="tk",
                at_us=100 + i,
                why="undo",
                cancels=f"c{i}",
            )
        )
    assert (table(board), dict(board.results)) == before


@settings(max_examples=200, deadline=None)
@given(st.integers(-10 * 60_000_000, 10 * 60_000_000))
def test_minute_convention_on_time_exactly_during_the_due_minute(offset_us):
    due = at("10:23:00")
    slots = {
        ("TC1", ""): [Passage(start_no=1, control="TC1", instant_us=due + offset_us, source=Source.DEVICE)]
    }
    line = score_car(PLAN, 1, 0, slots, (), RULES, Decimal(1)).line("TC1")
    seconds = offset_us // 1_000_000  # measured: truncated to the second
    if 0 <= seconds < 60:
        assert line.penalty == 0
    elif seconds >= 60:
        assert line.penalty == min(300, 100 * (seconds // 60))
    else:
        assert line.penalty == 100 * ((-seconds + 59) // 60)


@settings(max_examples=60, deadline=None)
@given(passages, st.sampled_from([c.name for c in PLAN.controls]))
def test_a_neutralised_control_changes_each_score_only_by_that_control(ps, control):
    board = score_event(EVENT, ENTRIES, RULES, ps)
    before = dict(board.results)
    board.add_correction(
        Correction(
            id="n",
            kind=CorrectionKind.NEUTRALISE,
            start_no=EVERY_CAR,
            control=control,
            by="tk",
            at_us=0,
            why="x",
        )
    )
    for n, old in before.items():
        new = board.result(n)
        # every other line as it was; this one free; the total lower by exactly what this line cost
        assert [line for line in new.lines if line.control != control] == [
            line for line in old.lines if line.control != control
        ]
        assert new.line(control).penalty == 0
        assert new.penalty == old.penalty - old.line(control).penalty
