"""Tulips: the small diagram of a roadbook line, the junction as the crew meets it.

The car enters from the bottom centre going up: every bearing is turned by -heading_in, so the road the
car comes on points down from the centre and ends in a dot, the road it leaves on goes out at the true
angle of the turn and ends in an arrow head, and the other roads of the junction are shorter, thinner
stubs. A roundabout is a ring the path goes round counter-clockwise (right-hand traffic) with the exit
number in it; a hairpin's exit is a U; a control, stop, odometer check, start, finish or note is a
straight line up with a symbol beside it.

`drawing` gives the picture as shapes in a unit box (x to the right, y down, the junction at the centre);
`tulip_svg` writes them as an SVG document and the roadbook PDF draws the same shapes, so the screen and
the paper show one picture.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from miglia.domain.event import ControlKind, StopKind

from .model import Instruction, Kind

Point = tuple[float, float]

CENTRE: Point = (0.5, 0.5)
ROAD_WIDTH = 0.06
"""The entry and exit: 1.5 mm on a tulip printed 25 mm wide."""
STUB_WIDTH = 0.035
SYMBOL_WIDTH = 0.03
ENTRY_LENGTH = 0.38
EXIT_LENGTH = 0.42
STUB_LENGTH = 0.26
DOT_RADIUS = 0.065
HEAD_LENGTH = 0.16
HEAD_HALF_WIDTH = 0.095
ISLAND_RADIUS = 0.16
HAIRPIN_RADIUS = 0.12
SYMBOL_CENTRE: Point = (0.77, 0.43)
"""Right of the line up, where a control's or stop's symbol sits."""
ARC_STEP_DEG = 10.0
FONT = "DejaVu Sans, Verdana, sans-serif"
CAP_HALF = 0.36
"""Half the height of a capital, in font sizes (DejaVu Sans): the baseline of a label centred on a point
is that much below it (renderers disagree on SVG's dominant-baseline, so it is not used)."""


@dataclass(frozen=True)
class Stroke:
    """A line through `points` (closed back to the first one when `closed`)."""

    points: tuple[Point, ...]
    width: float
    role: str = ""
    """What it draws ("entry", "exit", "stub", "island", "symbol"): the SVG class, for tests and styling."""
    closed: bool = False


@dataclass(frozen=True)
class Disc:
    centre: Point
    radius: float
    role: str = ""


@dataclass(frozen=True)
class Ring:
    centre: Point
    radius: float
    width: float
    role: str = ""


@dataclass(frozen=True)
class Solid:
    """A filled polygon: an arrow head, a flag."""

    points: tuple[Point, ...]
    role: str = ""


@dataclass(frozen=True)
class Label:
    text: str
    centre: Point
    size: float
    """The font size, in the unit box."""
    role: str = ""


Shape = Stroke | Disc | Ring | Solid | Label


def drawing(instruction: Instruction) -> tuple[Shape, ...]:
    """The tulip of `instruction` as shapes in the unit box (see the module's description)."""
    exit_deg = relative(instruction.heading_out, instruction.heading_in)
    stub_degs = [relative(stub, instruction.heading_in) for stub in instruction.stubs]
    if instruction.kind is Kind.ROUNDABOUT:
        return _roundabout(exit_deg, stub_degs, instruction.exit)
    road = _stubs(stub_degs, 0.0)
    if instruction.kind is Kind.HAIRPIN:
        return (*road, *_entry(CENTRE), *_hairpin(exit_deg))
    if instruction.kind in (Kind.TURN, Kind.STRAIGHT):
        return (*road, *_entry(CENTRE), *_exit(CENTRE, exit_deg))
    return (*road, *_entry(CENTRE), *_exit(CENTRE, 0.0), *symbol(instruction))


def relative(bearing: int, heading_in: int) -> float:
    """A bearing as seen from the car coming up the page: degrees clockwise from up, in (-180, 180]."""
    turn = (bearing - heading_in) % 360
    return float(turn - 360 if turn > 180 else turn)


def direction(deg: float) -> Point:
    """The unit vector `deg` degrees clockwise from up, in the unit box (y points down)."""
    rad = math.radians(deg)
    return (math.sin(rad), -math.cos(rad))


def _along(start: Point, deg: float, length: float) -> Point:
    dx, dy = direction(deg)
    return (start[0] + dx * length, start[1] + dy * length)


def _entry(junction: Point) -> tuple[Shape, ...]:
    bottom = (CENTRE[0], CENTRE[1] + ENTRY_LENGTH)
    return (Stroke((bottom, junction), ROAD_WIDTH, "entry"), Disc(bottom, DOT_RADIUS, "entry"))


def _exit(start: Point, deg: float, length: float = EXIT_LENGTH) -> tuple[Shape, ...]:
    """A straight exit from `start` with its arrow head."""
    line_end, tip = _exit_ends(start, deg, length)
    return (Stroke((start, line_end), ROAD_WIDTH, "exit"), _head(tip, deg))


def _exit_ends(start: Point, deg: float, length: float) -> tuple[Point, Point]:
    """Where the exit's line ends and where its arrow's tip is: the line stops under the head, as a
    round-capped thick line poking through would blunt the tip."""
    tip = _along(start, deg, length)
    return _along(tip, deg, -HEAD_LENGTH * 0.8), tip


def _head(tip: Point, deg: float) -> Solid:
    base = _along(tip, deg, -HEAD_LENGTH)
    return Solid(
        (tip, _along(base, deg + 90, HEAD_HALF_WIDTH), _along(base, deg - 90, HEAD_HALF_WIDTH)), "arrow"
    )


def _stubs(degs: list[float], start_radius: float) -> tuple[Shape, ...]:
    return tuple(
        Stroke((_along(CENTRE, deg, start_radius), _along(CENTRE, deg, STUB_LENGTH)), STUB_WIDTH, "stub")
        for deg in degs
    )


def _roundabout(exit_deg: float, stub_degs: list[float], exit_no: int | None) -> tuple[Shape, ...]:
    """The island, the path round it counter-clockwise from the bottom to the exit, and the exit number."""
    # counter-clockwise on the page is decreasing degrees clockwise-from-up: from 180 (the entry) down
    sweep = (180.0 - exit_deg) % 360.0 or 360.0
    steps = max(2, math.ceil(sweep / ARC_STEP_DEG))
    arc = tuple(_along(CENTRE, 180.0 - sweep * i / steps, ISLAND_RADIUS) for i in range(steps + 1))
    number = () if exit_no is None else (Label(str(exit_no), CENTRE, 0.15, "exit-number"),)
    return (
        *_stubs(stub_degs, ISLAND_RADIUS),
        Ring(CENTRE, ISLAND_RADIUS, STUB_WIDTH, "island"),
        *_entry(arc[0]),
        Stroke(arc, ROAD_WIDTH, "path"),
        *_exit(arc[-1], exit_deg, EXIT_LENGTH - ISLAND_RADIUS),
        *number,
    )


def _hairpin(exit_deg: float) -> tuple[Shape, ...]:
    """Up from the junction, then round a bend that turns the car by the whole angle, then out along it:
    the U of a hairpin, ending at the exit's true angle."""
    side = 1.0 if exit_deg > 0 else -1.0
    bend_start = (CENTRE[0], CENTRE[1] - 0.2)
    bend_centre = _along(bend_start, side * 90.0, HAIRPIN_RADIUS)
    steps = max(2, math.ceil(abs(exit_deg) / ARC_STEP_DEG))
    bend = tuple(
        _along(bend_centre, -side * 90.0 + exit_deg * i / steps, HAIRPIN_RADIUS) for i in range(steps + 1)
    )
    line_end, tip = _exit_ends(bend[-1], exit_deg, 0.3)
    return (Stroke((CENTRE, *bend, line_end), ROAD_WIDTH, "exit"), _head(tip, exit_deg))


def symbol(instruction: Instruction) -> tuple[Shape, ...]:
    """The symbol beside the line up: by the control's or stop's kind, else by the instruction's kind."""
    by_icon = _ICON_SYMBOLS.get(instruction.icon)
    if by_icon is not None:
        return by_icon()
    by_kind = _KIND_SYMBOLS.get(instruction.kind)
    if by_kind is not None:
        return by_kind()
    return _boxed(_initials(instruction.icon or instruction.kind.value))


def _initials(name: str) -> str:
    return "".join(word[0] for word in name.split("_") if word)[:2].upper()


def _flag() -> tuple[Shape, ...]:
    x, y = SYMBOL_CENTRE
    pole = Stroke(((x - 0.11, y + 0.17), (x - 0.11, y - 0.17)), SYMBOL_WIDTH, "symbol")
    cloth = Solid(((x - 0.11, y - 0.17), (x + 0.15, y - 0.12), (x - 0.11, y - 0.02)), "symbol")
    return (pole, cloth)


def _chequered_flag() -> tuple[Shape, ...]:
    x, y = SYMBOL_CENTRE
    left, top, square = x - 0.11, y - 0.17, 0.085
    pole = Stroke(((left, y + 0.17), (left, top)), SYMBOL_WIDTH, "symbol")
    frame = _rectangle(left, top, 3 * square, 2 * square)
    checks = tuple(
        Solid(_corners(left + col * square, top + row * square, square, square), "symbol")
        for row in range(2)
        for col in range(3)
        if (row + col) % 2 == 0
    )
    return (pole, frame, *checks)


def _clock() -> tuple[Shape, ...]:
    x, y = SYMBOL_CENTRE
    hands = Stroke(((x, y - 0.1), (x, y), (x + 0.07, y + 0.04)), SYMBOL_WIDTH, "symbol")
    return (Ring(SYMBOL_CENTRE, 0.15, SYMBOL_WIDTH, "symbol"), hands)


def _boxed(text: str) -> tuple[Shape, ...]:
    """A control's initials in a box."""
    x, y = SYMBOL_CENTRE
    return (_rectangle(x - 0.16, y - 0.12, 0.32, 0.24), Label(text, SYMBOL_CENTRE, 0.15, "symbol"))


def _ringed(text: str) -> tuple[Shape, ...]:
    """A stop's letter in a ring (round, where a control's is square)."""
    return (Ring(SYMBOL_CENTRE, 0.15, SYMBOL_WIDTH, "symbol"), Label(text, SYMBOL_CENTRE, 0.15, "symbol"))


def _fork_and_knife() -> tuple[Shape, ...]:
    x, y = SYMBOL_CENTRE
    fork_x, knife_x, top, bottom, neck = x - 0.08, x + 0.07, y - 0.18, y + 0.18, y - 0.05
    tines = tuple(
        Stroke(((fork_x + dx, top), (fork_x + dx, neck)), 0.025, "symbol") for dx in (-0.05, 0.0, 0.05)
    )
    fork = (
        *tines,
        Stroke(((fork_x - 0.05, neck), (fork_x + 0.05, neck)), 0.025, "symbol"),
        Stroke(((fork_x, neck), (fork_x, bottom)), SYMBOL_WIDTH, "symbol"),
    )
    blade = Solid(((knife_x, top), (knife_x + 0.06, y - 0.1), (knife_x + 0.06, y), (knife_x, y)), "symbol")
    return (*fork, blade, Stroke(((knife_x, top), (knife_x, bottom)), SYMBOL_WIDTH, "symbol"))


def _gauge() -> tuple[Shape, ...]:
    """An odometer's dial: half a ring with a needle."""
    x, y = SYMBOL_CENTRE
    hub = (x, y + 0.06)
    dial = tuple(_along(hub, deg, 0.16) for deg in range(-90, 91, 15))
    needle = Stroke((hub, _along(hub, 40.0, 0.13)), SYMBOL_WIDTH, "symbol")
    return (Stroke(dial, SYMBOL_WIDTH, "symbol"), needle, Disc(hub, 0.03, "symbol"))


def _caution() -> tuple[Shape, ...]:
    x, y = SYMBOL_CENTRE
    triangle = Stroke(
        ((x, y - 0.16), (x + 0.17, y + 0.13), (x - 0.17, y + 0.13)), SYMBOL_WIDTH, "symbol", True
    )
    return (triangle, Label("!", (x, y + 0.03), 0.16, "symbol"))


def _rectangle(left: float, top: float, width: float, height: float) -> Stroke:
    return Stroke(_corners(left, top, width, height), SYMBOL_WIDTH, "symbol", closed=True)


def _corners(left: float, top: float, width: float, height: float) -> tuple[Point, ...]:
    return ((left, top), (left + width, top), (left + width, top + height), (left, top + height))


_ICON_SYMBOLS: dict[str, Callable[[], tuple[Shape, ...]]] = {
    ControlKind.START: _flag,
    ControlKind.FINISH: _chequered_flag,
    ControlKind.TIME_CONTROL: _clock,
    ControlKind.PASSAGE_CONTROL: lambda: _boxed("PC"),
    ControlKind.TIMED_TRIAL: lambda: _boxed("TT"),
    ControlKind.SECRET_CHECK: lambda: _boxed("SC"),
    StopKind.LUNCH: _fork_and_knife,
    StopKind.FUEL: lambda: _ringed("F"),
    StopKind.HOTEL: lambda: _ringed("H"),
    StopKind.CAR_SHOW: lambda: _ringed("CS"),
    "caution": _caution,
    "odometer": _gauge,
}
ICONS = {
    "caution": "Caution",
    "lunch": "Lunch",
    "fuel": "Fuel",
    "hotel": "Hotel",
    "car_show": "Car show",
    "odometer": "Odometer",
    "start": "Start flag",
    "finish": "Finish flag",
    "time_control": "Time control",
    "passage_control": "Passage control",
    "timed_trial": "Timed trial",
}
"""The symbols an organiser may give a line that is no turn (value: label), all drawn by `symbol`."""
_KIND_SYMBOLS: dict[Kind, Callable[[], tuple[Shape, ...]]] = {
    Kind.START: _flag,
    Kind.FINISH: _chequered_flag,
    Kind.ODOMETER: _gauge,
    Kind.NOTE: _caution,
    Kind.STOP: lambda: _ringed("S"),
}


def tulip_svg(instruction: Instruction, size: int = 120) -> str:
    """The tulip of `instruction` as a standalone SVG document `size` pixels square, black on white.

    Its user units are hundredths of the unit box (viewBox 0 0 100 100): some renderers round a font
    size below 1 to nothing."""
    body = "\n".join(_svg_element(shape) for shape in drawing(instruction))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 100 100">\n'
        f"<title>{escape(instruction.words)}</title>\n"
        '<rect width="100" height="100" fill="white"/>\n'
        f"{body}\n</svg>\n"
    )


