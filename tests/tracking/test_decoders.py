"""Each real payload of shared/data/real/tracker-payloads.json gives exactly the fix a server should make
of it: every field of every `Fix` is written below, worked out by hand from the payload (the units are
fix.py's: instants in integer µs UTC, speed in km/h, course in degrees, altitude and accuracy in metres,
battery in percent; absent or negative "unknown" values are None)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from miglia.tracking import osmand, owntracks, traccar
from miglia.tracking.fix import Fix, PayloadError
from tests.conftest import IN_CI, REAL_DATA
from tests.tracking.helpers import TRACCAR

PAYLOADS = REAL_DATA / "tracker-payloads.json"
RECEIVED = 1_750_000_000_000_000

if not PAYLOADS.is_file():  # the parametrisation below reads the file: skip (or, in CI, fail) the module now
    _missing = (
        f"real tracker payloads not found at {PAYLOADS}; shared/data/real must sit beside the repository"
    )
    if IN_CI:
        pytest.fail(_missing + " (CI=true: this must run in CI)", pytrace=False)
    pytest.skip(_missing, allow_module_level=True)


def payloads() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(PAYLOADS.read_text(encoding="utf-8"))
    return data


def _ids(key: str) -> list[str]:
    return [f"{key}-{i}" for i in range(len(payloads()[key]))]


def assert_fix(actual: Fix, expected: Fix) -> None:
    """Every field: the device id, and the instant as an int, exactly; None where expected; each number
    equal to the last bit of a float (a unit conversion such as 13.5 kn x 1.852 rounds once)."""
    for field in dataclasses.fields(Fix):
        got, want = getattr(actual, field.name), getattr(expected, field.name)
        if isinstance(want, float):
            assert type(got) is float and got == pytest.approx(want, rel=1e-15, abs=0.0), (field.name, got)
        else:
            assert type(got) is type(want) and got == want, (field.name, got)


def assert_fixes(actual: list[Fix], expected: list[Fix]) -> None:
    assert len(actual) == len(expected), actual
    for got, want in zip(actual, expected, strict=True):
        assert_fix(got, want)


# ---------------------------------------------------------------------------------------------- OsmAnd query

REJECT = "reject"

OSMAND_QUERY: list[str | list[Fix]] = [
    # 0: cell towers and Wi-Fi only, no lat/lon: no fix.
    [],
    # 1: lat/lon but no id nor deviceid: refused.
    REJECT,
    # 2: ISO time 2016-01-27T18:55:47Z = 1453920947 s; speed 0 kn; hdop 6 x 5 m = 30 m; no heading/batt.
    [
        Fix(
            device_id="902064",
            instant_us=1_453_920_947_000_000,
            lat=42.06288,
            lon=-88.23412,
            speed_kmh=0.0,
            course=None,
            altitude=224.0,
            accuracy_m=30.0,
            battery=None,
        )
    ],
    # 3: the same with epoch milliseconds (>= 2^31 is read as ms): 1442068686579 ms = 1442068686.579 s.
    [
        Fix(
            device_id="902064",
            instant_us=1_442_068_686_579_000,
            lat=42.06288,
            lon=-88.23412,
            speed_kmh=0.0,
            course=None,
            altitude=224.0,
            accuracy_m=30.0,
            battery=None,
        )
    ],
    # 4: "2014-06-04+09:10:11" (+ is a space in a query) read as UTC = 1401873011 s; id last; no hdop.
    [
        Fix(
            device_id="353861053849681",
            instant_us=1_401_873_011_000_000,
            lat=49.60688,
            lon=6.15788,
            speed_kmh=0.0,
            course=None,
            altitude=384.7,
            accuracy_m=None,
            battery=None,
        )
    ],
    # 5: epoch 1377177267 s (2013-08-22T13:14:27Z); bearing 0; hdop 0 gives no accuracy (0 m is unknown).
    [
        Fix(
            device_id="123456",
            instant_us=1_377_177_267_000_000,
            lat=60.0,
            lon=30.0,
            speed_kmh=0.0,
            course=0.0,
            altitude=0.0,
            accuracy_m=None,
            battery=None,
        )
    ],
    # 6: only id, time and position.
    [Fix(device_id="123456", instant_us=1_377_177_267_000_000, lat=60.0, lon=30.0)],
    # 7: deviceid= instead of id=; no timestamp: the time it was received; heading 0; hacc 0 is unknown.
    [
        Fix(
            device_id="123456",
            instant_us=RECEIVED,
            lat=60.0,
            lon=30.0,
            speed_kmh=0.0,
            course=0.0,
            altitude=0.0,
            accuracy_m=None,
            battery=None,
        )
    ],
    # 8: no timestamp: received; batt 87 %.
    [
        Fix(
            device_id="861001000719969",
            instant_us=RECEIVED,
            lat=41.666667,
            lon=-0.883333,
            speed_kmh=0.0,
            course=None,
            altitude=350.059479,
            accuracy_m=None,
            battery=87.0,
        )
    ],
    # 9: location=60.0,30.0 instead of lat and lon.
    [Fix(device_id="123456", instant_us=1_377_177_267_000_000, lat=60.0, lon=30.0)],
    # 10: 1504763810 s (2017-09-07T05:56:50Z); speed 40 kn x 1.852 = 74.08 km/h; ignition/rpm/fuel unread.
    [
        Fix(
            device_id="123456789012345",
            instant_us=1_504_763_810_000_000,
            lat=40.7232948571,
            lon=-74.0061408571,
            speed_kmh=74.08,
            course=7.19889788244,
            altitude=None,
            accuracy_m=None,
            battery=None,
        )
    ],
]


def test_every_osmand_query_payload_has_its_expected_fix() -> None:
    assert len(OSMAND_QUERY) == len(payloads()["osmand_query"])


@pytest.mark.parametrize("index", range(len(OSMAND_QUERY)), ids=_ids("osmand_query"))
def test_osmand_query_gives_exactly_its_fix(index: int) -> None:
    item = payloads()["osmand_query"][index]
    query = item["request"].split("?", 1)[1]
    expected = OSMAND_QUERY[index]
    if expected == REJECT:
        assert item["expect"].startswith("reject")
        with pytest.raises(PayloadError, match="field id"):
            osmand.decode_query(query, RECEIVED)
        return
    assert isinstance(expected, list)
    if expected:
        assert item["expect"] == "position"
    else:
        assert item["expect"].startswith("no fix")
    assert_fixes(osmand.decode_query(query, RECEIVED), expected)


def test_osmand_query_as_a_form_body_gives_the_same_fix() -> None:
    body = payloads()["osmand_query"][10]["request"].split("?", 1)[1]
    expected = OSMAND_QUERY[10]
    assert isinstance(expected, list)
    assert_fixes(osmand.decode(body.encode(), "application/x-www-form-urlencoded", RECEIVED), expected)


# ---------------------------------------------------------------------------------------------- OsmAnd JSON

# 0 and 1 differ only in `extras` (not read). Speeds in m/s x 3.6; heading -1 and battery level -1 are
# unknown; battery level 0..1 x 100.
_PARKED_IN_MOUNTAIN_VIEW = Fix(
    device_id="48241179",
    instant_us=1_749_995_112_862_000,  # 2025-06-15T13:45:12.862Z
    lat=37.4219983,
    lon=-122.084,
    speed_kmh=0.0,  # 0 m/s
    course=None,  # heading -1
    altitude=5.0,
    accuracy_m=5.0,
    battery=100.0,  # level 1
)
OSMAND_JSON = [
    _PARKED_IN_MOUNTAIN_VIEW,
    _PARKED_IN_MOUNTAIN_VIEW,
    Fix(
        device_id="658765",
        instant_us=1_746_763_890_579_000,  # 2025-05-09T04:11:30.579Z
        lat=37.785834,
        lon=-122.406417,
        speed_kmh=None,  # speed -1
        course=None,  # heading -1
        altitude=0.0,
        accuracy_m=5.0,
        battery=None,  # level -1
    ),
    Fix(
        device_id="8737767034",
        instant_us=1_626_854_794_444_000,  # 2021-07-21T08:06:34.444Z
        lat=-6.1148096,
        lon=106.6837015,
        speed_kmh=67.212,  # 18.67 m/s x 3.6
        course=63.0,
        altitude=35.7,
        accuracy_m=3.8,
        battery=79.0,  # level 0.79
    ),
]


def test_every_osmand_json_payload_has_its_expected_fix() -> None:
    assert len(OSMAND_JSON) == len(payloads()["osmand_json"])


@pytest.mark.parametrize("index", range(len(OSMAND_JSON)), ids=_ids("osmand_json"))
def test_osmand_json_gives_exactly_its_fix(index: int) -> None:
    body = json.dumps(payloads()["osmand_json"][index])
    assert_fixes(osmand.decode(body, "application/json", RECEIVED), [OSMAND_JSON[index]])


def test_osmand_json_batch_gives_every_fix() -> None:
    items = payloads()["osmand_json"]
    batch = {"device_id": "48241179", "location": [items[0]["location"], items[3]["location"]]}
    fixes = osmand.decode(json.dumps([batch, items[2]]), "application/json", RECEIVED)
    assert_fixes(
        fixes,
        [OSMAND_JSON[0], dataclasses.replace(OSMAND_JSON[3], device_id="48241179"), OSMAND_JSON[2]],
    )


# ---------------------------------------------------------------------------------------------- OwnTracks

# tst in epoch seconds; vel already km/h; the device: the payload's `topic` (owntracks/USER/DEVICE ->
# USER/DEVICE) when it has one, else its two-character `tid`. `created_at`, `conn`, `vac`, `t`, `m` and the
# cell fields are not read.
OWNTRACKS = [
    Fix(
        device_id="5t",
        instant_us=1_551_874_878_000_000,  # 2019-03-06T12:21:18Z
        lat=46.0681247,
        lon=11.1512805,
        speed_kmh=0.0,
        course=None,
        altitude=440.0,
        accuracy_m=15.0,
        battery=46.0,
    ),
    Fix(device_id="JJ", instant_us=1_497_349_316_000_000, lat=48.85833, lon=2.29513),  # 2017-06-13T10:21:56Z
    Fix(
        device_id="JJ",
        instant_us=1_497_349_316_000_000,
        lat=48.85833,
        lon=2.29513,
        speed_kmh=61.0,
        course=271.0,
        altitude=167.0,
        accuracy_m=5.0,
        battery=67.0,
    ),
    Fix(device_id="JJ", instant_us=1_497_476_456_000_000, lat=48.85, lon=2.295),  # 2017-06-14T21:40:56Z
    Fix(
        device_id="ckrey/22A67880-15C3-41A6-9157-25545C7993AC",
        instant_us=1_736_161_169_000_000,  # tst 2025-01-06T10:59:29Z, not created_at
        lat=37.0,
        lon=-122.0,
        speed_kmh=None,
        course=None,
        altitude=0.0,
        accuracy_m=5.0,
        battery=None,
    ),
    Fix(
        device_id="qtripp/865284041968706",
        instant_us=1_736_519_167_000_000,  # 2025-01-10T14:26:07Z
        lat=47.420051,
        lon=13.654704,
        speed_kmh=0.0,
        course=113.0,
        altitude=1113.0,
        accuracy_m=10.0,
        battery=None,
    ),
]


def test_every_owntracks_payload_has_its_expected_fix() -> None:
    assert len(OWNTRACKS) == len(payloads()["owntracks_json"])


@pytest.mark.parametrize("index", range(len(OWNTRACKS)), ids=_ids("owntracks_json"))
def test_owntracks_location_gives_exactly_its_fix(index: int) -> None:
    assert_fixes(owntracks.decode(json.dumps(payloads()["owntracks_json"][index])), [OWNTRACKS[index]])


@pytest.mark.parametrize("index", range(len(OWNTRACKS)), ids=_ids("owntracks_json"))
def test_owntracks_over_mqtt_gives_the_same_fix_for_the_topics_device(index: int) -> None:
    """Over MQTT (tracking/mqtt.py decodes with the message's topic) the topic names the device, even
    over a `topic` field in the payload; every other field is the same."""
    body = json.dumps(payloads()["owntracks_json"][index]).encode()
    fixes = owntracks.decode(body, topic="owntracks/jane/phone")
    assert_fixes(fixes, [dataclasses.replace(OWNTRACKS[index], device_id="jane/phone")])


def test_owntracks_device_from_mqtt_topic_or_http_headers() -> None:
    body = json.dumps(payloads()["owntracks_json"][2])
    assert owntracks.decode(body, topic="owntracks/jane/phone")[0].device_id == "jane/phone"
    assert owntracks.decode(body, user="jane", device="phone")[0].device_id == "jane/phone"


def test_owntracks_other_types_are_ignored() -> None:
    assert owntracks.decode('{"_type": "transition", "event": "enter", "tst": 1}') == []
    assert owntracks.decode('{"_type": "lwt", "tst": 1}') == []


# ---------------------------------------------------------------------------------------------- Traccar


def test_traccar_forwarding() -> None:
    assert_fixes(
        traccar.decode(json.dumps(TRACCAR)),
        [
            Fix(
                device_id="123456789012345",  # device.uniqueId, not Traccar's own id 10
                instant_us=1_716_215_395_000_000,  # fixTime 2024-05-20T14:29:55Z
                lat=-23.55052,
                lon=-46.633308,
                speed_kmh=25.002,  # 13.5 kn x 1.852
                course=180.0,
                altitude=760.0,
                accuracy_m=None,  # 0.0: Traccar's "not known"
                battery=85.0,  # attributes.batteryLevel
            )
        ],
    )


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


# -- a time without a zone: refused, naming the field (domain.instants.NO_ZONE), but in the OsmAnd query ---


def test_traccar_fix_time_without_a_zone_is_refused_naming_the_field() -> None:
    data = json.loads(json.dumps(TRACCAR))
    data["position"]["fixTime"] = "2024-05-20T14:29:55.000"
    with pytest.raises(PayloadError) as caught:
        traccar.decode(json.dumps(data))
    assert str(caught.value) == (
        "traccar: field position.fixTime = '2024-05-20T14:29:55.000': "
        "a time without a zone is ambiguous; add Z or an offset"
    )


def test_osmand_json_timestamp_without_a_zone_is_refused_naming_the_field() -> None:
    item = json.loads(json.dumps(payloads()["osmand_json"][0]))
    item["location"]["timestamp"] = "2025-06-15T13:45:12.862"
    with pytest.raises(PayloadError) as caught:
        osmand.decode(json.dumps(item), "application/json", RECEIVED)
    assert str(caught.value) == (
        "osmand: field location.timestamp = '2025-06-15T13:45:12.862': "
        "a time without a zone is ambiguous; add Z or an offset"
    )


@pytest.mark.parametrize(
    ("stamp", "instant_us"),
    [
        ("2014-06-04+09%3A10%3A11", 1_401_873_011_000_000),  # the real Traccar Client payload's form
        ("2014-06-04T09%3A10%3A11", 1_401_873_011_000_000),
        ("2014-06-04T11%3A10%3A11%2B02%3A00", 1_401_873_011_000_000),  # with its zone: the zone counts
    ],
)
def test_osmand_query_reads_a_time_without_a_zone_as_utc(stamp: str, instant_us: int) -> None:
    [fix] = osmand.decode_query(f"id=1&lat=45&lon=9&timestamp={stamp}", RECEIVED)
    assert fix.instant_us == instant_us
