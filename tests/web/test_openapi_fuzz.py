"""Fuzzing the web app: schemathesis sends what the OpenAPI description allows (and what it does not) to
every operation, anonymous and as an organiser, and no answer may be a server error; the tracker
endpoints, whose bodies the description cannot describe (they read raw bytes), get random bodies and
content types from hypothesis and answer 200, 400, 401 or 413, never 500.

The budget is CI's: a few dozen examples per operation, well under a minute or two in all.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from miglia.store.db import Database
from miglia.web.app import create_app
from tests.tracking.helpers import add_event, app_for
from tests.tracking.test_decoder_fuzz import OSMAND_JSON, OSMAND_QUERY, OWNTRACKS, TRACCAR, body_of
from tests.web.helpers import login, make_user, use_fast_hashes

EXAMPLES = 25
# The live feed never ends (server-sent events): it has tests of its own (tests/tracking/test_sse.py).
ENDLESS = "/live/stream"
# What would end the organiser's session or take away the role the rest of the run needs.
SELF_HARM = r"^/(logout|organiser/users/\{user_id\}/(role|password))$"


def _app(folder: Path) -> FastAPI:
    """The app on a new SQLite database with the tracking tests' event, two cars and one account a role."""
    db = Database(f"sqlite:///{folder / 'fuzz.db'}")
    add_event(db, {7: "car7-phone", 8: "car8-phone"})
    with pytest.MonkeyPatch.context() as patch:
        use_fast_hashes(patch)
        for name, role, car in [
            ("olga", "organiser", None),
            ("mario", "marshal", None),
            ("crew7", "crew", 7),
        ]:
            make_user(db, name, role, car)
    return app_for(db)


class _Serving:
    """The ASGI app schemathesis calls: it passes each request to the app the fixture made.

    Schemathesis runs an app's lifespan once and keeps it to the end of the process; this one has
    nothing to start, while the fixture runs its app's lifespan (the tracker) and ends it."""

    app: FastAPI | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        assert self.app is not None, "no app: the test must take the web_app fixture"
        await self.app(scope, receive, send)


SERVING = _Serving()
# The OpenAPI description does not depend on the database: read once, from an app on an empty one.
described = schemathesis.openapi.from_dict(
    create_app(Database("sqlite://", migrate=False), tile_url="").openapi()
)
described.app = SERVING
schema = described.exclude(path=ENDLESS)
FAST = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def web_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    """One app for every operation (a new database each would cost more than the fuzzing)."""
    app = _app(tmp_path_factory.mktemp("openapi"))
    with TestClient(app):  # its lifespan: the tracker made and warmed, closed at the end
        SERVING.app = app
        yield app
        SERVING.app = None
    app.state.db.dispose()


@pytest.fixture(scope="module")
def organiser(web_app: FastAPI) -> dict[str, Any]:
    """The session cookie and CSRF header of a signed-in organiser, for schemathesis to send."""
    client = TestClient(web_app)
    token = login(client, "olga")
    return {"cookies": dict(client.cookies), "headers": {"X-CSRF-Token": token}}


@schema.parametrize()
@FAST
def test_no_operation_answers_a_server_error(case: Any, web_app: FastAPI) -> None:
    case.call_and_validate(checks=[not_a_server_error])


@schema.exclude(path_regex=SELF_HARM).parametrize()
@FAST
def test_no_operation_answers_an_organiser_a_server_error(
    case: Any, web_app: FastAPI, organiser: dict[str, Any]
) -> None:
    case.call_and_validate(checks=[not_a_server_error], **organiser)


# ----------------------------------------------------------------------------------------- the trackers

CONTENT_TYPES = st.one_of(
    st.sampled_from(
        [
            "application/json",
            "application/json; charset=utf-8",
            "application/x-www-form-urlencoded",
            "text/plain",
            "multipart/form-data; boundary=x",
            "",
        ]
    ),
    st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40),
)
AUTH: st.SearchStrategy[dict[str, str]] = st.one_of(
    st.just({}),
    st.builds(lambda t: {"Authorization": f"Bearer {t}"}, st.text("abcdef0123456789", max_size=40)),
    st.builds(
        lambda t: {"Authorization": f"Basic {t}"}, st.text("QWxhZGRpbjpvcGVuIHNlc2FtZQ==!", max_size=40)
    ),
    st.fixed_dictionaries(
        {"X-Limit-U": st.text("ab/\\", max_size=4), "X-Limit-D": st.text("cd/", max_size=4)}
    ),
)
QUERY_TEXT = OSMAND_QUERY.map(lambda q: "&".join(f"{k}={v}" for k, v in q.items()))


@pytest.fixture(scope="module")
def ingest_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    app = _app(tmp_path_factory.mktemp("ingest"))
    with TestClient(app) as client:  # raises whatever the app does not answer: a 500 fails the test
        yield client
    app.state.db.dispose()


def _encoded(body: str | bytes) -> bytes:
    return body if isinstance(body, bytes) else body.encode("utf-8", "surrogatepass")


TRACKER_BODIES = {
    "/ingest/osmand": st.one_of(body_of(OSMAND_JSON), QUERY_TEXT),
    "/ingest/owntracks": body_of(OWNTRACKS),
    "/ingest/traccar": body_of(TRACCAR),
}


@pytest.mark.parametrize("path", sorted(TRACKER_BODIES))
def test_tracker_endpoints_answer_random_bodies_without_a_server_error(
    ingest_client: TestClient, path: str
) -> None:
    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        body=TRACKER_BODIES[path] | st.binary(max_size=300),
        content_type=CONTENT_TYPES,
        auth=AUTH,
        query=st.sampled_from(["", "?token=", "?token=nope", "?id=car7-phone&lat=45&lon=9"]),
    )
    def post(body: str | bytes, content_type: str, auth: dict[str, str], query: str) -> None:
        headers = {"Content-Type": content_type, **auth}
        answer = ingest_client.post(path + query, content=_encoded(body), headers=headers)
        assert answer.status_code in (200, 400, 401, 413), (answer.status_code, answer.text)

    post()


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(query=QUERY_TEXT | st.text(max_size=200))
def test_osmand_get_answers_random_queries_without_a_server_error(
    ingest_client: TestClient, query: str
) -> None:
    answer = ingest_client.get("/ingest/osmand?" + quote(query, safe="=&", errors="surrogatepass"))
    assert answer.status_code in (200, 400, 401, 413), (answer.status_code, answer.text)


@pytest.mark.parametrize("device", ["x" * 150, "car\x007", "car\x017"])
def test_an_uploaded_track_names_its_device_as_a_tracker_must(db: Database, device: str) -> None:
    add_event(db, {7: "car7-phone"})
    make_user(db, "olga", "organiser")
    client = TestClient(app_for(db), raise_server_exceptions=False)
    token = login(client, "olga")
    track = b"time,lat,lon\n2025-06-15T08:00:00Z,45,9\n2025-06-15T08:00:01Z,45.001,9\n"
    answer = client.post(
        "/ingest/upload",
        data={"device_id": device},
        files={"file": ("t.csv", track, "text/csv")},
        headers={"X-CSRF-Token": token},
    )
    assert answer.status_code == 400 and "device_id" in answer.json()["error"]
