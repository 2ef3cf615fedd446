"""Commemorative items on the web: the organiser's series and allocation, the staff's hand-over (signed),
the sponsor's list; roles, CSRF and bounds (a signature too large, not a PNG, a serial of no series);
and twenty hand-overs of one serial sent at once to a served app on PostgreSQL: one is stored, the
others are told who has it."""

from __future__ import annotations

import re
import threading
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from miglia.domain.items import MAX_SIGNATURE_CHARS, SIGNATURE_PREFIX, Per
from miglia.service.awards import items
from miglia.store.db import Database
from tests.browser.conftest import serving
from tests.web.helpers import client_for, csrf_from, login, make_user, password_of, with_staff

SIGNATURE = items.demo_signature("Anna Rossi", 7)


@pytest.fixture
def series(staff: Database) -> tuple[Database, int]:
    """The small event's staff, and a series of 5 with one per car (cars 1-3) and 2 reserved."""
    made = items.create_series(staff, "Chronograph, Sonoma Test Run edition", 5, "001", "Test Garage", "olga")
    items.allocate_auto(staff, made.id, Per.CAR, 2, "olga")
    return staff, made.id


def _flash(page: str) -> list[str]:
    return re.findall(r'class="notice (?:good|bad)" role="(?:status|alert)">(.*?)</p>', page, re.S)


