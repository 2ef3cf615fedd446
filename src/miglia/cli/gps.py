"""`miglia gps`: GPS virtual timing from track files (crossings of timing lines, chainage of fixes)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer

from miglia.domain.instants import us_to_datetime
from miglia.formats.trackfiles import TrackFileError, read_route, read_track
from miglia.geo.chainage import locate
from miglia.geo.common import HUNDREDTH_US, NO_TIME, GeoError
from miglia.geo.crossings import TimingLine, find_crossings, passages

app = typer.Typer(help="GPS virtual timing: crossings of timing lines and chainage along a route.")


def format_instant(t_us: int) -> str:
    """ISO 8601 UTC: hundredths when the instant is a whole hundredth (crossings), else microseconds."""
    dt = us_to_datetime(int(t_us))
    if t_us % HUNDREDTH_US == 0:
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // HUNDREDTH_US:02d}Z"
    return dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_line(text: str) -> TimingLine:
    """'LAT1,LON1,LAT2,LON2' -> TimingLine (direction either way)."""
    parts = text.split(",")
    if len(parts) != 4:
        raise GeoError(f"--line {text!r}: expected LAT1,LON1,LAT2,LON2")
    try:
        lat1, lon1, lat2, lon2 = (float(p) for p in parts)
    except ValueError:
        raise GeoError(f"--line {text!r}: not four numbers") from None
    try:
        return TimingLine(lat1, lon1, lat2, lon2)
    except GeoError as exc:
        raise GeoError(f"--line {text!r}: {exc}") from None


def _fail(exc: Exception) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(2)


@app.command()
def crossings(
    track: Annotated[Path, typer.Argument(help="Track file: GPX, CSV (time,lat,lon), NMEA or JSON.")],
    line: Annotated[
        list[str] | None, typer.Option("--line", help="LAT1,LON1,LAT2,LON2 (repeatable).")
    ] = None,
    route: Annotated[Path | None, typer.Option(help="Route file (GPX, GeoJSON...).")] = None,
    at: Annotated[
        list[float] | None, typer.Option("--at", help="KM along --route: a line across it (repeatable).")
    ] = None,
    half_width: Annotated[float, typer.Option(help="Half width (m) of --at lines.")] = 25.0,
) -> None:
    """Print `line,time`: the first crossing of each line (the --line ones first, then the --at ones;
    `line` is the 1-based index in that order), time ISO 8601 UTC to the hundredth, empty if never.

    Without --route a --line counts crossings either way; with --route, only in the route's direction."""
    try:
        lines = [parse_line(text) for text in line or []]
        if at and route is None:
            raise GeoError("--at needs --route")
        if route is not None:
            r = read_route(route)
            lines = [ln.with_route_direction(r) for ln in lines]
            lines += [TimingLine.across_route(r, km * 1000.0, half_width) for km in at or []]
        if not lines:
            raise GeoError("give at least one --line or --route with --at")
        found = find_crossings(read_track(track), lines)
    except (TrackFileError, GeoError) as exc:
        raise _fail(exc) from None
    typer.echo("line,time")
    for k, t in enumerate(passages(found, lines), start=1):
        typer.echo(f"{k},{'' if t == NO_TIME else format_instant(int(t))}")


@app.command()
def chainage(
    route: Annotated[Path, typer.Argument(help="Route file (GPX, GeoJSON, or any track file).")],
    track: Annotated[Path, typer.Argument(help="Track file.")],
) -> None:
    """Print `time,lat,lon,chainage_m,offset_m` for each fix (sorted by time, duplicate instants dropped);
    chainage is empty off route (beyond 100 m) and for multipath spikes."""
    try:
        res = locate(read_route(route), read_track(track))
    except (TrackFileError, GeoError) as exc:
        raise _fail(exc) from None
    typer.echo("time,lat,lon,chainage_m,offset_m")
    tr = res.track
    for t, la, lo, c, o in zip(tr.t_us, tr.lat, tr.lon, res.chainage_m, res.offset_m, strict=True):
        cs = "" if math.isnan(c) else f"{c:.2f}"
        typer.echo(f"{format_instant(int(t))},{la:.7f},{lo:.7f},{cs},{o:.2f}")


__all__ = ["app", "format_instant", "parse_line"]
