"""The spectators' vote on the web: voting from a car's page and from the small voting page, one vote per
person (the same cookie, a cleared cookie with the same device token, a second browser behind the same
address), the rate limit per address, the organiser's page, report and voids, and the sealing: no GET
route of the app shows a tally to the public or to staff other than the organiser before the reveal."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.routing import Route

from miglia.domain.votes import PEOPLES_CHOICE, Step
from miglia.service.awards import votes
from miglia.store.db import Database
from miglia.web.app import create_app
from miglia.web.awards.votes import VOTE_BURST, VOTE_RATE, VOTER_COOKIE
from tests.web.helpers import csrf_from, login, make_user, with_staff

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def site(db: Database) -> tuple[Database, FastAPI, int]:
    with_staff(db)
    people = votes.open_peoples_choice(db, "olga").id
    return db, create_app(db, tile_url=""), people


def browser(app: FastAPI, address: str = "198.51.100.7") -> TestClient:
    """A new browser (no cookies) at `address`."""
    return TestClient(app, client=(address, 50000))


def device(n: int) -> str:
    return f"{n:032x}"


def vote(client: TestClient, category: int, car: int, token: str = "", page: str = "", back: str = "") -> Any:
    csrf = csrf_from(client, page or f"/show/vote/{category}/{car}")
    form = {"csrf": csrf, "start_no": str(car), "device": token}
    if back:
        form["back"] = back
    return client.post(f"/show/vote/{category}", data=form, follow_redirects=False)


def test_a_spectator_votes_from_the_cars_page_and_a_second_vote_is_refused(
    site: tuple[Database, FastAPI, int],
) -> None:
    db, app, people = site
    phone = browser(app)
    page = phone.get("/cars/1")
    assert f'action="/show/vote/{people}"' in page.text and "Vote for car 1" in page.text
    assert '<script src="/static/js/vote.js" defer></script>' in page.text
    done = vote(phone, people, 1, device(1), page="/cars/1", back="car")
    assert done.status_code == 303 and done.headers["location"] == "/cars/1#vote"
    assert VOTER_COOKIE in phone.cookies
    cookie = done.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Max-Age=2592000" in cookie
    again = phone.get("/cars/1")
    assert "You voted for this car in People&#39;s Choice" in again.text
    assert "Vote for car 1" not in again.text
    assert "You voted for" in phone.get("/cars/2").text and "car 1</a> in People" in phone.get("/cars/2").text
    # the same cookie, another car, no device token (a form from an old tab: any page's token will do)
    twice = vote(phone, people, 2, "", page="/login", back="car")
    assert twice.status_code == 409
    assert "You already voted for car 1 in People&#39;s Choice." in twice.text
    # cookies cleared, the same device token (kept in the browser's storage)
    phone.cookies.clear()
    cleared = vote(phone, people, 2, device(1))
    assert (
        cleared.status_code == 409 and "You already voted for car 1 in People&#39;s Choice." in cleared.text
    )
    with db.unit_of_work() as uow:
        assert votes.report(uow).cast == {people: 1}


def test_a_vote_from_the_show_page_of_a_car_comes_back_to_it(site: tuple[Database, FastAPI, int]) -> None:
    _, app, people = site
    phone = browser(app)
    page = phone.get("/show/cars/3")
    assert 'name="back" value="show"' in page.text
    done = vote(phone, people, 3, device(3), page="/show/cars/3", back="show")
    assert done.headers["location"] == "/show/cars/3#vote"
    assert "You voted for this car in People&#39;s Choice" in phone.get("/show/cars/3").text


def test_without_javascript_the_cookie_alone_holds_one_vote(site: tuple[Database, FastAPI, int]) -> None:
    _, app, people = site
    phone = browser(app)
    page = phone.get(f"/show/vote/{people}")
    assert page.status_code == 200
    assert page.text.count('type="radio" name="start_no"') == 3  # car 4 was refused at scrutineering
    assert 'name="device" value=""' in page.text
    assert vote(phone, people, 3, page=f"/show/vote/{people}").headers["location"] == f"/show/vote/{people}/3"
    assert "You voted for this car in People&#39;s Choice" in phone.get(f"/show/vote/{people}/3").text
    assert "You voted for car 3" in phone.get(f"/show/vote/{people}").text
    assert vote(phone, people, 1, page="/login").status_code == 409
    assert "You already voted for car 3 in People&#39;s Choice." in phone.get(f"/show/vote/{people}/1").text


def test_the_voting_page_is_small(site: tuple[Database, FastAPI, int]) -> None:
    _, app, people = site
    phone = browser(app)
    page = phone.get(f"/show/vote/{people}/1")
    scripts = re.findall(r"<script[^>]*>", page.text)
    assert scripts == ['<script src="/static/js/vote.js" defer>']
    assert len(page.content) < 6_000
    assert len(phone.get("/static/js/vote.js").content) < 1_500
    assert len(phone.get("/static/css/votes.css").content) < 8_000


def test_second_browsers_behind_one_address_vote_and_show_up_in_the_burst_report(
    site: tuple[Database, FastAPI, int],
) -> None:
    db, app, people = site
    for n in range(5):  # five browsers at one address (a family on the show's Wi-Fi, or one person)
        assert vote(browser(app, "203.0.113.9"), people, 2, device(100 + n)).status_code == 303
    organiser = browser(app, "192.0.2.1")
    token = login(organiser, "olga")
    report = organiser.get("/organiser/votes/report")
    assert report.status_code == 200
    assert "5 votes in People&#39;s Choice" in report.text and "same address" in report.text
    ids = re.findall(r'name="vote" value="(\d+)" checked', report.text)
    assert len(ids) == 5
    voided = organiser.post(
        "/organiser/votes/void", data={"csrf": token, "vote": ids[:4], "why": "one address, five votes"}
    )
    assert "4 votes voided: they no longer count." in voided.text
    assert "one address, five votes" in voided.text and "olga" in voided.text
    assert votes.count_lines(db, PEOPLES_CHOICE) == ["entry,start_no,votes", "1951 Jaguar XK120,2,1"]
    restored = organiser.post(f"/organiser/votes/restore/{ids[0]}", data={"csrf": token})
    assert f"Vote {ids[0]} counts again" in restored.text
    nothing = organiser.post("/organiser/votes/void", data={"csrf": token, "why": "x"})
    assert "choose the votes to void" in nothing.text


def test_a_burst_from_one_address_meets_the_rate_limit(site: tuple[Database, FastAPI, int]) -> None:
    db, app, people = site
    assert (VOTE_RATE, VOTE_BURST) == (10, 10)
    answers = [vote(browser(app, "203.0.113.50"), people, 1, device(n)) for n in range(VOTE_BURST + 2)]
    assert [a.status_code for a in answers] == [303] * VOTE_BURST + [429, 429]
    refused = answers[-1]
    assert "Too many votes from your network" in refused.text and "at most 10 votes a minute" in refused.text
    assert 1 <= int(refused.headers["retry-after"]) <= 6
    assert vote(browser(app, "203.0.113.51"), people, 1, device(99)).status_code == 303  # another address
    # an IPv6 phone counts by its /64: a new address in it does not get a new allowance
    for n in range(VOTE_BURST):
        vote(browser(app, f"2001:db8:7:7::{n + 1:x}"), people, 1, device(200 + n))
    assert vote(browser(app, "2001:db8:7:7:ffff::1"), people, 1, device(300)).status_code == 429
    with db.unit_of_work() as uow:
        assert votes.report(uow).cast == {people: 2 * VOTE_BURST + 1}
        (by_v4, by_v6) = votes.report(uow).bursts
    assert len(by_v4.votes) == len(by_v6.votes) == VOTE_BURST


@pytest.mark.parametrize(
    ("form", "status", "message"),
    [
        ({"start_no": "4"}, 400, "People&#39;s Choice: car = 4: no car of the show has this start number"),
        ({"start_no": "seven"}, 400, "vote: car = &#39;seven&#39;: choose a car (its start number)"),
        ({"start_no": "1", "device": "bad token!"}, 400, "not a device token of this site"),
    ],
)
def test_bad_votes_are_refused_with_a_clear_page(
    site: tuple[Database, FastAPI, int], form: dict[str, str], status: int, message: str
) -> None:
    db, app, people = site
    phone = browser(app)
    answer = phone.post(
        f"/show/vote/{people}", data={"csrf": csrf_from(phone, f"/show/vote/{people}"), **form}
    )
    assert answer.status_code == status and message in answer.text
    assert VOTER_COOKIE not in phone.cookies
    with db.unit_of_work() as uow:
        assert votes.report(uow).cast == {people: 0}


def test_a_vote_needs_the_pages_form_and_an_open_category(site: tuple[Database, FastAPI, int]) -> None:
    db, app, people = site
    forged = browser(app).post(f"/show/vote/{people}", data={"start_no": "1"})  # no session, no token
    assert forged.status_code == 403
    assert browser(app).get("/show/vote/999").status_code == 404
    assert browser(app).post("/show/vote/999", data={}).status_code == 403
    votes.take_step(db, people, Step.CLOSE, "olga")
    closed = vote(browser(app), people, 1, page="/login")
    assert closed.status_code == 409 and "People&#39;s Choice: the vote is closed." in closed.text
    page = browser(app).get(f"/show/vote/{people}/1")
    assert "Voting is closed" in page.text and 'action="/show/vote/' not in page.text
    assert "Spectators&#39; choice" not in browser(app).get("/cars/1").text  # no open category: no box


def test_the_organiser_runs_the_vote_and_the_others_may_not(db: Database) -> None:
    with_staff(db)
    app = create_app(db, tile_url="")
    assert browser(app).get("/organiser/votes", follow_redirects=False).status_code == 303
    tim = browser(app)
    login(tim, "tim")
    assert tim.get("/organiser/votes").status_code == 403
    assert tim.get("/organiser/votes/report").status_code == 403
    olga = browser(app)
    token = login(olga, "olga")
    first = olga.get("/organiser/votes")
    assert "Open People's Choice" in first.text
    opened = olga.post("/organiser/votes/peoples-choice", data={"csrf": token})
    assert "People&#39;s Choice is open: spectators can vote from each car&#39;s page." in opened.text
    added = olga.post(
        "/organiser/votes/categories",
        data={"csrf": token, "name": "Best pre-war car", "description": "Built before 1940."},
    )
    assert "Category Best pre-war car added" in added.text and "Not open yet" in added.text
    twice = olga.post("/organiser/votes/categories", data={"csrf": token, "name": "best pre-war car"})
    assert "a category of this name exists already" in twice.text
    with db.unit_of_work() as uow:
        people, pre_war = (c.id for c in votes.categories(uow))
    early = olga.post(f"/organiser/votes/categories/{people}/reveal", data={"csrf": token})
    assert "close the vote before revealing its tally" in early.text
    assert vote(browser(app), people, 2).status_code == 303
    closed = olga.post(f"/organiser/votes/categories/{people}/close", data={"csrf": token})
    assert "People&#39;s Choice: closed." in closed.text and "1</strong> vote cast" in closed.text
    revealed = olga.post(f"/organiser/votes/categories/{people}/reveal", data={"csrf": token})
    assert "the tally is revealed on /show/results" in revealed.text
    assert re.search(r"Revealed</td><td>olga</td>", revealed.text)
    assert olga.post(f"/organiser/votes/categories/{people}/dance", data={"csrf": token}).status_code == 200
    results = browser(app).get("/show/results")
    assert "1951 Jaguar XK120" in results.text and "1 vote counted" in results.text
    assert "Best pre-war car" in results.text and "sealed until the organiser reveals it" in results.text
    assert f'data-tally="{pre_war}"' not in results.text


# -- sealing -------------------------------------------------------------------------------------------

STREAMS = {"/live/stream"}
"""Routes that never end (server-sent events): not walked."""


def _get_routes(app: FastAPI) -> list[str]:
    def walk(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, Route]]:
        for r in routes:
            inner = getattr(r, "original_router", None)
            if inner is not None:
                yield from walk(inner.routes, prefix + getattr(r.include_context, "prefix", ""))
            elif isinstance(r, Route):
                yield prefix + r.path, r

    return sorted({p for p, r in walk(list(app.routes)) if "GET" in (r.methods or ()) and p not in STREAMS})


def _filled(path: str, ids: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: ids.get(m.group(1), "1"), path)


TALLY = re.compile(r"data-tally|\b(37|23|19) votes?\b|\"votes\"\s*:\s*(37|23|19)\b|,(2,37|1,23|1,19)\b")


def test_no_get_route_shows_a_tally_before_the_reveal(sqlite_url: str) -> None:
    """Car 2 has 37 votes and car 1 has 23 in People's Choice (open), car 1 has 19 in Best pre-war car
    (closed): no page, JSON or file of any GET route shows such a count to the public or to staff
    other than the organiser; once revealed, /show/results does."""
    db = Database(sqlite_url)
    with_staff(db)
    make_user(db, "pat", "photographer")
    people = votes.open_peoples_choice(db, "olga").id
    pre_war = votes.add_category(db, "Best pre-war car", "", "olga").id
    votes.take_step(db, pre_war, Step.OPEN, "olga")
    for i, (category, car, n) in enumerate([(people, 2, 37), (people, 1, 23), (pre_war, 1, 19)]):
        for k in range(n):
            votes.cast(db, category, car, f"voter-{i}-{k:010d}", "", f"10.{i}.{k}.1")
    votes.take_step(db, pre_war, Step.CLOSE, "olga")
    app = create_app(db, tile_url="")
    paths = [
        _filled(p, {"start_no": "2", "category_id": str(people), "control": "D1-TC1", "fmt": "pdf"})
        for p in _get_routes(app)
    ]
    paths += [f"/show/vote/{pre_war}", f"/show/vote/{pre_war}/1", "/show/vote/1/1"]
    assert "/show/results" in paths and f"/show/vote/{people}/2" in paths and len(paths) > 60
    viewers = [None, "tim", "mario", "meg", "crew1", "crew2", "pat"]
    for i, who in enumerate(viewers):
        client = browser(app, f"192.0.2.{i + 1}")  # an address each: logging in is rate limited too
        if who:
            login(client, who)
        for path in paths:
            answer = client.get(path, follow_redirects=False)
            body = answer.content.decode("utf-8", "replace")
            found = TALLY.search(body)
            assert found is None, f"{who or 'the public'} sees {found.group(0)!r} at {path}"
    votes.take_step(db, people, Step.CLOSE, "olga")
    votes.take_step(db, people, Step.REVEAL, "olga")
    shown = browser(app).get("/show/results").text
    assert f'data-tally="{people}"' in shown and "37 votes" in shown and "23 votes" in shown
    assert "19 votes" not in shown  # the pre-war car's tally is still sealed
    db.dispose()
