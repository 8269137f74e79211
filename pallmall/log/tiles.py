"""Tiles as a hash source for proofs, and a durable file-system tile store.

Proof hashes come from stored tiles (never by rehashing the log): a node at tree level
``8 * L + r`` is the Merkle root of ``2**r`` consecutive hashes of one level-``L`` tile
(c2sp.org/tlog-tiles). The store writes every file through a temporary file, ``fsync``,
``rename`` and a directory ``fsync``; the folder can be served as-is by a static server.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from pallmall.core.errors import InvalidInput, NotFound
from pallmall.log._internal.files import (
    remove_temp_files,
    try_lock,
    write_durably,
    write_many_durably,
)
from pallmall.log._internal.interior import interior_nodes, interior_offset
from pallmall.log._internal.ranges import NodeId
from pallmall.log.errors import TileError
from pallmall.log.fetch import CHECKPOINT, LogFetcher
from pallmall.log.hashing import HASH_SIZE, node_hash
from pallmall.log.layout import ENTRIES, TILE_HEIGHT, TILE_WIDTH, TileId, tile_width
from pallmall.log.withholding import WithheldList, redact_bundle


def read_tile(fetcher: LogFetcher, tile: TileId) -> bytes:
    """Fetch a tile of at least ``tile.width`` hashes and return exactly that many bytes.

    A partial tile may have been replaced by a wider one or by the full tile, which
    start with the same hashes (tlog-tiles §Partial tiles); the full tile is tried when
    the partial one is gone. Raises :class:`TileError` if neither is there or too short.
    """
    want = tile.width * (1 if tile.is_entries else HASH_SIZE)
    candidates = [tile] if tile.is_full else [tile, TileId(tile.level, tile.index)]
    for candidate in candidates:
        try:
            data = fetcher.fetch(candidate.path())
        except NotFound:
            continue
        if tile.is_entries:
            return data
        if len(data) < want:
            raise TileError(f"{candidate.path()} is {len(data)} bytes, want >= {want}")
        return data[:want]
    raise TileError(f"{tile.path()} is missing")


def subtree_root(hashes: bytes, offset: int, count: int) -> bytes:
    """Merkle root of ``count`` (a power of two) 32-byte hashes starting at ``offset``."""
    level = [hashes[i * HASH_SIZE : (i + 1) * HASH_SIZE] for i in range(offset, offset + count)]
    while len(level) > 1:
        level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


class TileHashSource:
    """A :class:`~pallmall.log.proof.HashSource` reading the tiles of a tree of ``tree_size``.

    ``tree_size`` MUST be a size the fetcher's tiles cover (the current checkpoint's);
    nodes of any smaller tree are inside them. Tiles read are cached for the object's
    life; make one per request or per checkpoint.
    """

    def __init__(
        self, fetcher: LogFetcher, tree_size: int, interior: LogFetcher | None = None
    ) -> None:
        self.fetcher = fetcher
        self.tree_size = tree_size
        self.interior = interior
        self._tiles: dict[tuple[int, int], bytes] = {}
        self._interiors: dict[tuple[int, int], bytes | None] = {}

    def node_hashes(self, nodes: Sequence[NodeId]) -> list[bytes]:
        """Return each node's hash; ``InvalidInput`` for a node past ``tree_size``."""
        return [self._node(level, index) for level, index in nodes]

    def _node(self, level: int, index: int) -> bytes:
        tile_level, r = divmod(level, TILE_HEIGHT)
        first = index << r
        tile_index, offset = divmod(first, TILE_WIDTH)
        width = tile_width(tile_level, tile_index, self.tree_size)
        if offset + (1 << r) > width:
            raise InvalidInput("node", f"({level}, {index}) is not in a tree of {self.tree_size}")
        if r and self.interior is not None:
            nodes = self._interior(tile_level, tile_index, width)
            if nodes is not None:
                at = interior_offset(width, r, offset >> r)
                return nodes[at : at + HASH_SIZE]
        return subtree_root(self._tile(tile_level, tile_index, width), offset, 1 << r)

    def _interior(self, level: int, index: int, width: int) -> bytes | None:
        key = (level, index)
        if key not in self._interiors:
            assert self.interior is not None
            try:
                data: bytes | None = self.interior.fetch(TileId(level, index, width).path())
            except NotFound:
                data = None
            want = interior_offset(width, 7, width >> 7)
            self._interiors[key] = data if data is not None and len(data) == want else None
        return self._interiors[key]

    def _tile(self, level: int, index: int, width: int) -> bytes:
        key = (level, index)
        data = self._tiles.get(key)
        if data is None:
            data = read_tile(self.fetcher, TileId(level, index, width))
            self._tiles[key] = data
        return data


