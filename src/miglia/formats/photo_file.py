"""Photographers' pictures: bytes in, checked and re-encoded photos out (issue 17); no database, no web.

`check_photo` takes one uploaded file as it came (JPEG, HEIC through pillow-heif, PNG) and either refuses
it with a `PhotoFileError` a photographer can read ("IMG_1.txt: not a photo (JPEG, HEIC or PNG expected)")
or returns a `CheckedPhoto`: what the camera wrote (time, UTC offset, position, camera) and JPEG copies at
the display sizes of `SIZES`, upright, in sRGB, with no metadata at all, since public copies must not carry
the photographer's position.  The files come from outside, so every other exception Pillow may raise on
hostile bytes is turned into a `PhotoFileError` too; image bombs are refused from the header's declared
size before a pixel is decoded.

`make_photo` draws a rally scene (hills, a road, a 1950s car with its start number) and writes the EXIF a
camera would: the demo's photographers and the tests use it.
"""

from __future__ import annotations

import datetime
import io
import math
import random
import re
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, TypeGuard

import numpy as np
from PIL import (
    ExifTags,
    Image,
    ImageChops,
    ImageDraw,
    ImageFont,
    ImageOps,
    TiffImagePlugin,
    UnidentifiedImageError,
)

from miglia.domain.errors import MigliaError

try:  # colour management; Pillow builds without LittleCMS exist
    from PIL import ImageCms
except ImportError:  # pragma: no cover
    ImageCms = None  # type: ignore[assignment]

try:  # HEIC is what phones write; without pillow-heif such files are refused with a message saying so
    import pillow_heif

    pillow_heif.register_heif_opener()
    HEIF_READABLE = True
except ImportError:  # pragma: no cover - pillow-heif is a dependency; the refusal is tested by patching
    HEIF_READABLE = False

MAX_BYTES = 40 * 1024 * 1024
MAX_PIXELS = 80_000_000
SIZES: dict[str, int] = {"thumb": 320, "screen": 1280, "full": 2560}
QUALITY = 85
EXPECTED = "JPEG, HEIC or PNG expected"

_MB = 1024 * 1024
_FONT = Path(__file__).parent / "fonts" / "DejaVuSans-Bold.ttf"
# Pillow's names for what we accept; a phone JPEG with an embedded preview opens as MPO.
_FORMAT_NAMES = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "HEIF": "HEIF"}
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1")
_BOMB_SIZE = re.compile(r"\((\d+) pixels\)")


class PhotoFileError(MigliaError):
    """A photo refused, in plain words for the photographer: "<file name>: <what is wrong>"."""

    def __init__(self, name: str, problem: str) -> None:
        self.name = name
        self.problem = problem
        super().__init__(f"{name}: {problem}")


@dataclass(frozen=True)
class Exif:
    """What the camera wrote, each None ("" for the camera) when absent or unreadable."""

    taken_local: datetime.datetime | None  # naive, the camera's clock; µs from SubSecTimeOriginal if any
    utc_offset_min: int | None
    lat: float | None
    lon: float | None
    camera: str


NO_EXIF = Exif(taken_local=None, utc_offset_min=None, lat=None, lon=None, camera="")


@dataclass(frozen=True)
class CheckedPhoto:
    name: str
    format: str  # "JPEG", "HEIF", "PNG"
    width: int  # upright, at the original's resolution
    height: int
    exif: Exif
    renditions: dict[str, bytes]  # one metadata-free sRGB JPEG per key of SIZES


# --------------------------------------------------------------------------------------------- checking


def check_photo(name: str, data: bytes) -> CheckedPhoto:
    """Checks (size, type, pixel count, that it decodes fully) and re-encodes; raises PhotoFileError."""
    _check_bytes(name, data)
    with _refusing(name), _open(name, data) as im:
        width, height = im.size
        _check_pixels(name, width * height)
        fmt = _FORMAT_NAMES[im.format or ""]
        icc = im.info.get("icc_profile")
        _decode_small(im)
        exif = read_exif(im)
        upright = ImageOps.exif_transpose(im)
        if upright.size != im.size:  # a quarter turn: report the upright shape
            width, height = height, width
        renditions = make_renditions(_to_srgb(upright, icc), (width, height))
    return CheckedPhoto(name=name, format=fmt, width=width, height=height, exif=exif, renditions=renditions)


