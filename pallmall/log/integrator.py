"""Integrating: extending the tree with sequenced entries and producing the tiles to write.

Pure computation on a :class:`TreeState` (the partial tile of each level and the partial
entry bundle), loaded from the tiles of the last checkpoint; no I/O beyond that load.
Extending is deterministic, so re-integrating after a crash rewrites identical tiles.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pallmall.log.bundle import decode_bundle, encode_bundle
from pallmall.log.fetch import LogFetcher
from pallmall.log.hashing import (
    EMPTY_ROOT,
    HASH_SIZE,
    fold_subtrees,
    leaf_hash,
    perfect_subtree_roots,
)
from pallmall.log.layout import TILE_HEIGHT, TILE_WIDTH, TileId, level_count
from pallmall.log.tiles import read_tile, subtree_root


@dataclass
class TreeState:
    """The right edge of a tree of ``size`` leaves, as partial tiles.

    ``partials[L]`` holds the hashes of the partial tile at level ``L`` (fewer than 256);
    ``bundle`` the entries of the partial entry bundle.
    """

    size: int = 0
    partials: list[list[bytes]] = field(default_factory=list)
    bundle: list[bytes] = field(default_factory=list)

    def root(self) -> bytes:
        """MTH of the tree: fold the perfect subtrees of every partial tile, top level first."""
        roots: list[bytes] = []
        for hashes in reversed(self.partials):
            roots.extend(perfect_subtree_roots(hashes))
        return fold_subtrees(roots) if roots else EMPTY_ROOT


def load_state(fetcher: LogFetcher, size: int) -> TreeState:
    """Read the partial tiles and bundle of a tree of ``size`` from ``fetcher``.

    Raises ``TileError`` if one is missing or short.
    """
    state = TreeState(size=size)
    level = 0
    while (count := level_count(size, level)) > 0:
        width = count % TILE_WIDTH
        data = read_tile(fetcher, TileId(level, count // TILE_WIDTH, width)) if width else b""
        state.partials.append([data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)])
        level += 1
    if size % TILE_WIDTH:
        bundle = read_tile(fetcher, TileId(-1, size // TILE_WIDTH, size % TILE_WIDTH))
        state.bundle = decode_bundle(bundle, size % TILE_WIDTH)
    return state


def extend(state: TreeState, entries: Sequence[bytes]) -> list[tuple[TileId, bytes]]:
    """Append ``entries`` to ``state`` (in place); return the tiles and bundles to write.

    Returned: every tile and bundle completed by these entries (full, immutable), then the
    new partial tile of each level that changed and the new partial bundle.
    """
    files: list[tuple[TileId, bytes]] = []
    touched: set[int] = set()
    for entry in entries:
        state.bundle.append(entry)
        if len(state.bundle) == TILE_WIDTH:
            files.append((TileId(-1, state.size // TILE_WIDTH), encode_bundle(state.bundle)))
            state.bundle = []
        state.size += 1
        _add_hash(state, leaf_hash(entry), files, touched)
    files.extend(_partials(state, touched))
    if state.bundle and entries:
        index = state.size // TILE_WIDTH
        files.append((TileId(-1, index, len(state.bundle)), encode_bundle(state.bundle)))
    return files


def extend_leaves(state: TreeState, hashes: Sequence[bytes]) -> list[tuple[TileId, bytes]]:
    """Append leaves known only by their hashes (an auditor's view of a withheld bundle: its
    level-0 tile) to ``state``; return the hash tiles made (no bundle: ``state.bundle`` is
    left as it is)."""
    files: list[tuple[TileId, bytes]] = []
    touched: set[int] = set()
    for h in hashes:
        state.size += 1
        _add_hash(state, h, files, touched)
    files.extend(_partials(state, touched))
    return files


def _add_hash(
    state: TreeState, h: bytes, files: list[tuple[TileId, bytes]], touched: set[int]
) -> None:
    """Add a level-0 hash; carry full tiles up as hashes of the next tile level."""
    level = 0
    while True:
        if level == len(state.partials):
            state.partials.append([])
        tile = state.partials[level]
        tile.append(h)
        touched.add(level)
        if len(tile) < TILE_WIDTH:
            return
        data = b"".join(tile)
        index = (level_count(state.size, level) - 1) // TILE_WIDTH
        files.append((TileId(level, index), data))
        state.partials[level] = []
        h = subtree_root(data, 0, TILE_WIDTH)
        level += 1


def _partials(state: TreeState, touched: set[int]) -> list[tuple[TileId, bytes]]:
    out = []
    for level in sorted(touched):
        hashes = state.partials[level]
        if hashes:
            index = level_count(state.size, level) // TILE_WIDTH
            out.append((TileId(level, index, len(hashes)), b"".join(hashes)))
    return out


__all__ = ["TILE_HEIGHT", "TreeState", "extend", "extend_leaves", "load_state"]
