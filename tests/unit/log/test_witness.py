"""tlog-witness add-checkpoint: cosign, 409 on a stale old size, refuse a split view."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from pallmall.core.errors import Forbidden, NotFound
from pallmall.log.cosignature import CosignatureSigner
from pallmall.log.errors import ProofError, WitnessConflict
from pallmall.log.keys import verifier_from_vkey
from pallmall.log.note import add_signatures, generate_signer, verify_note
from pallmall.log.tlog import TransparencyLog
from pallmall.log.witness import AddCheckpoint, Witness, WitnessBadRequest, parse_add_checkpoint

ORIGIN = "log.example/a"


def _setup(tmp_path: Path) -> tuple[TransparencyLog, Witness, CosignatureSigner]:
    signer = generate_signer(ORIGIN)
    log = TransparencyLog.open(tmp_path / "log", signer)
    cosigner = CosignatureSigner("witness.example", Ed25519PrivateKey.generate())
    witness = Witness(cosigner, {ORIGIN: [signer.vkey]}, tmp_path / "witness.json")
    return log, witness, cosigner


def test_add_checkpoint_flow(tmp_path: Path) -> None:
    log, witness, cosigner = _setup(tmp_path)
    log.append([b"a%d" % i for i in range(10)])
    first = log.integrate()
    body = AddCheckpoint(0, (), first.note).encode()
    assert parse_add_checkpoint(body) == AddCheckpoint(0, (), first.note)
    lines = witness.add_checkpoint(body)
    cosigned = add_signatures(first.note, lines)
    verify_note(cosigned, [verifier_from_vkey(cosigner.vkey)])

    log.append([b"b%d" % i for i in range(20)])
    second = log.integrate()
    with pytest.raises(WitnessConflict) as conflict:
        witness.add_checkpoint(AddCheckpoint(0, (), second.note).encode())
    assert conflict.value.size == 10 and conflict.value.status == 409
    proof = log.consistency_proof(10, 30).proof
    bad = (proof[0][:-1] + bytes([proof[0][-1] ^ 1]), *proof[1:])
    with pytest.raises(ProofError):
        witness.add_checkpoint(AddCheckpoint(10, bad, second.note).encode())
    witness.add_checkpoint(AddCheckpoint(10, proof, second.note).encode())
    # state survives a restart
    again = Witness(witness.signer, witness.logs, witness.state_file)
    with pytest.raises(WitnessConflict):
        again.add_checkpoint(AddCheckpoint(10, proof, second.note).encode())


def test_split_view_and_rejections(tmp_path: Path) -> None:
    log, witness, _ = _setup(tmp_path)
    log.append([b"a"])
    cp = log.integrate()
    witness.add_checkpoint(AddCheckpoint(0, (), cp.note).encode())
    fork = TransparencyLog.open(tmp_path / "fork", log.signer)
    fork.append([b"b"])
    with pytest.raises(WitnessConflict, match="split view"):
        witness.add_checkpoint(AddCheckpoint(1, (), fork.integrate().note).encode())
    stranger = TransparencyLog.open(tmp_path / "s", generate_signer("other.example"))
    with pytest.raises(NotFound):
        witness.add_checkpoint(AddCheckpoint(0, (), stranger.checkpoint().note).encode())
    impostor = TransparencyLog.open(tmp_path / "i", generate_signer(ORIGIN))
    with pytest.raises(Forbidden):
        witness.add_checkpoint(AddCheckpoint(0, (), impostor.checkpoint().note).encode())
    with pytest.raises(WitnessBadRequest):
        witness.add_checkpoint(AddCheckpoint(5, (), cp.note).encode())
    with pytest.raises(WitnessBadRequest):
        parse_add_checkpoint(b"old 01\n\n" + cp.note)
