"""Every tracker decoder and track file reader, fed random and near-valid input: it gives fixes that are
finite and in range (lat/lon, an instant from 1970 to 2100, bounded measurements, a clean device id), or
it refuses with the documented error (PayloadError; TrackFileError for files), and nothing else.

Plus the exact inputs that once escaped as another exception or as a value no database column holds.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import tempfile
import unicodedata
from collections.abc import Callable
from functools import reduce
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from xml.sax.saxutils import escape, quoteattr

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from miglia.formats.trackfiles import TrackFileError, read_route, read_track
from miglia.tracking import osmand, owntracks, traccar
from miglia.tracking.fix import (
    EARLIEST_US,
    LATEST_US,
    MAX_DEVICE_ID,
    MAX_JSON_DEPTH,
    MAX_MAGNITUDE,
    Fix,
    PayloadError,
    parse_json,
)

RECEIVED = 1_750_000_000_000_000
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FILES = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ------------------------------------------------------------------------------------------- strategies


def st_sep(moment: dt.datetime) -> str:
    """T or a space between date and time, as trackers send both (chosen from the value, to stay simple)."""
    return " " if moment.microsecond % 2 else "T"


# Any code point, lone surrogates and NUL included (JSON can carry them all as \u escapes).
ODD_TEXT = st.text(st.characters(exclude_categories=()), max_size=30)
EDGE_NUMBERS = st.sampled_from(
    [0, -1, 1, 2**31, 2**53 + 1, 2**63 - 1, 2**63, 2**64, -(2**63), 10**30, 1e30, -1e30, 1e308, 5e-324]
)
EDGE_BOUNDS = st.sampled_from(
    [MAX_MAGNITUDE, MAX_MAGNITUDE + 1, 4_102_444_800, 4_102_444_801, 4_102_444_800_000, 4_102_444_800_001]
)
NUMBERS = st.one_of(
    EDGE_NUMBERS,
    EDGE_BOUNDS,
    st.integers(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
)
NUMERIC_TEXT = st.one_of(
    NUMBERS.map(str), st.from_regex(r"\A[-+]?\d{1,40}(\.\d{0,12})?([eE][-+]?\d{1,6})?\Z"), ODD_TEXT
)
OFFSETS = st.builds(
    dt.timezone,
    st.timedeltas(
        min_value=dt.timedelta(hours=-23, minutes=-59), max_value=dt.timedelta(hours=23, minutes=59)
    ),
)
ISO_TIMES = st.datetimes(timezones=st.none() | OFFSETS).map(lambda d: d.isoformat(sep=st_sep(d)))
EDGE_TIMES = st.sampled_from(
    [
        "0001-01-01T00:00:00Z",
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59",
        "9999-12-31T23:59:59.999999-23:59",
        "1969-12-31T23:59:59.999999Z",
        "1970-01-01T00:00:00Z",
        "2099-12-31T23:59:59.999999Z",
        "2100-01-01T00:00:00Z",
        "2100-01-01T00:00:00.000001Z",
        "2024-06-01 09:00:00",
    ]
)
TIMES = st.one_of(EDGE_TIMES, ISO_TIMES, NUMBERS, NUMERIC_TEXT)
SCALARS = st.none() | st.booleans() | NUMBERS | ODD_TEXT
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ODD_TEXT, inner, max_size=3),
    max_leaves=8,
)
WILD = st.one_of(NUMBERS, NUMERIC_TEXT, TIMES, JSON_VALUES)
LAT = st.floats(-90, 90) | WILD
LON = st.floats(-180, 180) | WILD
MEASURE = st.floats(-10, 500) | WILD
DEVICE = st.one_of(
    st.text("abcXYZ019-_/", min_size=1, max_size=12),
    st.text("d", min_size=MAX_DEVICE_ID - 2, max_size=MAX_DEVICE_ID + 2),
    st.integers(),
    WILD,
)


def nested(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The value as sent, or wrapped in up to twice the depth limit of lists/objects."""
    return st.tuples(inner, st.integers(0, 2 * MAX_JSON_DEPTH), st.booleans()).map(
        lambda t: reduce(lambda v, _: [v] if t[2] else {"k": v}, range(t[1]), t[0])
    )


