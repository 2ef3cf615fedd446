"""The photo file adapter: what it reads from a camera's file, what it hands out, and what it refuses."""

from __future__ import annotations

import datetime
import io
import struct
import zlib
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from PIL import ExifTags, Image, ImageCms, ImageFile, TiffImagePlugin

from miglia.domain.errors import MigliaError
from miglia.formats import photo_file as pf
from miglia.formats.photo_file import (
    MAX_BYTES,
    MAX_PIXELS,
    NO_EXIF,
    SIZES,
    CheckedPhoto,
    Exif,
    PhotoFileError,
    camera_name,
    check_photo,
    draw_scene,
    exif_datetime,
    exif_offset_min,
    gps_degrees,
    make_photo,
)

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TAKEN = datetime.datetime(2024, 6, 1, 9, 10, 11)
MiB = 1024 * 1024


def refusal(name: str, data: bytes) -> str:
    with pytest.raises(PhotoFileError) as caught:
        check_photo(name, data)
    assert caught.value.name == name
    assert str(caught.value) == f"{name}: {caught.value.problem}"
    return str(caught.value)


def encoded(im: Image.Image, fmt: str, **params: object) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **params)
    return buf.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header declares width x height, with (almost) no pixel data: a bomb's cheap stand-in."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit grey
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


def jpeg_declaring(width: int, height: int) -> bytes:
    """A small real JPEG with its frame header (SOF0) rewritten to declare width x height."""
    data = make_photo(width=64, height=48)
    sof = data.index(b"\xff\xc0")
    return data[: sof + 5] + struct.pack(">HH", height, width) + data[sof + 9 :]


def opened(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


# ------------------------------------------------------------------------------------- the interface


def test_limits_and_sizes() -> None:
    assert MAX_BYTES == 40 * 1024 * 1024
    assert MAX_PIXELS == 80_000_000
    assert SIZES == {"thumb": 320, "screen": 1280, "full": 2560}


def test_the_error_names_the_file_and_the_problem() -> None:
    err = PhotoFileError("IMG_1.jpg", "empty file")
    assert isinstance(err, MigliaError)
    assert (err.name, err.problem, str(err)) == ("IMG_1.jpg", "empty file", "IMG_1.jpg: empty file")


# ------------------------------------------------------------------------------------- reading EXIF


def test_exif_read_back_exactly() -> None:
    data = make_photo(
        taken_local=TAKEN, utc_offset_min=120, lat=45.123456, lon=7.654321, camera="Canon EOS R5"
    )
    photo = check_photo("IMG_0001.JPG", data)
    assert photo.name == "IMG_0001.JPG"
    assert (photo.format, photo.width, photo.height) == ("JPEG", 1600, 1067)
    assert photo.exif.taken_local == TAKEN
    assert photo.exif.utc_offset_min == 120
    assert photo.exif.lat == pytest.approx(45.123456, abs=1e-9)
    assert photo.exif.lon == pytest.approx(7.654321, abs=1e-9)
    assert photo.exif.camera == "Canon EOS R5"


def test_south_and_west_are_negative_and_offsets_behind_utc_too() -> None:
    data = make_photo(
        width=96, height=64, taken_local=TAKEN, utc_offset_min=-330, lat=-33.856784, lon=-151.215297
    )
    exif = check_photo("sydney.jpg", data).exif
    assert exif.lat == pytest.approx(-33.856784, abs=1e-9)
    assert exif.lon == pytest.approx(-151.215297, abs=1e-9)
    assert exif.utc_offset_min == -330
    gps = opened(data).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert (gps[ExifTags.GPS.GPSLatitudeRef], gps[ExifTags.GPS.GPSLongitudeRef]) == ("S", "W")
    assert opened(data).getexif().get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.OffsetTimeOriginal] == "-05:30"


def test_sub_seconds_are_kept() -> None:
    taken = TAKEN.replace(microsecond=250_000)
    assert (
        check_photo("burst.jpg", make_photo(width=32, height=24, taken_local=taken)).exif.taken_local == taken
    )


def test_a_photo_without_exif_reads_as_nothing_known() -> None:
    data = make_photo(width=64, height=48)
    assert b"Exif" not in data
    assert check_photo("plain.jpg", data).exif == Exif(None, None, None, None, "") == NO_EXIF


