"""The applications' use cases on SQLite and PostgreSQL: apply (the form, the photos, eligibility),
change through the link until the deadline, accept/waitlist/decline with a reason, the waitlist's offers
when an accepted car withdraws, start numbers by age and by hand, fees and notes, and the entries that
the rest of Miglia sees."""

from __future__ import annotations

import pytest

from miglia.domain.applications import Status
from miglia.domain.entries import EntryStatus
from miglia.service.entries import applications, selection
from miglia.service.event import events
from miglia.store.db import Database
from tests.service.entries.helpers import SOLO, apply, form, open_event, photo


def _entries(db: Database) -> dict[int, tuple[str, str, str]]:
    with db.unit_of_work() as uow:
        row = events.event_row(uow)
        return {
            e.start_no: (e.crew.driver, e.status.value, e.refusal_reason) for e in events.entries(uow, row.id)
        }


def _outbox(db: Database) -> list[tuple[str, str, str]]:
    with db.unit_of_work() as uow:
        return [(m.to, m.subject, m.body) for m in uow.applications.outbox(events.event_row(uow).id)]


def test_an_application_is_stored_with_its_photo_and_the_applicant_gets_the_link(db: Database) -> None:
    open_event(db)
    applied = apply(db)
    with db.unit_of_work() as uow:
        row, found = applications.find(uow, applied.token)
        seen = applications.view(uow, row, found)
    assert found.form["make"] == "Lancia" and found.form["consent"] == "yes"
    assert seen.status is Status.APPLIED and seen.changeable and len(seen.photos) == 1
    thumb = db.media.copy_path(seen.photos[0].sha256, "thumb")
    assert thumb.read_bytes()[:2] == b"\xff\xd8" and b"Exif" not in thumb.read_bytes()
    ((to, subject, body),) = _outbox(db)
    assert to == "paola.neri@example.org, giulia.neri@example.org"
    assert subject == "Sonoma Test Run: your application for the 1953 Lancia Aurelia B20 GT"
    assert f"/apply/{applied.token}" in body and "until 2099-01-31" in body
    with db.unit_of_work() as uow:  # only the token's hash is kept
        assert uow.applications.id_by_token(events.event_row(uow).id, applied.token) is None


