"""The official classification's content (what the PDF prints) and the PDF itself, on the in-memory store."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from miglia.domain.corrections import CorrectionKind
from miglia.domain.errors import InvalidInput
from miglia.formats.classification_pdf import render
from miglia.service.event import events
from miglia.service.timing import official, protests, timekeeper
from tests.conftest import SMALL
from tests.fake_store import FakeDatabase

T = 1_777_240_000_000_000  # 2026-04-26 14:46:40 PDT


@pytest.fixture
def small(fake_db: FakeDatabase, monkeypatch: pytest.MonkeyPatch) -> FakeDatabase:
    for module in (official, protests, events, timekeeper):
        monkeypatch.setattr(module, "now_us", lambda: T)
    events.import_event(fake_db, SMALL / "event.toml")
    events.import_entries(fake_db, SMALL / "entries.csv")
    return fake_db


def content(db: FakeDatabase, day: int | None = None) -> official.OfficialClassification:
    with db.unit_of_work() as uow:
        return official.official(uow, day)


def test_what_the_official_classification_says(small: FakeDatabase) -> None:
    penalty = timekeeper.add_correction(
        small,
        timekeeper.CorrectionRequest(
            kind=CorrectionKind.ADD_PENALTY, start_no=2, by="clerk", why="push start", points=Decimal(60)
        ),
    )
    draft = content(small)
    assert (draft.event, draft.title) == ("Sonoma Test Run", "Official classification – provisional")
    assert draft.lines == [
        "Rule set: Regularity (ACI), version 2027.1",
        "Not published: for the timekeepers only.",
        "Last changed 14:46:40 (America/Los_Angeles).",
    ]
    assert draft.corrections == [f"#{penalty} car 2, add penalty: 60 points – push start (clerk, 14:46:40)"]
    assert [t.title for t in draft.tables][:1] == ["Overall"]
    assert [row[1] for row in draft.tables[0].rows] == ["1", "3", "2"]  # car 2 last with its 60 points
    events.publish_results(small, True)
    assert content(small).lines[1] == "Provisional, published 14:46:40; protests until 15:16:40."
    assert content(small, day=1).title == "Classification after day 1"
    with pytest.raises(InvalidInput, match=r"day = 3: the event's days are \[1\]"):
        content(small, day=3)


def test_the_pdf_has_a_page_per_screenful_and_the_font_that_prints_every_name(small: FakeDatabase) -> None:
    pdf = render(content(small))
    assert pdf.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type /Page\b", pdf)) == 1
    assert b"DejaVuSans" in pdf  # embedded (subset), so accents and the like print