def test_the_organiser_makes_a_series_allocates_and_marks_one_lost(staff: Database) -> None:
    client = client_for(staff)
    token = login(client, "olga")
    made = client.post(
        "/organiser/items",
        data={
            "csrf": token,
            "name": "Chronograph",
            "pieces": "5",
            "first_serial": "001",
            "sponsor": "Test Garage",
        },
        follow_redirects=False,
    )
    assert made.status_code == 303
    page = client.get(made.headers["location"])
    assert _flash(page.text) == ["Series Chronograph made: 5 pieces, 001-005."]
    series_id = int(made.headers["location"].rsplit("/", 1)[1])
    again = client.post(
        "/organiser/items", data={"csrf": token, "name": "chronograph", "pieces": "5", "first_serial": "1"}
    )
    assert _flash(again.text) == [
        "item series: name = &#39;chronograph&#39;: the event already has a series so named"
    ]
    bad = client.post("/organiser/items", data={"csrf": token, "name": "Medals", "pieces": "lots"})
    assert _flash(bad.text) == ["item series: pieces = &#39;lots&#39;: expected a whole number"]
    done = client.post(
        f"/organiser/items/{series_id}/allocate", data={"csrf": token, "per": "car", "reserve": "2"}
    )
    assert _flash(done.text) == ["3 serials allocated (one per car), 2 more reserved for the award winners."]
    assert 'id="count-allocated">3<' in done.text and 'id="count-reserved">2<' in done.text
    one = client.post(
        f"/organiser/items/{series_id}/allocate-one",
        data={"csrf": token, "kind": "person", "holder": "Mo Sweep", "reason": "the sweep crew"},
    )
    assert _flash(one.text) == [
        "Serial 004 allocated: Mo Sweep (the sweep crew)."
    ]  # none free: the reserve's
    lost = client.post(
        f"/organiser/items/{series_id}/serials/002/retire",
        data={"csrf": token, "kind": "lost", "why": "fell behind the seat", "replacement": "next"},
    )
    assert _flash(lost.text) == [
        "Serial 002 marked lost. Carl Meyer &amp; Dora Meyer is given serial 005 in its place."
    ]
    refused = client.post(
        f"/organiser/items/{series_id}/serials/002/withdraw", data={"csrf": token, "why": "oops"}
    )
    assert _flash(refused.text) == [
        "serial 002: serial = &#39;002&#39;: marked lost by olga (fell behind the seat): "
        "it stays out of circulation"
    ]
    csv_text = client.get(f"/organiser/items/{series_id}/sponsor.csv").text
    assert csv_text.splitlines()[2] == (
        "002,Carl Meyer & Dora Meyer,2,1951 Jaguar XK120,lost,,,,,Lost: fell behind the seat; replaced by 005"
    )
    sponsor = client.get(f"/organiser/items/{series_id}/sponsor")
    assert sponsor.status_code == 200 and "for Test Garage" in sponsor.text
    pdf = client.get(f"/organiser/items/{series_id}/sponsor.pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content[:5] == b"%PDF-"
    assert client.get("/organiser/items").status_code == 200


def test_a_marshal_hands_over_with_a_signature_and_the_second_time_is_refused(
    series: tuple[Database, int],
) -> None:
    db, series_id = series
    marshal = client_for(db)
    token = login(marshal, "mario")
    found = marshal.get(f"/items/handover?series={series_id}&q=rossi")
    assert found.status_code == 200 and 'id="holder-001"' in found.text
    allocation = re.search(r'name="allocation" value="(\d+)"', found.text)
    assert allocation
    form = {"csrf": token, "series": str(series_id), "serial": "001", "allocation": allocation.group(1)}
    answer = marshal.post(
        "/items/handover", data={**form, "received_by": "Bea Conti", "signature": SIGNATURE}
    )
    assert answer.status_code == 200
    (message,) = _flash(answer.text)
    assert re.fullmatch(
        r"Serial 001 handed to Bea Conti by mario \(signed\), 20\d\d-\d\d-\d\d \d\d:\d\d:\d\d\.", message
    )
    again = marshal.post("/items/handover", data={**form, "received_by": "Anna Rossi"})
    assert again.status_code == 409
    assert re.search(
        r"serial 001 was handed to Bea Conti at \w{3} \d{1,2} \w{3} [\d:]{8} by mario;", again.text
    )
    as_json = marshal.post(
        "/items/handover", data={**form, "received_by": "Anna Rossi"}, headers={"Accept": "application/json"}
    )
    assert as_json.status_code == 409 and as_json.json()["error"].startswith(
        "serial 001 was handed to Bea Conti"
    )
    # the organiser sees the signature; the marshal does not
    organiser = client_for(db)
    login(organiser, "olga")
    page = organiser.get(f"/organiser/items/{series_id}")
    src = re.search(r'src="(/organiser/items/\d+/handovers/\d+/signature.png)"', page.text)
    assert src
    png = organiser.get(src.group(1))
    assert png.headers["content-type"] == "image/png" and png.content[:4] == b"\x89PNG"
    assert marshal.get(src.group(1)).status_code == 403
    assert "Handed over" in organiser.get(f"/organiser/items/{series_id}/sponsor").text


def test_roles_csrf_and_bounds(series: tuple[Database, int]) -> None:
    db, series_id = series
    public = client_for(db)
    for path in ("/items/handover", "/organiser/items", f"/organiser/items/{series_id}/sponsor.csv"):
        assert public.get(path, follow_redirects=False).status_code == 303  # to the login page
    for name in ("crew1", "meg"):  # a crew, a mechanic
        other = client_for(db)
        token = login(other, name)
        assert other.get("/items/handover").status_code == 403
        refused = other.post("/items/handover", data={"csrf": token, "series": str(series_id), "serial": "1"})
        assert refused.status_code == 403
    timekeeper = client_for(db)
    login(timekeeper, "tim")
    assert timekeeper.get("/items/handover").status_code == 200
    marshal = client_for(db)
    token = login(marshal, "mario")
    assert marshal.get("/organiser/items").status_code == 403
    assert marshal.post(f"/organiser/items/{series_id}/allocate", data={"csrf": token}).status_code == 403
    form = {"csrf": token, "series": str(series_id), "serial": "002", "received_by": "Carl Meyer"}
    no_token = marshal.post("/items/handover", data={**form, "csrf": "forged"})
    assert no_token.status_code == 403 and "CSRF check failed" in no_token.text
    too_big = marshal.post(
        "/items/handover",
        data={**form, "signature": SIGNATURE_PREFIX + "A" * MAX_SIGNATURE_CHARS},
        headers={"Accept": "application/json"},
    )
    assert too_big.status_code == 400
    assert too_big.json()["error"] == (
        "hand-over: signature = '200 KB': a signature is at most 200 KB; clear it and sign again"
    )
    enormous = marshal.post("/items/handover", data={**form, "signature": "A" * (3 * MAX_SIGNATURE_CHARS)})
    assert enormous.status_code == 422  # not even read: the form field's own bound
    not_png = marshal.post("/items/handover", data={**form, "signature": SIGNATURE_PREFIX + "A" * 4000})
    assert (
        not_png.status_code == 400
        and "signature = &#39;data:image/png;base64,AAAAAAAAAAAAAAAAAA&#39;: not a PNG image" in not_png.text
    )
    svg = marshal.post(
        "/items/handover", data={**form, "signature": "data:image/svg+xml,<svg onload=alert(1)>"}
    )
    assert svg.status_code == 400 and "expected a PNG data URL" in svg.text and "<svg onload" not in svg.text
    for serial, status, text in [
        ("abc", 400, "expected a serial of the series, 001-005"),
        ("009", 400, "not a serial"),
    ]:
        bad = marshal.post("/items/handover", data={**form, "serial": serial})
        assert bad.status_code == status and text in bad.text
    assert marshal.post("/items/handover", data={**form, "series": "99999999999"}).status_code == 404
    assert marshal.get("/items/handover?series=4&q=" + "x" * 5000).status_code == 200
    with db.unit_of_work() as uow:
        assert items.ledger_of(uow, series_id).handovers == ()  # nothing was stored


# -- twenty phones at once, on a served app and PostgreSQL -----------------------------------------------


@pytest.mark.pg
def test_parallel_requests_hand_over_a_serial_once(pg_url: str) -> None:
    db = with_staff(Database(pg_url))
    for name in ("mario2", "tim2"):
        make_user(db, name, "marshal")
    made = items.create_series(db, "Chronograph", 5, "001", "", "olga")
    items.allocate_auto(db, made.id, Per.CAR, 0, "olga")
    with serving(db) as base:
        phones: list[tuple[httpx.Client, str]] = []
        for name in ("olga", "mario", "mario2", "tim2"):  # four staff (the login limit is 5 a minute)
            phone = httpx.Client(base_url=base)
            token = csrf_from(phone, "/login")  # type: ignore[arg-type]
            phone.post("/login", data={"username": name, "password": password_of(name), "csrf": token})
            phones.append((phone, csrf_from(phone, "/items/handover")))  # type: ignore[arg-type]
        barrier = threading.Barrier(20)
        answers: list[Any] = [None] * 20

        def send(i: int) -> None:
            phone, token = phones[i % 4]
            barrier.wait()
            answers[i] = phone.post(
                "/items/handover",
                data={"csrf": token, "series": str(made.id), "serial": "003", "received_by": f"Fay {i}"},
                headers={"Accept": "application/json"},
            )

        threads = [threading.Thread(target=send, args=(i,)) for i in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        for phone, _ in phones:
            phone.close()
    codes = sorted(a.status_code for a in answers)
    assert codes == [200] + [409] * 19, [a.text for a in answers if a.status_code not in (200, 409)]
    (ok,) = [a.json() for a in answers if a.status_code == 200]
    with db.unit_of_work() as uow:
        (handed,) = items.ledger_of(uow, made.id).handovers
    assert ok["serial"] == "003" and ok["handover"] == handed.id
    errors = {a.json()["error"] for a in answers if a.status_code == 409}
    assert len(errors) == 1
    assert errors.pop().startswith(f"serial 003 was handed to {handed.received_by} at ")
    db.dispose()


def test_the_page_without_a_series(staff: Database) -> None:
    client: TestClient = client_for(staff)
    login(client, "mario")
    page = client.get("/items/handover")
    assert page.status_code == 200 and "No commemorative items yet" in page.text
