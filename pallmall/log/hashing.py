"""RFC 9162 §2.1.1 Merkle tree hashing: leaf and node hashes, the empty root, the split rule."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

HASH_SIZE = 32
"""Size in bytes of every hash in the tree (SHA-256)."""

EMPTY_ROOT = hashlib.sha256(b"").digest()
"""MTH({}) = SHA-256() — the root of the empty tree (RFC 9162 §2.1.1)."""

_sha256 = hashlib.sha256


def leaf_hash(data: bytes) -> bytes:
    """Return MTH({d}) = SHA-256(0x00 || d) (RFC 9162 §2.1.1)."""
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return SHA-256(0x01 || left || right), an interior node (RFC 9162 §2.1.1)."""
    return _sha256(b"\x01" + left + right).digest()


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """Return MTH(D[n]) for leaf hashes already computed; O(n) (RFC 9162 §2.1.1).

    This is the reference computation used by tests and by the auditor on one tile;
    logs compute roots from stored tiles instead.
    """
    if not hashes:
        return EMPTY_ROOT
    return fold_subtrees(perfect_subtree_roots(hashes))


def perfect_subtree_roots(hashes: Sequence[bytes]) -> list[bytes]:
    """Return the roots of the perfect subtrees that MTH splits ``hashes`` into, left to right.

    The sizes are the binary digits of ``len(hashes)`` from the highest down.
    """
    roots: list[tuple[int, bytes]] = []  # (height, hash) stack
    for h in hashes:
        height, cur = 0, h
        while roots and roots[-1][0] == height:
            cur = node_hash(roots.pop()[1], cur)
            height += 1
        roots.append((height, cur))
    return [h for _, h in roots]


def fold_subtrees(roots: Sequence[bytes]) -> bytes:
    """Combine perfect subtree roots (left to right, decreasing sizes) into one MTH.

    The rightmost subtrees are joined first, as RFC 9162 §2.1.1 splits left-heavy.
    Raises ``ValueError`` on an empty sequence.
    """
    if not roots:
        raise ValueError("no subtrees to fold")
    acc = roots[-1]
    for h in reversed(roots[:-1]):
        acc = node_hash(h, acc)
    return acc
