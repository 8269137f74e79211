"""Tessera's POSIX test log (15 entries) reproduced byte for byte: checkpoints, tiles, bundles."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pallmall.log.audit import verify_log
from pallmall.log.checkpoint import sign_checkpoint, verify_checkpoint
from pallmall.log.fetch import DirectoryFetcher
from pallmall.log.integrator import TreeState, extend
from pallmall.log.keys import verifier_from_vkey
from pallmall.log.layout import TileId
from pallmall.log.note import signer_from_skey

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def log_dir(vectors: Path) -> Path:
    return vectors / "tessera-testdata-log"


@pytest.fixture(scope="module")
def keys(log_dir: Path) -> Any:
    return json.loads((log_dir / "KEYS.json").read_text())


def test_key_id_and_vkey(keys: Any) -> None:
    signer = signer_from_skey(keys["log_skey_TEST_ONLY"])
    assert signer.key_id.hex() == "33d7b496"
    assert signer.vkey == keys["log_vkey"]


def test_every_checkpoint_is_reproduced(log_dir: Path, keys: Any) -> None:
    signer = signer_from_skey(keys["log_skey_TEST_ONLY"])
    state = TreeState()
    words = [w.encode() for w in keys["entries_in_order"]]
    for size in range(16):
        if size:
            extend(state, [words[size - 1]])
        want = (log_dir / f"checkpoint.{size}").read_bytes()
        parsed = verify_checkpoint(want, [verifier_from_vkey(keys["log_vkey"])], keys["origin"])
        assert parsed.checkpoint.root == state.root()
        assert sign_checkpoint(parsed.checkpoint, signer) == want


def test_tiles_and_bundles_are_reproduced(log_dir: Path, keys: Any) -> None:
    state = TreeState()
    produced: dict[TileId, bytes] = {}
    for word in keys["entries_in_order"]:
        produced.update(extend(state, [word.encode()]))
    assert len(produced) == 30
    for tile, data in produced.items():
        assert (log_dir / tile.path()).read_bytes() == data, tile.path()


def test_verify_log_accepts_the_folder(log_dir: Path, keys: Any) -> None:
    report = verify_log(DirectoryFetcher(log_dir), keys["log_vkey"])
    assert report.checkpoint.size == 15
    assert report.bundles_checked == 1
