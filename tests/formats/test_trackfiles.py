import json
from functools import reduce

import numpy as np
import pytest

from miglia.formats.trackfiles import NoZoneError, TrackFileError, parse_time, read_route, read_track
from tests.geo.geo_synth import real_file


def nmea(body: str) -> str:
    return f"${body}*{reduce(lambda a, c: a ^ ord(c), body, 0):02X}"


GPX = """<?xml version="1.0"?>
<gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1">
 <trk><trkseg>
  <trkpt lat="45.0" lon="7.0"><time>2024-06-01T07:00:00Z</time></trkpt>
  <trkpt lat="45.001" lon="7.0"><time>2024-06-01T07:00:01.25Z</time></trkpt>
 </trkseg><trkseg>
  <trkpt lat="45.002" lon="7.0"><time>2024-06-01T09:00:02+02:00</time></trkpt>
 </trkseg></trk>
</gpx>"""


def test_parse_time_forms():
    assert parse_time("2024-06-01T07:00:00Z") == 1_717_225_200_000_000
    assert parse_time("2024-06-01 09:00:00.5+0200") == 1_717_225_200_500_000
    assert parse_time("2024-06-01T07:00:00.1234567Z") == 1_717_225_200_123_456
    assert parse_time("1717225200.25") == 1_717_225_200_250_000
    with pytest.raises(ValueError):
        parse_time("yesterday")
    with pytest.raises(NoZoneError):
        parse_time("2024-06-01T07:00:00")


NO_ZONE = "a time without a zone is ambiguous; add Z or an offset"


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("t.csv", "time,lat,lon\n2024-06-01T07:00:00Z,45,7\n2024-06-01 07:00:01,45,7\n", "line 3: bad time"),
        (
            "d.json",
            json.dumps([{"point": "POINT(11.5 48.1)", "time": "2014-09-10 06:54:07"}]),
            "item 0: bad time",
        ),
        (
            "a.gpx",
            GPX.replace("2024-06-01T07:00:01.25Z", "2024-06-01T07:00:01.25"),
            "track 1 segment 1 point 2: bad time",
        ),
    ],
)
def test_a_time_without_a_zone_is_refused_naming_the_row_and_the_field(tmp_path, name, text, message):
    p = tmp_path / name
    p.write_text(text)
    with pytest.raises(TrackFileError) as caught:
        read_track(p)
    assert str(caught.value).startswith(f"{p}: {message} ")
    assert str(caught.value).endswith(f": {NO_ZONE}")


def test_gpx_two_segments(tmp_path):
    p = tmp_path / "a.gpx"
    p.write_text(GPX)
    tr = read_track(p)
    assert tr.t_us.tolist() == [1_717_225_200_000_000, 1_717_225_201_250_000, 1_717_225_202_000_000]
    assert tr.lat.tolist() == [45.0, 45.001, 45.002] and tr.source == str(p)
    assert read_route(p).lat.tolist() == [45.0, 45.001, 45.002]


def test_gpx_route_and_waypoints_with_times_and_missing_time(tmp_path):
    p = tmp_path / "r.gpx"
    p.write_text(
        '<gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1"><rte>'
        '<rtept lat="45" lon="7"><time>2024-06-01T07:00:00Z</time></rtept>'
        '<rtept lat="45.1" lon="7"><time>2024-06-01T07:01:00Z</time></rtept></rte></gpx>'
    )
    assert len(read_track(p)) == 2 and read_route(p).length_m > 11_000
    w = tmp_path / "w.gpx"
    w.write_text(
        '<gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1">'
        '<wpt lat="45" lon="7"><time>2024-06-01T07:00:00Z</time></wpt><wpt lat="45.1" lon="7"></wpt></gpx>'
    )
    with pytest.raises(TrackFileError, match=r"w.gpx: waypoint 2: bad time None: missing"):
        read_track(w)
    bad = tmp_path / "bad.gpx"
    bad.write_text("<gpx><trk>")
    with pytest.raises(TrackFileError, match=r"bad\.gpx: not a valid GPX"):
        read_track(bad)


