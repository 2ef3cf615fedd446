"""Juried awards on the web: who may see and do what (roles, CSRF, a juror's own ballot only), the forms'
refusals naming the field and the value with nothing stored, and the sealing: a walk of every GET route
of the app (its path parameters filled with real ids) as the public, as a juror and as the organiser,
before the close, between the close and the reveal, and after the reveal."""

from __future__ import annotations

import io
import itertools
import json
import re
import subprocess
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Route

from miglia.domain.accounts import User
from miglia.service.awards import juries
from miglia.store.db import Database
from miglia.web.app import create_app
from tests.service.awards.test_juries import jury_event
from tests.web.helpers import client_for, login, make_user

JURORS = {
    "mech-anna": ("mechanic", None),
    "mech-ben": ("mechanic", None),
    "staff-carla": ("marshal", None),
    "crew5": ("crew", 5),
}
WORDS = {"mech-anna": "kestrel", "mech-ben": "plover", "staff-carla": "curlew", "crew5": "dunlin"}
"""Each juror's reasons carry a word of their own: a marker that their ballot shows where it appears."""


def reason(juror: str, car: int, round: int = 1) -> str:
    return f"{WORDS[juror]}-{car}-r{round} because"


@pytest.fixture
def site(sqlite_url: str) -> Iterator[tuple[Database, TestClient]]:
    db = Database(sqlite_url)
    jury_event(db)
    make_user(db, "olga", "organiser")
    make_user(db, "pia", "photographer")
    for name, (role, car) in JURORS.items():
        make_user(db, name, role, car)
    yield db, client_for(db)
    db.dispose()


def define(client: TestClient, token: str, **fields: Any) -> Any:
    form = {
        "csrf": token,
        "name": "Spirit of the Mille Miglia",
        "description": "Three chronographs.",
        "winners": "3",
        "roles": ["mechanic", "marshal", "crew"],
        "method": "approval",
        "tie_rule": "runoff",
        **fields,
    }
    return client.post("/organiser/awards", data=form, follow_redirects=False)


def ballot(client: TestClient, token: str, award_id: int, *slots: tuple[str, str]) -> Any:
    form: dict[str, str] = {"csrf": token}
    for i, (entrant, why) in enumerate(slots, 1):
        form[f"entrant_{i}"], form[f"reason_{i}"] = entrant, why
    return client.post(f"/ballots/{award_id}", data=form, follow_redirects=False)


def cast(db: Database, award_id: int, juror: str, *cars: int, round: int = 1) -> None:
    role, car = JURORS[juror]
    user = User(id=0, username=juror, role=role, start_no=car)
    juries.cast_ballot(db, award_id, user, [(n, reason(juror, n, round)) for n in cars])


def test_the_organiser_defines_an_award_and_bad_input_is_refused_naming_the_field(
    site: tuple[Database, TestClient],
) -> None:
    db, client = site
    token = login(client, "olga")
    refused = define(client, token, winners="five")
    assert refused.status_code == 400
    assert "award: winners = &#39;five&#39;: give the number of winners (1 to 50)" in refused.text
    assert 'value="Spirit of the Mille Miglia"' in refused.text  # what was typed is kept
    refused = define(client, token, roles=["pilot"])
    assert refused.status_code == 400 and "jurors = &#39;pilot&#39;: expected roles among" in refused.text
    with db.unit_of_work() as uow:
        assert uow.awards.all(1) == []
    made = define(client, token)
    assert made.status_code == 303
    award_id = int(made.headers["location"].rsplit("/", 1)[1])
    page = client.get(f"/organiser/awards/{award_id}")
    assert "Award &#39;Spirit of the Mille Miglia&#39; defined" in page.text and "Open the vote" in page.text
    changed = client.post(
        f"/organiser/awards/{award_id}",
        data={
            "csrf": token,
            "name": "Spirit",
            "winners": "2",
            "roles": ["mechanic"],
            "method": "borda",
            "tie_rule": "casting",
            "show_names": "on",
        },
    )
    assert changed.status_code == 200 and "Award &#39;Spirit&#39; saved." in changed.text
    with db.unit_of_work() as uow:
        (award,) = uow.awards.all(1)
    assert (award.name, award.winners, award.roles, award.method.value, award.show_names) == (
        "Spirit",
        2,
        ("mechanic",),
        "borda",
        True,
    )
    assert client.post(f"/organiser/awards/{award_id}/fly", data={"csrf": token}).status_code == 404
    assert client.get("/organiser/awards/99999999999").status_code == 404


