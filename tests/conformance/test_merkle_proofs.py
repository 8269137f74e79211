"""transparency-dev/merkle proof vectors: ok == !wantErr for all (RFC 9162 §2.1.3, §2.1.4)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from pallmall.core.errors import VerificationError
from pallmall.log.proof import verify_consistency, verify_inclusion

VECTORS = Path(__file__).resolve().parents[2].parent / "shared" / "tlog-vectors"
MERKLE = VECTORS / "transparency-dev-merkle" / "testdata"


def cases(kind: str) -> list[Path]:
    """All JSON cases of ``inclusion`` or ``consistency`` (empty when ../shared is absent)."""
    return sorted((MERKLE / kind).rglob("*.json")) if MERKLE.is_dir() else []


def load(path: Path) -> Any:
    return json.loads(path.read_text())


def b64(value: str) -> bytes:
    return base64.b64decode(value)


pytestmark = pytest.mark.shared

INCLUSION = cases("inclusion")
CONSISTENCY = cases("consistency")


def _id(path: Path) -> str:
    return str(path.relative_to(MERKLE))


def test_all_196_cases_are_present(vectors: Path) -> None:
    assert len(INCLUSION) + len(CONSISTENCY) == 196


@pytest.mark.parametrize("path", INCLUSION, ids=_id)
def test_inclusion_vector(path: Path) -> None:
    v = load(path)
    proof = [b64(h) for h in v["proof"] or []]
    try:
        verify_inclusion(b64(v["leafHash"]), v["leafIdx"], v["treeSize"], proof, b64(v["root"]))
    except VerificationError:
        assert v["wantErr"], v["desc"]
    else:
        assert not v["wantErr"], v["desc"]


@pytest.mark.parametrize("path", CONSISTENCY, ids=_id)
def test_consistency_vector(path: Path) -> None:
    v = load(path)
    proof = [b64(h) for h in v["proof"] or []]
    try:
        verify_consistency(v["size1"], v["size2"], b64(v["root1"]), b64(v["root2"]), proof)
    except VerificationError:
        assert v["wantErr"], v["desc"]
    else:
        assert not v["wantErr"], v["desc"]