def _svg_element(shape: Shape) -> str:
    role = f"class={quoteattr(shape.role)}"
    if isinstance(shape, Stroke):
        tag = "polygon" if shape.closed else "polyline"
        return (
            f'<{tag} {role} points="{_svg_points(shape.points)}" fill="none" stroke="black" '
            f'stroke-width="{_svg(shape.width)}" stroke-linecap="round" stroke-linejoin="round"/>'
        )
    if isinstance(shape, Solid):
        return f'<polygon {role} points="{_svg_points(shape.points)}" fill="black"/>'
    if isinstance(shape, Disc):
        return f'<circle {role} {_svg_centre(shape.centre)} r="{_svg(shape.radius)}" fill="black"/>'
    if isinstance(shape, Ring):
        return (
            f'<circle {role} {_svg_centre(shape.centre)} r="{_svg(shape.radius)}" '
            f'fill="white" stroke="black" stroke-width="{_svg(shape.width)}"/>'
        )
    x, y = shape.centre
    return (
        f'<text {role} x="{_svg(x)}" y="{_svg(y + shape.size * CAP_HALF)}" font-size="{_svg(shape.size)}" '
        f'font-family="{FONT}" font-weight="bold" text-anchor="middle">{escape(shape.text)}</text>'
    )


def _svg(value: float) -> str:
    """A length of the unit box in the SVG's user units."""
    return f"{value * 100:.2f}"


def _svg_centre(centre: Point) -> str:
    return f'cx="{_svg(centre[0])}" cy="{_svg(centre[1])}"'


def _svg_points(points: tuple[Point, ...]) -> str:
    return " ".join(f"{_svg(x)},{_svg(y)}" for x, y in points)
