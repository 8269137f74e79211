"""``pallmall log verify --witness ... --quorum K``: the audit passes only with K valid
cosignatures of the given witnesses on the checkpoint, and says which signed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from pallmall.cli.main import app
from pallmall.log import (
    AddCheckpoint,
    CosignatureSigner,
    TransparencyLog,
    Witness,
    WitnessConflict,
)
from pallmall.log.note import add_signatures, generate_signer


def cosigner(name: str) -> CosignatureSigner:
    return CosignatureSigner(name, Ed25519PrivateKey.generate())


@pytest.fixture
def log(tmp_path: Path) -> TransparencyLog:
    log = TransparencyLog.open(tmp_path / "log", generate_signer("a.example/log"))
    log.append([b"entry %d" % i for i in range(5)])
    log.integrate()
    return log


def cosign(log: TransparencyLog, folder: Path, *signers: CosignatureSigner) -> None:
    """Write the checkpoint cosigned by ``signers`` (real witnesses) into the log's folder."""
    note = log.checkpoint().note
    for n, signer in enumerate(signers):
        witness = Witness(signer, {log.origin: [log.vkey]}, folder / f"w{n}.json")
        note = add_signatures(note, witness.add_checkpoint(AddCheckpoint(0, (), note).encode()))
    (log.store.root / "checkpoint").write_bytes(note)


def verify(log: TransparencyLog, *args: str) -> tuple[int, str]:
    done = CliRunner().invoke(
        app, ["log", "verify", str(log.store.root), "--vkey", log.vkey, *args]
    )
    return done.exit_code, done.output


def test_two_of_two_pass_three_of_three_with_one_missing_fail(
    log: TransparencyLog, tmp_path: Path
) -> None:
    b, c, d = cosigner("b.example/witness"), cosigner("c.example/witness"), cosigner("d.example")
    cosign(log, tmp_path, b, c)
    code, out = verify(log, "--witness", b.vkey, "--witness", c.vkey, "--quorum", "2")
    assert code == 0, out
    assert "2 of 2 required witnesses cosigned" in out and "OK a.example/log size 5" in out

    three = ("--witness", b.vkey, "--witness", c.vkey, "--witness", d.vkey)
    code, out = verify(log, *three, "--quorum", "3")
    assert code == 1, out
    assert "quorum not met" in out
    assert "signed: b.example/witness, c.example/witness" in out and "missing: d.example" in out
    assert "OK" not in out
    code, out = verify(log, *three)  # the default quorum is every witness given
    assert code == 1, out
    assert verify(log, *three, "--quorum", "2")[0] == 0


def test_without_cosignatures_it_fails_and_plain_verify_is_unchanged(
    log: TransparencyLog,
) -> None:
    b = cosigner("b.example/witness")
    code, out = verify(log, "--witness", b.vkey, "--quorum", "1")
    assert code == 1 and "missing: b.example/witness" in out
    assert verify(log)[0] == 0
    assert verify(log, "--quorum", "1")[0] == 2  # a quorum of no witnesses is a usage error


def test_witness_evidence_lists_the_refused_split_views(
    log: TransparencyLog, tmp_path: Path
) -> None:
    witness = Witness(
        cosigner("b.example/witness"),
        {log.origin: [log.vkey]},
        tmp_path / "w" / "witness-state.json",
        tmp_path / "w" / "evidence",
    )
    witness.add_checkpoint(AddCheckpoint(0, (), log.checkpoint().note).encode())
    fork = TransparencyLog.open(tmp_path / "fork", log.signer)
    fork.append([b"forged %d" % i for i in range(5)])
    with pytest.raises(WitnessConflict):
        witness.add_checkpoint(AddCheckpoint(5, (), fork.integrate().note).encode())
    done = CliRunner().invoke(app, ["witness", "evidence", "--folder", str(tmp_path / "w")])
    assert done.exit_code == 0, done.output
    listed = json.loads(done.output)
    assert listed["total"] == 1 and listed["items"][0]["kind"] == "split-view"
    assert listed["items"][0]["refused"].encode() == fork.checkpoint().note