def body_of(payload: st.SearchStrategy[Any]) -> st.SearchStrategy[str | bytes]:
    """A JSON body: one payload, a batch, nested, as text or bytes; or random text and bytes."""
    documents = st.one_of(payload, st.lists(payload, max_size=3), nested(payload))
    as_text = st.tuples(documents, st.booleans()).map(lambda t: json.dumps(t[0], ensure_ascii=t[1]))
    as_bytes = as_text.map(lambda text: text.encode("utf-8", "surrogatepass"))
    brackets = st.tuples(st.sampled_from([31, 32, 33, 999, 1000, 5000, 100_000]), st.sampled_from("[{")).map(
        lambda t: ('[{"a":' * t[0] if t[1] == "{" else "[" * t[0]) + "1"
    )
    return st.one_of(as_text, as_bytes, brackets, ODD_TEXT, st.binary(max_size=200))


def optional_fields(fields: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional=fields)


OSMAND_JSON = st.fixed_dictionaries(
    {"device_id": DEVICE},
    optional={
        "location": st.one_of(
            optional_fields(
                {
                    "timestamp": TIMES,
                    "coords": optional_fields(
                        {
                            "latitude": LAT,
                            "longitude": LON,
                            "speed": MEASURE,
                            "heading": MEASURE,
                            "altitude": MEASURE,
                            "accuracy": MEASURE,
                        }
                    )
                    | WILD,
                    "battery": optional_fields({"level": st.floats(-1, 1) | WILD}) | WILD,
                }
            ),
            WILD,
        )
    },
)
OSMAND_QUERY = optional_fields(
    {
        name: strategy.map(str)
        for name, strategy in {
            "id": DEVICE,
            "deviceid": DEVICE,
            "timestamp": TIMES,
            "lat": LAT,
            "lon": LON,
            "location": st.tuples(LAT, LON).map(lambda t: f"{t[0]},{t[1]}") | WILD,
            "speed": MEASURE,
            "bearing": MEASURE,
            "heading": MEASURE,
            "altitude": MEASURE,
            "accuracy": MEASURE,
            "hacc": MEASURE,
            "hdop": MEASURE,
            "batt": MEASURE,
        }.items()
    }
)
OWNTRACKS = optional_fields(
    {
        "_type": st.sampled_from(["location", "transition", "lwt"]) | WILD,
        "tst": TIMES,
        "lat": LAT,
        "lon": LON,
        "vel": MEASURE,
        "cog": MEASURE,
        "alt": MEASURE,
        "acc": MEASURE,
        "batt": MEASURE,
        "tid": DEVICE,
        "topic": st.tuples(DEVICE, DEVICE).map(lambda t: f"owntracks/{t[0]}/{t[1]}") | WILD,
    }
)
TRACCAR = optional_fields(
    {
        "device": optional_fields({"uniqueId": DEVICE}) | WILD,
        "position": optional_fields(
            {
                "fixTime": TIMES,
                "deviceTime": TIMES,
                "latitude": LAT,
                "longitude": LON,
                "altitude": MEASURE,
                "speed": MEASURE,
                "course": MEASURE,
                "accuracy": MEASURE,
                "valid": st.booleans() | WILD,
                "attributes": optional_fields({"batteryLevel": MEASURE}) | WILD,
            }
        )
        | WILD,
    }
)
HEADER_TEXT = st.none() | DEVICE.map(str)


# ----------------------------------------------------------------------------------------- the property


def in_range(fix: Fix) -> None:
    device = fix.device_id
    assert isinstance(device, str) and 0 < len(device) <= MAX_DEVICE_ID
    assert not any(unicodedata.category(c) in ("Cc", "Cs") for c in device), device
    assert type(fix.instant_us) is int and EARLIEST_US <= fix.instant_us <= LATEST_US, fix
    assert -90.0 <= fix.lat <= 90.0 and -180.0 <= fix.lon <= 180.0, fix
    for value in (fix.speed_kmh, fix.altitude, fix.accuracy_m, fix.battery):
        assert value is None or (math.isfinite(value) and abs(value) <= MAX_MAGNITUDE), fix
    assert fix.course is None or 0.0 <= fix.course < 360.0, fix


