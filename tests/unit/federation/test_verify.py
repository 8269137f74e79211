"""Verifying a peer's checkpoints and objects against a real transparency log on disk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pallmall.federation.verify import (
    LOG_PROPERTY,
    EvidenceKind,
    ForkedLog,
    Inclusion,
    ObjectRefused,
    PeerLog,
    PeerRefused,
    check_checkpoint,
    check_consistency,
    object_sha256,
    verify_object,
)
from pallmall.log.checkpoint import Checkpoint, SignedCheckpoint, sign_checkpoint
from pallmall.log.entry import make_entry
from pallmall.log.note import generate_signer
from tests.federation_logs import ORIGIN, SendingLog, notice


@pytest.fixture
def sender(tmp_path: Path) -> SendingLog:
    return SendingLog(tmp_path / "a")


def _inclusion(sender: SendingLog, index: int, size: int) -> Inclusion:
    proof = sender.log.inclusion_proof(index, size)
    return Inclusion(sender.log.entry(index), proof.proof)


def test_a_committed_object_verifies_against_the_checkpoint(sender: SendingLog) -> None:
    sender.other(3)
    served = sender.share(notice(1))
    sender.other(300)
    note = sender.log.integrate().note
    verified = check_checkpoint(sender.peer, note).checkpoint
    got = verify_object(served, sender.peer, verified, _inclusion(sender, 3, verified.size))
    assert got.object_id == served["id"]
    assert got.log_index == 3
    assert got.verified_size == 304
    assert LOG_PROPERTY not in json.loads(got.body)
    assert object_sha256(json.loads(got.body)) == object_sha256(served)
    assert not got.revoked


def test_a_tampered_object_is_refused_as_a_bad_proof(sender: SendingLog) -> None:
    served = sender.share(notice(1))
    verified = sender.log.integrate().checkpoint
    tampered = {**served, "reference": "case-999"}
    with pytest.raises(ObjectRefused) as caught:
        verify_object(tampered, sender.peer, verified, _inclusion(sender, 0, 1))
    assert caught.value.evidence.kind is EvidenceKind.BAD_PROOF
    assert "object_sha256 differs" in str(caught.value)


def test_an_object_pointing_at_another_entry_is_refused(sender: SendingLog) -> None:
    first = sender.share(notice(1))
    sender.share(notice(2))
    sender.other()
    verified = sender.log.integrate().checkpoint
    wrong = {**first, LOG_PROPERTY: {"origin": ORIGIN, "index": 1}}
    with pytest.raises(ObjectRefused, match="another object"):
        verify_object(wrong, sender.peer, verified, _inclusion(sender, 1, 3))
    not_shared = {**first, LOG_PROPERTY: {"origin": ORIGIN, "index": 2}}
    with pytest.raises(ObjectRefused, match=r"registry\.change"):
        verify_object(not_shared, sender.peer, verified, _inclusion(sender, 2, 3))


def test_an_entry_that_is_not_in_the_tree_is_refused(sender: SendingLog) -> None:
    served = sender.share(notice(1))
    sender.other(2)
    verified = sender.log.integrate().checkpoint
    digest = object_sha256(served)
    forged, _ = make_entry("federation.shared", "x", {"object_sha256": digest})
    proof = sender.log.inclusion_proof(0, 3).proof
    with pytest.raises(ObjectRefused, match="inclusion proof") as caught:
        verify_object(served, sender.peer, verified, Inclusion(forged, proof))
    assert caught.value.evidence.kind is EvidenceKind.BAD_PROOF


def test_malformed_pointers_and_objects_are_garbage(sender: SendingLog) -> None:
    served = sender.share(notice(1))
    verified = sender.log.integrate().checkpoint
    inclusion = _inclusion(sender, 0, 1)
    bad = [
        {k: v for k, v in served.items() if k != LOG_PROPERTY},
        {**served, LOG_PROPERTY: {"origin": ORIGIN, "index": "0"}},
        {**served, LOG_PROPERTY: {"origin": "b.example/log", "index": 0}},
        {**served, LOG_PROPERTY: {"origin": ORIGIN, "index": 5}},
    ]
    for obj in bad:
        with pytest.raises(ObjectRefused) as caught:
            verify_object(obj, sender.peer, verified, inclusion)
        assert caught.value.evidence.kind is EvidenceKind.GARBAGE


def test_a_pallmall_object_that_does_not_parse_or_speaks_for_another_is_garbage(
    sender: SendingLog,
) -> None:
    """Committed and proven, yet refused: what is kept must parse (docs/federation.md §5),
    and a peer speaks for itself only."""
    unparsed = sender.share(notice(1, product_category=""))
    spoofed = sender.share(notice(2, origin="b.pallmall.example/log"))
    verified = sender.log.integrate().checkpoint
    reasons = {}
    for index, obj in enumerate((unparsed, spoofed)):
        with pytest.raises(ObjectRefused) as caught:
            verify_object(obj, sender.peer, verified, _inclusion(sender, index, 2))
        assert caught.value.evidence.kind is EvidenceKind.GARBAGE
        reasons[index] = caught.value.evidence.detail["reason"]
    assert reasons[0].startswith("product_category:")
    assert "b.pallmall.example/log" in reasons[1] and "itself only" in reasons[1]


def test_a_checkpoint_by_another_key_or_origin_is_refused(sender: SendingLog) -> None:
    sender.other()
    sender.log.integrate()
    impostor = sign_checkpoint(sender.log.checkpoint().checkpoint, generate_signer(ORIGIN))
    with pytest.raises(PeerRefused) as caught:
        check_checkpoint(sender.peer, impostor)
    assert caught.value.evidence.kind is EvidenceKind.BAD_SIGNATURE
    with pytest.raises(PeerRefused):
        check_checkpoint(PeerLog("c.example/log", sender.peer.vkey), sender.log.checkpoint().note)
    with pytest.raises(PeerRefused) as garbage:
        check_checkpoint(sender.peer, b"<html>502 bad gateway</html>")
    assert garbage.value.evidence.kind is EvidenceKind.GARBAGE


def test_a_forged_checkpoint_of_the_same_size_is_a_split_view(sender: SendingLog) -> None:
    sender.other(5)
    good = check_checkpoint(sender.peer, sender.log.integrate().note)
    forged_cp = Checkpoint(ORIGIN, 5, bytes(32))
    forged = check_checkpoint(sender.peer, sign_checkpoint(forged_cp, sender.log.signer))
    with pytest.raises(ForkedLog) as caught:
        check_consistency(good, forged, [])
    evidence = caught.value.evidence
    assert evidence.kind is EvidenceKind.SPLIT_VIEW
    assert evidence.kind.blocks_peer
    assert evidence.detail["verified_note"] == good.note.decode()
    assert evidence.detail["new_note"] == forged.note.decode()


def test_an_inconsistent_larger_checkpoint_is_refused(sender: SendingLog, tmp_path: Path) -> None:
    sender.other(5)
    good = check_checkpoint(sender.peer, sender.log.integrate().note)
    # the same key signs another history of 9 entries (the operator rewrote entry 0..4)
    fork = SendingLog(tmp_path / "fork", signer=sender.log.signer)
    fork.other(9, name="Rewritten")
    forked = check_checkpoint(sender.peer, fork.log.integrate().note)
    proof = fork.log.consistency_proof(5, 9).proof
    with pytest.raises(ForkedLog) as caught:
        check_consistency(good, forked, proof)
    assert caught.value.evidence.kind is EvidenceKind.INCONSISTENT
    assert caught.value.evidence.detail["new_note"] == forked.note.decode()


def test_a_consistent_checkpoint_is_kept_and_a_stale_one_ignored(sender: SendingLog) -> None:
    sender.other(5)
    first = check_checkpoint(sender.peer, sender.log.integrate().note)
    sender.other(300)
    second = check_checkpoint(sender.peer, sender.log.integrate().note)
    proof = sender.log.consistency_proof(5, 305).proof
    assert check_consistency(first, second, proof) is second
    assert check_consistency(second, first, proof) is second
    assert check_consistency(second, second, []) is second
    empty = SignedCheckpoint(Checkpoint(ORIGIN, 0, first.checkpoint.root), b"")
    assert check_consistency(empty, second, []) is second
