"""Interior nodes of a hash tile: the hashes of tree levels 8L+1 .. 8L+7 inside it.

tlog-tiles stores only level 8L; a proof needs siblings at the levels in between, which
cost up to 255 SHA-256 calls per tile to recompute. The log keeps them in a private
companion file so proofs only slice bytes. Layout: for r = 1..7, the ``width >> r``
complete nodes of sub-level r, 32 bytes each, concatenated.
"""

from __future__ import annotations

import hashlib

HASH = 32
HEIGHT = 8
_sha = hashlib.sha256


def interior_nodes(tile: bytes) -> bytes:
    """Return the interior levels of a tile (``len(tile)`` a multiple of 32, <= 8192)."""
    out, level = [], tile
    for _ in range(1, HEIGHT):
        pairs = len(level) // (2 * HASH)
        level = b"".join(
            [
                _sha(b"\x01" + level[i * 2 * HASH : (i + 1) * 2 * HASH]).digest()
                for i in range(pairs)
            ]
        )
        out.append(level)
    return b"".join(out)


def interior_offset(width: int, r: int, index: int) -> int:
    """Byte offset of node ``index`` at sub-level ``r`` (1..7) in a tile of ``width``."""
    before = sum(width >> k for k in range(1, r))
    return (before + index) * HASH