def fixes_or_refusal(decode: Callable[[], list[Fix]]) -> None:
    """Fixes all in range, or a PayloadError; any other exception fails the test."""
    try:
        fixes = decode()
    except PayloadError as exc:
        assert exc.field and str(exc)
        return
    for fix in fixes:
        in_range(fix)


# ------------------------------------------------------------------------------------------- decoders


@FUZZ
@given(query=OSMAND_QUERY, extra=st.lists(st.tuples(ODD_TEXT, ODD_TEXT), max_size=3))
def test_osmand_query_fuzz(query: dict[str, str], extra: list[tuple[str, str]]) -> None:
    text = urlencode([*query.items(), *extra], encoding="utf-8", errors="surrogatepass")
    fixes_or_refusal(lambda: osmand.decode_query(text, RECEIVED))


@FUZZ
@given(text=ODD_TEXT | st.text(max_size=300))
def test_osmand_query_random_text(text: str) -> None:
    fixes_or_refusal(lambda: osmand.decode_query(text, RECEIVED))


@FUZZ
@given(body=body_of(OSMAND_JSON), content_type=st.sampled_from(["application/json", "text/plain", ""]))
def test_osmand_json_fuzz(body: str | bytes, content_type: str) -> None:
    fixes_or_refusal(lambda: osmand.decode(body, content_type, RECEIVED))


@FUZZ
@given(body=body_of(OWNTRACKS), topic=st.none() | ODD_TEXT, user=HEADER_TEXT, device=HEADER_TEXT)
def test_owntracks_fuzz(body: str | bytes, topic: str | None, user: str | None, device: str | None) -> None:
    fixes_or_refusal(lambda: owntracks.decode(body, topic=topic, user=user, device=device))


@FUZZ
@given(body=body_of(TRACCAR))
def test_traccar_fuzz(body: str | bytes) -> None:
    fixes_or_refusal(lambda: traccar.decode(body))


# ---------------------------------------------------------------------------------------- track files

CELL = WILD.map(str)


def nmea(body: str) -> str:
    return f"${body}*{reduce(lambda a, c: a ^ ord(c), body, 0):02X}"


DIGITS = st.text("0123456789.-", max_size=12)
RMC = st.tuples(DIGITS, st.sampled_from("AV"), DIGITS, st.sampled_from("NS"), DIGITS, DIGITS).map(
    lambda t: nmea(f"GPRMC,{t[0]},{t[1]},{t[2]},{t[3]},{t[4]},E,0.0,0.0,{t[5]},,,A")
)
GGA = st.tuples(DIGITS, DIGITS, DIGITS, st.sampled_from("0126")).map(
    lambda t: nmea(f"GPGGA,{t[0]},{t[1]},N,{t[2]},W,{t[3]},08,0.9,545.4,M,46.9,M,,")
)
VALID_RMC = st.sampled_from(
    [
        "GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W",
        "GPRMC,000000,A,0000.000,N,00000.000,E,,,010169,,",
    ]
).map(nmea)
NMEA_FILE = st.lists(st.one_of(VALID_RMC, RMC, GGA, ODD_TEXT), min_size=1, max_size=6).map("\n".join)


