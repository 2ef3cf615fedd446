"""Applications on the web: the public form (a message next to each bad field, nothing stored; uploads
limited in size and count; a rate limit), the applicant's page behind its secret link, the organiser's
selection (roles, CSRF, decisions, the waitlist's offer answered on the applicant's page), the outbox,
the scrutineer's phone pages and the timekeeper's report; and a walk of every public GET route looking
for the applicants' e-mails, phones, licences and emergency contacts."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from miglia.domain import scrutineering as checklist
from miglia.service.entries import applications, selection
from miglia.service.event import events
from miglia.store.db import Database
from miglia.web.app import create_app
from tests.service.entries.helpers import SOLO, form, open_event, photo
from tests.web.helpers import client_for, csrf_from, login, make_user
from tests.web.test_juries import filled, get_routes, readable

ERROR = re.compile(r'<p class="field-error" id="f-(\w+)-error">([^<]*)</p>')


@pytest.fixture
def site(db: Database) -> tuple[Database, TestClient]:
    open_event(db, places=5)
    for name, role in (
        ("olga", "organiser"),
        ("sam", "scrutineer"),
        ("tim", "timekeeper"),
        ("meg", "mechanic"),
    ):
        make_user(db, name, role)
    return db, client_for(db)


def _submit(client: TestClient, values: dict[str, str], photos: list[applications.Upload] | None = None):  # type: ignore[no-untyped-def]
    token = csrf_from(client, "/apply")
    files = [("photos", (p.name, p.data, "image/jpeg")) for p in ([photo()] if photos is None else photos)]
    return client.post("/apply", data={**values, "csrf": token}, files=files or None, follow_redirects=False)


def _stored(db: Database) -> int:
    with db.unit_of_work() as uow:
        return len(uow.applications.all(events.event_row(uow).id))


def test_a_new_applicant_applies_with_a_photo_and_gets_the_link(site: tuple[Database, TestClient]) -> None:
    db, client = site
    page = client.get("/apply")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text
    assert 'name="csrf"' in page.text and "cars built in 1957 or earlier" in page.text
    answer = _submit(client, form())
    assert answer.status_code == 303
    link = answer.headers["location"]
    assert re.fullmatch(r"/apply/[\w-]{20,}", link)
    own = client.get(link)
    assert own.status_code == 200 and "Application received" in own.text
    assert "paola.neri@example.org" in own.text  # the applicant sees (and may change) their own data
    assert own.headers["cache-control"] == "private, no-store"
    thumb = re.search(r'src="(/apply/[^"]+/thumb\.jpg)"', own.text)
    assert thumb and client.get(thumb.group(1)).content[:2] == b"\xff\xd8"
    assert client_for(db).get(thumb.group(1).replace(link, "/apply/wrong-token")).status_code == 404
    assert client_for(db).get("/apply/wrong-token").status_code == 404
    olga = client_for(db)
    login(olga, "olga")
    outbox = olga.get("/organiser/outbox").text
    assert "paola.neri@example.org" in outbox and f"http://testserver{link}" in outbox
    assert "SMTP is still to come" in html.unescape(outbox)


@pytest.mark.parametrize(
    ("values", "photos", "field", "message"),
    [
        (form(year="1961"), None, "year", "Not eligible: built in 1961, after 1957"),
        (form(make=""), None, "make", "Make: required"),
        (form(consent=""), None, "consent", "Please agree to apply."),
        (
            form(),
            [applications.Upload("fake.jpg", b"<?php echo 'not a photo'; ?>")],
            "photos",
            "fake.jpg: not a photo",
        ),
        (form(), [photo(i) for i in range(6)], "photos", "Photos: at most 5 per application (6 given)"),
        (
            form(),
            [applications.Upload("huge.jpg", b"\xff\xd8\xff" + bytes(applications.MAX_PHOTO_BYTES))],
            "photos",
            "huge.jpg: 8.0 MB; at most 8 MB",
        ),
    ],
)
def test_bad_input_gets_a_message_next_to_the_field_and_stores_nothing(
    site: tuple[Database, TestClient],
    values: dict[str, str],
    photos: list[applications.Upload] | None,
    field: str,
    message: str,
) -> None:
    db, client = site
    answer = _submit(client, values, photos)
    assert answer.status_code == 400
    errors = {name: html.unescape(text) for name, text in ERROR.findall(answer.text)}
    assert message in errors[field], errors
    assert f'id="f-{field}"' in answer.text and 'aria-invalid="true"' in answer.text
    assert 'value="Aurelia B20 GT"' in answer.text  # what was typed is kept
    assert _stored(db) == 0
    with db.unit_of_work() as uow:
        assert uow.applications.outbox(events.event_row(uow).id) == []


def test_a_form_larger_than_the_limit_is_refused_whole(site: tuple[Database, TestClient]) -> None:
    db, client = site
    big = [applications.Upload(f"p{i}.jpg", b"\xff\xd8" + bytes(7 * 2**20)) for i in range(3)]
    assert _submit(client, form(), big).status_code == 413
    assert _stored(db) == 0


def test_the_form_is_rate_limited_and_needs_its_csrf_token(site: tuple[Database, TestClient]) -> None:
    db, client = site
    token = csrf_from(client, "/apply")
    assert client.post("/apply", data={**form(), "csrf": "forged"}).status_code == 403
    answers = [client.post("/apply", data={**form(year="1990"), "csrf": token}).status_code for _ in range(5)]
    assert answers[:3] == [400, 400, 400] and 429 in answers
    assert _stored(db) == 0


def test_the_applicant_changes_then_withdraws(site: tuple[Database, TestClient]) -> None:
    _, client = site
    link = _submit(client, form()).headers["location"]
    token = csrf_from(client, link)
    bad = client.post(link, data={**form(year="1958"), "csrf": token})
    assert bad.status_code == 400 and "1958" in dict(ERROR.findall(bad.text))["year"]
    ok = client.post(link, data={**form(coachwork="Vignale"), "csrf": token}, follow_redirects=True)
    assert "Your changes are saved." in ok.text and 'value="Vignale"' in ok.text
    gone = client.post(
        f"{link}/withdraw", data={"reason": "sold the car", "csrf": token}, follow_redirects=True
    )
    assert "Your withdrawal is recorded." in gone.text and "withdrawn" in gone.text
    assert "Change your application" not in gone.text


def test_the_organiser_selects_and_a_withdrawal_offers_the_place(site: tuple[Database, TestClient]) -> None:
    db, public = site
    links = [
        _submit(
            client_for(db), form(**SOLO, driver_name=f"Driver {i}", driver_email=f"d{i}@example.org")
        ).headers["location"]
        for i in range(3)
    ]
    olga = client_for(db)
    token = login(olga, "olga")
    page = olga.get("/organiser/applications")
    assert page.status_code == 200 and page.text.count('class="app-card"') == 3
    assert "/organiser/applications/photos/" in page.text and "d0@example.org" in page.text

    def decide(app: int, status: str, reason: str) -> str:
        answer = olga.post(
            f"/organiser/applications/{app}/decide",
            data={"status": status, "reason": reason, "csrf": token},
            follow_redirects=True,
        )
        return html.unescape(answer.text)

    assert "Application 1: accepted." in decide(1, "accepted", "a fine car")
    assert "Application 2: accepted." in decide(2, "accepted", "a fine car")
    assert "Not done: application 3 (1953 Lancia Aurelia B20 GT): all 5 places are taken" in decide(
        3, "accepted", "x"
    )
    assert "Not done: application 3" in decide(3, "declined", " ")  # a reason is needed
    assert "Application 3: waitlisted." in decide(3, "waitlisted", "no place left")
    assert "Driver 0" in client_for(db).get("/entries").text  # an entry the rest of Miglia sees
    own = public.get(links[2])
    assert "number <strong>1</strong> on the waitlist" in own.text
    assert "Application 1: withdrawn." in decide(1, "withdrawn", "engine trouble")
    own = public.get(links[2])
    assert "A place is offered to you" in own.text
    answer = public.post(
        f"{links[2]}/offer",
        data={"answer": "accept", "csrf": csrf_from(public, links[2])},
        follow_redirects=True,
    )
    assert "You accepted the place" in answer.text and "Start number: <strong>7</strong>" in answer.text
    with db.unit_of_work() as uow:
        over = selection.overview(uow)
    assert over.accepted == 5 and over.waitlist == []
    # Filters: by status, make and year.
    assert olga.get("/organiser/applications?status=withdrawn").text.count('class="app-card"') == 1
    assert olga.get("/organiser/applications?make=jag").text.count('class="app-card"') == 0
    assert olga.get("/organiser/applications?year_from=1950&year_to=1955").text.count('class="app-card"') == 3
    # Fee, note, numbers.
    olga.post("/organiser/applications/2/fee", data={"status": "paid", "note": "", "csrf": token})
    olga.post("/organiser/applications/2/note", data={"text": "Bring the photos", "csrf": token})
    page = olga.get("/organiser/applications?status=accepted").text
    assert "fee paid by olga" in page and "note by olga — Bring the photos" in html.unescape(page)
    refused = olga.post(
        "/organiser/applications/2/number", data={"start_no": "1", "csrf": token}, follow_redirects=True
    )
    assert "Not done: start number 1 is already Anna Rossi&#39;s" in refused.text


def test_the_organiser_s_pages_need_the_role_and_writes_need_csrf(site: tuple[Database, TestClient]) -> None:
    db, client = site
    _submit(client_for(db), form())
    assert client.get("/organiser/applications", follow_redirects=False).status_code == 303  # to /login
    meg = client_for(db)
    token = login(meg, "meg")
    for path in ("/organiser/applications", "/organiser/outbox", "/scrutineering", "/scrutineering/report"):
        assert meg.get(path).status_code == 403, path
    assert (
        meg.post(
            "/organiser/applications/1/decide", data={"status": "accepted", "reason": "x", "csrf": token}
        ).status_code
        == 403
    )
    olga = client_for(db)
    login(olga, "olga")
    assert (
        olga.post("/organiser/applications/1/decide", data={"status": "accepted", "reason": "x"}).status_code
        == 403
    )
    assert olga.get("/organiser/applications/999999999999/decide").status_code in (404, 405)
    assert olga.get("/organiser/applications/photos/1/original.jpg").status_code == 404


def test_the_scrutineer_fails_a_car_and_the_timekeeper_reads_why(site: tuple[Database, TestClient]) -> None:
    db, _ = site
    sam = client_for(db)
    token = login(sam, "sam")
    assert sam.get("/").status_code == 200
    cars = sam.get("/scrutineering")
    assert cars.status_code == 200 and 'href="/scrutineering/2"' in cars.text
    form_values = {item: "ok" for item in checklist.KEYS} | {"csrf": token}
    form_values |= {"extinguisher": "fail", "extinguisher_note": "no fire extinguisher"}
    saved = sam.post("/scrutineering/2", data=form_values, follow_redirects=True)
    assert "Failed: Fire extinguisher, fixed and in date: no fire extinguisher" in saved.text
    refused = sam.post("/scrutineering/2/start", data={"csrf": token}, follow_redirects=True)
    assert "Not done: car 2 failed scrutineering" in refused.text and 'class="notice bad"' in refused.text
    passed = sam.post(
        "/scrutineering/1",
        data={item: "ok" for item in checklist.KEYS} | {"csrf": token},
        follow_redirects=True,
    )
    assert "Car 1 passed scrutineering." in passed.text
    assert (
        "Car 1 is marked started."
        in sam.post("/scrutineering/1/start", data={"csrf": token}, follow_redirects=True).text
    )
    tim = client_for(db)
    login(tim, "tim")
    report = tim.get("/scrutineering/report")
    assert report.status_code == 200 and "no fire extinguisher" in report.text
    assert 'href="/scrutineering/report"' in tim.get("/organiser/timing").text  # the timekeeper's nav link
    assert tim.get("/scrutineering/2").status_code == 403  # reading the report, not scrutineering


def test_no_public_page_shows_an_applicant_s_phone_e_mail_licence_or_emergency_contact(
    site: tuple[Database, TestClient],
) -> None:
    """Every public GET route of the app, its path parameters filled with real ids (the applications',
    their photos', the accepted cars' start numbers), with an application in every state."""
    db, _ = site
    people = [
        form(
            **SOLO,
            driver_name=f"Driver {i}",
            driver_email=f"secret{i}@example.org",
            driver_phone=f"+1 415 555 77{i:02d}",
            driver_licence=f"LIC-SECRET-{i}",
            driver_emergency=f"Emergency Person {i} +1 415 555 66{i:02d}",
        )
        for i in range(5)
    ]
    people[0] |= {
        "co_name": "Co Driver",
        "co_email": "co.secret@example.org",
        "co_phone": "+1 415 555 8800",
        "co_licence": "LIC-CO-SECRET",
        "co_emergency": "Co Emergency +1 415 555 8811",
    }
    ids = [applications.apply(db, p, [photo(i)]).application_id for i, p in enumerate(people)]
    selection.decide(db, ids[0], selection.Status.ACCEPTED, "yes", "olga")
    selection.decide(db, ids[1], selection.Status.ACCEPTED, "yes", "olga")
    selection.decide(db, ids[2], selection.Status.WAITLISTED, "full", "olga")
    selection.decide(db, ids[3], selection.Status.DECLINED, "no", "olga")
    selection.decide(db, ids[1], selection.Status.WITHDRAWN, "ill", "olga")  # car 2 offered the place
    events.publish_results(db, True)
    secrets = [v for p in people for k, v in p.items() if k in applications.rules.PRIVATE_FIELDS and v]
    secrets += [s.replace(" ", "") for s in secrets if s.startswith("+")]
    with db.unit_of_work() as uow:
        row = events.event_row(uow)
        photo_ids = [str(p.id) for ps in uow.applications.photos(row.id).values() for p in ps]
        numbers = [str(e.start_no) for e in uow.entries.all(row.id)]
    assert {"5", "6"} <= set(numbers)
    app = create_app(db, tile_url="")
    params = {
        "start_no": numbers,
        "application_id": [str(i) for i in ids],
        "photo_id": photo_ids[:3],
        "token": ["not-a-real-token"],
        "day": ["1"],
        "size": ["thumb", "full"],
        "fmt": ["pdf", "csv", "gpx"],
        "control": ["D1-TC1"],
        "_other": ["1"],
    }
    public = TestClient(app)
    walked = set()
    for route in get_routes(app):
        for path in filled(route, params):
            answer = public.get(path, follow_redirects=False)
            assert answer.status_code < 500, (path, answer.text[:300])
            text = readable(answer)
            leaked = [s for s in secrets if s in text or html.escape(s) in text]
            assert not leaked, f"{path} shows {leaked}"
            if answer.status_code == 200:
                walked.add(path)
    # The public pages of the accepted cars and the live feed's snapshot (/live/cars: what /live/stream
    # sends first, and every position after carries less) were read.
    assert {"/entries", "/cars/5", "/live/cars", "/apply"} <= walked and len(walked) > 20


def test_after_the_deadline_the_form_says_applications_are_closed(site: tuple[Database, TestClient]) -> None:
    db, client = site
    applications.save_settings(db, "2020-01-31", 5, 72, "olga")
    page = client.get("/apply")
    assert "Applications are closed: the deadline was 2020-01-31." in page.text
    answer = _submit(client, form())
    assert answer.status_code == 400 and "Applications are closed" in answer.text and _stored(db) == 0
