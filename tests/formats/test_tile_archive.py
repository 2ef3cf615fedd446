"""Tile archives read as the web addresses tiles (XYZ, y from the north): MBTiles rows flipped from the
south, PMTiles through its directory, gzip-compressed tiles given back as the images they are."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from miglia.formats.tile_archive import TileArchiveError, in_range, media_type, open_archive
from tests.formats.tile_archives import png_tile, region_tiles, write_mbtiles, write_pmtiles


@pytest.mark.parametrize("name", ["bay.mbtiles", "bay.pmtiles"])
def test_an_archive_gives_each_tile_at_its_xyz_and_none_elsewhere(tmp_path: Path, name: str) -> None:
    tiles = region_tiles()
    (write_mbtiles if name.endswith("mbtiles") else write_pmtiles)(tmp_path / name, tiles)
    archive = open_archive(tmp_path / name)
    try:
        for (z, x, y), data in tiles.items():
            assert archive.tile(z, x, y) == data
        assert archive.tile(8, 41, 97) is None and archive.tile(8, 98, 41) is None
        assert (archive.info.format, archive.info.min_zoom, archive.info.max_zoom) == ("png", 2, 8)
        assert archive.info.name == "Bay Area" and "OpenStreetMap" in archive.info.attribution
    finally:
        archive.close()


def test_gzip_compressed_tiles_come_back_as_images(tmp_path: Path) -> None:
    from pmtiles.tile import Compression, TileType, zxy_to_tileid
    from pmtiles.writer import write

    tile = png_tile((1, 2, 3))
    with write(str(tmp_path / "gz.pmtiles")) as writer:
        writer.write_tile(zxy_to_tileid(3, 1, 2), gzip.compress(tile))
        writer.finalize(
            {"tile_type": TileType.PNG, "tile_compression": Compression.GZIP, "center_zoom": 3}
            | {
                k: 0
                for k in (
                    "min_lon_e7",
                    "min_lat_e7",
                    "max_lon_e7",
                    "max_lat_e7",
                    "center_lon_e7",
                    "center_lat_e7",
                )
            },
            {},
        )
    archive = open_archive(tmp_path / "gz.pmtiles")
    assert archive.tile(3, 1, 2) == tile and archive.info.attribution == "" and archive.info.bounds is None
    archive.close()


def test_an_mbtiles_without_a_format_is_known_by_its_tiles(tmp_path: Path) -> None:
    path = write_mbtiles(tmp_path / "x.mbtiles", {(1, 0, 0): png_tile((9, 9, 9))}, {"format": ""})
    assert open_archive(path).info.format == "png"


def test_what_is_not_an_archive_is_refused_naming_the_file(tmp_path: Path) -> None:
    with pytest.raises(
        TileArchiveError, match=r"^bay\.tif: a tile archive is a \.pmtiles or \.mbtiles file$"
    ):
        open_archive(tmp_path / "bay.tif")
    with pytest.raises(TileArchiveError, match=r"^gone\.mbtiles: no such file"):
        open_archive(tmp_path / "gone.mbtiles")


@pytest.mark.parametrize(
    ("zxy", "why"),
    [
        ((0, 0, 0), None),
        ((24, 2**24 - 1, 2**24 - 1), None),
        ((25, 0, 0), "z = 25: a zoom runs from 0 to 24"),
        ((3, 8, 0), "x = 8: at zoom 3, x runs from 0 to 7"),
        ((3, 0, -1), "y = -1: at zoom 3, y runs from 0 to 7"),
    ],
)
def test_the_bounds_of_a_tile_address(zxy: tuple[int, int, int], why: str | None) -> None:
    assert in_range(*zxy) == why


def test_a_tiles_type_is_read_from_its_first_bytes() -> None:
    assert media_type(png_tile((0, 0, 0))) == "image/png"
    assert media_type(b"\xff\xd8\xff\xe0rest") == "image/jpeg"
    assert media_type(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert media_type(b"\x1a\x00") == "application/octet-stream"
