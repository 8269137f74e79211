"""tile-paths.json: index encoding, tile paths and which tiles exist for a size (tlog-tiles)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pallmall.log.layout import (
    encode_index,
    entries_path,
    parse_tile_path,
    partial_widths,
    tile_path,
    tiles_for_size,
)

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def data(vectors: Path) -> Any:
    return json.loads((vectors / "tile-paths.json").read_text())


def test_index_encoding(data: Any) -> None:
    for case in data["index_encoding"]:
        assert encode_index(case["n"]) == case["path"]


def test_paths(data: Any) -> None:
    for case in data["examples"]:
        if case.get("entries"):
            path = entries_path(case["n"], case["width"])
        else:
            path = tile_path(case["level"], case["n"], case["width"])
        assert path == case["path"]
        parsed = parse_tile_path(path)
        assert (parsed.index, parsed.width) == (case["n"], case["width"])


def test_tiles_for_size(data: Any) -> None:
    for case in data["tree_size_to_tiles"]:
        tiles = tiles_for_size(case["tree_size"])
        widths = partial_widths(case["tree_size"])
        assert len(widths) == len(case["per_level"])
        for level in case["per_level"]:
            at = [t for t in tiles if t.level == level["level"]]
            assert sum(t.is_full for t in at) == level["full_tiles"]
            assert widths[level["level"]] == level["partial_width"]
            partial = [t.width for t in at if not t.is_full]
            assert partial == ([level["partial_width"]] if level["partial_width"] else [])