def test_datetime_and_offset_fall_back_to_the_plain_tags() -> None:
    exif = Image.Exif()
    exif[ExifTags.Base.DateTime] = "2023:09:30 17:45:02"
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.OffsetTime] = "+01:00"
    data = encoded(Image.new("RGB", (40, 30), "grey"), "JPEG", exif=exif.tobytes())
    read = check_photo("old.jpg", data).exif
    assert read.taken_local == datetime.datetime(2023, 9, 30, 17, 45, 2)
    assert read.utc_offset_min == 60


def gps_exif(lat: object, lat_ref: str, lon: object, lon_ref: str) -> bytes:
    exif = Image.Exif()
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    if lat is not None:
        gps[ExifTags.GPS.GPSLatitudeRef], gps[ExifTags.GPS.GPSLatitude] = lat_ref, lat
    if lon is not None:
        gps[ExifTags.GPS.GPSLongitudeRef], gps[ExifTags.GPS.GPSLongitude] = lon_ref, lon
    return encoded(Image.new("RGB", (40, 30), "grey"), "JPEG", exif=exif.tobytes())


def r(n: int, d: int = 1) -> TiffImagePlugin.IFDRational:
    return TiffImagePlugin.IFDRational(n, d)


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        ((r(0), r(0), r(0)), (r(0), r(0), r(0))),  # a phone without a fix
        ((r(95), r(0), r(0)), (r(7), r(0), r(0))),
        ((r(45), r(0), r(0)), (r(190), r(0), r(0))),
        ((r(45), r(0), r(0)), None),  # half a position is none
    ],
)
def test_nonsense_positions_read_as_none(lat: object, lon: object) -> None:
    exif = check_photo("x.jpg", gps_exif(lat, "N", lon, "E")).exif
    assert (exif.lat, exif.lon) == (None, None)


def test_gps_degrees_in_every_form() -> None:
    exact = 45 + Fraction(30, 60) + Fraction(1234, 100 * 3600)
    for dms in (
        (r(45), r(30), r(1234, 100)),
        ((45, 1), (30, 1), (1234, 100)),
        [45, 30, 12.34],
        (45.0, 30.0, 12.34),
    ):
        assert gps_degrees(dms, "N") == pytest.approx(float(exact), abs=1e-12)
        assert gps_degrees(dms, b"S\x00") == pytest.approx(-float(exact), abs=1e-12)
    assert gps_degrees((r(7), r(1530, 100)), "W") == pytest.approx(-7.255, abs=1e-12)  # decimal minutes
    assert gps_degrees(r(12), "E") == 12.0
    assert gps_degrees((12, 5), "E") == 2.4  # one rational as a (numerator, denominator) pair
    assert gps_degrees((r(-12), r(0), r(0)), "") == -12.0
    for bad in (
        (r(45), r(1, 0), r(0)),
        ((45, 0), (1, 1)),
        (r(45), r(-1), r(0)),
        (),
        "45",
        None,
        (1, 2, 3, 4),
    ):
        assert gps_degrees(bad, "N") is None
    assert gps_degrees((r(45), r(0), r(0)), "X") is None
    assert gps_degrees((1.7e308, 1.7e308, 0.0), "N") is None  # beyond float: not an OverflowError


def test_exif_times_and_offsets_as_cameras_write_them() -> None:
    assert exif_datetime("2024:06:01 09:10:11") == TAKEN
    assert exif_datetime(b"2024:06:01 09:10:11\x00") == TAKEN
    assert exif_datetime("2024-06-01T09:10:11") == TAKEN
    assert exif_datetime("2024:06:01 09:10:11", "5") == TAKEN.replace(microsecond=500_000)
    assert exif_datetime("2024:06:01 09:10:11", "1234567") == TAKEN.replace(microsecond=123_456)
    for junk in ("0000:00:00 00:00:00", "    :  :     :  :  ", "2024:13:01 09:10:11", "", None, 42):
        assert exif_datetime(junk) is None
    assert [exif_offset_min(v) for v in ("+02:00", "-05:30", "+0545", "-00:30", " +01:00\x00")] == [
        120,
        -330,
        345,
        -30,
        60,
    ]
    for junk in ("+15:00", "-13:00", "+01:75", "Z", "02:00", "", None):
        assert exif_offset_min(junk) is None


