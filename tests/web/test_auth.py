"""Accounts, sessions, CSRF, roles, rate limits and security headers (web/security/, web/auth.py)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from miglia.cli.users import app as users_cli
from miglia.domain.errors import MigliaError
from miglia.service.accounts import users
from miglia.service.event import events
from miglia.store.db import Database
from miglia.store.models import UserRow
from miglia.web.app import create_app
from miglia.web.security.rate_limits import TokenBucket
from tests.web.helpers import (
    SMALL,
    client_for,
    csrf_from,
    login,
    make_user,
    password_of,
)


@pytest.fixture
def staff_client(staff: Database) -> Iterator[TestClient]:
    with client_for(staff) as c:
        yield c


# ---------------------------------------------------------------------------------------------- accounts


def test_passwords_are_stored_as_argon2id_hashes(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()  # the real hasher: argon2-cffi's defaults (RFC 9106, 64 MiB)
    make_user(db, "olga", "organiser")
    with db.unit_of_work() as uow:
        stored = uow.session.scalar(select(UserRow.password_hash).where(UserRow.username == "olga"))
    assert stored is not None and stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert password_of("olga") not in stored
    assert users.authenticate(db, "olga", password_of("olga")) is not None
    assert users.authenticate(db, "OLGA", password_of("olga")) is not None  # names are not case-sensitive
    assert users.authenticate(db, "olga", "wrong password") is None
    assert users.authenticate(db, "nobody", "whatever-pw") is None


def test_bad_accounts_are_refused_naming_the_field(db: Database) -> None:
    make_user(db, "olga", "organiser")
    with pytest.raises(MigliaError, match=r"username = 'Olga': already taken"):
        users.add_user(db, "Olga", "marshal", "long enough")
    with pytest.raises(MigliaError, match=r"role = 'judge': expected one of organiser"):
        users.add_user(db, "jo", "judge", "long enough")
    with pytest.raises(MigliaError, match=r"start_no = None: a crew account needs the start number"):
        users.add_user(db, "jo", "crew", "long enough")
    with pytest.raises(MigliaError, match=r"password = '…': too short"):
        users.add_user(db, "jo", "marshal", "short")
    with pytest.raises(MigliaError, match=r"username = 'a b'"):
        users.add_user(db, "a b", "marshal", "long enough")
    with db.unit_of_work() as uow:
        assert [u.username for u in users.all_users(uow)] == ["olga"]


def test_the_last_organiser_cannot_be_demoted(db: Database) -> None:
    olga = make_user(db, "olga", "organiser")
    with pytest.raises(MigliaError, match="the only organiser"):
        users.set_role(db, olga.id, "marshal")
    make_user(db, "otto", "organiser")
    assert users.set_role(db, olga.id, "crew", 3) == users.User(olga.id, "olga", "crew", 3)


def test_cli_adds_an_account_prompting_for_the_password(sqlite_url: str) -> None:
    runner = CliRunner()
    result = runner.invoke(
        users_cli,
        ["add", "olga", "--role", "organiser", "--db", sqlite_url],
        input="first-pw-123\nfirst-pw-123\n",
    )
    assert result.exit_code == 0, result.output
    assert "added olga (Organiser)" in result.output
    result = runner.invoke(
        users_cli, ["add", "c7", "--role", "crew", "--password", "crew-pw-123", "--db", sqlite_url]
    )
    assert result.exit_code == 2 and "a crew account needs the start number" in result.output
    result = runner.invoke(
        users_cli,
        ["add", "c7", "--role", "crew", "--start-no", "7", "--password", "crew-pw-123", "--db", sqlite_url],
    )
    assert result.exit_code == 0, result.output
    listing = runner.invoke(users_cli, ["list", "--db", sqlite_url])
    assert "olga" in listing.output and "c7" in listing.output and "car 7" in listing.output
    db = Database(sqlite_url)
    assert users.authenticate(db, "olga", "first-pw-123") is not None
    db.dispose()


# ---------------------------------------------------------------------------------------------- sessions


def test_login_sets_a_signed_httponly_lax_cookie_and_logout_ends_it(staff_client: TestClient) -> None:
    token = csrf_from(staff_client)
    answer = staff_client.post(
        "/login",
        data={"username": "olga", "password": password_of("olga"), "csrf": token},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/organiser"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("miglia_session=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http in the test; https adds Secure (below)
    page = staff_client.get("/organiser")
    assert page.status_code == 200 and "olga · Organiser" in page.text
    assert page.headers["cache-control"] == "no-store"
    new_token = csrf_from(staff_client, "/organiser")
    assert new_token != token  # a fresh token after login
    assert staff_client.post("/logout", data={"csrf": new_token}, follow_redirects=False).status_code == 303
    assert (
        staff_client.get("/organiser", follow_redirects=False).headers["location"]
        == "/login?next=%2Forganiser"
    )


def test_a_new_password_ends_the_sessions_made_with_the_old_one(staff: Database) -> None:
    lost_phone = client_for(staff)
    token = login(lost_phone, "mario")
    assert lost_phone.get("/marshal").status_code == 200
    with staff.unit_of_work() as uow:
        mario = next(u for u in users.all_users(uow) if u.username == "mario")
    users.set_password(staff, mario.id, "a-new-password")
    answer = lost_phone.post("/marshal/api/passages", json=[], headers={"X-CSRF-Token": token})
    assert answer.status_code == 401
    assert lost_phone.get("/marshal", follow_redirects=False).status_code == 303


def test_cookie_is_secure_over_https(staff: Database) -> None:
    with TestClient(create_app(staff, tile_url=""), base_url="https://rally.example") as client:
        assert "; Secure" in client.get("/login").headers["set-cookie"]
        assert client.get("/login").headers["strict-transport-security"].startswith("max-age=")


def test_wrong_password_and_tampered_cookie_get_nowhere(staff_client: TestClient) -> None:
    answer = staff_client.post(
        "/login", data={"username": "olga", "password": "nope", "csrf": csrf_from(staff_client)}
    )
    assert answer.status_code == 401 and "Wrong username or password." in answer.text
    staff_client.cookies.set("miglia_session", "eyJ1IjogMX0.forged.signature")
    assert staff_client.get("/organiser", follow_redirects=False).status_code == 303


def test_login_only_redirects_to_this_site(staff_client: TestClient) -> None:
    token = csrf_from(staff_client)
    data = {"username": "mario", "password": password_of("mario"), "csrf": token, "next": "//evil.example/x"}
    assert staff_client.post("/login", data=data, follow_redirects=False).headers["location"] == "/marshal"


def test_login_is_rate_limited_per_ip(staff_client: TestClient) -> None:
    token = csrf_from(staff_client)
    codes = [
        staff_client.post(
            "/login", data={"username": "olga", "password": f"guess {i}", "csrf": token}
        ).status_code
        for i in range(7)
    ]
    assert codes[:5] == [401] * 5
    assert codes[5:] == [429, 429]
    limited = staff_client.post(
        "/login", data={"username": "olga", "password": password_of("olga"), "csrf": token}
    )
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1


def test_token_bucket_refills_over_time() -> None:
    bucket = TokenBucket(per_minute=6, burst=2)
    assert bucket.take("ip", now=0) == 0 and bucket.take("ip", now=0) == 0
    assert bucket.take("ip", now=0) == pytest.approx(10)
    assert bucket.take("other", now=0) == 0  # per key
    assert bucket.take("ip", now=10.5) == 0


# ---------------------------------------------------------------------------------------------- CSRF


def test_forged_form_posts_are_refused(staff_client: TestClient) -> None:
    token = login(staff_client, "olga")
    for data in ({"publish": "yes"}, {"publish": "yes", "csrf": "forged"}, {"publish": "yes", "csrf": ""}):
        answer = staff_client.post("/organiser/results", data=data, follow_redirects=False)
        assert answer.status_code == 403, data
        assert "CSRF" in answer.text
    ok = staff_client.post(
        "/organiser/results", data={"publish": "yes", "csrf": token}, follow_redirects=False
    )
    assert ok.status_code == 303


def test_forged_multipart_and_json_posts_are_refused(staff_client: TestClient) -> None:
    login(staff_client, "olga")
    upload = {"entries_file": ("entries.csv", (SMALL / "entries.csv").read_bytes(), "text/csv")}
    assert staff_client.post("/organiser/entries", files=upload, data={"csrf": "forged"}).status_code == 403
    mario = client_for(staff_client.app.state.db)  # type: ignore[attr-defined]
    login(mario, "mario")
    answer = mario.post("/marshal/api/passages", json=[], headers={"X-CSRF-Token": "forged"})
    assert answer.status_code == 403 and "CSRF" in answer.json()["error"]


def test_login_form_needs_its_token_too(staff_client: TestClient) -> None:
    fresh = client_for(staff_client.app.state.db)  # type: ignore[attr-defined]
    answer = fresh.post("/login", data={"username": "olga", "password": password_of("olga")})
    assert answer.status_code == 403
    assert "miglia_session" not in fresh.cookies


# ---------------------------------------------------------------------------------------------- roles

ORGANISER_POSTS = [
    ("/organiser/results", {"publish": "yes"}),
    ("/organiser/users", {"username": "x1", "role": "organiser", "password": "long enough"}),
    ("/organiser/users/1/role", {"role": "marshal"}),
    ("/organiser/users/1/password", {"password": "long enough"}),
]


@pytest.mark.parametrize("who", ["mario", "meg", "crew1", "tim"])
def test_only_the_organiser_changes_the_event_results_or_accounts(staff_client: TestClient, who: str) -> None:
    token = login(staff_client, who)
    for path, data in ORGANISER_POSTS:
        answer = staff_client.post(path, data={**data, "csrf": token}, follow_redirects=False)
        assert answer.status_code == 403, (who, path)
    upload = {"entries_file": ("entries.csv", b"start_no\n", "text/csv")}
    assert staff_client.post("/organiser/entries", files=upload, data={"csrf": token}).status_code == 403
    with staff_client.app.state.db.unit_of_work() as uow:  # type: ignore[attr-defined]
        assert events.event_row(uow).results_published is False
        accounts = {u.username: u.role for u in users.all_users(uow)}
    assert accounts["olga"] == "organiser" and "x1" not in accounts


def test_a_marshal_cannot_review_timing_or_handle_alerts(staff_client: TestClient) -> None:
    token = login(staff_client, "mario")
    assert staff_client.get("/organiser/timing").status_code == 403
    assert staff_client.get("/organiser/alerts").status_code == 403
    assert staff_client.post("/organiser/alerts/1/resolve", data={"csrf": token}).status_code == 403
    assert staff_client.get("/marshal").status_code == 200


ROLE_PAGES = {
    "/organiser": {"organiser"},
    "/organiser/controls": {"organiser"},
    "/organiser/users": {"organiser"},
    "/organiser/timing": {"organiser", "timekeeper"},
    "/organiser/alerts": {"organiser", "timekeeper", "mechanic"},
    "/marshal": {"organiser", "marshal"},
    "/marshal/D1-TC1": {"organiser", "marshal"},
    "/cars/1/private": {"organiser", "timekeeper", "crew1"},
    "/cars/2/private": {"organiser", "timekeeper", "crew2"},
}


def test_every_private_page_checks_the_role(staff: Database) -> None:
    anonymous = client_for(staff)
    for path in ROLE_PAGES:
        answer = anonymous.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next="), path
    for who, role in [
        ("olga", "organiser"),
        ("tim", "timekeeper"),
        ("mario", "marshal"),
        ("meg", "mechanic"),
        ("crew1", "crew"),
        ("crew2", "crew"),
    ]:
        client = client_for(staff)
        login(client, who)
        for path, allowed in ROLE_PAGES.items():
            expected = 200 if (role in allowed or who in allowed) else 403
            assert client.get(path).status_code == expected, (who, path)


PRIVATE_PREFIXES = (
    "/organiser",
    "/marshal",
    "/cars/{start_no}/private",
    "/crew",
    "/live/quarantine",
    "/live/alerts/",
)


def test_every_private_route_is_guarded(staff: Database) -> None:
    """No private route forgets its role check: every path the app serves (its OpenAPI list, so a new
    route shows up here by itself) under a private prefix refuses an anonymous visitor."""
    app = create_app(staff, tile_url="")
    anonymous = TestClient(app)
    paths = app.openapi()["paths"]
    checked = 0
    for path, operations in paths.items():
        if not path.startswith(PRIVATE_PREFIXES):
            continue
        concrete = path.replace("{control}", "D1-TC1").replace("{start_no}", "1").replace("{user_id}", "1")
        concrete = concrete.replace("{alert_id}", "1").replace("{action}", "resolve")
        for method in operations:
            answer = anonymous.request(method.upper(), concrete, follow_redirects=False)
            assert answer.status_code in (303, 401, 403), (method, path, answer.status_code)
            checked += 1
    assert checked >= 20  # the console, users, alerts, timing review, marshal, crew and live staff routes


def test_a_crew_sees_only_its_own_car(staff_client: TestClient) -> None:
    from miglia.service.timing import marshal as marshal_service

    db: Database = staff_client.app.state.db  # type: ignore[attr-defined]
    base = 1_777_219_200_000_000
    items = [
        {
            "uuid": "00000000-0000-4000-8000-00000000000" + str(n),
            "start_no": n,
            "control": "D1-TC1",
            "instant_us": base + n * 1_000_000 + 120_000,
        }
        for n in (1, 2)
    ]
    marshal_service.record_passages(db, "mario", items)
    login(staff_client, "crew1")
    assert staff_client.get("/crew", follow_redirects=False).headers["location"] == "/cars/1/private"
    own = staff_client.get("/cars/1/private")
    assert own.status_code == 200
    assert "1930 Alfa Romeo 6C 1750 Gran Sport" in own.text and "D1-TC1" in own.text and "mario" in own.text
    assert ".12" in own.text  # hundredths
    other = staff_client.get("/cars/2/private")
    assert other.status_code == 403 and "Jaguar" not in other.text


def test_a_crew_learns_of_secret_checks_only_with_the_results(staff: Database) -> None:
    from miglia.service.timing import marshal as marshal_service

    item = {"uuid": "00000000-0000-4000-8000-0000000000a1", "start_no": 1, "control": "D1-SC1"}
    marshal_service.record_passages(staff, "mario", [item | {"instant_us": 1_777_219_800_000_000}])
    crew = client_for(staff)
    login(crew, "crew1")
    assert "D1-SC1" not in crew.get("/cars/1/private").text
    tim = client_for(staff)
    login(tim, "tim")
    assert "D1-SC1" in tim.get("/cars/1/private").text
    events.publish_results(staff, True)
    assert "D1-SC1" in crew.get("/cars/1/private").text


# ---------------------------------------------------------------------------------------------- results guard


def test_the_public_sees_results_only_once_published(staff: Database) -> None:
    """The real result pages: /results (and its live partial) and a car's page with its time card."""
    app = create_app(staff, tile_url="")
    public = TestClient(app)
    hidden = "Results are not published yet"

    def shows_results(client: TestClient) -> bool:
        page, partial = client.get("/results").text, client.get("/results?partial=1").text
        car = client.get("/cars/1").text
        assert (hidden in page) == (hidden in partial)
        return hidden not in page and "Overall" in partial and "Penalty" in car

    assert not shows_results(public)
    timekeeper = TestClient(app)
    login(timekeeper, "tim")
    assert shows_results(timekeeper)  # staff check them before publishing
    organiser = TestClient(app)
    token = login(organiser, "olga")
    organiser.post("/organiser/results", data={"publish": "yes", "csrf": token})
    assert shows_results(public)
    organiser.post("/organiser/results", data={"publish": "no", "csrf": token})
    assert not shows_results(public)


