"""tlog-witness add-checkpoint: cosign, 409 on a stale old size, refuse a split view."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from pallmall.core.errors import Forbidden, NotFound
from pallmall.log.cosignature import CosignatureSigner
from pallmall.log.cosigning import WitnessTarget
from pallmall.log.errors import ProofError, WitnessConflict
from pallmall.log.evidence import EvidenceKind, WitnessEvidence, list_evidence
from pallmall.log.keys import verifier_from_vkey
from pallmall.log.note import add_signatures, generate_signer, verify_note
from pallmall.log.tlog import TransparencyLog
from pallmall.log.witness import AddCheckpoint, Witness, WitnessBadRequest, parse_add_checkpoint
from pallmall.wiring import witnessing_of_peers

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


def test_split_views_are_kept_as_evidence_once(tmp_path: Path) -> None:
    log, _, cosigner = _setup(tmp_path)
    witness = Witness(cosigner, {ORIGIN: [log.vkey]}, tmp_path / "w.json", tmp_path / "ev")
    log.append([b"a", b"b"])
    cp = log.integrate()
    witness.add_checkpoint(AddCheckpoint(0, (), cp.note).encode())
    with pytest.raises(WitnessConflict):  # a stale old size is no split view: nothing kept
        witness.add_checkpoint(AddCheckpoint(0, (), cp.note).encode())
    assert list_evidence(tmp_path / "ev") == []

    fork = TransparencyLog.open(tmp_path / "fork", log.signer)
    fork.append([b"a", b"x"])
    forged = AddCheckpoint(2, (), fork.integrate().note).encode()
    for _ in range(2):  # the same refused request twice is one piece of evidence
        with pytest.raises(WitnessConflict, match="split view"):
            witness.add_checkpoint(forged)
    (same_size,) = list_evidence(tmp_path / "ev")
    assert same_size.kind is EvidenceKind.SPLIT_VIEW
    assert same_size.cosigned.encode() == cp.note
    assert same_size.refused.encode() == fork.checkpoint().note
    assert WitnessEvidence.from_json(same_size.to_json()) == same_size

    fork.append([b"y", b"z"])
    grown = fork.integrate()
    proof = fork.consistency_proof(2, 4).proof
    with pytest.raises(ProofError):
        witness.add_checkpoint(AddCheckpoint(2, proof, grown.note).encode())
    newest, oldest = list_evidence(tmp_path / "ev")
    assert newest.kind is EvidenceKind.INCONSISTENT and oldest == same_size
    assert newest.proof == tuple(base64.b64encode(h).decode() for h in proof)
    # the honest checkpoint is still cosigned: the state did not move
    log.append([b"c"])
    note = log.integrate().note
    honest = AddCheckpoint(2, log.consistency_proof(2, 3).proof, note)
    witness.add_checkpoint(honest.encode())


def test_logs_are_read_at_each_request(tmp_path: Path) -> None:
    log, _, cosigner = _setup(tmp_path)
    peers: dict[str, list[str]] = {}
    witness = Witness(cosigner, lambda: peers, tmp_path / "w.json")
    log.append([b"a"])
    body = AddCheckpoint(0, (), log.integrate().note).encode()
    with pytest.raises(NotFound):
        witness.add_checkpoint(body)
    peers[ORIGIN] = [log.vkey]  # a peer added while the witness runs
    witness.add_checkpoint(body)
    peers.clear()  # and removed
    with pytest.raises(NotFound):
        witness.add_checkpoint(body)


def test_the_empty_tree_is_cosigned(tmp_path: Path) -> None:
    log, witness, cosigner = _setup(tmp_path)
    lines = witness.add_checkpoint(AddCheckpoint(0, (), log.checkpoint().note).encode())
    verify_note(add_signatures(log.checkpoint().note, lines), [verifier_from_vkey(cosigner.vkey)])


@dataclass(frozen=True)
class Peer:
    """A federation peer row, as ``federation_peers`` holds it."""

    name: str
    url: str
    log_origin: str
    log_vkey: str
    witness_vkey: str
    status: str = "active"


def test_witnessing_follows_the_active_peers(tmp_path: Path) -> None:
    log, _, cosigner = _setup(tmp_path)
    peers = [
        Peer("fr", "http://127.0.0.1:8101/", ORIGIN, log.vkey, cosigner.vkey),
        Peer("de", "http://127.0.0.1:8102", "de.example/log", "vk-de", ""),
        Peer("xx", "http://127.0.0.1:8103", "xx.example/log", "vk-xx", "wk-xx", "removed"),
    ]
    witnessing = witnessing_of_peers(lambda: peers)
    assert witnessing.logs() == {ORIGIN: [log.vkey], "de.example/log": ["vk-de"]}
    assert witnessing.witnesses() == [
        WitnessTarget("fr", "http://127.0.0.1:8101/witness/add-checkpoint", cosigner.vkey)
    ]
    witness = Witness(cosigner, witnessing.logs, tmp_path / "w.json")
    log.append([b"a"])
    body = AddCheckpoint(0, (), log.integrate().note).encode()
    peers[0] = Peer("fr", "http://x", ORIGIN, log.vkey, "", status="removed")
    with pytest.raises(NotFound):  # removed: its log is no longer witnessed
        witness.add_checkpoint(body)