def test_camera_names() -> None:
    assert camera_name("Canon", "Canon EOS R5") == "Canon EOS R5"
    assert camera_name("FUJIFILM", "X100V") == "FUJIFILM X100V"
    assert camera_name("Apple\x00", "iPhone 15 Pro\x00\x00") == "Apple iPhone 15 Pro"
    assert camera_name(b"Leica", None) == "Leica"
    assert camera_name(None, 3) == ""
    assert camera_name("A\nB\tC", "") == "A B C"
    assert len(camera_name("x" * 500, "")) == 80


def test_a_broken_exif_block_is_no_exif_and_the_photo_is_kept() -> None:
    data = encoded(
        Image.new("RGB", (40, 30), "grey"), "JPEG", exif=b"Exif\x00\x00II*\x00\xff\xff\xff\x7f junk"
    )
    photo = check_photo("odd.jpg", data)
    assert photo.exif == NO_EXIF
    assert set(photo.renditions) == set(SIZES)


@settings(max_examples=60, deadline=None)
@given(
    lat=st.floats(-90, 90, allow_nan=False),
    lon=st.floats(-180, 180, allow_nan=False),
    taken=st.datetimes(datetime.datetime(1990, 1, 1), datetime.datetime(2099, 12, 31)).map(
        lambda t: t.replace(microsecond=0)
    ),
    offset=st.integers(-48, 56).map(lambda q: q * 15),
)
def test_position_time_and_offset_round_trip(
    lat: float, lon: float, taken: datetime.datetime, offset: int
) -> None:
    assume(abs(lat) > 1e-7 or abs(lon) > 1e-7)  # 0/0 means "no fix"
    data = make_photo(width=32, height=24, taken_local=taken, utc_offset_min=offset, lat=lat, lon=lon)
    exif = check_photo("p.jpg", data).exif
    assert exif.lat is not None and exif.lon is not None
    assert abs(exif.lat - lat) < 1e-6 and abs(exif.lon - lon) < 1e-6
    assert exif.taken_local == taken
    assert exif.utc_offset_min == offset


@settings(max_examples=30, deadline=None)
@given(camera=st.text(st.characters(codec="ascii", categories=["L", "N"]), min_size=1, max_size=20))
def test_camera_round_trip(camera: str) -> None:
    assert check_photo("c.jpg", make_photo(width=16, height=16, camera=camera)).exif.camera == camera


# ------------------------------------------------------------------------------------ the renditions


def test_renditions_are_bounded_progressive_rgb_jpegs_without_metadata() -> None:
    data = make_photo(
        width=2700, height=1800, taken_local=TAKEN, utc_offset_min=120, lat=45.5, lon=-7.5, camera="Nikon Z 6"
    )
    photo = check_photo("big.jpg", data)
    assert list(photo.renditions) == list(SIZES)
    shapes = {}
    for key, copy in photo.renditions.items():
        im = opened(copy)
        shapes[key] = im.size
        assert (im.format, im.mode, im.info.get("progressive")) == ("JPEG", "RGB", 1)
        assert not im.getexif()
        for secret in (b"Exif", b"GPS", b"Nikon", b"2024:06:01", b"http://ns.adobe.com/xap", b"ICC_PROFILE"):
            assert secret not in copy
    assert shapes == {"thumb": (320, 213), "screen": (1280, 853), "full": (2560, 1707)}


def test_a_large_turned_jpeg_decoded_at_reduced_scale_keeps_exact_sizes() -> None:
    # 5200 px wide: decoded at half scale (DCT scaling); the copies' sizes still come from 5200 x 3001
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    data = encoded(draw_scene(1300, 750).resize((5200, 3001)), "JPEG", quality=70, exif=exif.tobytes())
    photo = check_photo("DSC_9999.JPG", data)
    assert (photo.width, photo.height) == (3001, 5200)
    sizes = {key: opened(copy).size for key, copy in photo.renditions.items()}
    assert sizes == {"thumb": (185, 320), "screen": (739, 1280), "full": (1477, 2560)}


def test_small_photos_are_never_enlarged() -> None:
    photo = check_photo("small.jpg", make_photo(width=300, height=200))
    assert {key: opened(copy).size for key, copy in photo.renditions.items()} == dict.fromkeys(
        SIZES, (300, 200)
    )


