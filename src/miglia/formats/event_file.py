"""Read and check the event file: one TOML file an organiser writes by hand (docs/event-file.md).

Every problem is reported with the file, the line, the field and the value, and nothing is stored
until the whole file is valid.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
import zoneinfo
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from miglia.domain.errors import MigliaError
from miglia.domain.event import (
    Control,
    ControlKind,
    Day,
    Eligibility,
    Event,
    OdometerCheck,
    SpeedChange,
    Stop,
    StopKind,
)
from miglia.formats.tile_archive import TILE_ARCHIVES, TileArchiveError, open_archive
from miglia.formats.toml_lines import key_lines, line_of


class EventFileError(MigliaError):
    """The event file is not valid; `problems` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def parse_duration(value: object) -> Decimal:
    """Seconds from `"1:35:00"`, `"35:00"`, `"21.00"` or a number; hundredths are kept exactly."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 1:35:00 or 21.00")
    if isinstance(value, int | float):
        value = str(value)
    if isinstance(value, dt.time):
        value = value.isoformat()
    if not isinstance(value, str):
        raise ValueError("expected a duration such as 1:35:00 or 21.00")
    parts = value.strip().split(":")
    try:
        numbers = [Decimal(p) for p in parts]
    except InvalidOperation:
        raise ValueError("expected a duration such as 1:35:00 (h:mm:ss) or 21.00 (seconds)") from None
    if len(parts) > 3 or any(n < 0 for n in numbers) or any(not n.is_finite() for n in numbers):
        raise ValueError("expected a duration such as 1:35:00 (h:mm:ss) or 21.00 (seconds)")
    seconds = Decimal(0)
    for n in numbers:
        seconds = seconds * 60 + n
    if seconds <= 0:
        raise ValueError("a duration must be more than zero")
    return seconds


def _time_of_day(value: object) -> dt.time:
    if isinstance(value, dt.time):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{2}:\d{2}(:\d{2}(\.\d+)?)?", value.strip()):
        try:
            return dt.time.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError("expected a time of day such as 08:30 or 08:30:00")


def _interval(value: object) -> int:
    seconds = parse_duration(value)
    if seconds != seconds.to_integral_value():
        raise ValueError("the start interval is a whole number of seconds")
    return int(seconds)


Duration = Annotated[Decimal, BeforeValidator(parse_duration)]
TimeOfDay = Annotated[dt.time, BeforeValidator(_time_of_day)]
Interval = Annotated[int, BeforeValidator(_interval)]
Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]
Km = Annotated[Decimal, Field(ge=0, allow_inf_nan=False)]
Speed = Annotated[Decimal, Field(gt=0, le=300, allow_inf_nan=False)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _SpeedChange(_Strict):
    km: Km
    average_kmh: Speed


class _Control(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._\-]*$")]
    kind: ControlKind
    km: Km | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    target: Duration | None = None
    average_kmh: Speed | None = None
    end_km: Km | None = None
    end_lat: Latitude | None = None
    end_lon: Longitude | None = None
    speed_changes: list[_SpeedChange] = []
    description: str = ""

    @model_validator(mode="after")
    def _placed_and_timed(self) -> _Control:
        if self.km is None and (self.lat is None or self.lon is None):
            raise ValueError("a control needs km, or both lat and lon")
        if self.kind is ControlKind.TIMED_TRIAL:
            if self.end_km is None and (self.end_lat is None or self.end_lon is None):
                raise ValueError("a timed trial needs end_km, or end_lat and end_lon, for its finish line")
            if self.end_km is not None and self.km is not None and self.end_km <= self.km:
                raise ValueError(f"end_km {self.end_km} must be after km {self.km}")
            if self.target is None:
                raise ValueError('a timed trial needs a target time, e.g. target = "21.00"')
        if self.kind in (ControlKind.TIME_CONTROL, ControlKind.FINISH) and (
            self.target is None and self.average_kmh is None
        ):
            raise ValueError("a time control needs a target time for its leg or an average_kmh")
        return self


class _Stop(_Strict):
    kind: StopKind
    name: Annotated[str, Field(min_length=1)]
    address: str = ""
    lat: Latitude | None = None
    lon: Longitude | None = None
    km: Km | None = None
    opens: TimeOfDay | None = None
    closes: TimeOfDay | None = None
    description: str = ""


class _OdometerCheck(_Strict):
    from_km: Km
    to_km: Km

    @model_validator(mode="after")
    def _forward(self) -> _OdometerCheck:
        if self.to_km <= self.from_km:
            raise ValueError(f"to_km {self.to_km} must be after from_km {self.from_km}")
        return self


class _Day(_Strict):
    date: dt.date
    title: str = ""
    route: Annotated[str, Field(min_length=1)]
    first_start: TimeOfDay
    start_interval: Interval = 60
    controls: list[_Control] = []
    stops: list[_Stop] = []
    odometer_check: _OdometerCheck | None = None


class _EventHead(_Strict):
    name: Annotated[str, Field(min_length=1)]
    slug: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9\-]*$")] | None = None
    timezone: str
    rules: Annotated[str, Field(min_length=1)] = "mille-miglia"
    description: str = ""
    sponsor: str = ""
    tile_url: str = ""
    logo: str = ""
    tiles: str = ""
    latest_year: Annotated[int, Field(ge=1885, le=2100)] = 1957
    earliest_year: Annotated[int, Field(ge=1885, le=2100)] | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError("unknown time zone; use an IANA name such as America/Los_Angeles") from None
        return value


class _EventFile(_Strict):
    event: _EventHead
    days: Annotated[list[_Day], Field(min_length=1)]


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "event"


def load_event(path: Path, known_rules: set[str] | None = None) -> Event:
    """The event declared in `path`, or EventFileError listing every problem with its line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise EventFileError([f"{path}: cannot read the event file: {exc}"]) from None
    return parse_event(text, path, known_rules)


