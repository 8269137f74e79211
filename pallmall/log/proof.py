"""Inclusion and consistency proofs: generation from stored subtree hashes, and verification.

Generation follows RFC 9162 §2.1.3.1 (PATH) and §2.1.4.1 (PROOF/SUBPROOF); every proof
element is the hash of a range, obtained by folding hashes of perfect subtrees that a
:class:`HashSource` returns (a tile store reads them from tiles, see :mod:`.tiles`).
Verification follows RFC 9162 §2.1.3.2 and §2.1.4.2 and raises :class:`ProofError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from pallmall.core.errors import InvalidInput
from pallmall.log._internal.ranges import (
    NodeId,
    Range,
    consistency_ranges,
    inclusion_ranges,
    range_nodes,
)
from pallmall.log.errors import ProofError
from pallmall.log.hashing import EMPTY_ROOT, HASH_SIZE, fold_subtrees, node_hash

__all__ = [
    "ConsistencyProof",
    "HashSource",
    "InclusionProof",
    "NodeId",
    "consistency_proof",
    "inclusion_proof",
    "root_hash",
    "verify_consistency",
    "verify_inclusion",
]


class HashSource(Protocol):
    """Returns hashes of perfect subtrees of a log (its stored tiles, or memory)."""

    def node_hashes(self, nodes: Sequence[NodeId]) -> list[bytes]:
        """Return the hash of each ``(level, index)`` node, in order.

        MUST raise (``TileError`` or ``InvalidInput``) rather than return a wrong or
        missing hash.
        """
        ...


@dataclass(frozen=True)
class InclusionProof:
    """An inclusion proof of leaf ``index`` in the tree of ``tree_size`` leaves."""

    index: int
    tree_size: int
    leaf_hash: bytes
    root: bytes
    proof: tuple[bytes, ...]


@dataclass(frozen=True)
class ConsistencyProof:
    """A consistency proof from ``old_size`` to ``tree_size``."""

    old_size: int
    tree_size: int
    old_root: bytes
    root: bytes
    proof: tuple[bytes, ...]


def _range_hashes(source: HashSource, ranges: Sequence[Range]) -> list[bytes]:
    """MTH of each range, with one batched read of all the perfect subtrees needed."""
    per_range = [range_nodes(b, e) for b, e in ranges]
    flat = [n for nodes in per_range for n in nodes]
    hashes = source.node_hashes(flat) if flat else []
    out: list[bytes] = []
    pos = 0
    for nodes in per_range:
        out.append(fold_subtrees(hashes[pos : pos + len(nodes)]))
        pos += len(nodes)
    return out


def root_hash(source: HashSource, tree_size: int) -> bytes:
    """Return MTH(D[0:tree_size]) from stored subtree hashes (RFC 9162 §2.1.1)."""
    if tree_size < 0:
        raise InvalidInput("tree_size", "must be >= 0")
    if tree_size == 0:
        return EMPTY_ROOT
    return _range_hashes(source, [(0, tree_size)])[0]


def inclusion_proof(source: HashSource, index: int, tree_size: int) -> InclusionProof:
    """Return the inclusion proof of leaf ``index`` in the tree of ``tree_size`` leaves.

    RFC 9162 §2.1.3.1. ``tree_size`` is the size asked for, never a moving head; the
    source MUST hold a tree of at least that size. Raises ``InvalidInput`` unless
    ``0 <= index < tree_size``.
    """
    if not 0 <= index < tree_size:
        raise InvalidInput("index", f"must be in [0, {tree_size}) for tree_size {tree_size}")
    ranges = [(index, index + 1), (0, tree_size), *inclusion_ranges(index, tree_size)]
    hashes = _range_hashes(source, ranges)
    return InclusionProof(index, tree_size, hashes[0], hashes[1], tuple(hashes[2:]))


def consistency_proof(source: HashSource, old_size: int, tree_size: int) -> ConsistencyProof:
    """Return the consistency proof from ``old_size`` to ``tree_size`` (RFC 9162 §2.1.4.1).

    The proof is empty when ``old_size`` is 0 or equals ``tree_size`` (tlog-witness allows
    old size 0). Raises ``InvalidInput`` unless ``0 <= old_size <= tree_size``.
    """
    if not 0 <= old_size <= tree_size:
        raise InvalidInput("old_size", f"must be in [0, {tree_size}]")
    if tree_size == 0:
        return ConsistencyProof(0, 0, EMPTY_ROOT, EMPTY_ROOT, ())
    middle = consistency_ranges(old_size, tree_size) if 0 < old_size < tree_size else []
    old_range = [(0, old_size)] if old_size else []
    hashes = _range_hashes(source, [*old_range, (0, tree_size), *middle])
    old_root = hashes[0] if old_size else EMPTY_ROOT
    rest = hashes[1:] if old_size else hashes
    return ConsistencyProof(old_size, tree_size, old_root, rest[0], tuple(rest[1:]))


def _check_hash(name: str, value: bytes) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"{name} is {len(value)} bytes, want {HASH_SIZE}")


def verify_inclusion(
    leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree of ``tree_size`` with ``root``.

    RFC 9162 §2.1.3.2. Returns ``None``; raises :class:`ProofError` on any mismatch,
    wrong proof length, or hash that is not 32 bytes.
    """
    if not 0 <= index < tree_size:
        raise ProofError(f"index {index} is not in a tree of size {tree_size}")
    _check_hash("leaf hash", leaf_hash)
    _check_hash("root", root)
    fn, sn, r = index, tree_size - 1, leaf_hash
    for i, p in enumerate(proof):
        _check_hash(f"proof[{i}]", p)
        if sn == 0:
            raise ProofError("inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("inclusion proof is too short")
    if r != root:
        raise ProofError("inclusion proof does not lead to the root")


def verify_consistency(
    old_size: int, tree_size: int, old_root: bytes, root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree (``old_size``, ``old_root``) is a prefix of (``tree_size``, ``root``).

    RFC 9162 §2.1.4.2. Equal sizes need an empty proof and equal roots (size 0 needs
    the empty root); ``old_size == 0`` with a larger tree is refused, as a proof from the
    empty tree is meaningless (tlog-witness callers special-case it). Raises
    :class:`ProofError`.
    """
    if not 0 <= old_size <= tree_size:
        raise ProofError(f"old size {old_size} is not in [0, {tree_size}]")
    if old_size == tree_size:
        _verify_same_size(old_size, old_root, root, proof)
        return
    if old_size == 0:
        raise ProofError("a consistency proof from the empty tree is meaningless")
    if not proof:
        raise ProofError("empty consistency proof")
    _check_hash("old root", old_root)
    _check_hash("root", root)
    for i, p in enumerate(proof):
        _check_hash(f"proof[{i}]", p)
    _verify_consistency_path(old_size, tree_size, old_root, root, proof)


def _verify_same_size(size: int, old_root: bytes, root: bytes, proof: Sequence[bytes]) -> None:
    if proof:
        raise ProofError("sizes are equal but the proof is not empty")
    if size == 0 and old_root != EMPTY_ROOT:
        raise ProofError("the root of the empty tree must be SHA-256 of the empty string")
    if old_root != root:
        raise ProofError("sizes are equal but the roots differ")


def _verify_consistency_path(
    old_size: int, tree_size: int, old_root: bytes, root: bytes, proof: Sequence[bytes]
) -> None:
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, tree_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is too long")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("consistency proof is too short")
    if fr != old_root:
        raise ProofError("consistency proof does not lead to the old root")
    if sr != root:
        raise ProofError("consistency proof does not lead to the new root")
