"""Tile store, tile hash source and integrator: tiles reproduce the tree at every size."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pallmall.core.errors import InvalidInput
from pallmall.log.errors import TileError
from pallmall.log.hashing import leaf_hash, root_from_leaf_hashes
from pallmall.log.integrator import TreeState, extend, load_state
from pallmall.log.layout import TileId
from pallmall.log.proof import (
    consistency_proof,
    inclusion_proof,
    root_hash,
    verify_consistency,
    verify_inclusion,
)
from pallmall.log.tiles import FsTileStore, TileHashSource


def _build(tmp: Path, batches: list[int]) -> tuple[FsTileStore, TreeState, list[bytes]]:
    store, state, leaves = FsTileStore(tmp), TreeState(), []
    for batch in batches:
        entries = [b"e%d" % (state.size + i) for i in range(batch)]
        leaves.extend(leaf_hash(e) for e in entries)
        store.write_tiles(extend(state, entries))
        assert state.root() == root_from_leaf_hashes(leaves)
        reloaded = load_state(store, state.size)
        assert reloaded.root() == state.root() and reloaded.bundle == state.bundle
    return store, state, leaves


def test_multi_level_tree_and_proofs_for_every_smaller_size(tmp_path: Path) -> None:
    store, state, leaves = _build(tmp_path, [1, 254, 1, 300, 65536 - 556, 700])
    source = TileHashSource(store, state.size)
    for size in (1, 255, 256, 257, 65535, 65536, 65537, state.size):
        root = root_from_leaf_hashes(leaves[:size])
        assert root_hash(source, size) == root
        for index in {0, size // 2, size - 1}:
            p = inclusion_proof(source, index, size)
            verify_inclusion(leaves[index], index, size, p.proof, root)
        for old in {1, size // 3 or 1, size - 1 or 1}:
            c = consistency_proof(source, old, size)
            verify_consistency(old, size, c.old_root, root, c.proof)
    assert (tmp_path / "tile/2/000.p/1").exists()


@settings(max_examples=20, deadline=None)
@given(st.lists(st.integers(1, 600), min_size=1, max_size=5))
def test_batches_give_the_same_tiles_as_one_by_one(tmp_path_factory, batches: list[int]) -> None:
    tmp = tmp_path_factory.mktemp("t")
    _build(tmp, batches)
    one, _, _ = _build(tmp_path_factory.mktemp("o"), [sum(batches)])
    for path in (tmp / "tile").rglob("*"):
        if path.is_file() and "/.p/" not in str(path):
            twin = one.root / path.relative_to(tmp)
            if twin.exists():
                assert twin.read_bytes() == path.read_bytes()


def test_full_tiles_are_immutable(tmp_path: Path) -> None:
    store = FsTileStore(tmp_path)
    store.write_tiles([(TileId(0, 0), b"a" * 8192)])
    store.write_tiles([(TileId(0, 0), b"a" * 8192)])
    with pytest.raises(TileError, match="would change"):
        store.write_tiles([(TileId(0, 0), b"b" * 8192)])


def test_nodes_past_the_tree_are_refused(tmp_path: Path) -> None:
    store, state, _ = _build(tmp_path, [10])
    with pytest.raises(InvalidInput):
        TileHashSource(store, state.size).node_hashes([(0, 10)])


def test_missing_tile_is_a_tile_error(tmp_path: Path) -> None:
    store, state, _ = _build(tmp_path, [300])
    (tmp_path / "tile/0/000").unlink()
    with pytest.raises(TileError, match="missing"):
        TileHashSource(store, state.size).node_hashes([(0, 3)])


def test_interior_node_files_give_the_same_hashes(tmp_path: Path) -> None:
    from pallmall.log.fetch import DirectoryFetcher

    store, state, _ = _build(tmp_path / "log", [1000, 70000])
    plain = TileHashSource(store, state.size)
    fast = TileHashSource(store, state.size, DirectoryFetcher(store.interior))
    nodes = [(level, i) for level in range(17) for i in range(0, state.size >> level, 37)]
    assert fast.node_hashes(nodes) == plain.node_hashes(nodes)
    assert fast._interiors and all(v is not None for v in fast._interiors.values())
