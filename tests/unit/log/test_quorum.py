"""k of n witnesses: check_quorum counts valid cosignatures by the given keys only."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from pallmall.core.errors import InvalidInput
from pallmall.log import CosignatureSigner, QuorumError, TransparencyLog, check_quorum
from pallmall.log.note import NoteSignature, add_signatures, generate_signer, parse_note


def cosigner(name: str) -> CosignatureSigner:
    return CosignatureSigner(name, Ed25519PrivateKey.generate())


def cosign(note: bytes, *signers: CosignatureSigner) -> bytes:
    text = parse_note(note).text.encode()
    lines = "".join(NoteSignature(s.name, s.key_id, s.sign(text)).line() for s in signers)
    return add_signatures(note, lines)


@pytest.fixture
def note(tmp_path: Path) -> bytes:
    log = TransparencyLog.open(tmp_path, generate_signer("a.example/log"))
    log.append([b"x", b"y"])
    return log.integrate().note


def test_two_of_two_pass_and_three_of_three_with_one_missing_fail(note: bytes) -> None:
    b, c, d = cosigner("b.example/witness"), cosigner("c.example/witness"), cosigner("d.example")
    cosigned = cosign(note, b, c)
    report = check_quorum(cosigned, [b.vkey, c.vkey], 2)
    assert report.signed == ("b.example/witness", "c.example/witness")
    with pytest.raises(QuorumError) as failed:
        check_quorum(cosigned, [b.vkey, c.vkey, d.vkey], 3)
    assert failed.value.report.missing == ("d.example",)
    assert "2 of 3 required" in str(failed.value) and "missing: d.example" in str(failed.value)
    assert check_quorum(cosigned, [b.vkey, c.vkey, d.vkey], 2).missing == ("d.example",)


def test_a_bad_cosignature_does_not_count(note: bytes) -> None:
    b, c = cosigner("b.example/witness"), cosigner("c.example/witness")
    other = parse_note(cosign(note.replace(b"\n2\n", b"\n3\n", 1), b)).signatures[-1]
    forged = add_signatures(cosign(note, c), other.line())  # B's line over another checkpoint
    with pytest.raises(QuorumError) as failed:
        check_quorum(forged, [b.vkey, c.vkey], 2)
    assert failed.value.report.invalid == ("b.example/witness",)
    assert failed.value.report.signed == ("c.example/witness",)


def test_the_log_key_is_no_witness_and_quorum_is_bounded(note: bytes) -> None:
    b = cosigner("b.example/witness")
    with pytest.raises(QuorumError):  # the log's own signature is not a cosignature by B
        check_quorum(note, [b.vkey], 1)
    with pytest.raises(InvalidInput, match="quorum"):
        check_quorum(note, [b.vkey, b.vkey], 2)  # one key given twice counts once
    with pytest.raises(InvalidInput, match="quorum"):
        check_quorum(note, [b.vkey], 0)