@pytest.mark.parametrize(
    ("changes", "uploads", "field", "message"),
    [
        ({"year": "1961"}, None, "year", "Not eligible: built in 1961, after 1957"),
        ({"make": ""}, None, "make", "Make: required"),
        ({"consent": ""}, None, "consent", "Please agree to apply."),
        ({"driver_email": "paola"}, None, "driver_email", "is not an e-mail address"),
        ({}, [applications.Upload("car.jpg", b"GIF89a not a photo")], "photos", "car.jpg: not a photo"),
        ({}, [photo(i) for i in range(6)], "photos", "at most 5 per application (6 given)"),
        (
            {},
            [applications.Upload("big.jpg", b"\xff\xd8" + b"0" * applications.MAX_PHOTO_BYTES)],
            "photos",
            "big.jpg: 8.0 MB; at most 8 MB",
        ),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(
    db: Database,
    changes: dict[str, str],
    uploads: list[applications.Upload] | None,
    field: str,
    message: str,
) -> None:
    open_event(db)
    with pytest.raises(applications.FormErrors) as refused:
        applications.apply(db, form(**changes), [photo()] if uploads is None else uploads)
    assert message in refused.value.errors[field]
    with db.unit_of_work() as uow:
        row = events.event_row(uow)
        assert uow.applications.all(row.id) == [] and uow.applications.outbox(row.id) == []


def test_the_applicant_changes_the_application_until_the_deadline_and_each_version_is_kept(
    db: Database,
) -> None:
    open_event(db)
    applied = apply(db)
    changed = applications.change(db, applied.token, form(coachwork="Vignale"), [photo(1)])
    assert changed.form["coachwork"] == "Vignale" and changed.versions == 2
    with pytest.raises(applications.FormErrors) as refused:
        applications.change(db, applied.token, form(year="1958"), [])
    assert "1958" in refused.value.errors["year"]
    applications.save_settings(db, "2020-01-01", 5, 72, "olga")
    with pytest.raises(applications.FormErrors) as late:
        applications.change(db, applied.token, form(coachwork="Zagato"), [])
    assert "can no longer be changed" in late.value.errors["form"]
    with db.unit_of_work() as uow:
        _, found = applications.find(uow, applied.token)
        assert found.form["coachwork"] == "Vignale" and found.versions == 2


def test_worked_example_a_withdrawal_offers_the_place_to_the_first_waiting_car_then_the_next(
    db: Database,
) -> None:
    """5 places, 3 taken by the imported list. Two cars accepted (cars 5 and 6), three waitlisted in
    order; car 5 withdraws: the first waiting car is offered its place; it declines; the second is
    offered it and accepts, and becomes an entry."""
    open_event(db, places=5)
    ids = [
        apply(db, driver_name=f"Driver {i}", driver_email=f"d{i}@example.org", **SOLO).application_id
        for i in range(5)
    ]
    a, b, w1, w2, w3 = ids
    selection.decide(db, a, Status.ACCEPTED, "a fine car", "olga")
    selection.decide(db, b, Status.ACCEPTED, "a fine car", "olga")
    with pytest.raises(selection.Refused, match="all 5 places are taken"):
        selection.decide(db, w1, Status.ACCEPTED, "one more", "olga")
    for i in (w1, w2, w3):
        selection.decide(db, i, Status.WAITLISTED, "no place left", "olga")
    entries = _entries(db)
    assert entries[5] == ("Driver 0", "accepted", "") and entries[6] == ("Driver 1", "accepted", "")
    with db.unit_of_work() as uow:
        assert selection.overview(uow).waitlist == [w1, w2, w3]
    selection.decide(db, a, Status.WITHDRAWN, "engine trouble", "olga")
    assert _entries(db)[5] == ("Driver 0", "refused", "withdrawn: engine trouble")
    with db.unit_of_work() as uow:
        rows = {r.application.id: r for r in selection.overview(uow).rows}
    assert rows[w1].offer is not None and rows[w2].offer is None and rows[w3].offer is None
    to, subject, body = _outbox(db)[0]
    assert to == "d2@example.org" and "a place is free" in subject and "by " in body
    # The first waiting car declines the offer (on its page): the next one is offered the place.
    _answer(db, w1, accept=False)
    with db.unit_of_work() as uow:
        rows = {r.application.id: r for r in selection.overview(uow).rows}
    assert rows[w1].status is Status.WITHDRAWN and rows[w2].offer is not None and rows[w3].offer is None
    _answer(db, w2, accept=True)
    with db.unit_of_work() as uow:
        over = selection.overview(uow)
    rows = {r.application.id: r for r in over.rows}
    assert rows[w2].status is Status.ACCEPTED and rows[w2].application.start_no == 7
    assert over.waitlist == [w3] and rows[w3].offer is None
    assert _entries(db)[7][:2] == ("Driver 3", "accepted")


def _answer(db: Database, application_id: int, accept: bool) -> None:
    """Answer the offer as the applicant would, through a token: the tests know the id, not the token,
    so they give the application a known token's hash first."""
    from miglia.store.models import ApplicationRow

    with db.unit_of_work() as uow:
        uow.session.get_one(ApplicationRow, application_id).token_hash = applications.hash_token(
            f"t{application_id}"
        )
    applications.answer_offer(db, f"t{application_id}", accept)


def test_an_offer_not_answered_in_time_goes_to_the_next_car(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_event(db, places=4)
    a, w1, w2 = (apply(db, **SOLO).application_id for _ in range(3))
    selection.decide(db, a, Status.ACCEPTED, "yes", "olga")
    selection.decide(db, w1, Status.WAITLISTED, "full", "olga")
    selection.decide(db, w2, Status.WAITLISTED, "full", "olga")
    selection.decide(db, a, Status.WITHDRAWN, "sold the car", "olga")
    from miglia.service.entries import applications as module

    later = module.now_us() + 73 * 3_600_000_000
    monkeypatch.setattr(module, "now_us", lambda: later)
    monkeypatch.setattr(selection, "now_us", lambda: later)
    selection.refresh(db)
    with db.unit_of_work() as uow:
        rows = {r.application.id: r for r in selection.overview(uow).rows}
    decision = rows[w1].decision
    assert rows[w1].status is Status.DECLINED and decision is not None and "deadline" in decision.reason
    assert rows[w2].offer is not None


def test_start_numbers_by_age_oldest_first_and_by_hand(db: Database) -> None:
    open_event(db, places=10)
    years = {
        y: apply(db, year=y, **SOLO, driver_name=f"Born {y}").application_id for y in ("1957", "1931", "1949")
    }
    for i in years.values():
        selection.decide(db, i, Status.ACCEPTED, "yes", "olga")
    assert set(_entries(db)) == {1, 2, 3, 4, 5, 6, 7}  # provisional: in the order accepted
    selection.set_number(db, years["1949"], 10, "olga")
    with pytest.raises(selection.Refused, match="start number 2 is already Carl Meyer's"):
        selection.set_number(db, years["1957"], 2, "olga")
    numbers = selection.numbers_by_age(db, "olga")
    assert numbers == {years["1931"]: 5, years["1957"]: 6}
    entries = _entries(db)
    assert entries[5][0] == "Born 1931" and entries[6][0] == "Born 1957" and entries[10][0] == "Born 1949"
    assert entries[1][0] == "Anna Rossi" and entries[4][1] == EntryStatus.REFUSED.value  # imported, untouched


def test_fees_and_notes_are_records(db: Database) -> None:
    open_event(db)
    a = apply(db).application_id
    selection.add_note(db, a, "Lovely car, ask about the 1954 race", "olga")
    selection.set_fee(db, a, "paid", "bank transfer", "olga")
    selection.set_fee(db, a, "refunded", "withdrew", "olga")
    with pytest.raises(selection.Refused, match="choose due, paid or refunded"):
        selection.set_fee(db, a, "free", "", "olga")
    with db.unit_of_work() as uow:
        (row,) = selection.overview(uow).rows
    assert [f.status for f in row.fees] == ["paid", "refunded"] and row.fee == "refunded"
    assert row.notes[0].text.startswith("Lovely car") and row.notes[0].by == "olga"


def test_every_decision_needs_a_reason_and_is_kept(db: Database) -> None:
    open_event(db)
    a = apply(db).application_id
    with pytest.raises(selection.Refused, match="give the reason"):
        selection.decide(db, a, Status.DECLINED, " ", "olga")
    selection.decide(db, a, Status.WAITLISTED, "full", "olga")
    selection.decide(db, a, Status.ACCEPTED, "a place came free", "olga")
    with db.unit_of_work() as uow:
        (row,) = selection.overview(uow).rows
    assert [(d.status, d.reason, d.by) for d in row.history] == [
        (Status.APPLIED, "application received", "applicant"),
        (Status.WAITLISTED, "full", "olga"),
        (Status.ACCEPTED, "a place came free", "olga"),
    ]


def test_the_csv_import_still_works_beside_the_applications(db: Database) -> None:
    open_event(db)
    a = apply(db, **SOLO).application_id
    selection.decide(db, a, Status.ACCEPTED, "yes", "olga")
    from tests.web.helpers import SMALL

    events.import_entries(db, SMALL / "entries.csv")
    assert set(_entries(db)) == {1, 2, 3, 4}
    selection.numbers_by_age(db, "olga")  # any change of the selection puts the accepted car back
    assert set(_entries(db)) == {1, 2, 3, 4, 5}


def test_two_places_freed_are_offered_one_after_the_other(db: Database) -> None:
    """Two accepted cars withdraw: the first waiting car is offered a place; once it accepts, the second
    waiting car is offered the other. Never two offers open at once."""
    open_event(db, places=5)
    a, b, w1, w2, w3 = (apply(db, **SOLO).application_id for _ in range(5))
    for i in (a, b):
        selection.decide(db, i, Status.ACCEPTED, "yes", "olga")
    for i in (w1, w2, w3):
        selection.decide(db, i, Status.WAITLISTED, "full", "olga")
    selection.decide(db, a, Status.WITHDRAWN, "ill", "olga")
    selection.decide(db, b, Status.WITHDRAWN, "sold", "olga")

    def offered() -> list[int]:
        with db.unit_of_work() as uow:
            return [r.application.id for r in selection.overview(uow).rows if r.offer is not None]

    assert offered() == [w1]
    _answer(db, w1, accept=True)
    assert offered() == [w2]


def test_parallel_withdrawals_make_one_offer(db: Database) -> None:
    """Two accepted cars withdraw at the same instant (two requests): the settings' row is locked while
    a decision makes its offer, so one offer is open, to the first waiting car."""
    import threading

    open_event(db, places=5)
    a, b, w1, w2 = (apply(db, **SOLO).application_id for _ in range(4))
    for i in (a, b):
        selection.decide(db, i, Status.ACCEPTED, "yes", "olga")
    for i in (w1, w2):
        selection.decide(db, i, Status.WAITLISTED, "full", "olga")
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def withdraw(app: int) -> None:
        start.wait()
        try:
            selection.decide(db, app, Status.WITHDRAWN, "parallel", "olga")
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=withdraw, args=(i,)) for i in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not failures
    with db.unit_of_work() as uow:
        offers = [o.offer for o in uow.applications.offers(events.event_row(uow).id)]
    assert [o.application_id for o in offers] == [w1]
