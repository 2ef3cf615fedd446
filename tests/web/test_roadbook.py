"""The roadbook on the web: the files anyone may take, a crew's own time card, and the organiser's edits
(HTMX: only the lines come back; without it, the page again), on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from miglia.roadbook.model import Kind
from miglia.service.roadbook import books
from miglia.store.db import Database
from tests.conftest import need
from tests.roadbook.test_osm import ROAD, at, write_osm
from tests.web.helpers import client_for, login


def _pdf_text(data: bytes) -> str:
    need(
        subprocess.run(["which", "pdftotext"], capture_output=True).returncode == 0,
        "apt-get install poppler-utils",
    )
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()


def test_the_days_files_are_public_and_the_home_page_links_them(staff: Database) -> None:
    client = client_for(staff)
    home = client.get("/")
    assert 'href="/roadbook/day-1.pdf"' in home.text and 'href="/schedule/day-1.pdf"' in home.text
    csv = client.get("/roadbook/day-1.csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.splitlines()
    assert lines[0] == "km,partial_km,instruction,heading_in,heading_out,note"
    assert lines[1].startswith("0.00,0.00,D1-START start,")
    assert not any("SC1" in line for line in lines)
    assert any(line.startswith("2.00,") and "D1-PT1 timed trial: start line" in line for line in lines)
    gpx = client.get("/roadbook/day-1.gpx")
    assert gpx.headers["content-type"] == "application/gpx+xml" and "<openrally:distance>" in gpx.text
    pdf = client.get("/roadbook/day-1.pdf")
    assert pdf.headers["content-type"] == "application/pdf" and "Sonoma loop" in _pdf_text(pdf.content)
    schedule = _pdf_text(client.get("/schedule/day-1.pdf").content)
    assert re.search(r"0\.00\s+D1-START start\s+08:00", schedule), schedule
    assert "SC1" not in schedule
    assert client.get("/roadbook/day-2.pdf").status_code == 404
    assert client.get("/roadbook/day-1.docx").status_code == 404


def test_a_crew_prints_its_own_time_card_and_no_other(staff: Database) -> None:
    client = client_for(staff)
    assert client.get("/cars/1/time-card.pdf", follow_redirects=False).status_code == 303  # sign in first
    login(client, "crew1")
    assert 'href="/cars/1/time-card.pdf"' in client.get("/cars/1/private").text
    card = client.get("/cars/1/time-card.pdf")
    assert card.status_code == 200
    text = _pdf_text(card.content)
    assert "D1-TC1" in text and "08:10" in text and "target 21.00 s" in text and "SC1" not in text
    assert client.get("/cars/2/time-card.pdf").status_code == 403


def test_the_organiser_edits_a_line_in_place_and_the_change_is_in_every_file(staff: Database) -> None:
    client = client_for(staff)
    token = login(client, "olga")
    page = client.get("/organiser/roadbook/day-1")
    assert page.status_code == 200 and 'id="roadbook-lines"' in page.text
    anchor = re.search(r'name="anchor_m" value="([0-9.]+)"', page.text.split('id="line-3"')[1]).group(1)  # type: ignore[union-attr]
    answer = client.post(
        "/organiser/roadbook/day-1/change",
        data={
            "csrf": token,
            "anchor_m": anchor,
            "words": "left at the old mill",
            "note": "! gravel",
            "stubs": "0 270",
        },
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200
    assert answer.text.lstrip().startswith('<div id="roadbook-lines"')  # only the lines, redrawn
    assert "left at the old mill *" in answer.text and "Line changed." in answer.text
    assert "left at the old mill" in client.get("/roadbook/day-1.csv").text
    same = client.post(
        "/organiser/roadbook/day-1/change",
        data={
            "csrf": token,
            "anchor_m": anchor,
            "words": "left at the old mill",
            "note": "! gravel",
            "stubs": "0, 270",
        },
        headers={"HX-Request": "true"},
    )
    assert same.status_code == 422 and "nothing changed" in same.text  # the form sends every field
    bad = client.post(
        "/organiser/roadbook/day-1/change",
        data={"csrf": token, "anchor_m": anchor, "stubs": "north"},
        headers={"HX-Request": "true"},
    )
    assert bad.status_code == 422 and "stubs = &#39;north&#39;: whole degrees from north" in bad.text
    added = client.post(
        "/organiser/roadbook/day-1/add",
        data={"csrf": token, "km": "1.23", "words": "! cattle grid"},
        follow_redirects=False,
    )
    assert added.status_code == 303  # without HTMX: back to the page
    assert "1.23," in client.get("/roadbook/day-1.csv").text
    history = client.get("/organiser/roadbook/day-1").text
    first = re.search(r'name="edit_id" value="(\d+)"', history).group(1)  # type: ignore[union-attr]
    withdrawn = client.post(
        "/organiser/roadbook/day-1/withdraw",
        data={"csrf": token, "edit_id": first},
        headers={"HX-Request": "true"},
    )
    assert (
        "Edit withdrawn." in withdrawn.text
        and "left at the old mill" not in client.get("/roadbook/day-1.csv").text
    )
    assert 'class="withdrawn"' in withdrawn.text  # kept in the history


def test_only_the_organiser_edits_and_every_change_needs_the_csrf_token(staff: Database) -> None:
    client = client_for(staff)
    token = login(client, "tim")
    assert client.get("/organiser/roadbook/day-1").status_code == 403
    assert (
        client.post("/organiser/roadbook/day-1/remove", data={"csrf": token, "anchor_m": "0"}).status_code
        == 403
    )
    organiser = client_for(staff)
    login(organiser, "olga")
    answer = organiser.post("/organiser/roadbook/day-1/remove", data={"csrf": "forged", "anchor_m": "0"})
    assert answer.status_code == 403


def test_an_osm_extract_given_in_the_console_gives_the_side_roads(staff: Database, tmp_path: Path) -> None:
    with staff.unit_of_work() as uow:
        turn = next(i for i in books.day_book(uow, 1).book.instructions if i.words == "turn left")
    # a crossroads where the route turns left: the roads it comes and goes by, and two more
    arms = {
        1: (turn.heading_in + 180) % 360,
        2: turn.heading_out,
        3: (turn.heading_in + 90) % 360,
        4: turn.heading_in,
    }
    origin = (turn.lat, turn.lon)
    nodes = {0: origin, **{k: at(bearing, 100.0, origin) for k, bearing in arms.items()}}
    extract = write_osm(tmp_path / "sonoma.osm.pbf", nodes, [([1, 0, 4], ROAD), ([2, 0, 3], ROAD)])
    client = client_for(staff)
    token = login(client, "olga")
    assert "none yet: the tulips show the route" in client.get("/organiser/roadbook/day-1").text
    with extract.open("rb") as f:
        answer = client.post(
            "/organiser/roadbook/streets", data={"csrf": token}, files={"streets_file": ("sonoma.osm.pbf", f)}
        )
    assert "Side roads from sonoma.osm.pbf: 2 roads along the routes kept." in answer.text
    assert "from <strong>sonoma.osm.pbf</strong> (2 roads" in answer.text
    with staff.unit_of_work() as uow:
        line = next(
            i for i in books.day_book(uow, 1).book.instructions if i.km == turn.km and i.kind is Kind.TURN
        )
    assert line.stubs == tuple(sorted({round((turn.heading_in + 90) % 360) % 360, turn.heading_in % 360}))
    far = write_osm(tmp_path / "elsewhere.osm", {1: (45.0, 7.0), 2: (45.001, 7.0)}, [([1, 2], ROAD)])
    with far.open("rb") as f:
        answer = client.post(
            "/organiser/roadbook/streets", data={"csrf": token}, files={"streets_file": ("elsewhere.osm", f)}
        )
    assert "Not saved: elsewhere.osm: no roads inside bbox" in answer.text


def test_the_organiser_gives_an_added_line_its_symbol_and_an_unknown_one_is_refused(staff: Database) -> None:
    client = client_for(staff)
    token = login(client, "olga")
    added = client.post(
        "/organiser/roadbook/day-1/add",
        data={"csrf": token, "km": "1.23", "words": "fuel at the farm", "icon": "fuel"},
        headers={"HX-Request": "true"},
    )
    assert added.status_code == 200 and "symbol Fuel" in added.text
    with staff.unit_of_work() as uow:
        farm = next(i for i in books.day_book(uow, 1).book.instructions if i.words == "fuel at the farm")
    assert (str(farm.km), farm.icon, farm.kind) == ("1.23", "fuel", Kind.NOTE)
    bad = client.post(
        "/organiser/roadbook/day-1/add",
        data={"csrf": token, "km": "1.5", "words": "x", "icon": "rocket"},
        headers={"HX-Request": "true"},
    )
    assert bad.status_code == 422 and "icon = &#39;rocket&#39;: expected one of caution" in bad.text
