"""Each real payload of shared/data/real/tracker-payloads.json gives what a server should make of it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from miglia.tracking import osmand, owntracks, traccar
from miglia.tracking.fix import PayloadError

PAYLOADS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "real" / "tracker-payloads.json"
RECEIVED = 1_750_000_000_000_000


def payloads() -> dict[str, Any]:
    if not PAYLOADS.is_file():
        pytest.fail(f"real tracker payloads not found at {PAYLOADS}; shared/ must sit beside the repository")
    data: dict[str, Any] = json.loads(PAYLOADS.read_text(encoding="utf-8"))
    return data


def _ids(key: str) -> list[str]:
    return [f"{key}-{i}" for i in range(len(payloads()[key]))]


@pytest.mark.parametrize("item", payloads()["osmand_query"], ids=_ids("osmand_query"))
def test_osmand_query_gives_what_the_payload_file_expects(item: dict[str, str]) -> None:
    query = item["request"].split("?", 1)[1]
    expect = item["expect"]
    if expect.startswith("reject"):
        with pytest.raises(PayloadError, match="field id"):
            osmand.decode_query(query, RECEIVED)
        return
    fixes = osmand.decode_query(query, RECEIVED)
    if expect.startswith("no fix"):
        assert fixes == []
        return
    assert expect == "position"
    [fix] = fixes
    assert fix.device_id in query
    assert -90 <= fix.lat <= 90 and -180 <= fix.lon <= 180
    assert isinstance(fix.instant_us, int)


def test_osmand_query_fields_and_units() -> None:
    items = {i: item["request"].split("?", 1)[1] for i, item in enumerate(payloads()["osmand_query"])}
    iso = osmand.decode_query(items[2], RECEIVED)[0]
    assert (iso.device_id, iso.lat, iso.lon, iso.altitude) == ("902064", 42.06288, -88.23412, 224.0)
    assert iso.instant_us == 1_453_920_947_000_000  # 2016-01-27T18:55:47Z
    assert iso.accuracy_m == 30.0  # hdop 6 x 5 m
    assert osmand.decode_query(items[3], RECEIVED)[0].instant_us == 1_442_068_686_579_000  # epoch ms
    assert (
        osmand.decode_query(items[4], RECEIVED)[0].instant_us == 1_401_873_011_000_000
    )  # 2014-06-04 09:10:11
    assert osmand.decode_query(items[7], RECEIVED)[0].device_id == "123456"  # deviceid=
    assert osmand.decode_query(items[7], RECEIVED)[0].instant_us == RECEIVED  # no timestamp: received
    assert osmand.decode_query(items[8], RECEIVED)[0].battery == 87.0
    location = osmand.decode_query(items[9], RECEIVED)[0]
    assert (location.lat, location.lon) == (60.0, 30.0)
    moving = osmand.decode_query(items[10], RECEIVED)[0]
    assert moving.speed_kmh == pytest.approx(40 * 1.852)  # knots -> km/h
    assert moving.course == pytest.approx(7.19889788244)


@pytest.mark.parametrize("item", payloads()["osmand_json"], ids=_ids("osmand_json"))
def test_osmand_json_gives_the_position_of_its_coords(item: dict[str, Any]) -> None:
    [fix] = osmand.decode(json.dumps(item), "application/json", RECEIVED)
    coords = item["location"]["coords"]
    assert fix.device_id == item["device_id"]
    assert (fix.lat, fix.lon) == (coords["latitude"], coords["longitude"])
    assert fix.accuracy_m == coords["accuracy"]
    assert fix.course == (coords["heading"] if coords["heading"] >= 0 else None)
    assert fix.speed_kmh == (pytest.approx(coords["speed"] * 3.6) if coords["speed"] >= 0 else None)
    level = item["location"]["battery"]["level"]
    assert fix.battery == (pytest.approx(level * 100) if level >= 0 else None)


def test_osmand_json_batch_gives_every_fix() -> None:
    items = payloads()["osmand_json"]
    batch = {"device_id": "48241179", "location": [items[0]["location"], items[3]["location"]]}
    fixes = osmand.decode(json.dumps([batch, items[2]]), "application/json", RECEIVED)
    assert [f.device_id for f in fixes] == ["48241179", "48241179", "658765"]
    assert fixes[1].instant_us == 1_626_854_794_444_000  # 2021-07-21T08:06:34.444Z


@pytest.mark.parametrize("item", payloads()["owntracks_json"], ids=_ids("owntracks_json"))
def test_owntracks_location_gives_its_position(item: dict[str, Any]) -> None:
    [fix] = owntracks.decode(json.dumps(item))
    assert (fix.lat, fix.lon) == (item["lat"], item["lon"])
    assert fix.instant_us == item["tst"] * 1_000_000
    assert fix.speed_kmh == item.get("vel")
    assert fix.course == item.get("cog")
    assert fix.accuracy_m == item.get("acc")
    assert fix.battery == item.get("batt")
    if "topic" in item:
        assert fix.device_id == "/".join(item["topic"].split("/")[1:3])
    else:
        assert fix.device_id == item["tid"]


def test_owntracks_device_from_mqtt_topic_or_http_headers() -> None:
    body = json.dumps(payloads()["owntracks_json"][2])
    assert owntracks.decode(body, topic="owntracks/jane/phone")[0].device_id == "jane/phone"
    assert owntracks.decode(body, user="jane", device="phone")[0].device_id == "jane/phone"


def test_owntracks_other_types_are_ignored() -> None:
    assert owntracks.decode('{"_type": "transition", "event": "enter", "tst": 1}') == []
    assert owntracks.decode('{"_type": "lwt", "tst": 1}') == []


TRACCAR = {
    "position": {
        "id": 12345,
        "deviceId": 10,
        "protocol": "osmand",
        "valid": True,
        "fixTime": "2024-05-20T14:29:55.000+00:00",
        "latitude": -23.55052,
        "longitude": -46.633308,
        "altitude": 760.0,
        "speed": 13.5,
        "course": 180.0,
        "accuracy": 0.0,
        "attributes": {"batteryLevel": 85, "motion": True},
    },
    "device": {"id": 10, "name": "Company Car 01", "uniqueId": "123456789012345", "status": "online"},
}


def test_traccar_forwarding() -> None:
    [fix] = traccar.decode(json.dumps(TRACCAR))
    assert fix.device_id == "123456789012345"
    assert fix.instant_us == 1_716_215_395_000_000
    assert (fix.lat, fix.lon, fix.altitude, fix.course) == (-23.55052, -46.633308, 760.0, 180.0)
    assert fix.speed_kmh == pytest.approx(13.5 * 1.852)
    assert fix.battery == 85 and fix.accuracy_m is None


def test_traccar_invalid_position_is_no_fix() -> None:
    data = json.loads(json.dumps(TRACCAR))
    data["position"]["valid"] = False
    assert traccar.decode(json.dumps(data)) == []


@pytest.mark.parametrize(
    ("decode", "field", "value"),
    [
        (lambda: osmand.decode_query("id=1&lat=abc&lon=9", RECEIVED), "lat", "abc"),
        (lambda: osmand.decode_query("id=1&lat=95&lon=9", RECEIVED), "lat", "95"),
        (
            lambda: osmand.decode_query("id=1&lat=45&lon=9&timestamp=yesterday", RECEIVED),
            "timestamp",
            "yesterday",
        ),
        (lambda: osmand.decode_query("id=1&location=45", RECEIVED), "location", "45"),
        (lambda: osmand.decode("{not json", "application/json", RECEIVED), "body", "{not json"),
        (lambda: owntracks.decode('{"_type": "location", "tid": "JJ", "lat": 1, "lon": 2}'), "tst", "None"),
        (lambda: owntracks.decode('{"_type": "location", "lat": 1, "lon": 2, "tst": 5}'), "tid", "None"),
        (lambda: traccar.decode('{"position": {}, "device": {}}'), "device.uniqueId", "None"),
    ],
)
def test_bad_payloads_name_the_field_and_value(decode: Any, field: str, value: str) -> None:
    with pytest.raises(PayloadError) as caught:
        decode()
    assert f"field {field} = " in str(caught.value)
    assert value in str(caught.value)