def test_comment_xmp_and_colour_profile_of_the_original_are_dropped() -> None:
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF>photographer secret</rdf:RDF></x:xmpmeta>'
    original = encoded(
        opened(make_photo(width=200, height=120)), "JPEG", icc_profile=srgb, comment=b"secret", xmp=xmp
    )
    assert b"ICC_PROFILE" in original and b"secret" in original and b"xmpmeta" in original
    for copy in check_photo("tagged.jpg", original).renditions.values():
        assert b"ICC_PROFILE" not in copy and b"secret" not in copy and b"xmpmeta" not in copy


def test_a_broken_colour_profile_does_not_refuse_the_photo() -> None:
    data = encoded(Image.new("RGB", (40, 30), (10, 120, 200)), "JPEG", icc_profile=b"not a profile at all")
    thumb = opened(check_photo("p.jpg", data).renditions["thumb"])
    assert np.abs(np.asarray(thumb, dtype=int) - (10, 120, 200)).max() <= 8


def upright_difference(rendition: bytes, width: int, height: int) -> float:
    return float(
        np.abs(np.asarray(opened(rendition), int) - np.asarray(draw_scene(width, height), int)).mean()
    )


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_orientation_is_shown_upright(orientation: int) -> None:
    data = make_photo(width=120, height=80, orientation=orientation)
    stored = opened(data).size
    assert stored == ((80, 120) if orientation >= 5 else (120, 80))
    photo = check_photo("turned.jpg", data)
    assert (photo.width, photo.height) == (120, 80)
    assert upright_difference(photo.renditions["full"], 120, 80) < 6  # JPEG noise, not a turned picture
    if orientation in (2, 3, 4):  # stored flipped: the check above would see a missed turn
        assert upright_difference(data, 120, 80) > 20


def test_orientation_six_swaps_width_and_height() -> None:
    data = make_photo(width=1600, height=1067, orientation=6, start_no=12)
    assert opened(data).size == (1067, 1600)
    photo = check_photo("portrait.jpg", data)
    assert (photo.width, photo.height) == (1600, 1067)
    assert opened(photo.renditions["screen"]).size == (1280, 854)


# ------------------------------------------------------------------------------------ other formats


def test_a_png_without_exif() -> None:
    photo = check_photo("shot.png", encoded(draw_scene(200, 120), "PNG"))
    assert (photo.format, photo.width, photo.height, photo.exif) == ("PNG", 200, 120, NO_EXIF)
    assert opened(photo.renditions["thumb"]).format == "JPEG"


def test_a_png_with_exif() -> None:
    exif = opened(make_photo(width=16, height=16, taken_local=TAKEN, lat=44.0, lon=11.0)).getexif()
    photo = check_photo("shot.png", encoded(draw_scene(60, 40), "PNG", exif=exif.tobytes()))
    assert (photo.exif.taken_local, photo.exif.lat, photo.exif.lon) == (TAKEN, 44.0, 11.0)


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P", "L", "1", "CMYK"])
def test_other_colour_modes_become_rgb(mode: str) -> None:
    fmt = "JPEG" if mode == "CMYK" else "PNG"
    im = draw_scene(80, 60).convert(mode)
    photo = check_photo(f"m.{fmt.lower()}", encoded(im, fmt))
    assert opened(photo.renditions["thumb"]).mode == "RGB"
    assert (photo.width, photo.height) == (80, 60)


def test_transparency_is_shown_on_white() -> None:
    im = Image.new("RGBA", (40, 30), (200, 0, 0, 0))
    thumb = opened(check_photo("t.png", encoded(im, "PNG")).renditions["thumb"])
    assert min(thumb.getpixel((20, 15))) >= 250  # type: ignore[arg-type]


def test_sixteen_bit_grey_is_scaled_not_clipped() -> None:
    im = Image.fromarray(np.full((30, 40), 32768, dtype=np.uint16))
    assert im.mode == "I;16"
    thumb = opened(check_photo("scan.png", encoded(im, "PNG")).renditions["thumb"])
    assert all(abs(v - 128) <= 2 for v in thumb.getpixel((20, 15)))  # type: ignore[union-attr]


