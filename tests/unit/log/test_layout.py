"""Tile paths and widths (c2sp.org/tlog-tiles)."""

from __future__ import annotations

import pytest

from pallmall.core.errors import InvalidInput
from pallmall.log.layout import (
    TileId,
    bundles_for_size,
    parse_tile_path,
    tile_width,
    tiles_for_size,
)


def test_round_trip_and_canonical_paths() -> None:
    for tile in [TileId(0, 0), TileId(1, 1234067, 7), TileId(-1, 1000, 44), TileId(3, 999)]:
        assert parse_tile_path(tile.path()) == tile
    for bad in [
        "tile/0/001/000",
        "tile/0/0001",
        "tile/0/000.p/256",
        "tile/0/000.p/0",
        "x/0/000",
        "tile/a/000",
        "tile/0/x001",
        "tile/0/000.p/01",
    ]:
        with pytest.raises(InvalidInput):
            parse_tile_path(bad)


def test_widths() -> None:
    assert tile_width(0, 0, 300) == 256
    assert tile_width(0, 1, 300) == 44
    assert tile_width(0, 2, 300) == 0
    assert tile_width(1, 0, 300) == 1
    assert [t.width for t in bundles_for_size(300)] == [256, 44]
    assert tiles_for_size(0) == []