# ---------------------------------------------------------------------------------------------- headers


def test_security_headers_on_every_response(staff_client: TestClient) -> None:
    for path in ("/", "/login", "/api/event", "/static/css/miglia.css", "/nowhere"):
        headers = staff_client.get(path).headers
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["referrer-policy"] == "same-origin"
        assert headers["x-frame-options"] == "DENY"
        csp = headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self';" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp


def test_csp_allows_the_configured_tile_server_for_images(staff: Database) -> None:
    client = TestClient(create_app(staff, tile_url="https://{s}.tile.example.org/{z}/{x}/{y}.png"))
    csp = client.get("/map").headers["content-security-policy"]
    assert "img-src 'self' data: https://*.tile.example.org;" in csp


def test_csp_allows_the_event_files_tile_server_for_images(staff: Database, tmp_path: Path) -> None:
    """The event's own `tile_url` (asked of the service layer, not read from the database by the web)."""
    shutil.copytree(SMALL, tmp_path / "small")
    event_toml = tmp_path / "small" / "event.toml"
    text = event_toml.read_text(encoding="utf-8")
    event_toml.write_text(
        text.replace("[event]\n", '[event]\ntile_url = "https://tiles.example.net/{z}/{x}/{y}.png"\n', 1),
        encoding="utf-8",
    )
    events.import_event(staff, event_toml)
    csp = TestClient(create_app(staff, tile_url="")).get("/map").headers["content-security-policy"]
    assert "img-src 'self' data: https://tiles.example.net;" in csp