def _check_bytes(name: str, data: bytes) -> None:
    if not data:
        raise PhotoFileError(name, "empty file")
    if len(data) > MAX_BYTES:
        # rounded up, so a file just over the limit never reads as equal to it
        shown = -(-len(data) * 10 // _MB) / 10
        raise PhotoFileError(name, f"{shown:g} MB, more than the {MAX_BYTES / _MB:g} MB allowed")


def _check_pixels(name: str, pixels: int) -> None:
    if pixels > MAX_PIXELS:
        raise PhotoFileError(name, _too_many_pixels(pixels))


def _too_many_pixels(pixels: int) -> str:
    shown = -(-pixels // 100_000) / 10  # rounded up, as for bytes
    return f"{shown:g} megapixels, more than the {MAX_PIXELS / 1e6:g} allowed"


def _formats() -> list[str]:
    return ["JPEG", "PNG", "HEIF"] if HEIF_READABLE else ["JPEG", "PNG"]


@contextmanager
def _open(name: str, data: bytes) -> Iterator[Image.Image]:
    try:
        im = Image.open(io.BytesIO(data), formats=_formats())
    except UnidentifiedImageError:
        raise PhotoFileError(name, _unidentified(data)) from None
    with im:
        yield im


def _unidentified(data: bytes) -> str:
    """Why Pillow did not recognise the file: a damaged photo is not "not a photo"."""
    kind = _sniff(data)
    if kind == "HEIF" and not HEIF_READABLE:
        return "a HEIC photo, but reading HEIC needs pillow-heif, which is not installed here"
    if kind:
        return f"cannot be read: the {kind} file is damaged or cut short"
    return f"not a photo ({EXPECTED})"


def _sniff(data: bytes) -> str:
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return "HEIF"
    return ""


@contextmanager
def _refusing(name: str) -> Iterator[None]:
    """Turns whatever Pillow raises on hostile bytes into a PhotoFileError naming the file.

    Pillow's decoders raise a zoo of types on damaged input (OSError, SyntaxError, ValueError,
    struct.error, EOFError, IndexError...), so all of them are caught here.  Its own bomb check warns
    above Image.MAX_IMAGE_PIXELS; the warning becomes an error, though `_check_pixels` already refuses
    anything that large.  Other warnings (corrupt EXIF and such) are of no use to anyone on a server.
    (catch_warnings is process-wide: two threads at once may leave the filter on, which only makes
    Pillow stricter.)"""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield
    except PhotoFileError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        m = _BOMB_SIZE.search(str(exc))
        problem = _too_many_pixels(int(m.group(1))) if m else "too many pixels (an image bomb?)"
        raise PhotoFileError(name, problem) from None
    except MemoryError:
        raise PhotoFileError(name, "too large to process") from None
    except Exception as exc:
        raise PhotoFileError(name, f"cannot be read: {_detail(exc)}") from None


def _detail(exc: Exception) -> str:
    """Pillow's reason, on one line; its two words for a file that ends early said plainly."""
    text = " ".join(str(exc).split())[:200]
    if "truncated" in text.lower():
        return "the file is cut short (an interrupted copy or upload?)"
    return text or type(exc).__name__


def _decode_small(im: Image.Image) -> None:
    """Decodes every pixel (so a damaged file fails here), letting a JPEG decode at 1/2, 1/4 or 1/8 scale
    when the largest rendition still gets at least its pixels: a 24 MP photo decodes 4x faster."""
    longest = max(SIZES.values())
    w, h = im.size
    if max(w, h) > longest:
        scale = longest / max(w, h)
        im.draft(None, (math.ceil(w * scale), math.ceil(h * scale)))
    im.load()


def _to_srgb(im: Image.Image, icc: bytes | None) -> Image.Image:
    """An RGB image in sRGB: transparency on white, 16-bit grey to 8 bits, the embedded profile applied
    (an iPhone's Display P3 or a camera's Adobe RGB would look dull shown as sRGB)."""
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        im = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba).convert("RGB")
    elif im.mode.startswith("I"):  # Pillow's convert clips 16-bit values instead of scaling them
        grey = np.asarray(im).astype(np.int64) >> 8
        im = Image.fromarray(np.clip(grey, 0, 255).astype(np.uint8))
    if icc and im.mode in ("RGB", "L", "CMYK"):
        converted = _apply_profile(im, icc)
        if converted is not None:
            return converted
    return im.convert("RGB")


def _apply_profile(im: Image.Image, icc: bytes) -> Image.Image | None:
    if ImageCms is None:  # pragma: no cover - Pillow's wheels include LittleCMS
        return None
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        out = ImageCms.profileToProfile(im, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
    except Exception:  # a broken profile, or one for another colour space: show the pixels as they are
        return None
    return out if isinstance(out, Image.Image) else None


def make_renditions(rgb: Image.Image, original: tuple[int, int] | None = None) -> dict[str, bytes]:
    """One progressive JPEG per SIZES key, longest side at most its size (never enlarged), no metadata.

    Sizes are computed from `original`, the photo's own upright size (`rgb` may have been decoded at a
    reduced scale), so that rounding does not pile up; each copy is shrunk from the next larger one,
    the same look as from the original at a fraction of the work.  `info` is emptied because Pillow
    writes a source's comment back out."""
    out: dict[str, bytes] = {}
    current = rgb
    for key, size in sorted(SIZES.items(), key=lambda kv: -kv[1]):
        target = fitted(original or rgb.size, size)
        if current.size != target:
            current = current.resize(target, Image.Resampling.LANCZOS)
        elif current is rgb:
            current = rgb.copy()  # its info is emptied next: not the caller's
        current.info = {}
        buf = io.BytesIO()
        current.save(buf, "JPEG", quality=QUALITY, progressive=True, optimize=True)
        out[key] = buf.getvalue()
    return {key: out[key] for key in SIZES}


def fitted(size: tuple[int, int], longest: int) -> tuple[int, int]:
    """`size` scaled so its longest side is `longest`, or as it is when already no larger."""
    w, h = size
    if max(w, h) <= longest:
        return w, h
    scale = longest / max(w, h)
    return max(1, round(w * scale)), max(1, round(h * scale))


# ------------------------------------------------------------------------------------------ reading EXIF


def read_exif(im: Image.Image) -> Exif:
    """Time, offset, position and camera as written; a broken EXIF block reads as no EXIF: a photo is
    not refused for its metadata (the photographer then gives the spot by hand)."""
    try:
        return _read_exif(im.getexif())
    except Exception:
        return NO_EXIF


def _read_exif(base: Image.Exif) -> Exif:
    sub = _ifd(base, ExifTags.IFD.Exif)
    gps = _ifd(base, ExifTags.IFD.GPSInfo)
    tag = ExifTags.Base

    def field(t: int) -> Any:  # some writers put Exif-IFD tags in IFD0
        return sub.get(t, base.get(t))

    taken = exif_datetime(field(tag.DateTimeOriginal), field(tag.SubsecTimeOriginal))
    if taken is None:
        taken = exif_datetime(base.get(tag.DateTime), field(tag.SubsecTime))
    offset = exif_offset_min(field(tag.OffsetTimeOriginal))
    if offset is None:
        offset = exif_offset_min(field(tag.OffsetTime))
    lat, lon = _position(gps)
    camera = camera_name(base.get(tag.Make), base.get(tag.Model))
    return Exif(taken_local=taken, utc_offset_min=offset, lat=lat, lon=lon, camera=camera)


def _ifd(exif: Image.Exif, which: int) -> dict[int, Any]:
    try:
        return dict(exif.get_ifd(which))
    except Exception:  # a sub-IFD pointing nowhere: the rest of the EXIF still counts
        return {}


def _text(value: object) -> str:
    """An EXIF ASCII value as text: NULs, control characters and surrounding blanks removed."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if not isinstance(value, str):
        return ""
    return " ".join("".join(c if c.isprintable() else " " for c in value).split())


_DATETIME = re.compile(r"(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_OFFSET = re.compile(r"([+-])(\d{2}):?(\d{2})")


def exif_datetime(value: object, subsec: object = None) -> datetime.datetime | None:
    """An EXIF time, "2024:06:01 09:10:11" (sub-seconds "25": .25 s), naive; None if it is not a time."""
    m = _DATETIME.fullmatch(_text(value))
    if not m:
        return None
    year, month, day, hour, minute, second = (int(g) for g in m.groups())
    try:
        taken = datetime.datetime(year, month, day, hour, minute, second)  # naive: the camera's clock
    except ValueError:  # "0000:00:00 00:00:00" and other impossible dates
        return None
    digits = _text(subsec)
    if digits.isdigit():
        taken = taken.replace(microsecond=int(digits[:6].ljust(6, "0")))
    return taken


def exif_offset_min(value: object) -> int | None:
    """An EXIF offset, "+02:00" -> 120, "-05:30" -> -330; None if absent or outside -12 h .. +14 h."""
    m = _OFFSET.fullmatch(_text(value))
    if not m:
        return None
    hours, minutes = int(m.group(2)), int(m.group(3))
    total = (hours * 60 + minutes) * (-1 if m.group(1) == "-" else 1)
    return total if minutes < 60 and -12 * 60 <= total <= 14 * 60 else None


def _position(gps: dict[int, Any]) -> tuple[float | None, float | None]:
    lat = gps_degrees(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef))
    lon = gps_degrees(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef))
    if lat is None or lon is None or abs(lat) > 90 or abs(lon) > 180 or (lat == 0 and lon == 0):
        return None, None  # a phone without a fix writes 0/0
    return lat, lon


def gps_degrees(dms: object, ref: object) -> float | None:
    """EXIF degrees/minutes/seconds (IFDRational, (num, den) tuples or plain numbers; one to three of
    them) and a reference letter to decimal degrees, S and W negative; None for anything else."""
    parts = list(dms) if isinstance(dms, (tuple, list)) and not _is_pair(dms) else [dms]
    if not 1 <= len(parts) <= 3:
        return None
    values = [_fraction(p) for p in parts]
    if any(v is None for v in values):
        return None
    exact = [v for v in values if v is not None]
    if any(v < 0 for v in exact[1:]):
        return None
    degrees = sum((v / 60**i for i, v in enumerate(exact)), Fraction(0))
    if abs(degrees) > 360:  # nonsense, and a huge one would overflow float()
        return None
    letter = _text(ref).upper()[:1]
    if letter in ("S", "W"):
        return -float(abs(degrees))
    return float(degrees) if letter in ("", "N", "E") else None


def _is_pair(value: object) -> TypeGuard[tuple[int, int] | list[int]]:
    """A rational written as (numerator, denominator), as older Pillow and some tools give it."""
    return isinstance(value, (tuple, list)) and len(value) == 2 and all(type(v) is int for v in value)


def _fraction(value: object) -> Fraction | None:
    if isinstance(value, TiffImagePlugin.IFDRational):
        num: object = value.numerator
        den: object = value.denominator
        if isinstance(num, int) and isinstance(den, int):
            return Fraction(num, den) if den else None
        return _fraction(float(value))  # built from floats: its value is all there is
    if _is_pair(value):
        top, bottom = value
        return Fraction(top, bottom) if bottom else None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float) and math.isfinite(value):
        return Fraction(value)
    return None


def camera_name(make: object, model: object, limit: int = 80) -> str:
    """The camera as "Make Model", without the make twice when the model repeats it ("Canon EOS R5")."""
    mk, md = _text(make), _text(model)
    name = md if mk and md.lower().startswith(mk.lower()) else f"{mk} {md}".strip()
    return name[:limit].strip()


# ------------------------------------------------------------------------------- making demo photos

_ORIENT_STORED = {  # how a camera stores an upright scene for each EXIF orientation (the inverse of showing)
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def make_photo(
    *,
    width: int = 1600,
    height: int = 1067,
    taken_local: datetime.datetime | None = None,
    utc_offset_min: int | None = None,
    lat: float | None = None,
    lon: float | None = None,
    camera: str = "",
    start_no: int | None = None,
    colour: tuple[int, int, int] = (170, 30, 30),
    seed: int = 0,
    quality: int = 88,
    orientation: int = 1,
) -> bytes:
    """A JPEG with the given EXIF (DateTimeOriginal, OffsetTimeOriginal, GPS IFD, Make/Model): for the
    demo and the tests.

    The picture is a drawn scene (sky, hills with cypresses, a road, a 1950s car in `colour` with a white
    roundel carrying `start_no` when given); `seed` varies hills, light and framing.  `width` x `height`
    is the upright scene; with `orientation` (EXIF 1-8) the pixels are stored turned as a camera held
    sideways stores them.  A position needs both `lat` and `lon`; no EXIF block at all is written when
    nothing is given."""
    if not (8 <= width <= 10_000 and 8 <= height <= 10_000):
        raise ValueError(f"photo size {width}x{height}: 8 to 10000 pixels a side")
    if orientation not in range(1, 9):
        raise ValueError(f"orientation {orientation}: EXIF orientations are 1 to 8")
    scene = draw_scene(width, height, colour=colour, start_no=start_no, seed=seed)
    if orientation != 1:
        scene = scene.transpose(_ORIENT_STORED[orientation])
    exif = _camera_exif(taken_local, utc_offset_min, lat, lon, camera, orientation)
    buf = io.BytesIO()
    scene.save(buf, "JPEG", quality=quality, exif=exif)
    return buf.getvalue()


def _camera_exif(
    taken: datetime.datetime | None,
    offset_min: int | None,
    lat: float | None,
    lon: float | None,
    camera: str,
    orientation: int,
) -> bytes:
    """The EXIF block a camera would write; b"" (no block at all) when nothing is known."""
    exif = Image.Exif()
    tag = ExifTags.Base
    if camera:
        # cameras write the make alone and, often, the model with the make again (Canon, Nikon, Sony)
        exif[tag.Make] = camera.split()[0]
        exif[tag.Model] = camera
    if orientation != 1:
        exif[tag.Orientation] = orientation
    sub: dict[int, Any] = {}
    if taken is not None:
        sub[tag.DateTimeOriginal] = taken.strftime("%Y:%m:%d %H:%M:%S")
        if taken.microsecond:
            sub[tag.SubsecTimeOriginal] = f"{taken.microsecond:06d}"
    if offset_min is not None:
        sign = "-" if offset_min < 0 else "+"
        sub[tag.OffsetTimeOriginal] = f"{sign}{abs(offset_min) // 60:02d}:{abs(offset_min) % 60:02d}"
    if sub:
        exif.get_ifd(ExifTags.IFD.Exif).update(sub)
    if lat is not None and lon is not None:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps[ExifTags.GPS.GPSVersionID] = b"\x02\x03\x00\x00"
        gps[ExifTags.GPS.GPSLatitudeRef] = "S" if lat < 0 else "N"
        gps[ExifTags.GPS.GPSLatitude] = _dms(lat)
        gps[ExifTags.GPS.GPSLongitudeRef] = "W" if lon < 0 else "E"
        gps[ExifTags.GPS.GPSLongitude] = _dms(lon)
    # len() counts IFD0's tags only, not those of the Exif and GPS sub-IFDs filled above
    known = len(exif) or sub or (lat is not None and lon is not None)
    return exif.tobytes() if known else b""


def _dms(value: float) -> tuple[TiffImagePlugin.IFDRational, ...]:
    """Degrees and minutes whole, seconds to the micro-second of arc (3e-11 degrees): exact enough."""
    micro = round(Fraction(abs(value)) * 3600 * 10**6)
    degrees, rest = divmod(micro, 3600 * 10**6)
    minutes, seconds = divmod(rest, 60 * 10**6)
    r = TiffImagePlugin.IFDRational
    return r(degrees, 1), r(minutes, 1), r(seconds, 10**6)


# The scene is drawn at twice the size and shrunk: ImageDraw does not antialias its shapes.
_SUPERSAMPLE = 2
Colour = tuple[int, int, int]


def draw_scene(
    width: int, height: int, *, colour: Colour = (170, 30, 30), start_no: int | None = None, seed: int = 0
) -> Image.Image:
    """The demo's rally photo as an RGB image: a car on a country road in the hills."""
    rng = random.Random(seed)
    s = _SUPERSAMPLE if max(width, height) <= 2600 else 1  # big ones are smooth enough as drawn
    w, h = width * s, height * s
    horizon = h * rng.uniform(0.36, 0.46)
    road_top, road_bottom = h * rng.uniform(0.70, 0.74), h * rng.uniform(0.86, 0.9)
    im = _sky(w, h, horizon, rng)
    draw = ImageDraw.Draw(im)
    _sun(draw, w, horizon, rng)
    _hills(draw, w, h, horizon, road_top, rng)
    _road(draw, w, h, road_top, road_bottom, rng)
    length = rng.uniform(0.52, 0.64) * min(w, 1.5 * h)
    ground = road_top + 0.62 * (road_bottom - road_top)
    left = rng.uniform(0.04 * w, max(0.04 * w, w - length - 0.04 * w))
    _car(im, left, ground, length, colour, start_no, facing_right=rng.random() < 0.7)
    return _vignette(im.reduce(s) if s != 1 else im)  # a box average of each s x s block: the antialiasing


def _mix(a: Colour, b: Colour, t: float) -> Colour:
    r, g, bl = (round(x + (y - x) * t) for x, y in zip(a, b, strict=True))
    return r, g, bl


def _shade(c: Colour, f: float) -> Colour:
    r, g, b = (max(0, min(255, round(x * f))) for x in c)
    return r, g, b


def _sky(w: int, h: int, horizon: float, rng: random.Random) -> Image.Image:
    """A gradient from a deep blue overhead to a warm haze at the horizon; the light varies by seed."""
    top = _mix((52, 104, 178), (70, 120, 190), rng.random())
    haze = _mix((226, 226, 214), (246, 218, 180), rng.random())
    t = np.clip(np.arange(h, dtype=np.float64) / max(horizon, 1.0), 0.0, 1.0) ** 1.4
    rows = np.array(top)[None, :] * (1 - t)[:, None] + np.array(haze)[None, :] * t[:, None]
    column = Image.fromarray(rows[:, None, :].round().astype(np.uint8), "RGB")
    return column.resize((w, h), Image.Resampling.NEAREST)  # one column stretched: no big float array


def _sun(draw: ImageDraw.ImageDraw, w: int, horizon: float, rng: random.Random) -> None:
    x, y, r = rng.uniform(0.1, 0.9) * w, rng.uniform(0.25, 0.6) * horizon, 0.035 * w
    draw.ellipse((x - 1.6 * r, y - 1.6 * r, x + 1.6 * r, y + 1.6 * r), fill=(252, 236, 186))
    draw.ellipse((x - r, y - r, x + r, y + r), fill=(255, 249, 222))


def _ridge(w: int, base: float, amplitude: float, rng: random.Random) -> list[tuple[float, float]]:
    """A hill line: a few sines of random phase, sampled across the picture."""
    waves = [(rng.uniform(0.5, 3.5), rng.uniform(0, 2 * math.pi), rng.uniform(0.3, 1.0)) for _ in range(3)]
    total = sum(a for _, _, a in waves)
    points = []
    for i in range(121):
        u = i / 120
        y = sum(a * math.sin(2 * math.pi * f * u + p) for f, p, a in waves) / total
        points.append((u * w, base - amplitude * (0.5 + 0.5 * y)))
    return points


def _hills(
    draw: ImageDraw.ImageDraw, w: int, h: int, horizon: float, road_top: float, rng: random.Random
) -> None:
    """Three ranges, hazier with distance, and Tuscan cypresses on the middle one."""
    greens = [(128, 152, 168), (96, 138, 84), _mix((84, 128, 58), (196, 172, 92), rng.random() * 0.6)]
    bases = [horizon + 0.02 * h, horizon + 0.10 * h, road_top + 0.01 * h]
    heights = [0.16 * h, 0.12 * h, 0.10 * h]
    for i, (fill, base, amp) in enumerate(zip(greens, bases, heights, strict=True)):
        ridge = _ridge(w, base, amp, rng)
        draw.polygon([*ridge, (w, h), (0, h)], fill=fill)
        if i == 1:
            _cypresses(draw, ridge, h, rng)


def _cypresses(
    draw: ImageDraw.ImageDraw, ridge: list[tuple[float, float]], h: int, rng: random.Random
) -> None:
    for _ in range(rng.randint(3, 7)):
        x, y = ridge[rng.randrange(len(ridge))]
        tall = rng.uniform(0.07, 0.13) * h
        half = tall * 0.13
        draw.ellipse((x - half, y - tall, x + half, y + tall * 0.1), fill=(38, 66, 40))


def _road(draw: ImageDraw.ImageDraw, w: int, h: int, top: float, bottom: float, rng: random.Random) -> None:
    """Grass verge, asphalt with white edges and a dashed centre line."""
    draw.rectangle((0, bottom, w, h), fill=(92, 138, 62))
    for _ in range(int(w * (h - bottom) / 5000) + 1):  # wild flowers in the verge
        x, y = rng.uniform(0, w), rng.uniform(bottom, h)
        r = 0.0025 * w
        draw.ellipse(
            (x - r, y - r, x + r, y + r), fill=rng.choice([(236, 200, 60), (210, 60, 50), (246, 246, 240)])
        )
    draw.rectangle((0, top, w, bottom), fill=(88, 88, 92))
    edge = max(1.0, 0.006 * h)
    draw.rectangle((0, top + edge, w, top + 2 * edge), fill=(225, 225, 218))
    draw.rectangle((0, bottom - 2 * edge, w, bottom - edge), fill=(225, 225, 218))
    mid, dash, offset = (top + bottom) / 2, 0.06 * w, rng.uniform(0, 0.1 * w)
    x = -offset
    while x < w:
        draw.rectangle((x, mid - edge / 2, x + dash, mid + edge / 2), fill=(236, 236, 228))
        x += 2 * dash


def _car(
    im: Image.Image,
    left: float,
    ground: float,
    length: float,
    colour: Colour,
    start_no: int | None,
    *,
    facing_right: bool,
) -> None:
    """A 1950s coupé in profile, drawn on its own layer (so it can face either way), its shadow under it,
    and the start number roundel on the door, always readable."""
    pad = 0.05 * length
    layer = Image.new("RGBA", (math.ceil(length + 2 * pad), math.ceil(0.5 * length + 2 * pad)), (0, 0, 0, 0))
    base = layer.height - pad  # the ground line inside the layer

    def box(x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        """Car units (fractions of its length, y up from the ground) to layer pixels."""
        return pad + x0 * length, base - y1 * length, pad + x1 * length, base - y0 * length

    _car_body(ImageDraw.Draw(layer), box, colour)
    if not facing_right:
        layer = layer.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    ImageDraw.Draw(im, "RGBA").ellipse(  # "RGBA" drawing blends the translucent shadow onto the road
        (left - 0.02 * length, ground - 0.03 * length, left + 1.02 * length, ground + 0.04 * length),
        fill=(20, 20, 24, 110),
    )
    im.paste(layer, (round(left - pad), round(ground - base)), layer)
    if start_no is not None:
        _roundel(ImageDraw.Draw(im), left + 0.5 * length, ground - 0.168 * length, 0.072 * length, start_no)


# The coupé's outline and side windows in car units (x from the tail to the nose, y up from the ground),
# smoothed by `_smooth`: a fastback in the manner of the early-1950s Italian and German coupés.
_OUTLINE = [
    (0.03, 0.075),
    (0.005, 0.13),
    (0.015, 0.2),
    (0.07, 0.245),
    (0.2, 0.27),
    (0.3, 0.3),
    (0.37, 0.38),
    (0.45, 0.43),
    (0.54, 0.435),
    (0.6, 0.41),
    (0.655, 0.32),
    (0.7, 0.285),
    (0.84, 0.27),
    (0.94, 0.245),
    (0.99, 0.19),
    (0.995, 0.12),
    (0.97, 0.075),
    (0.5, 0.07),
]
_WINDOWS = [(0.36, 0.3), (0.4, 0.37), (0.46, 0.41), (0.54, 0.415), (0.59, 0.395), (0.635, 0.3)]
Box = Callable[[float, float, float, float], tuple[float, float, float, float]]


def _smooth(points: list[tuple[float, float]], steps: int = 10) -> list[tuple[float, float]]:
    """A closed Catmull-Rom curve through the points: round shapes from a handful of numbers."""
    n = len(points)
    out = []
    for i in range(n):
        (ax, ay), (bx, by), (cx, cy), (dx, dy) = (points[(i + k) % n] for k in (-1, 0, 1, 2))
        for j in range(steps):
            t = j / steps
            out.append((_catmull_rom(ax, bx, cx, dx, t), _catmull_rom(ay, by, cy, dy, t)))
    return out


def _catmull_rom(a: float, b: float, c: float, d: float, t: float) -> float:
    return 0.5 * (2 * b + (c - a) * t + (2 * a - 5 * b + 4 * c - d) * t * t + (3 * b - a - 3 * c + d) * t**3)


def _car_body(draw: ImageDraw.ImageDraw, box: Box, colour: Colour) -> None:
    dark, light = _shade(colour, 0.62), _shade(colour, 1.18)
    glass, chrome, tyre = (150, 178, 196), (212, 214, 218), (24, 24, 26)

    def shape(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
        return [box(x, y, x, y)[:2] for x, y in _smooth(points)]

    draw.polygon(shape(_OUTLINE), fill=colour)
    draw.polygon(shape(_WINDOWS), fill=glass)
    draw.ellipse(box(0.54, 0.285, 0.6, 0.365), fill=(48, 42, 38))  # the driver
    draw.polygon(
        [
            box(0.49, 0.29, 0.49, 0.29)[:2],
            box(0.515, 0.29, 0.515, 0.29)[:2],
            box(0.52, 0.43, 0.52, 0.43)[:2],
            box(0.49, 0.43, 0.49, 0.43)[:2],
        ],
        fill=colour,
    )  # pillar
    draw.line(
        [box(x, y, x, y)[:2] for x, y in ((0.1, 0.252), (0.3, 0.29))], fill=light, width=_px(box, 0.006)
    )
    draw.line(
        [box(x, y, x, y)[:2] for x, y in ((0.7, 0.276), (0.92, 0.252))], fill=light, width=_px(box, 0.006)
    )
    draw.rectangle(box(0.05, 0.07, 0.95, 0.095), fill=dark)  # the sill in shadow
    draw.rectangle(box(0.03, 0.185, 0.97, 0.193), fill=chrome)  # the side strip
    for x in (0.355, 0.645):  # the door's lines
        draw.rectangle(box(x, 0.10, x + 0.004, 0.29), fill=dark)
    radius = _px(box, 0.012)
    draw.rounded_rectangle(box(-0.02, 0.085, 0.06, 0.125), radius=radius, fill=chrome)
    draw.rounded_rectangle(box(0.94, 0.085, 1.02, 0.125), radius=radius, fill=chrome)
    draw.ellipse(box(0.935, 0.16, 0.99, 0.215), fill=chrome)
    draw.ellipse(box(0.943, 0.168, 0.982, 0.207), fill=(252, 244, 208))  # headlamp
    draw.ellipse(box(0.008, 0.165, 0.032, 0.2), fill=(200, 30, 24))  # tail lamp
    for cx in (0.2, 0.8):
        r = 0.088
        draw.ellipse(box(cx - 1.15 * r, r - 1.15 * r, cx + 1.15 * r, r + 1.15 * r), fill=(30, 28, 28))
        draw.arc(
            box(cx - 1.32 * r, r - 1.32 * r, cx + 1.32 * r, r + 1.32 * r),
            200,
            340,
            fill=dark,
            width=_px(box, 0.006),
        )  # the wing's crease over the wheel
        for f, fill in (
            (1.0, tyre),
            (0.74, (238, 238, 232)),
            (0.62, tyre),
            (0.54, chrome),
            (0.16, (120, 120, 126)),
        ):
            draw.ellipse(box(cx - f * r, r - f * r, cx + f * r, r + f * r), fill=fill)


def _px(box: Box, fraction: float) -> int:
    """A fraction of the car's length in layer pixels, at least one (for radii and line widths)."""
    x0, _, x1, _ = box(0, 0, 1, 0)
    return max(1, round((x1 - x0) * fraction))


def _roundel(draw: ImageDraw.ImageDraw, x: float, y: float, r: float, start_no: int) -> None:
    """A white disc with a black ring and the number in bold, as big as fits."""
    draw.ellipse(
        (x - r, y - r, x + r, y + r),
        fill=(250, 250, 246),
        outline=(20, 20, 20),
        width=max(1, round(r * 0.08)),
    )
    text = str(start_no)
    size = max(1, round(r * 1.2))
    font = _font(size)
    while size > 1:
        left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
        if right - left <= 1.45 * r and bottom - top <= 1.05 * r:
            break
        size -= max(1, size // 10)
        font = _font(size)
    draw.text((x, y), text, font=font, fill=(16, 16, 16), anchor="mm")


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype(str(_FONT), size)
    except OSError:  # pragma: no cover - the font is vendored
        return ImageFont.load_default(size)


def _vignette(im: Image.Image) -> Image.Image:
    """Corners a little darker, as through a real lens: a small mask stretched and multiplied in."""
    y, x = np.ogrid[-1:1:64j, -1:1:64j]
    fall = 255 * (1.0 - 0.16 * np.clip((x**2 + y**2) / 2, 0, 1))
    mask = Image.fromarray(fall.round().astype(np.uint8), "L").resize(im.size, Image.Resampling.BILINEAR)
    return ImageChops.multiply(im, Image.merge("RGB", (mask, mask, mask)))
