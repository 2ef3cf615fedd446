"""`miglia demo` end to end: the California Mille built, timed from its GPS tracks and scored."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from miglia.service.demo import build_demo
from miglia.service.timing.results import score
from miglia.store.models import PassageRow, PositionRow


def test_the_demo_builds_times_and_scores_every_car(tmp_path: Path) -> None:
    messages: list[str] = []
    db, summary = build_demo(tmp_path / "demo", progress=messages.append)
    assert (summary.name, summary.days, summary.accepted, summary.refused, summary.controls) == (
        "California Mille 2026",
        4,
        70,
        1,
        45,
    )
    assert 1_590 < summary.km < 1_610
    # Every accepted car passes every line on every day: 45 controls plus 8 timed-trial finish lines.
    assert summary.passages == 70 * (45 + 8)
    assert any(m.startswith("  stored tracks: 280/280") for m in messages)
    with db.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(PositionRow)) == summary.positions
        assert (
            uow.session.scalar(select(func.count()).select_from(PassageRow).where(PassageRow.source != "gps"))
            == 0
        )
        scored = score(uow)
    assert scored.published
    overall = scored.board.classification().overall.standings
    assert [st.position for st in overall[:5]] == [1, 2, 3, 4, 5]
    assert [st.start_no for st in overall[:5]] == [st.start_no for st, _ in summary.top]
    # Car 3 broke down on day 2 and reached the first time control 30 minutes late: capped at 300.
    late = scored.board.result(3).line("D2-TC1")
    assert late.status.value == "late" and late.penalty == 300 and late.capped
    db.dispose()