def test_heic_is_read_with_its_exif() -> None:
    assert pf.HEIF_READABLE, "pillow-heif is a dependency"
    exif = opened(make_photo(width=16, height=16, taken_local=TAKEN, lat=-3.5, lon=-60.25)).getexif()
    data = encoded(draw_scene(320, 200), "HEIF", exif=exif.tobytes(), quality=70)
    assert data[4:12] == b"ftypheic"
    photo = check_photo("IMG_4711.HEIC", data)
    assert (photo.format, photo.width, photo.height) == ("HEIF", 320, 200)
    assert (photo.exif.taken_local, photo.exif.lat, photo.exif.lon) == (TAKEN, -3.5, -60.25)
    assert all(b"Exif" not in copy for copy in photo.renditions.values())


def test_heic_without_pillow_heif_says_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    data = encoded(draw_scene(64, 48), "HEIF", quality=50)
    monkeypatch.setattr(pf, "HEIF_READABLE", False)
    message = refusal("IMG_4711.HEIC", data)
    assert "HEIC" in message and "pillow-heif" in message


def test_a_phone_jpeg_with_a_preview_image_mpo_is_a_jpeg() -> None:
    first = opened(make_photo(width=120, height=80))
    data = encoded(first, "MPO", save_all=True, append_images=[first.resize((60, 40))])
    assert opened(data).format == "MPO"
    photo = check_photo("DSC_0001.JPG", data)
    assert (photo.format, photo.width, photo.height) == ("JPEG", 120, 80)


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "WEBP", "TIFF"])
def test_other_image_formats_are_refused(fmt: str) -> None:
    data = encoded(draw_scene(40, 30), fmt)
    assert refusal(f"x.{fmt.lower()}", data) == f"x.{fmt.lower()}: not a photo (JPEG, HEIC or PNG expected)"


# ------------------------------------------------------------------------------------------ refusals


def test_not_an_image() -> None:
    message = refusal("IMG_1.txt", b"Dear organiser, here are my photos.\n")
    assert message == "IMG_1.txt: not a photo (JPEG, HEIC or PNG expected)"


def test_an_empty_file() -> None:
    assert refusal("IMG_2.jpg", b"") == "IMG_2.jpg: empty file"


