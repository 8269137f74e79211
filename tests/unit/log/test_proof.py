"""Property tests: every generated proof verifies; any mutation fails (RFC 9162 §2.1.3, §2.1.4)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pallmall.core.errors import InvalidInput
from pallmall.log.errors import ProofError
from pallmall.log.hashing import EMPTY_ROOT, leaf_hash
from pallmall.log.memory import MemoryHashSource
from pallmall.log.proof import (
    consistency_proof,
    inclusion_proof,
    root_hash,
    verify_consistency,
    verify_inclusion,
)

LEAVES = [leaf_hash(b"leaf %d" % i) for i in range(300)]
SOURCE = MemoryHashSource(LEAVES)


def _flip(data: bytes, bit: int) -> bytes:
    b = bytearray(data)
    b[(bit // 8) % len(b)] ^= 1 << (bit % 8)
    return bytes(b)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 300).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n - 1))))
def test_inclusion_proofs_verify(case: tuple[int, int]) -> None:
    size, index = case
    p = inclusion_proof(SOURCE, index, size)
    assert p.root == root_hash(SOURCE, size)
    verify_inclusion(LEAVES[index], index, size, p.proof, p.root)


@settings(max_examples=150, deadline=None)
@given(
    st.integers(2, 300).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n - 1))),
    st.integers(0, 10_000),
    st.sampled_from(["flip", "drop", "extra", "index", "leaf"]),
)
def test_any_inclusion_mutation_fails(case: tuple[int, int], bit: int, how: str) -> None:
    size, index = case
    p = inclusion_proof(SOURCE, index, size)
    proof, leaf, idx = list(p.proof), LEAVES[index], index
    if how == "flip":
        proof[bit % len(proof)] = _flip(proof[bit % len(proof)], bit)
    elif how == "drop":
        proof.pop(bit % len(proof))
    elif how == "extra":
        proof.append(LEAVES[0])
    elif how == "index":
        idx = (index + 1 + bit % (size - 1)) % size
    else:
        leaf = _flip(leaf, bit)
    with pytest.raises(ProofError):
        verify_inclusion(leaf, idx, size, proof, p.root)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 300).flatmap(lambda n: st.tuples(st.integers(1, n), st.just(n))))
def test_consistency_proofs_verify(case: tuple[int, int]) -> None:
    old, size = case
    c = consistency_proof(SOURCE, old, size)
    assert c.old_root == root_hash(SOURCE, old)
    verify_consistency(old, size, c.old_root, c.root, c.proof)


@settings(max_examples=150, deadline=None)
@given(
    st.integers(3, 300).flatmap(lambda n: st.tuples(st.integers(1, n - 1), st.just(n))),
    st.integers(0, 10_000),
    st.sampled_from(["flip", "drop", "extra", "old_root", "root", "old_size"]),
)
def test_any_consistency_mutation_fails(case: tuple[int, int], bit: int, how: str) -> None:
    old, size = case
    c = consistency_proof(SOURCE, old, size)
    proof, old_root, root, m = list(c.proof), c.old_root, c.root, old
    if how == "flip":
        proof[bit % len(proof)] = _flip(proof[bit % len(proof)], bit)
    elif how == "drop":
        proof.pop(bit % len(proof))
    elif how == "extra":
        proof.append(LEAVES[0])
    elif how == "old_root":
        old_root = _flip(old_root, bit)
    elif how == "root":
        root = _flip(root, bit)
    else:
        m = old + 1 if old + 1 < size else old - 1
        if m == 0 or root_hash(SOURCE, m) == old_root:
            return
    with pytest.raises(ProofError):
        verify_consistency(m, size, old_root, root, proof)


def test_empty_tree_and_bad_arguments() -> None:
    assert root_hash(SOURCE, 0) == EMPTY_ROOT
    verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    assert consistency_proof(SOURCE, 0, 5).proof == ()
    with pytest.raises(InvalidInput):
        inclusion_proof(SOURCE, 5, 5)
    with pytest.raises(InvalidInput):
        consistency_proof(SOURCE, 6, 5)
    with pytest.raises(ProofError, match="meaningless"):
        verify_consistency(0, 5, EMPTY_ROOT, root_hash(SOURCE, 5), [])


def test_tree_size_is_bound_by_the_root_not_the_proof() -> None:
    """What protects a verifier: the proof alone does not bind the tree size (the proof of
    leaf 0 in a tree of 3 also checks as a tree of 4 against the size-3 root, RFC 9162), so
    it MUST take size and root together from a verified checkpoint; then a size-3 proof
    fails against the size-4 root, and only the size-4 proof passes."""
    p3, p4 = inclusion_proof(SOURCE, 0, 3), inclusion_proof(SOURCE, 0, 4)
    assert p4.root == root_hash(SOURCE, 4) != p3.root
    with pytest.raises(ProofError):
        verify_inclusion(LEAVES[0], 0, 4, p3.proof, p4.root)
    verify_inclusion(LEAVES[0], 0, 4, p4.proof, p4.root)
    # the limitation itself: the same path, with the size-3 root, checks as size 4
    verify_inclusion(LEAVES[0], 0, 4, p3.proof, p3.root)
