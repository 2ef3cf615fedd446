"""OwnTracks over MQTT: subscribe to `owntracks/+/+` on a broker and hand every message to the ingest.

The device id is the topic's `USER/DEVICE` (`owntracks/jane/phone` -> "jane/phone"); see
`miglia.tracking.owntracks`. An MQTT message carries no Miglia token: only the broker can say who sent
it. With MIGLIA_MQTT_TRUSTED=1 (the broker authenticates every tracker with its own credentials and an
ACL lets each publish only to its own topic) the positions heard here are trusted; without it they are
stored untrusted (quarantine: they move no car), since anyone who can reach an open broker could
publish as any car.

Settings come from the environment: MIGLIA_MQTT_HOST (default 127.0.0.1), MIGLIA_MQTT_PORT (1883),
MIGLIA_MQTT_TOPIC (owntracks/+/+), MIGLIA_MQTT_USER / MIGLIA_MQTT_PASSWORD, MIGLIA_MQTT_CLIENT_ID,
MIGLIA_MQTT_TRUSTED (0).
With a fixed client id and a persistent session (clean_session=False) and QoS 1, the broker keeps
what arrives while Miglia is down and delivers it on reconnect; paho reconnects by itself (1 s to
30 s back-off) and `on_connect` subscribes again.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from miglia.domain.errors import MigliaError
from miglia.tracking import owntracks
from miglia.tracking.fix import Fix

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MqttSettings:
    host: str = "127.0.0.1"
    port: int = 1883
    topic: str = "owntracks/+/+"
    username: str | None = None
    password: str | None = None
    client_id: str = "miglia-ingest"
    keepalive_s: int = 30
    trusted: bool = False
    """The broker authenticates each tracker and limits it to its own topic."""

    @classmethod
    def from_env(cls) -> MqttSettings:
        env = os.environ
        return cls(
            host=env.get("MIGLIA_MQTT_HOST", cls.host),
            port=int(env.get("MIGLIA_MQTT_PORT", cls.port)),
            topic=env.get("MIGLIA_MQTT_TOPIC", cls.topic),
            username=env.get("MIGLIA_MQTT_USER") or None,
            password=env.get("MIGLIA_MQTT_PASSWORD") or None,
            client_id=env.get("MIGLIA_MQTT_CLIENT_ID", cls.client_id),
            trusted=env.get("MIGLIA_MQTT_TRUSTED", "0").strip().lower() in ("1", "true", "yes"),
        )


class Receiver(Protocol):
    def receive(
        self,
        kind: str,
        source: str,
        content_type: str,
        body: str,
        decode: Callable[[], list[Fix]],
        token: str | None = None,
        authenticated: bool = False,
    ) -> Any: ...


class Listener:
    """A running subscription; `stop()` ends it."""

    def __init__(self, receiver: Receiver, settings: MqttSettings) -> None:
        self.receiver = receiver
        self.settings = settings
        self.connected = threading.Event()
        self.subscribed = threading.Event()
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=settings.client_id, clean_session=False
        )
        if settings.username:
            self.client.username_pw_set(settings.username, settings.password)
        self.client.reconnect_delay_set(min_delay=1, max_delay=30)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_message = self._on_message

    def start(self) -> Listener:
        self.client.connect_async(self.settings.host, self.settings.port, self.settings.keepalive_s)
        self.client.loop_start()
        return self

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def _on_connect(self, client: mqtt.Client, _userdata: Any, _flags: Any, reason: Any, _props: Any) -> None:
        if reason.is_failure:
            log.warning(
                "MQTT %s:%s refused the connection: %s", self.settings.host, self.settings.port, reason
            )
            return
        self.connected.set()
        client.subscribe(self.settings.topic, qos=1)

    def _on_subscribe(self, *_args: Any) -> None:
        self.subscribed.set()

    def _on_disconnect(self, *_args: Any) -> None:
        self.connected.clear()
        self.subscribed.clear()
        log.warning("MQTT connection to %s:%s lost; reconnecting", self.settings.host, self.settings.port)

    def _on_message(self, _client: mqtt.Client, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        topic = message.topic
        text = message.payload.decode("utf-8", "backslashreplace")
        try:
            self.receiver.receive(
                "position_owntracks",
                f"mqtt {topic}",
                "application/json",
                text,
                lambda: owntracks.decode(text, topic=topic),
                authenticated=self.settings.trusted,
            )
        except MigliaError as exc:  # kept in raw_inputs as not accepted; nobody to answer over MQTT
            log.warning("MQTT %s: %s", topic, exc)
        except Exception:  # never let one message kill the network thread
            log.exception("MQTT %s: message not stored", topic)


def start(receiver: Receiver, settings: MqttSettings | None = None) -> Listener:
    return Listener(receiver, settings or MqttSettings.from_env()).start()