def parse_event(text: str, path: Path, known_rules: set[str] | None = None) -> Event:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise EventFileError([f"{path}: not valid TOML: {exc}"]) from None
    lines = key_lines(text)
    try:
        parsed = _EventFile.model_validate(data)
    except ValidationError as exc:
        raise EventFileError([_describe(path, lines, data, err) for err in exc.errors()]) from None
    problems = _cross_checks(parsed, known_rules, path.parent)
    if problems:
        raise EventFileError(
            [f"{path}:{line_of(lines, loc) or 1}: {_dotted(loc)}: {msg}" for loc, msg in problems]
        )
    return _to_domain(parsed, path)


def _dotted(loc: tuple[str | int, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _value_at(data: Any, loc: tuple[str | int, ...]) -> tuple[bool, Any]:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return False, None
    return True, data


def _describe(path: Path, lines: dict[Any, int], data: Any, err: Any) -> str:
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    line = line_of(lines, loc) or 1
    message = str(err["msg"]).removeprefix("Value error, ")
    if err["type"] == "missing":
        return f"{path}:{line}: {_dotted(loc)}: missing (required)"
    if err["type"] == "extra_forbidden":
        return f"{path}:{line}: {_dotted(loc)}: unknown field (check the spelling; see docs/event-file.md)"
    found, value = _value_at(data, loc)
    if found and not isinstance(value, dict | list):
        return f"{path}:{line}: {_dotted(loc)} = {value!r}: {message}"
    return f"{path}:{line}: {_dotted(loc)}: {message}"


def _cross_checks(
    parsed: _EventFile, known_rules: set[str] | None, base: Path
) -> list[tuple[tuple[str | int, ...], str]]:
    problems: list[tuple[tuple[str | int, ...], str]] = []
    own_file = parsed.event.rules.endswith(".toml") and (base / parsed.event.rules).is_file()
    if known_rules is not None and parsed.event.rules not in known_rules and not own_file:
        problems.append(
            (
                ("event", "rules"),
                f"rules = {parsed.event.rules!r}: unknown rule set; "
                f"shipped: {', '.join(sorted(known_rules))}, "
                "or a .toml file beside the event file",
            )
        )
    if parsed.event.tiles and (problem := _tiles_problem(base, parsed.event.tiles)):
        problems.append((("event", "tiles"), f"tiles = {parsed.event.tiles!r}: {problem}"))
    seen: dict[str, tuple[str | int, ...]] = {}
    previous_date: dt.date | None = None
    for d, day in enumerate(parsed.days):
        if previous_date is not None and day.date <= previous_date:
            problems.append((("days", d, "date"), f"date = {day.date}: days must be in order, one per date"))
        previous_date = day.date
        last_km: Decimal | None = None
        for c, control in enumerate(day.controls):
            loc: tuple[str | int, ...] = ("days", d, "controls", c, "name")
            if control.name in seen:
                problems.append(
                    (loc, f"name = {control.name!r}: used twice; control names are unique in the event")
                )
            seen[control.name] = loc
            if control.km is not None:
                if last_km is not None and control.km < last_km:
                    problems.append(
                        (
                            ("days", d, "controls", c, "km"),
                            f"km = {control.km}: before the previous control ({last_km})",
                        )
                    )
                last_km = control.km
        kinds = [c.kind for c in day.controls]
        if day.controls and kinds[0] is not ControlKind.START:
            problems.append(
                (("days", d, "controls", 0, "kind"), "the first control of a day must be its start")
            )
        if ControlKind.START in kinds[1:]:
            problems.append((("days", d, "controls"), "a day has one start, its first control"))
    return problems


def _tiles_problem(base: Path, tiles: str) -> str | None:
    """What is wrong with the tile archive the event names, or None (docs/maps.md)."""
    if not tiles.lower().endswith(TILE_ARCHIVES):
        return "a tile archive is a .pmtiles or .mbtiles file"
    path = base / tiles
    if not path.is_file():
        return "no such file beside the event file"
    try:
        open_archive(path).close()
    except TileArchiveError as exc:
        return str(exc).removeprefix(f"{path.name}: ")
    return None


def _to_domain(parsed: _EventFile, path: Path) -> Event:
    head = parsed.event
    days = tuple(
        Day(
            number=n,
            date=day.date,
            title=day.title or f"Day {n}",
            route=str((path.parent / day.route).resolve()),
            first_start=day.first_start,
            start_interval_s=day.start_interval,
            controls=tuple(
                Control(
                    name=c.name,
                    kind=c.kind,
                    km=c.km,
                    lat=c.lat,
                    lon=c.lon,
                    target=c.target,
                    average_kmh=c.average_kmh,
                    end_km=c.end_km,
                    end_lat=c.end_lat,
                    end_lon=c.end_lon,
                    speed_changes=tuple(SpeedChange(s.km, s.average_kmh) for s in c.speed_changes),
                    description=c.description,
                )
                for c in day.controls
            ),
            stops=tuple(
                Stop(
                    kind=s.kind,
                    name=s.name,
                    address=s.address,
                    lat=s.lat,
                    lon=s.lon,
                    km=s.km,
                    opens=s.opens,
                    closes=s.closes,
                    description=s.description,
                )
                for s in day.stops
            ),
            odometer_check=None
            if day.odometer_check is None
            else OdometerCheck(day.odometer_check.from_km, day.odometer_check.to_km),
        )
        for n, day in enumerate(parsed.days, start=1)
    )
    return Event(
        slug=head.slug or slugify(head.name),
        name=head.name,
        timezone=head.timezone,
        rules=str((path.parent / head.rules).resolve()) if head.rules.endswith(".toml") else head.rules,
        days=days,
        eligibility=Eligibility(latest_year=head.latest_year, earliest_year=head.earliest_year),
        description=head.description,
        sponsor=head.sponsor,
        tile_url=head.tile_url,
        logo=str((path.parent / head.logo).resolve()) if head.logo else "",
        tiles=str((path.parent / head.tiles).resolve()) if head.tiles else "",
    )