def csv_file(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows([["time", "lat", "lon"], *rows])
    return out.getvalue()


CSV_FILE = st.lists(st.lists(st.one_of(TIMES.map(str), CELL), min_size=0, max_size=4), max_size=5).map(
    csv_file
)
CSV_HUGE_FIELD = st.just("time,lat,lon\n" + "1" * 200_000 + ",1,1\n")
GPX_POINT = st.tuples(CELL, CELL, TIMES.map(str)).map(
    lambda t: f"<trkpt lat={quoteattr(t[0])} lon={quoteattr(t[1])}><time>{escape(t[2])}</time></trkpt>"
)
GPX_FILE = st.lists(GPX_POINT, max_size=4).map(
    lambda points: (
        '<?xml version="1.0"?><gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1">'
        f"<trk><trkseg>{''.join(points)}</trkseg></trk></gpx>"
    )
)
WKT_FILE = st.lists(
    st.fixed_dictionaries(
        {"point": st.tuples(CELL, CELL).map(lambda t: f"POINT({t[0]} {t[1]})") | WILD, "time": TIMES}
    )
    | WILD,
    max_size=4,
).map(json.dumps)
GEOJSON_FILE = st.one_of(
    nested(
        optional_fields(
            {
                "type": st.sampled_from(["FeatureCollection", "Feature", "LineString", "MultiLineString"])
                | WILD,
                "features": st.lists(
                    WILD | optional_fields({"geometry": WILD | optional_fields({"type": WILD})})
                ),
                "geometry": WILD,
                "coordinates": WILD | st.lists(st.lists(NUMBERS | WILD, max_size=3), max_size=4),
            }
        )
    ),
    JSON_VALUES,
).map(json.dumps)
NAMES = st.sampled_from(["t.gpx", "t.nmea", "t.csv", "t.json", "t.geojson", "t.txt", "t"])


def read_file(name: str, content: str | bytes, reader: Callable[[Path], Any]) -> Any:
    """What the reader makes of the file, or None when it refuses it with a TrackFileError."""
    data = content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            return reader(path)
        except TrackFileError as exc:
            assert str(exc)
            return None


def track_in_range(name: str, content: str | bytes) -> None:
    track = read_file(name, content, read_track)
    if track is None:
        return
    assert len(track) > 0
    assert ((track.t_us >= EARLIEST_US) & (track.t_us <= LATEST_US)).all(), track.t_us
    assert (abs(track.lat) <= 90).all() and (abs(track.lon) <= 180).all()


@FILES
@given(content=st.one_of(CSV_FILE, CSV_HUGE_FIELD), name=st.sampled_from(["t.csv", "t"]))
def test_csv_track_fuzz(content: str, name: str) -> None:
    track_in_range(name, content)


@FILES
@given(content=NMEA_FILE, name=st.sampled_from(["t.nmea", "t"]))
def test_nmea_track_fuzz(content: str, name: str) -> None:
    track_in_range(name, content)


@FILES
@given(content=GPX_FILE, name=st.sampled_from(["t.gpx", "t"]))
def test_gpx_track_fuzz(content: str, name: str) -> None:
    track_in_range(name, content)


@FILES
@given(content=WKT_FILE | GEOJSON_FILE, name=st.sampled_from(["t.json", "t"]))
def test_json_track_fuzz(content: str, name: str) -> None:
    track_in_range(name, content)


@FILES
@given(content=st.one_of(ODD_TEXT, st.text(max_size=400), st.binary(max_size=400)), name=NAMES)
def test_random_track_files(content: str | bytes, name: str) -> None:
    track_in_range(name, content)


@FILES
@given(content=st.one_of(GEOJSON_FILE, GPX_FILE, WKT_FILE, CSV_FILE, st.binary(max_size=200)), name=NAMES)
def test_route_files_fuzz(content: str | bytes, name: str) -> None:
    read_file(name, content, read_route)


# ------------------------------------------------------------------------------ the problems, one by one


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.mark.parametrize("levels", [MAX_JSON_DEPTH + 1, 100_000])
@pytest.mark.parametrize(
    "decode",
    [
        lambda body: osmand.decode(body, "application/json", RECEIVED),
        owntracks.decode,
        traccar.decode,
    ],
    ids=["osmand", "owntracks", "traccar"],
)
def test_deep_json_is_refused(decode: Callable[[str], list[Fix]], levels: int) -> None:
    with pytest.raises(PayloadError, match=f"nested deeper than {MAX_JSON_DEPTH} levels"):
        decode(deep(levels))


def test_json_at_the_depth_limit_is_read() -> None:
    assert parse_json("osmand", deep(MAX_JSON_DEPTH)) is not None
    assert parse_json("osmand", '{"a":' * MAX_JSON_DEPTH + "1" + "}" * MAX_JSON_DEPTH) is not None
    with pytest.raises(PayloadError, match="nested deeper"):
        parse_json("osmand", '{"a":' * (MAX_JSON_DEPTH + 1) + "1" + "}" * (MAX_JSON_DEPTH + 1))


def owntracks_at(tst: object) -> list[Fix]:
    return owntracks.decode(json.dumps({"_type": "location", "tid": "ab", "tst": tst, "lat": 45, "lon": 9}))


def traccar_at(fix_time: object) -> list[Fix]:
    body = {"device": {"uniqueId": "123"}, "position": {"fixTime": fix_time, "latitude": 45, "longitude": 9}}
    return traccar.decode(json.dumps(body))


def osmand_at(timestamp: str) -> list[Fix]:
    return osmand.decode_query(
        urlencode({"id": "7", "lat": "45", "lon": "9", "timestamp": timestamp}), RECEIVED
    )


def osmand_json_at(timestamp: object) -> list[Fix]:
    body = {
        "device_id": "7",
        "location": {"timestamp": timestamp, "coords": {"latitude": 45, "longitude": 9}},
    }
    return osmand.decode_json(json.dumps(body), RECEIVED)


@pytest.mark.parametrize(
    ("decode", "value", "field"),
    [
        (owntracks_at, 1e30, "tst"),
        (owntracks_at, 2**63, "tst"),
        (owntracks_at, "1" + "0" * 4000, "tst"),
        (traccar_at, "0001-01-01T00:00:00Z", "position.fixTime"),
        (traccar_at, "9999-12-31T23:59:59Z", "position.fixTime"),
        (traccar_at, "1969-12-31T23:59:59Z", "position.fixTime"),
        (osmand_at, "1" + "0" * 30, "timestamp"),
        (osmand_at, str(2**63), "timestamp"),
        (osmand_at, "0001-01-01 00:00:00", "timestamp"),
        (osmand_at, "9999-12-31T23:59:59", "timestamp"),
        (osmand_json_at, 1e30, "location.timestamp"),
        (osmand_json_at, 2**63, "location.timestamp"),
        (osmand_json_at, "9999-12-31T23:59:59Z", "location.timestamp"),
        (osmand_json_at, "2100-01-01T00:00:00.000001Z", "location.timestamp"),
    ],
)
def test_instants_beyond_1970_to_2100_are_refused(
    decode: Callable[[object], list[Fix]], value: object, field: str
) -> None:
    with pytest.raises(PayloadError, match="expected a time between 1970 and 2100") as caught:
        decode(value)
    assert caught.value.field == field


def test_negative_epoch_is_refused() -> None:
    with pytest.raises(PayloadError, match="tst"):
        owntracks_at(-1)


def test_epoch_bounds() -> None:
    """Epoch 0 is still a fix here (the ingest service judges plausibility); 2100 is the last instant."""
    assert owntracks_at(0)[0].instant_us == 0
    assert traccar_at("2100-01-01T00:00:00Z")[0].instant_us == LATEST_US
    assert osmand_at("4102444800000")[0].instant_us == LATEST_US  # epoch ms


@pytest.mark.parametrize(
    ("field", "value"),
    [("speed", "1e300"), ("altitude", "1e7"), ("altitude", "-1e7"), ("accuracy", "2e6"), ("batt", "1e9")],
)
def test_absurd_measurements_are_refused(field: str, value: str) -> None:
    with pytest.raises(PayloadError, match="not a plausible value") as caught:
        osmand.decode_query(urlencode({"id": "7", "lat": "45", "lon": "9", field: value}), RECEIVED)
    assert caught.value.field == field


def test_absurd_measurements_in_json_are_refused() -> None:
    body = {"_type": "location", "tid": "ab", "tst": 1, "lat": 45, "lon": 9, "vel": 10**400 // 10**100}
    with pytest.raises(PayloadError) as caught:
        owntracks.decode(json.dumps(body))
    assert caught.value.field == "vel"
    position = {"fixTime": "2024-06-01T07:00:00Z", "latitude": 45, "longitude": 9, "altitude": -1e7}
    with pytest.raises(PayloadError, match=r"position\.altitude"):
        traccar.decode(json.dumps({"device": {"uniqueId": "1"}, "position": position}))


@pytest.mark.parametrize("device", ["car\x007", "car\n7", "car\x7f", "car\x857", "car\ud8007", "x" * 101])
def test_device_ids_are_short_and_without_control_characters(device: str) -> None:
    if "\ud800" not in device:  # a query string cannot carry a lone surrogate (it becomes U+FFFD)
        with pytest.raises(PayloadError, match="field id"):
            osmand.decode_query(urlencode({"id": device, "lat": "45", "lon": "9"}), RECEIVED)
    with pytest.raises(PayloadError, match="device_id"):
        osmand.decode_json(json.dumps({"device_id": device}), RECEIVED)
    with pytest.raises(PayloadError, match="topic"):
        owntracks.decode('{"_type": "location"}', topic=f"owntracks/jane/{device}")
    with pytest.raises(PayloadError, match="uniqueId"):
        traccar.decode(json.dumps({"device": {"uniqueId": device}}))


def test_a_device_id_is_text_or_a_whole_number() -> None:
    assert osmand.decode_json('{"device_id": 123456, "location": {}}', RECEIVED) == []
    with pytest.raises(PayloadError, match="expected the device identifier as text"):
        osmand.decode_json('{"device_id": {"a": 1}}', RECEIVED)


def test_bytes_that_are_not_utf8_are_refused() -> None:
    with pytest.raises(PayloadError, match="not UTF-8"):
        osmand.decode(b"id=7&lat=\xff", "application/x-www-form-urlencoded", RECEIVED)


def test_an_error_quotes_a_long_value_briefly() -> None:
    with pytest.raises(PayloadError) as caught:
        osmand.decode_query(urlencode({"id": "7", "lat": "x" * 100_000, "lon": "9"}), RECEIVED)
    assert len(str(caught.value)) < 200


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("t.csv", "time,lat,lon\n" + "1" * 40 + ",45,9\n", "between 1970 and 2100"),
        ("t.csv", "time,lat,lon\n0001-01-01T00:00:00Z,45,9\n", "between 1970 and 2100"),
        ("t.csv", "time,lat,lon\n" + "1" * 200_000 + ",45,9\n", "not a readable CSV"),
        ("t.json", json.dumps([{"point": "POINT(9 45)", "time": "9999-12-31T23:59:59Z"}]), "between 1970"),
        ("t.json", deep(100_000), "invalid JSON"),
        ("t.json", "[" + "1" * 5000 + "]", "invalid JSON"),
        (
            "t.gpx",
            '<gpx><trk><trkseg><trkpt lat="45" lon="9"><time>1901-01-01T00:00:00Z</time></trkpt>'
            "</trkseg></trk></gpx>",
            "between 1970 and 2100",
        ),
    ],
)
def test_track_files_out_of_bounds_are_refused(tmp_path: Path, name: str, content: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TrackFileError, match=message):
        read_track(path)


@pytest.mark.parametrize(
    "doc",
    [
        {"type": "FeatureCollection", "features": [1]},
        {"type": "FeatureCollection", "features": 5},
        {"type": "FeatureCollection", "features": [{"geometry": {"type": 5}}]},
        {"type": "Feature", "geometry": [1]},
        {"type": "MultiLineString", "coordinates": 5},
        {"type": "LineString", "coordinates": [[10**400 // 10**10, 1], [1, 2]]},
    ],
)
def test_route_files_with_odd_geojson_are_refused(tmp_path: Path, doc: dict[str, Any]) -> None:
    path = tmp_path / "r.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(TrackFileError):
        read_route(path)
