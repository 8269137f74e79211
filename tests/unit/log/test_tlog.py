"""TransparencyLog end to end on disk: append, integrate, proofs, receipts, audit, tampering."""

from __future__ import annotations

import base64
import threading
import time
from pathlib import Path

import pytest

from pallmall.core.errors import InvalidInput
from pallmall.log.audit import verify_log
from pallmall.log.entry import make_entry
from pallmall.log.errors import CheckpointError, NoteError, ReceiptError, TileError
from pallmall.log.hashing import leaf_hash
from pallmall.log.keys import ensure_signing_key, load_signing_key
from pallmall.log.note import generate_signer
from pallmall.log.proof import verify_consistency, verify_inclusion
from pallmall.log.receipt import Receipt, verify_receipt
from pallmall.log.tlog import TransparencyLog

ORIGIN = "test.pallmall.example/log"


@pytest.fixture
def log(tmp_path: Path) -> TransparencyLog:
    return TransparencyLog.open(tmp_path / "log", generate_signer(ORIGIN))


def test_append_integrate_and_prove_any_smaller_size(log: TransparencyLog) -> None:
    entries = [b"entry %d" % i for i in range(700)]
    assert log.append(entries[:300]) == list(range(300))
    assert log.checkpoint().checkpoint.size == 0  # not integrated yet
    log.integrate()
    assert log.append(entries[300:]) == list(range(300, 700))
    cp = log.integrate().checkpoint
    assert cp.size == 700
    for size in (1, 256, 300, 513, 700):
        p = log.inclusion_proof(size - 1, size)
        verify_inclusion(leaf_hash(entries[size - 1]), size - 1, size, p.proof, p.root)
        c = log.consistency_proof(size, 700)
        verify_consistency(size, 700, c.old_root, cp.root, c.proof)
    assert log.entry(513) == entries[513]
    with pytest.raises(InvalidInput, match="tree_size"):
        log.inclusion_proof(0, 701)


def test_receipt_verifies_offline_and_detects_tampering(log: TransparencyLog) -> None:
    data, _ = make_entry("registry.change", "org/1", {"name": "Vendor"})
    [index] = log.append([data])
    log.integrate()
    receipt = Receipt.from_json(log.receipt(index).to_json())
    assert verify_receipt(receipt, log.vkey).size == 1
    with pytest.raises(ReceiptError):
        verify_receipt(Receipt(b"other", index, receipt.checkpoint, receipt.proof), log.vkey)
    with pytest.raises(ReceiptError):
        verify_receipt(receipt, generate_signer(ORIGIN).vkey)


def test_verify_log_and_tampered_folders(log: TransparencyLog) -> None:
    log.append([b"e%d" % i for i in range(600)])
    log.integrate()
    root = log.store.root
    report = verify_log(root, log.vkey)
    assert report.checkpoint.size == 600 and report.bundles_checked == 3
    bundle = root / "tile/entries/001"
    original = bundle.read_bytes()
    bundle.write_bytes(original[:-1] + b"X")
    with pytest.raises(TileError):
        verify_log(root, log.vkey)
    bundle.write_bytes(original)
    tile = root / "tile/0/002.p/88"
    tile.write_bytes(b"\0" * len(tile.read_bytes()))
    with pytest.raises((TileError, CheckpointError)):
        verify_log(root, log.vkey)
    with pytest.raises(NoteError):
        verify_log(root, generate_signer(ORIGIN).vkey)


def test_background_loop_signs_within_a_second(log: TransparencyLog) -> None:
    log.start(interval=0.05)
    try:
        t0 = time.monotonic()
        [index] = log.append([b"x"])
        log.wait_integrated(index, timeout=1.0)
        assert time.monotonic() - t0 < 1.0
    finally:
        log.stop()


def test_concurrent_appenders_get_disjoint_gap_free_indexes(log: TransparencyLog) -> None:
    got: list[int] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        for i in range(20):
            indexes = log.append([b"w%d-%d-%d" % (n, i, j) for j in range(5)])
            with lock:
                got.extend(indexes)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == list(range(400))
    log.integrate()
    verify_log(log.store.root, log.vkey)


def test_reopen_resumes_from_tiles(tmp_path: Path) -> None:
    signer = generate_signer(ORIGIN)
    first = TransparencyLog.open(tmp_path, signer)
    first.append([b"a%d" % i for i in range(10)])
    first.integrate()
    first.append([b"b%d" % i for i in range(5)])  # sequenced, not integrated
    second = TransparencyLog.open(tmp_path, signer)
    assert second.integrate().checkpoint.size == 15
    verify_log(tmp_path / "public", signer.vkey)


def test_signing_key_file_is_owner_only(tmp_path: Path) -> None:
    vkey = ensure_signing_key(tmp_path, ORIGIN)
    path = tmp_path / "log-signing.key"
    assert path.stat().st_mode & 0o777 == 0o600
    assert ensure_signing_key(tmp_path, ORIGIN) == vkey
    assert load_signing_key(path).vkey == vkey
    path.chmod(0o644)
    with pytest.raises(InvalidInput, match="mode"):
        load_signing_key(path)
    assert base64.b64decode(vkey.split("+", 2)[2])[0] == 1
