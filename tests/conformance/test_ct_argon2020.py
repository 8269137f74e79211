"""Google Argon2020 CT log: a 30-hash inclusion and a 30-hash consistency proof at ~962M leaves."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from pallmall.log.errors import ProofError
from pallmall.log.hashing import leaf_hash
from pallmall.log.proof import verify_consistency, verify_inclusion

pytestmark = pytest.mark.shared


def _load(vectors: Path, name: str) -> dict:
    return json.loads((vectors / "ct-argon2020" / name).read_text())


def test_inclusion_of_leaf_10000(vectors: Path) -> None:
    sth, proof = _load(vectors, "sth.json"), _load(vectors, "proof.json")
    leaf = base64.b64decode(_load(vectors, "entries.json")["entries"][0]["leaf_input"])
    path = [base64.b64decode(h) for h in proof["audit_path"]]
    root = base64.b64decode(sth["sha256_root_hash"])
    verify_inclusion(leaf_hash(leaf), proof["leaf_index"], sth["tree_size"], path, root)
    with pytest.raises(ProofError):
        verify_inclusion(leaf_hash(leaf), 10001, sth["tree_size"], path, root)


def test_consistency_from_3654490(vectors: Path) -> None:
    sth, meta = _load(vectors, "sth.json"), _load(vectors, "META.json")
    proof = [base64.b64decode(h) for h in _load(vectors, "consistency.json")["consistency"]]
    old = meta["old_tree"]
    old_root = base64.b64decode(old["root_hash_b64"])
    root = base64.b64decode(sth["sha256_root_hash"])
    verify_consistency(old["tree_size"], sth["tree_size"], old_root, root, proof)
    with pytest.raises(ProofError):
        verify_consistency(old["tree_size"], sth["tree_size"], old_root, root, proof[:-1])
