"""C2SP tlog-tiles layout: pure arithmetic on tile coordinates, widths and paths.

A tile at level ``L`` and index ``N`` holds up to 256 hashes of tree level ``8 * L``
(nodes ``256 * N`` ...). A full tile has 256 hashes and never changes; a partial tile of
width ``W`` (1..255) lives at ``.p/W``. Entry bundles share the level-0 indexes. No I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from pallmall.core.errors import InvalidInput

TILE_HEIGHT = 8
"""Tree levels per tile level (c2sp.org/tlog-tiles)."""

TILE_WIDTH = 1 << TILE_HEIGHT
"""Hashes (or entries) in a full tile: 256."""

ENTRIES = "entries"


@dataclass(frozen=True, order=True)
class TileId:
    """A tile (``level >= 0``) or an entry bundle (``level == -1``) of ``width`` 1..256."""

    level: int
    index: int
    width: int = TILE_WIDTH

    @property
    def is_entries(self) -> bool:
        """True for an entry bundle."""
        return self.level == -1

    @property
    def is_full(self) -> bool:
        """True for a full (immutable) tile."""
        return self.width == TILE_WIDTH

    def path(self) -> str:
        """Return the path relative to the log's prefix, e.g. ``tile/0/x001/234.p/7``."""
        level = ENTRIES if self.is_entries else str(self.level)
        suffix = "" if self.is_full else f".p/{self.width}"
        return f"tile/{level}/{encode_index(self.index)}{suffix}"


def encode_index(n: int) -> str:
    """Encode a tile index as 3-digit groups, all but the last prefixed with ``x``.

    ``1234067`` gives ``x001/x234/067`` (c2sp.org/tlog-tiles). Raises ``InvalidInput``
    on a negative index.
    """
    if n < 0:
        raise InvalidInput("index", "must be >= 0")
    groups = [f"{n % 1000:03d}"]
    n //= 1000
    while n:
        groups.append(f"x{n % 1000:03d}")
        n //= 1000
    return "/".join(reversed(groups))


def tile_path(level: int, index: int, width: int = TILE_WIDTH) -> str:
    """Return ``tile/<L>/<N>[.p/<W>]``; raises ``InvalidInput`` on a bad level or width."""
    _check(level, width)
    return TileId(level, index, width).path()


def entries_path(index: int, width: int = TILE_WIDTH) -> str:
    """Return ``tile/entries/<N>[.p/<W>]``; raises ``InvalidInput`` on a bad width."""
    _check(0, width)
    return TileId(-1, index, width).path()


def _check(level: int, width: int) -> None:
    if level < 0 or level > 63:
        raise InvalidInput("level", "must be in [0, 63]")
    if not 1 <= width <= TILE_WIDTH:
        raise InvalidInput("width", f"must be in [1, {TILE_WIDTH}]")


def parse_tile_path(path: str) -> TileId:
    """Parse ``tile/<L|entries>/<N>[.p/<W>]`` (as served under ``/log/``).

    Rejects non-canonical forms (a missing ``x``, leading zeroes past three digits,
    ``.p/256``) with ``InvalidInput``, so each tile has exactly one path.
    """
    parts = path.strip("/").split("/")
    if len(parts) < 3 or parts[0] != "tile":
        raise InvalidInput("path", "expected tile/<level>/<index>[.p/<width>]")
    level = -1 if parts[1] == ENTRIES else _parse_int(parts[1], "level")
    rest, width = parts[2:], TILE_WIDTH
    if len(rest) >= 2 and rest[-2].endswith(".p"):
        width = _parse_int(rest[-1], "width")
        rest = [*rest[:-2], rest[-2][:-2]]
    index = _parse_groups(rest)
    tile = TileId(level, index, width)
    _check(max(level, 0), width)
    if width == TILE_WIDTH and path.strip("/").endswith(f".p/{TILE_WIDTH}"):
        raise InvalidInput("width", "a full tile has no .p/ suffix")
    if tile.path() != path.strip("/"):
        raise InvalidInput("path", "not the canonical path of a tile")
    return tile


def _parse_int(value: str, field: str) -> int:
    if not value.isascii() or not value.isdigit():
        raise InvalidInput(field, f"{value!r} is not a decimal number")
    return int(value)


def _parse_groups(groups: list[str]) -> int:
    n = 0
    for i, group in enumerate(groups):
        digits = group[1:] if i < len(groups) - 1 and group.startswith("x") else group
        if len(digits) != 3:
            raise InvalidInput("index", f"bad path element {group!r}")
        n = n * 1000 + _parse_int(digits, "index")
    return n


def level_count(tree_size: int, level: int) -> int:
    """Number of complete nodes at tile level ``level`` (tree level ``8 * level``)."""
    return tree_size >> (TILE_HEIGHT * level)


def tile_width(level: int, index: int, tree_size: int) -> int:
    """Width of tile ``index`` at ``level`` in a tree of ``tree_size``; 0 if it has none."""
    count = level_count(tree_size, level)
    return max(0, min(TILE_WIDTH, count - index * TILE_WIDTH))


def tiles_for_size(tree_size: int) -> list[TileId]:
    """Every hash tile of a tree of ``tree_size`` leaves, level by level (tlog-tiles).

    Level ``L`` has ``floor(count / 256)`` full tiles and, when ``count % 256 > 0``, one
    partial tile, where ``count = tree_size >> (8 * L)``.
    """
    tiles: list[TileId] = []
    level = 0
    while (count := level_count(tree_size, level)) > 0:
        tiles.extend(TileId(level, n) for n in range(count // TILE_WIDTH))
        if count % TILE_WIDTH:
            tiles.append(TileId(level, count // TILE_WIDTH, count % TILE_WIDTH))
        level += 1
    return tiles


def bundles_for_size(tree_size: int) -> list[TileId]:
    """Every entry bundle of a tree of ``tree_size`` leaves (same indexes as level 0)."""
    return [TileId(-1, t.index, t.width) for t in tiles_for_size(tree_size) if t.level == 0]


def partial_widths(tree_size: int) -> list[int]:
    """Width of the partial tile at each level (0 when none), up to the top level."""
    widths = []
    level = 0
    while (count := level_count(tree_size, level)) > 0:
        widths.append(count % TILE_WIDTH)
        level += 1
    return widths
