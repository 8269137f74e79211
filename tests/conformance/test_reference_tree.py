"""RFC 6962 / RFC 9162 reference tree: leaf, node and root hashes for sizes 0..8."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pallmall.log.hashing import leaf_hash, node_hash, root_from_leaf_hashes
from pallmall.log.memory import MemoryHashSource
from pallmall.log.proof import (
    consistency_proof,
    inclusion_proof,
    root_hash,
    verify_consistency,
    verify_inclusion,
)

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def ref(vectors: Path) -> dict:
    return json.loads((vectors / "rfc6962-reference" / "reference-tree.json").read_text())


def test_leaf_and_node_hashes(ref: dict) -> None:
    leaves = [leaf_hash(bytes.fromhex(x)) for x in ref["leaf_inputs_hex"]]
    level = leaves
    for want in ref["node_hashes_hex_by_level"]:
        assert [h.hex() for h in level] == want
        level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]


def test_roots_for_every_size(ref: dict) -> None:
    leaves = [leaf_hash(bytes.fromhex(x)) for x in ref["leaf_inputs_hex"]]
    source = MemoryHashSource(leaves)
    for size, want in enumerate(ref["root_hashes_hex_by_size"]):
        assert root_from_leaf_hashes(leaves[:size]).hex() == want
        assert root_hash(source, size).hex() == want


def test_generated_proofs_verify_against_reference_roots(ref: dict) -> None:
    leaves = [leaf_hash(bytes.fromhex(x)) for x in ref["leaf_inputs_hex"]]
    roots = [bytes.fromhex(h) for h in ref["root_hashes_hex_by_size"]]
    source = MemoryHashSource(leaves)
    for size in range(1, 9):
        for i in range(size):
            p = inclusion_proof(source, i, size)
            verify_inclusion(leaves[i], i, size, p.proof, roots[size])
        for old in range(1, size + 1):
            c = consistency_proof(source, old, size)
            verify_consistency(old, size, roots[old], roots[size], c.proof)
