"""OwnTracks over a real MQTT broker (Mosquitto): messages published are stored as positions."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import func, select

from miglia.service.live.tracker import Tracker
from miglia.store.db import Database
from miglia.store.models import PositionRow, RawInputRow
from miglia.tracking.mqtt import MqttSettings, start
from tests.conftest import need

pytestmark = pytest.mark.mqtt
PAYLOADS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "real" / "tracker-payloads.json"
HOST = os.environ.get("MIGLIA_TEST_MQTT_HOST", "127.0.0.1")
PORT = int(os.environ.get("MIGLIA_TEST_MQTT_PORT", "1883"))


def _open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture
def broker() -> tuple[str, int]:
    need(
        _open(HOST, PORT),
        f"no MQTT broker at {HOST}:{PORT}; start one with `mosquitto -d` (or set MIGLIA_TEST_MQTT_PORT)",
    )
    return HOST, PORT


def publish(host: str, port: int, topic: str, payload: str) -> None:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"test-pub-{uuid.uuid4().hex[:8]}")
    client.connect(host, port)
    client.loop_start()
    client.publish(topic, payload, qos=1).wait_for_publish(5)
    client.disconnect()
    client.loop_stop()


def wait_for(check: Callable[[], bool], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


def positions(db: Database) -> int:
    with db.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(PositionRow)) or 0


def test_owntracks_messages_are_stored(db: Database, broker: tuple[str, int]) -> None:
    host, port = broker
    user = f"test{uuid.uuid4().hex[:8]}"
    settings = MqttSettings(host, port, topic=f"owntracks/{user}/+", client_id=f"miglia-test-{user}")
    listener = start(Tracker(db), settings)
    try:
        assert listener.subscribed.wait(10), "the listener did not subscribe"
        items: list[dict[str, Any]] = json.loads(PAYLOADS.read_text(encoding="utf-8"))["owntracks_json"]
        for i, item in enumerate(items):
            publish(host, port, f"owntracks/{user}/phone{i % 2}", json.dumps(item))
        publish(host, port, f"owntracks/{user}/phone0", '{"_type": "lwt", "tst": 1}')
        publish(host, port, f"owntracks/{user}/phone0", "not json")
        with db.unit_of_work() as uow:
            raw = lambda: uow.session.scalar(select(func.count()).select_from(RawInputRow)) or 0  # noqa: E731
            assert wait_for(lambda: raw() == len(items) + 2)
            devices = set(uow.session.scalars(select(PositionRow.device_id)))
            refused = uow.session.scalars(
                select(RawInputRow.source).where(RawInputRow.accepted.is_(False))
            ).all()
        assert positions(db) == len(items)
        assert devices == {f"{user}/phone0", f"{user}/phone1"}
        assert refused == [f"mqtt owntracks/{user}/phone0"]
    finally:
        listener.stop()


@pytest.fixture
def private_broker(tmp_path: Path) -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    """A Mosquitto of our own on a free port, that the test can stop and start again."""
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    need(Path(binary).exists(), "mosquitto is not installed (apt-get install mosquitto)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = tmp_path / "mosquitto.conf"
    config.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    running: list[subprocess.Popen[bytes]] = []

    def launch() -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [binary, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        running.append(process)
        assert wait_for(lambda: _open("127.0.0.1", port), 5)
        return process

    launch.port = port  # type: ignore[attr-defined]
    yield launch
    for process in running:
        process.terminate()
        process.wait(5)


def test_listener_reconnects_after_the_broker_comes_back(
    db: Database, private_broker: Callable[[], subprocess.Popen[bytes]]
) -> None:
    port: int = private_broker.port  # type: ignore[attr-defined]
    first = private_broker()
    listener = start(Tracker(db), MqttSettings("127.0.0.1", port, client_id="miglia-reconnect-test"))
    try:
        assert listener.subscribed.wait(10)
        fix = {"_type": "location", "tid": "JJ", "lat": 45.0, "lon": 9.0, "tst": 1_750_000_000}
        publish("127.0.0.1", port, "owntracks/jane/phone", json.dumps(fix))
        assert wait_for(lambda: positions(db) == 1)
        first.terminate()
        first.wait(5)
        assert wait_for(lambda: not listener.connected.is_set(), 5)
        private_broker()
        assert listener.subscribed.wait(40), "the listener did not reconnect"
        publish("127.0.0.1", port, "owntracks/jane/phone", json.dumps(fix | {"tst": 1_750_000_060}))
        assert wait_for(lambda: positions(db) == 2)
    finally:
        listener.stop()