def test_csv_iso_and_epoch_and_errors(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("Time,Lat,Lon,speed\n2024-06-01T07:00:00Z,45.0,7.0,3\n\n1717225201.5,45.001,7.001,4\n")
    tr = read_track(p)
    assert tr.t_us.tolist() == [1_717_225_200_000_000, 1_717_225_201_500_000]
    assert tr.lon.tolist() == [7.0, 7.001]
    p.write_text("time,lat,lon\n2024-06-01T07:00:00Z,45.0,7.0\n2024-06-01T07:00:01Z,145.0,7.0\n")
    with pytest.raises(TrackFileError, match=r"t.csv: line 3: bad lat '145.0': outside \[-90, 90\]"):
        read_track(p)
    p.write_text("time,lat,lon\nnoon,45.0,7.0\n")
    with pytest.raises(TrackFileError, match=r"line 2: bad time 'noon'"):
        read_track(p)
    p.write_text("when,lat,lon\n")
    with pytest.raises(TrackFileError, match=r"line 1: header .* has no 'time' column"):
        read_track(p)
    p.write_text("time,lat,lon\n")
    with pytest.raises(TrackFileError, match="no fix found"):
        read_track(p)


def test_nmea_rmc_gga_checksums_and_sniffing(tmp_path):
    rmc = nmea("GPRMC,235959.00,A,4500.000,N,00700.000,E,10.0,0.0,010624,,,A")
    gga = nmea("GPGGA,000001.50,4500.060,N,00700.000,E,1,08,0.9,100.0,M,47.0,M,,")
    early_gga = nmea("GPGGA,235958.00,4500.000,N,00700.000,E,1,08,0.9,100.0,M,47.0,M,,")
    broken = rmc[:-2] + "00"
    p = tmp_path / "log.txt"  # no telling extension: sniffed from content
    p.write_text("\n".join([early_gga, broken, rmc, "garbage", gga]) + "\n")
    tr = read_track(p)
    # 2024-06-01 23:59:59 then the GGA just after midnight (next day), 45 deg 0.06 min = 45.001 N.
    assert tr.t_us.tolist() == [1_717_286_399_000_000, 1_717_286_401_500_000]
    assert tr.lat == pytest.approx([45.0, 45.001])
    p.write_text(broken + "\n" + "$GPRMC,bad\n")
    with pytest.raises(TrackFileError, match=r"no valid RMC/GGA fix; 2 bad sentence\(s\), first at line 1"):
        read_track(p)


def test_munich_json_real():
    tr = read_track(real_file("munich-drive-x0001-015.json"))
    assert len(tr) == 80
    assert tr.t_us[0] == 1_410_324_847_000_000  # 2014-09-10 06:54:07+0200
    assert (np.diff(tr.t_us) == 15_000_000).all()
    assert (tr.lat[0], tr.lon[0]) == (48.16350662940509, 11.564388282625075)


def test_limerick_gpx_real():
    tr = read_track(real_file("limerick-bus-304-2019-02-18.gpx"))
    assert len(tr) == 2144 and tr.t_us[0] == 1_550_475_950_000_000
    assert (tr.lat[0], tr.lon[0]) == (52.629151, -8.661746)


def test_json_errors(tmp_path):
    p = tmp_path / "d.json"
    p.write_text(
        json.dumps(
            [
                {"point": "POINT(11.5 48.1)", "time": "2014-09-10 06:54:07+0200"},
                {"point": "PT(1 2)", "time": "x"},
            ]
        )
    )
    with pytest.raises(TrackFileError, match=r"d.json: item 1: bad point 'PT\(1 2\)'"):
        read_track(p)
    p.write_text("[{")
    with pytest.raises(TrackFileError, match=r"d\.json: line 1: invalid JSON"):
        read_track(p)


@pytest.mark.parametrize(
    "doc",
    [
        {"type": "LineString", "coordinates": [[7.0, 45.0], [7.0, 45.01], [7.01, 45.01]]},
        {"type": "MultiLineString", "coordinates": [[[7.0, 45.0], [7.0, 45.01]], [[7.01, 45.01]]]},
        {
            "type": "Feature",
            "properties": {},
            "geometry": {"type": "LineString", "coordinates": [[7.0, 45.0], [7.0, 45.01], [7.01, 45.01]]},
        },
        {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "geometry": {"type": "Point", "coordinates": [7, 45]}},
                {
                    "type": "Feature",
                    "geometry": {
                        "type": "LineString",
                        "coordinates": [[7.0, 45.0], [7.0, 45.01], [7.01, 45.01, 300.0]],
                    },
                },
            ],
        },
    ],
)
def test_geojson_routes(tmp_path, doc):
    p = tmp_path / "r.geojson"
    p.write_text(json.dumps(doc))
    r = read_route(p)
    assert r.lat.tolist() == [45.0, 45.01, 45.01] and r.lon.tolist() == [7.0, 7.0, 7.01]


def test_geojson_errors(tmp_path):
    p = tmp_path / "r.geojson"
    line = {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[7, 45], [7, 46]]}}
    p.write_text(json.dumps({"type": "FeatureCollection", "features": [line, line]}))
    with pytest.raises(TrackFileError, match="bad features '2 lines': expected exactly one"):
        read_route(p)
    p.write_text(json.dumps({"type": "Polygon", "coordinates": []}))
    with pytest.raises(TrackFileError, match="bad type 'Polygon'"):
        read_route(p)
    p.write_text(json.dumps({"type": "LineString", "coordinates": [[7, 45]]}))
    with pytest.raises(TrackFileError, match="at least 2 distinct points"):
        read_route(p)


def test_missing_file():
    with pytest.raises(TrackFileError, match=r"nope\.gpx: cannot read"):
        read_track("nope.gpx")
