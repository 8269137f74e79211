"""Sunlight/skylight test data: type 0x04 cosignatures and a real 300-leaf multi-level tree."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from pallmall.log.checkpoint import parse_checkpoint
from pallmall.log.cosignature import CosignatureSigner, cosignature_timestamp
from pallmall.log.errors import NoteError
from pallmall.log.fetch import DirectoryFetcher
from pallmall.log.hashing import leaf_hash, root_from_leaf_hashes
from pallmall.log.keys import verifier_from_vkey
from pallmall.log.note import parse_note, verify_note
from pallmall.log.proof import inclusion_proof, root_hash, verify_inclusion
from pallmall.log.tiles import TileHashSource

pytestmark = pytest.mark.shared
ORIGIN_HASH = "000de184301123b9278c086a7d9f68c9577e83872224c197058fd90784ea9706"


@pytest.fixture(scope="module")
def base(vectors: Path) -> Path:
    return vectors / "sunlight-skylight-testdata"


@pytest.fixture(scope="module")
def keys(base: Path) -> Any:
    return json.loads((base / "KEYS.json").read_text())


def _vkey(keys: Any, name: str) -> str:
    return str(keys["cosigner_keys"][name]["vkey"])


CASES = [
    (f"witness/{ORIGIN_HASH}/checkpoint", "witness.example.org"),
    (f"witness/mirror/{ORIGIN_HASH}/checkpoint", "mirror.example.org"),
    (
        "witness2/88ad7a28caeb0b2aa890fdf0304c2fcaf59fca2ee140134ff8c1300bac493482/checkpoint",
        "witness2.example.org",
    ),
]


@pytest.mark.parametrize(("path", "name"), CASES)
def test_cosignatures_verify(base: Path, keys: Any, path: str, name: str) -> None:
    verified = verify_note((base / path).read_bytes(), [verifier_from_vkey(_vkey(keys, name))])
    assert [s.name for s in verified.verified] == [name]
    assert cosignature_timestamp(verified.verified[0].signature) == keys["cosignature_timestamp"]


def test_origin_hash_is_sha256_of_origin(keys: Any) -> None:
    assert hashlib.sha256(keys["log_origin"].encode()).hexdigest() == ORIGIN_HASH


def test_wrong_cosigner_key_is_not_trusted(base: Path, keys: Any) -> None:
    note = (base / CASES[0][0]).read_bytes()
    with pytest.raises(NoteError):
        verify_note(note, [verifier_from_vkey(_vkey(keys, "mirror.example.org"))])


def test_rfc6962_log_signature_is_ignored_as_unknown(base: Path) -> None:
    note = parse_note((base / "rfc6962-injected-log-checkpoint").read_bytes())
    assert note.signatures[0].key_id.hex() == "91507526"


@pytest.mark.parametrize("name", ["mirror.example.org", "witness.example.org"])
def test_re_cosigning_with_the_seed_reproduces_the_line(base: Path, keys: Any, name: str) -> None:
    seed = hashlib.sha256(f"skylight test {name.split('.')[0]} key".encode()).digest()
    signer = CosignatureSigner(
        name,
        Ed25519PrivateKey.from_private_bytes(seed),
        clock=lambda: keys["cosignature_timestamp"],
    )
    assert signer.vkey == _vkey(keys, name)
    path = dict((n, p) for p, n in CASES)[name]
    note = parse_note((base / path).read_bytes())
    mine = signer.sign(note.text.encode())
    theirs = next(s for s in note.signatures if s.name == name)
    assert mine == theirs.signature


def test_real_300_leaf_tree_from_tiles(base: Path, keys: Any) -> None:
    mirror = DirectoryFetcher(base / "witness" / "mirror" / ORIGIN_HASH)
    checkpoint = parse_checkpoint(parse_note(mirror.fetch("checkpoint")).text)
    assert checkpoint.size == 300
    leaves = [leaf_hash(f"record {i}".encode()) for i in range(300)]
    assert root_from_leaf_hashes(leaves) == checkpoint.root
    source = TileHashSource(mirror, 300)
    assert root_hash(source, 300) == checkpoint.root
    for index in (0, 255, 256, 299):
        p = inclusion_proof(source, index, 300)
        verify_inclusion(leaves[index], index, 300, p.proof, checkpoint.root)