def test_a_file_over_the_byte_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    # the limit is lowered rather than 40 MB allocated; the message's arithmetic is the same
    monkeypatch.setattr(pf, "MAX_BYTES", 1 * MiB)
    photo = make_photo(width=64, height=48)
    padded = photo + b"\0" * (MiB - len(photo))  # exactly at the limit: accepted (JPEG ignores the tail)
    assert check_photo("ok.jpg", padded).width == 64
    assert refusal("huge.jpg", padded + b"\0") == "huge.jpg: 1.1 MB, more than the 1 MB allowed"
    assert refusal("huge.jpg", b"\0" * (MiB * 3 // 2)) == "huge.jpg: 1.5 MB, more than the 1 MB allowed"


def test_the_byte_limit_message_at_its_real_size() -> None:
    # bytes(n) is zeroed by calloc: the 52 MB are not even touched before the file is refused
    message = refusal("huge.jpg", bytes(int(52.3 * MiB)))
    assert message == "huge.jpg: 52.3 MB, more than the 40 MB allowed"


@pytest.mark.parametrize(
    ("data", "shown"),
    [
        (png_declaring(20000, 20000), "400"),  # beyond Pillow's own error limit
        (png_declaring(10000, 9000), "90"),  # beyond Pillow's warning limit
        (png_declaring(9000, 9000), "81"),  # only Miglia's limit
        (png_declaring(8944, 8945), "80.1"),  # 80,004,080 pixels: never shown as "80"
        (jpeg_declaring(20000, 20000), "400"),
        (jpeg_declaring(12000, 8000), "96"),
    ],
)
def test_image_bombs_are_refused_from_the_header(
    data: bytes, shown: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads: list[object] = []
    real_load = ImageFile.ImageFile.load
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda im: loads.append(im) or real_load(im))
    assert len(data) < 3000
    message = refusal("bomb.png", data)
    assert message == f"bomb.png: {shown} megapixels, more than the 80 allowed"
    assert loads == []  # refused before a pixel was decoded


def test_the_pixel_limit_applies_to_real_photos(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pf, "MAX_PIXELS", 1000)
    message = refusal("big.jpg", make_photo(width=64, height=48))
    assert message == "big.jpg: 0.1 megapixels, more than the 0.001 allowed"


@pytest.mark.parametrize("keep", [0.05, 0.3, 0.6, 0.95])
def test_a_truncated_jpeg(keep: float) -> None:
    data = make_photo(width=400, height=300, taken_local=TAKEN, lat=45.0, lon=9.0)
    message = refusal("cut.jpg", data[: int(len(data) * keep)])
    assert "cannot be read" in message and "cut short" in message


@pytest.mark.parametrize("keep", [0.02, 0.5, 0.9])
def test_a_truncated_png(keep: float) -> None:
    data = encoded(draw_scene(200, 150), "PNG")
    assert "cannot be read" in refusal("cut.png", data[: int(len(data) * keep)])


def test_a_damaged_jpeg_header_is_not_called_not_a_photo() -> None:
    message = refusal("bad.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 40)
    assert message.startswith("bad.jpg: cannot be read")


# ------------------------------------------------------------------------------------------- fuzzing


def either_photo_or_refusal(data: bytes) -> None:
    try:
        photo = check_photo("f.jpg", data)
    except PhotoFileError as err:
        assert err.name == "f.jpg" and err.problem
        return
    assert isinstance(photo, CheckedPhoto)
    assert set(photo.renditions) == set(SIZES)
    assert photo.width * photo.height <= MAX_PIXELS


SEED_JPEG = make_photo(
    width=48, height=32, taken_local=TAKEN, utc_offset_min=60, lat=45.1, lon=-9.2, camera="Leica M"
)
SEED_PNG = encoded(draw_scene(24, 16).convert("P"), "PNG", exif=opened(SEED_JPEG).getexif().tobytes())
SEED_HEIC = encoded(draw_scene(24, 16), "HEIF", quality=40)
MAGIC = [
    b"\xff\xd8\xff",
    b"\x89PNG\r\n\x1a\n",
    b"\x00\x00\x00\x18ftypheic",
    b"\xff\xd8\xff\xe1\x00\x10Exif\x00\x00",
]


@FUZZ
@given(st.binary(max_size=600))
def test_arbitrary_bytes(data: bytes) -> None:
    either_photo_or_refusal(data)


@FUZZ
@given(st.sampled_from(MAGIC), st.binary(max_size=600))
def test_arbitrary_bytes_after_a_photo_signature(magic: bytes, data: bytes) -> None:
    either_photo_or_refusal(magic + data)


@FUZZ
@given(
    st.sampled_from([SEED_JPEG, SEED_PNG, SEED_HEIC]),
    st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), max_size=8),
    st.floats(0.0, 1.0),
)
def test_damaged_photos(seed: bytes, flips: list[tuple[float, int]], keep: float) -> None:
    data = bytearray(seed)
    for where, value in flips:
        data[int(where * len(data))] = value
    either_photo_or_refusal(bytes(data[: max(1, int(len(data) * keep))]))


# -------------------------------------------------------------------------------------- demo photos


def test_make_photo_is_deterministic_and_varies_with_its_arguments() -> None:
    base = dict(width=320, height=213, start_no=7)
    assert make_photo(**base) == make_photo(**base)  # type: ignore[arg-type]
    variants = [
        make_photo(**base),  # type: ignore[arg-type]
        make_photo(**{**base, "start_no": 8}),  # type: ignore[arg-type]
        make_photo(**{**base, "seed": 1}),  # type: ignore[arg-type]
        make_photo(**{**base, "colour": (20, 60, 160)}),  # type: ignore[arg-type]
    ]
    assert len(set(variants)) == len(variants)
    assert opened(make_photo(width=333, height=77, quality=60)).size == (333, 77)


def test_the_start_number_is_drawn_on_a_white_roundel() -> None:
    with_number = np.asarray(draw_scene(640, 427, start_no=27), int)
    without = np.asarray(draw_scene(640, 427), int)
    changed = np.abs(with_number - without).sum(axis=2) > 60
    assert 500 < changed.sum() < 640 * 427 // 20  # a disc on the door, not the whole picture
    ys, _ = np.nonzero((with_number.min(axis=2) > 240) & ~(without.min(axis=2) > 240))
    assert len(ys) > 200  # white that was not there before


@pytest.mark.parametrize("size", [(7, 100), (100, 10_001)])
def test_make_photo_refuses_silly_sizes(size: tuple[int, int]) -> None:
    with pytest.raises(ValueError, match="photo size"):
        make_photo(width=size[0], height=size[1])


def test_make_photo_refuses_unknown_orientations() -> None:
    with pytest.raises(ValueError, match="orientation"):
        make_photo(orientation=9)
