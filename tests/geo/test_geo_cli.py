import numpy as np
from typer.testing import CliRunner

from miglia.cli.gps import app, format_instant
from miglia.formats.trackfiles import read_route, read_track
from miglia.geo.crossings import TimingLine, find_crossings, passages
from tests.geo.geo_synth import real_file

RUN = CliRunner()


def test_format_instant():
    assert format_instant(1_550_476_323_410_000) == "2019-02-18T07:52:03.41Z"
    assert format_instant(1_550_476_323_000_001) == "2019-02-18T07:52:03.000001Z"


def test_crossings_with_lines_and_route(tmp_path):
    munich = real_file("munich-drive-x0001-015.json")
    route = read_route(munich)
    ln = TimingLine.across_route(route, 2000.0)
    rev = f"{ln.lat2},{ln.lon2},{ln.lat1},{ln.lon1}"  # P1/P2 swapped: crossed backwards
    far = "10.0,10.0,10.1,10.1"
    res = RUN.invoke(app, ["crossings", str(munich), "--line", rev, "--line", far])
    expected = passages(find_crossings(read_track(munich), [ln]), [ln])[0]
    assert res.exit_code == 0, res.output
    assert res.output.splitlines() == ["line,time", f"1,{format_instant(int(expected))}", "2,"]
    # With --route, --line takes the route direction (found), then the --at lines in order.
    res = RUN.invoke(
        app, ["crossings", str(munich), "--line", rev, "--route", str(munich), "--at", "2", "--at", "99"]
    )
    assert res.exit_code == 2 and "outside the route" in res.stderr
    res = RUN.invoke(
        app, ["crossings", str(munich), "--line", rev, "--route", str(munich), "--at", "2", "--at", "1"]
    )
    lines = res.output.splitlines()
    assert res.exit_code == 0 and lines[:3] == ["line,time", f"1,{format_instant(int(expected))}", lines[2]]
    assert lines[2].startswith("2,2014-09-10T") and lines[3].startswith("3,2014-09-10T") and len(lines) == 4


def test_chainage_csv(tmp_path):
    limerick = real_file("limerick-bus-304-2019-02-18.gpx")
    res = RUN.invoke(app, ["chainage", str(limerick), str(limerick)])
    assert res.exit_code == 0
    rows = res.output.splitlines()
    assert rows[0] == "time,lat,lon,chainage_m,offset_m"
    assert rows[1].startswith("2019-02-18T07:45:50.00Z,52.6291510,-8.6617460,")
    assert len(rows) == 2145
    chain = np.array([float(r.split(",")[3]) for r in rows[1:]])
    offset = np.array([float(r.split(",")[4]) for r in rows[1:]])
    assert chain[-1] == np.round(read_route(limerick).length_m, 2)
    # The route's own vertices: on it, except a few where it tangles at stops (see docs/gps.md).
    assert (offset == 0).mean() > 0.95 and offset.max() < 20


def test_errors_exit_2_with_one_line(tmp_path):
    bad = tmp_path / "t.csv"
    bad.write_text("time,lat,lon\n2024-06-01T07:00:00Z,45.0,700\n")
    route = tmp_path / "r.geojson"
    route.write_text('{"type": "LineString", "coordinates": [[7, 45], [7, 46]]}')
    res = RUN.invoke(app, ["chainage", str(route), str(bad)])
    assert res.exit_code == 2
    assert res.stderr == f"error: {bad}: line 2: bad lon '700': outside [-180, 180]\n"
    res = RUN.invoke(app, ["crossings", str(bad), "--line", "1,2,3"])
    assert res.exit_code == 2 and res.stderr == "error: --line '1,2,3': expected LAT1,LON1,LAT2,LON2\n"
    res = RUN.invoke(app, ["crossings", str(bad), "--at", "1"])
    assert res.exit_code == 2 and "--at needs --route" in res.stderr