def test_only_the_organiser_manages_awards_and_only_jurors_vote(site: tuple[Database, TestClient]) -> None:
    db, public = site
    award_id = juries.define(
        db, "olga", name="Spirit", winners=3, roles=["mechanic", "crew"], method="approval", tie_rule="runoff"
    ).id
    assert public.get("/organiser/awards", follow_redirects=False).status_code == 303  # to the login
    assert public.get("/ballots", follow_redirects=False).status_code == 303
    mech = client_for(db)
    token = login(mech, "mech-anna")
    assert mech.get("/organiser/awards").status_code == 403
    assert mech.post(f"/organiser/awards/{award_id}/open", data={"csrf": token}).status_code == 403
    assert "The vote has not opened yet." in mech.get(f"/ballots/{award_id}").text
    assert "No award to vote on" in mech.get("/ballots").text
    juries.open_vote(db, award_id, "olga")
    assert f'href="/ballots/{award_id}"' in mech.get("/ballots").text
    photographer = client_for(db)
    login(photographer, "pia")
    refused = photographer.get(f"/ballots/{award_id}")
    assert refused.status_code == 403 and "its jurors are mechanic / sweep, crew" in refused.text
    assert "No award to vote on" in photographer.get("/ballots").text
    # CSRF: a ballot without the session's token is refused, nothing stored
    assert ballot(mech, "forged", award_id, ("1", "nice")).status_code == 403
    crew = client_for(db)
    crew_token = login(crew, "crew5")
    page = crew.get(f"/ballots/{award_id}")
    assert "You may not vote for your own car (5)." in page.text
    assert '<option value="5 · 1927 Bugatti Type 35B' not in page.text  # not offered in the list
    refused = ballot(crew, crew_token, award_id, ("5 · 1927 Bugatti Type 35B (Jon Berg)", "ours is best"))
    assert refused.status_code == 400
    assert "choice 1 entrant = 5: a crew may not vote for its own car" in refused.text
    with db.unit_of_work() as uow:
        assert uow.awards.ballots(award_id) == []


def test_a_jurors_ballot_form_refusals_keep_what_was_typed_and_a_change_withdraws_the_first(
    site: tuple[Database, TestClient],
) -> None:
    db, client = site
    award_id = juries.define(
        db, "olga", name="Spirit", winners=3, roles=["mechanic"], method="borda", tie_rule="runoff"
    ).id
    juries.open_vote(db, award_id, "olga")
    token = login(client, "mech-anna")
    page = client.get(f"/ballots/{award_id}")
    assert "1st choice (3 points)" in page.text and "3rd choice (1 point)" in page.text
    assert '<option value="1 · 1930 Alfa Romeo 6C 1750 Gran Sport (Anna Rossi)">' in page.text
    cases = [
        ((("Ferrari", "fast"),), "choice 1 entrant = &#39;Ferrari&#39;: pick an entrant from the list"),
        ((("", "orphan reason"),), "choice 1 entrant = &#39;&#39;: choose the entrant this reason is for"),
        ((("2", ""),), "choice 1 reason = &#39;&#39;: say in a few words why (required)"),
        ((("2", "x" * 301),), "choice 1 reason = &#39;301 characters&#39;: at most 300 characters"),
        ((("2", "a"), ("#2", "b")), "choice 2 entrant = 2: already on this ballot: name it once"),
        ((("", ""),), "choices = 0: choose 1 to 3 entrants"),
    ]
    for slots, message in cases:
        refused = ballot(client, token, award_id, *slots)
        assert refused.status_code == 400, slots
        assert message in refused.text, (slots, refused.text[:3000])
    kept = ballot(client, token, award_id, ("2", "kept words"), ("2", "twice"))
    assert "kept words" in kept.text and "twice" in kept.text
    assert ballot(client, token, award_id, ("2 · Jaguar", "purrs"), ("No. 3", "flies")).status_code == 303
    assert "Your ballot for &#39;Spirit&#39; is cast." in client.get(f"/ballots/{award_id}").text
    assert ballot(client, token, award_id, ("4", "changed my mind")).status_code == 303
    page = client.get(f"/ballots/{award_id}")
    assert "is changed: your earlier ballot is withdrawn" in page.text and "changed 1 time" in page.text
    assert "changed my mind" in page.text and "purrs" not in page.text
    with db.unit_of_work() as uow:
        held = uow.awards.ballots(award_id)
    assert [([c.start_no for c in b.choices], b.current) for b in held] == [([2, 3], False), ([4], True)]
    juries.close_vote(db, award_id, "olga")
    late = ballot(client, token, award_id, ("5", "too late"))
    assert late.status_code == 400 and "the vote is not open" in late.text