class FsTileStore:
    """A log folder: ``checkpoint`` and ``tile/...``, written durably.

    Full tiles MUST NOT change once written: rewriting one with other bytes raises
    :class:`TileError`. Partial tiles are kept (clients holding an older checkpoint may
    still ask for them).
    """

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.withheld = WithheldList(self.root.parent / "withheld.json")

    @contextmanager
    def writer_lock(self) -> Iterator[bool]:
        """Yield True if no other writer (thread or process) holds this folder (``flock``).

        The lock file sits beside the folder, not in it, so it is never served.
        """
        with try_lock(self.root.with_name(self.root.name + ".lock")) as held:
            yield held

    def fetch(self, path: str) -> bytes:
        """Return the bytes at ``path`` as the log wrote them (a withheld bundle's original,
        not its served, redacted copy); ``NotFound`` if absent (the LogFetcher protocol)."""
        # Only entry bundles are ever withheld: hash tiles (every proof) skip the extra open.
        if path.startswith(f"tile/{ENTRIES}/") and self.withheld.items():
            try:
                return (self.withheld_dir / path).read_bytes()
            except (FileNotFoundError, NotADirectoryError):
                pass
        try:
            return (self.root / path).read_bytes()
        except (FileNotFoundError, NotADirectoryError) as exc:
            raise NotFound(path) from exc

    @property
    def withheld_dir(self) -> Path:
        """Private folder of entry bundles that hold a withheld entry; not served."""
        return self.root.with_name(self.root.name + ".withheld")

    def withhold_bundles(self, index: int) -> list[str]:
        """Keep the original of every bundle file (full and partial) holding entry ``index``
        privately and serve it redacted (:func:`~.withholding.redact_bundle`); return the
        paths of the bundles redacted. Record the index in :attr:`withheld` first."""
        bundle = TileId(-1, index // TILE_WIDTH)
        full = self.root / bundle.path()
        found = [full, *sorted(full.with_name(full.name + ".p").glob("*"))]
        redacted = []
        for path in (p for p in found if p.is_file()):
            relative = path.relative_to(self.root)
            original = self.withheld_dir / relative
            if not original.exists():
                write_durably(original, path.read_bytes())
            start = bundle.index * TILE_WIDTH
            write_durably(path, redact_bundle(original.read_bytes(), start, self.withheld))
            redacted.append(str(relative))
        return redacted

    def _served(self, tile: TileId, path: Path, data: bytes) -> list[tuple[Path, bytes]]:
        """The files to write for ``tile``: a bundle holding a withheld entry is kept whole
        privately and written redacted to the public folder."""
        if not tile.is_entries:
            return [(path, data)]
        start = tile.index * TILE_WIDTH
        if not self.withheld.covers(start, start + tile.width):
            return [(path, data)]
        private = self.withheld_dir / tile.path()
        return [(private, data), (path, redact_bundle(data, start, self.withheld))]

    @property
    def interior(self) -> Path:
        """Private folder of interior node files (see ``_internal.interior``); not served."""
        return self.root.with_name(self.root.name + ".interior")

    def write_tiles(self, files: Iterable[tuple[TileId, bytes]]) -> None:
        """Write tiles and bundles durably (parallel fsyncs, then directory fsyncs).

        Hash tiles also get their interior node file in :attr:`interior`.
        """
        out: list[tuple[Path, bytes]] = []
        for tile, data in files:
            path = self.root / tile.path()
            if tile.is_full and path.exists():
                if self.fetch(tile.path()) != data:
                    raise TileError(f"full tile {tile.path()} would change")
                continue
            out.extend(self._served(tile, path, data))
            if not tile.is_entries:
                out.append((self.interior / tile.path(), interior_nodes(data)))
        write_many_durably(out)

    def remove_temp_files(self) -> int:
        """Delete temporary files a crashed writer left (hold :meth:`writer_lock`)."""
        found = remove_temp_files(self.root)
        if self.interior.exists():
            found += remove_temp_files(self.interior)
        return found

    def publish_checkpoint(self, note: bytes) -> None:
        """Replace ``checkpoint`` atomically (temp file, fsync, rename, fsync directory).

        Call it last, after :meth:`write_tiles` returned, so a reader never sees a
        checkpoint whose tiles are not durable.
        """
        write_durably(self.root / CHECKPOINT, note)
