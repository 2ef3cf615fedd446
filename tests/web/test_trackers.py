"""Enrolling the cars' trackers from the console: tokens, codes, the printable sheet, the confirmation."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, unquote, urlsplit

from miglia.service.event import events
from miglia.service.live import alerts, enrolment
from miglia.service.live.devices import register
from miglia.store.db import Database
from tests.web.helpers import client_for, login

BASE = "https://rally.example.org/"


def test_links_carry_the_server_the_device_and_its_token() -> None:
    link = enrolment.traccar_client_link(BASE, "mille-007", "s3cret")
    parts = urlsplit(link)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert (parts.scheme, parts.netloc) == ("traccar", "config")
    assert query == {
        "url": "https://rally.example.org/ingest/osmand?token=s3cret",
        "id": "mille-007",
        "interval": "5",
        "accuracy": "highest",
        "buffer": "true",
    }
    assert enrolment.owntracks_link(BASE, "mille-007", "s3cret") is None  # the app sends USER/DEVICE
    owntracks = enrolment.owntracks_link(BASE, "car7/phone", "s3cret")
    assert owntracks is not None and owntracks.startswith("owntracks:///config?inline=")
    config = json.loads(base64.b64decode(unquote(owntracks.split("inline=", 1)[1])))
    assert config == {
        "_type": "configuration",
        "mode": 3,
        "url": "https://rally.example.org/ingest/owntracks",
        "auth": True,
        "username": "car7",
        "deviceId": "phone",
        "password": "s3cret",
    }


def test_the_token_is_derived_and_the_same_each_time() -> None:
    one = enrolment.enrolment_token("key-1", "mille-007")
    assert one == enrolment.enrolment_token("key-1", "mille-007") and len(one) == 24
    assert one != enrolment.enrolment_token("key-2", "mille-007")
    assert one != enrolment.enrolment_token("key-1", "mille-008")


def test_the_organiser_enrols_the_cars_and_the_first_position_confirms_it(staff: Database) -> None:
    register(staff, "dev-3", token="typed-by-hand")  # registered another way: no code shown
    with client_for(staff) as client:
        assert client.get("/organiser/trackers", follow_redirects=False).status_code == 303
        csrf = login(client, "olga")
        page = client.get("/organiser/trackers").text
        assert "Enrol 2 trackers not registered" in page and "data:image/svg+xml" not in page
        done = client.post("/organiser/trackers/enrol", data={"csrf": csrf}, follow_redirects=True)
        assert "Enrolled 2 trackers" in done.text
        with staff.unit_of_work() as uow:
            items = {e.start_no: e for e in enrolment.enrolments(uow, events.event_row(uow).id)}
        assert [items[n].status for n in (1, 2, 3)] == [
            "enrolled",
            "enrolled",
            "registered with its own token",
        ]
        assert items[1].first_us is None and items[3].token is None
        assert done.text.count("data:image/svg+xml") == 2  # cars 1 and 2; car 4 was refused
        # car 1's phone, configured from its code, sends its first position
        sent = client.get(
            "/ingest/osmand",
            params={
                "id": "dev-1",
                "lat": 38.2919,
                "lon": -122.458,
                "timestamp": 1777215600,
                "token": items[1].token,
            },
        )
        assert sent.json() == {"stored": 1, "duplicates": 0}
        page = client.get("/organiser/trackers").text
        assert "first position Sun 26 Apr 08:00:00" in page and "waiting for its first position" in page
        sheet = client.get("/organiser/trackers/sheet").text
        assert (
            sheet.count('class="code-card"') == 2
            and "mille" not in sheet
            and "device <code>dev-1</code>" in sheet
        )


def test_the_console_warns_when_unregistered_trackers_count(staff: Database) -> None:
    with staff.unit_of_work() as uow:
        event_id = events.event_row(uow).id
    with client_for(staff) as client:
        login(client, "olga")
        assert 'id="trust-warning"' not in client.get("/organiser").text
        alerts.set_tracking(staff, event_id, accept_unregistered=True)
        client.app.state.tracker.invalidate()
        assert "This event accepts unregistered trackers" in client.get("/organiser").text
        assert 'id="trust-warning"' in client.get("/organiser/trackers").text


def test_only_the_organiser_sees_the_codes(staff: Database) -> None:
    with client_for(staff) as client:
        login(client, "tim")
        assert client.get("/organiser/trackers").status_code == 403
        assert client.get("/organiser/trackers/sheet").status_code == 403