# -- sealing ---------------------------------------------------------------------------------------------

_PARAM = re.compile(r"{(\w+)(?::\w+)?}")
ENDLESS = ("/live/stream",)
"""The live feed never ends (server-sent events): not walked; nothing of the awards is sent to it."""


def get_routes(app: FastAPI) -> list[str]:
    """Every GET path of the app, the included routers' too (with their prefixes)."""
    found: list[str] = []

    def walk(routes: list[Any], prefix: str) -> None:
        for r in routes:
            if isinstance(r, APIRoute | Route) and "GET" in (r.methods or ()):
                found.append(prefix + r.path)
            elif hasattr(r, "original_router"):
                walk(r.original_router.routes, prefix + r.include_context.prefix)

    walk(app.routes, "")
    return sorted(p for p in set(found) if p not in ENDLESS)


def filled(path: str, ids: dict[str, list[str]]) -> list[str]:
    """The path with each parameter filled with real values (every combination, at most 6)."""
    names = _PARAM.findall(path)
    choices = [ids.get(n, ids["_other"]) for n in names]
    out = []
    for values in itertools.islice(itertools.product(*choices), 6):
        text = path
        for name, value in zip(names, values, strict=True):
            text = re.sub(r"{" + name + r"(?::\w+)?}", value, text, count=1)
        out.append(text)
    return out


def readable(answer: Any) -> str:
    """What a person or a program could read in an answer: its text, a PDF's text, a ZIP's files."""
    kind = answer.headers.get("content-type", "")
    data = answer.content
    if "pdf" in kind or data[:4] == b"%PDF":
        done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True)
        return done.stdout.decode("utf-8", "replace") + data.decode("latin-1")
    if "zip" in kind or data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return " ".join(archive.read(n).decode("latin-1") for n in archive.namelist())
    return answer.text


TALLY = re.compile(
    r'id="count"|id="tie"|class="count"|href="[^"]*count\.csv"|id="winners?-?\d*"'
    r'|"results":\s*\[\s*\{|Gran Sport,1,\d'
)
"""What a count, a tie or the winners look like on a page, in the awards' JSON or in an export (the count's
CSV line of car 1)."""


def walk(client: TestClient, app: FastAPI, ids: dict[str, list[str]]) -> dict[str, str]:
    """Every GET route of the app, as this client: path -> what it could read there."""
    seen = {}
    for route in get_routes(app):
        for path in filled(route, ids):
            answer = client.get(path, follow_redirects=False)
            assert answer.status_code < 500, (path, answer.text[:500])
            seen[path] = readable(answer)
    return seen


def markers(text: str, jurors: set[str]) -> set[str]:
    return {j for j in jurors if WORDS[j] in text}


def test_no_route_shows_a_ballot_or_a_count_before_the_reveal(site: tuple[Database, TestClient]) -> None:
    db, _ = site
    app = create_app(db, tile_url="")
    award_id = juries.define(
        db,
        "olga",
        name="Spirit",
        winners=2,
        roles=["mechanic", "marshal", "crew"],
        method="approval",
        tie_rule="runoff",
    ).id
    juries.open_vote(db, award_id, "olga")
    cast(db, award_id, "mech-anna", 1, 2)
    cast(db, award_id, "mech-ben", 1, 3)
    cast(db, award_id, "mech-ben", 1, 4)  # Ben changes his mind: his first ballot is withdrawn
    cast(db, award_id, "staff-carla", 1, 3)
    cast(db, award_id, "crew5", 3, 4)
    # car 1: three ballots; 3 and 4 two each, 2 one: 3 and 4 tie for the second place
    with db.unit_of_work() as uow:
        user_ids = [str(u.id) for u in uow.users.all()]
    ids = {
        "award_id": [str(award_id)],
        "start_no": ["1", "5"],  # a winner; the crew juror's own car
        "day": ["1"],
        "fmt": ["pdf", "gpx", "csv"],
        "size": ["thumb"],
        "control": ["D1-TC1", "D1-PT1"],
        "user_id": user_ids[:2],
        "_other": ["1"],
    }
    everyone = set(WORDS)
    clients = {"public": TestClient(app)}
    for name in ("mech-anna", "olga"):
        clients[name] = TestClient(app)
        login(clients[name], name)

    counts = {f"/organiser/awards/{award_id}", f"/organiser/awards/{award_id}/count.csv"}

    def check(phase: str, organiser_sees_count: bool) -> None:
        for who, client in clients.items():
            allowed = {"mech-anna"} if who == "mech-anna" else set()
            for path, text in walk(client, app, ids).items():
                leaked = markers(text, everyone) - allowed
                assert not leaked, f"{phase}: {who} reads the ballot of {leaked} at {path}"
                if organiser_sees_count and who == "olga" and path in counts:
                    assert TALLY.search(text), (
                        f"the organiser sees the count at {path} once the vote is closed"
                    )
                    continue
                found = TALLY.search(text)
                assert not found, f"{phase}: {who} reads a count at {path}: {found.group(0)!r}"

    check("while the vote is open", organiser_sees_count=False)
    assert '<dd id="ballots-cast">4</dd>' in clients["olga"].get(f"/organiser/awards/{award_id}").text
    anna = clients["mech-anna"].get(f"/ballots/{award_id}").text
    assert reason("mech-anna", 1) in anna  # her own, to change it
    juries.close_vote(db, award_id, "olga")
    check("closed, before the reveal", organiser_sees_count=True)
    count = clients["olga"].get(f"/organiser/awards/{award_id}")
    assert 'id="tie"' in count.text and "Open a run-off among the tied" in count.text
    juries.open_runoff(db, award_id, "olga")
    for juror, car in [("mech-anna", 3), ("mech-ben", 3), ("staff-carla", 4), ("crew5", 3)]:
        cast(db, award_id, juror, car, round=2)
    check("during the run-off", organiser_sees_count=False)  # a round is open: sealed again
    juries.close_vote(db, award_id, "olga")
    check("the run-off closed, before the reveal", organiser_sees_count=True)

    juries.reveal(db, award_id, "olga")
    public = clients["public"]
    page = public.get(f"/awards/{award_id}").text
    assert 'id="winner-1"' in page and 'id="winner-3"' in page and 'id="winner-2"' not in page
    # the winners' reasons, every juror's words once; none of the reasons for cars that did not win
    for juror, car, round in [
        ("mech-anna", 1, 1),
        ("mech-ben", 1, 1),
        ("staff-carla", 1, 1),
        ("staff-carla", 3, 1),
        ("crew5", 3, 1),
        ("mech-anna", 3, 2),
        ("mech-ben", 3, 2),
        ("crew5", 3, 2),
    ]:
        assert reason(juror, car, round) in page, (juror, car, round)
    for juror, car, round in [
        ("mech-anna", 2, 1),
        ("crew5", 4, 1),
        ("mech-ben", 4, 1),
        ("staff-carla", 4, 2),
    ]:
        assert reason(juror, car, round) not in page, (juror, car, round)  # cars that did not win
    assert reason("mech-ben", 3) not in page  # withdrawn when Ben changed his ballot
    assert not re.search(r"mech-anna|mech-ben|staff-carla|crew5", page)  # no names unless allowed
    api = public.get("/api/awards").json()
    assert [(a["name"], a["state"], [w["start_no"] for w in a["results"]]) for a in api] == [
        ("Spirit", "revealed", [1, 3])
    ]
    assert reason("crew5", 3, 2) in json.dumps(api)
    assert all(w["jurors"] == [] for a in api for w in a["results"])
    listing = public.get("/awards").text
    assert "1930 Alfa Romeo 6C 1750 Gran Sport" in listing and "1957 Porsche 356A Speedster" in listing


def test_the_public_sees_a_sealed_award_and_nothing_of_a_draft(site: tuple[Database, TestClient]) -> None:
    db, client = site
    draft = juries.define(
        db, "olga", name="Draft", winners=1, roles=["mechanic"], method="borda", tie_rule="casting"
    )
    assert client.get(f"/awards/{draft.id}").status_code == 404
    assert "Draft" not in client.get("/awards").text and client.get("/api/awards").json() == []
    juries.open_vote(db, draft.id, "olga")
    cast(db, draft.id, "mech-anna", 2)
    page = client.get(f"/awards/{draft.id}")
    assert page.status_code == 200 and "sealed until the prize-giving" in page.text
    assert client.get("/api/awards").json()[0]["results"] == []
    assert client.get("/awards/0").status_code == 404 and client.get("/awards/abc").status_code == 422
