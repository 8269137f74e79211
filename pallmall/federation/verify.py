"""Verifying what a peer node sends: its checkpoints, and each object against its log.

A peer is trusted only through its log (docs/federation.md, "Sync and verification"):

1. :func:`check_checkpoint` — the peer's checkpoint note MUST carry a valid signature by the
   configured verifier key, and its origin MUST be the peer's configured origin
   (c2sp.org/signed-note, c2sp.org/tlog-checkpoint).
2. :func:`check_consistency` — a checkpoint of a peer whose checkpoint was verified before
   MUST extend it (RFC 9162 §2.1.4.2). Same size with another root, or a failing consistency
   proof, is a split view: the two signed notes are the evidence.
3. :func:`verify_object` — an object served with ``x_pallmall_log: {origin, index}`` is
   accepted only when the entry at ``index`` is a ``federation.shared`` entry whose
   ``object_sha256`` is the SHA-256 of the object's RFC 8785 canonical JSON without
   ``x_pallmall_log``, and the entry is included in the verified checkpoint (RFC 9162
   §2.1.3.2).

Every check raises a :class:`PeerRefused` subclass carrying typed :class:`Evidence`; none
returns ``False``. No I/O: the caller fetches notes, proofs and entries.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pallmall.core.errors import InvalidInput, VerificationError
from pallmall.federation.stix import speaker
from pallmall.intel.record import stix_timestamp_us
from pallmall.log.checkpoint import Checkpoint, SignedCheckpoint, verify_checkpoint
from pallmall.log.entry import canonical_json, parse_entry
from pallmall.log.errors import CheckpointError, NoteError, ProofError
from pallmall.log.hashing import leaf_hash
from pallmall.log.keys import verifier_from_vkey
from pallmall.log.proof import verify_consistency, verify_inclusion

SHARED_KIND = "federation.shared"
"""The kind of the sender's log entry that commits one object version."""
LOG_PROPERTY = "x_pallmall_log"
"""The top-level property a sender adds when serving an object: ``{"origin", "index"}``."""


class EvidenceKind(StrEnum):
    """Why a peer's answer was refused (``federation_evidence.kind``)."""

    SPLIT_VIEW = "split-view"
    """Two signed checkpoints of one size with different roots."""
    INCONSISTENT = "inconsistent"
    """A signed checkpoint that does not extend the one verified before."""
    BAD_SIGNATURE = "bad-signature"
    """A checkpoint without a valid signature by the configured key, or of another origin."""
    BAD_PROOF = "bad-proof"
    """An object whose entry or inclusion proof does not match the verified checkpoint."""
    GARBAGE = "garbage"
    """An answer that is not what the protocol says (not JSON, missing members)."""

    @property
    def blocks_peer(self) -> bool:
        """Whether this evidence stops all exchange with the peer until an operator resets
        it: only a forked log (a split view, or an inconsistent checkpoint) does."""
        return self in (EvidenceKind.SPLIT_VIEW, EvidenceKind.INCONSISTENT)


@dataclass(frozen=True)
class Evidence:
    """What was refused and the material that shows it (``detail`` is JSON: for a split view,
    the two signed checkpoint notes as text, which any third party can check)."""

    kind: EvidenceKind
    detail: Mapping[str, Any]


class PeerRefused(VerificationError):
    """A peer's checkpoint or object did not verify; ``evidence`` says why."""

    title = "Peer answer refused"

    def __init__(self, evidence: Evidence, message: str) -> None:
        super().__init__(message)
        self.evidence = evidence


class ForkedLog(PeerRefused):
    """The peer's log forked (split view or inconsistent checkpoints): accept nothing more
    from it until an operator has looked at the evidence."""

    title = "Split view"


class ObjectRefused(PeerRefused):
    """One served object failed verification (the others of the page may still pass)."""

    title = "Object refused"


@dataclass(frozen=True)
class PeerLog:
    """A peer's log as configured locally: its ``origin`` and verifier key ``vkey``."""

    origin: str
    vkey: str


@dataclass(frozen=True)
class LogPointer:
    """The ``x_pallmall_log`` of a served object: which entry of which log commits it."""

    origin: str
    index: int


@dataclass(frozen=True)
class VerifiedObject:
    """An object version verified against a peer's log (a ``federation_received`` row).

    ``body`` is the RFC 8785 canonical JSON of the object without ``x_pallmall_log``;
    ``version_us`` its STIX ``modified`` (else ``created``) in µs since the epoch;
    ``verified_size`` the size of the checkpoint its inclusion was proven in.
    """

    object_id: str
    object_type: str
    version_us: int
    body: str
    log_index: int
    verified_size: int

    @property
    def revoked(self) -> bool:
        """Whether this version withdraws the object (STIX ``revoked``)."""
        return bool(json.loads(self.body).get("revoked", False))


def check_checkpoint(peer: PeerLog, note: bytes) -> SignedCheckpoint:
    """Verify a peer's signed checkpoint note and return it parsed.

    Raises :class:`PeerRefused` (``bad-signature``) when no valid signature by
    ``peer.vkey`` is on it or its origin is not ``peer.origin``, and (``garbage``) when it
    is not a checkpoint at all.
    """
    try:
        verifier = verifier_from_vkey(peer.vkey)
    except InvalidInput as exc:
        raise InvalidInput("log_vkey", f"the configured key is malformed: {exc.reason}") from exc
    text = note.decode("utf-8", "replace")
    try:
        return verify_checkpoint(note, [verifier], origin=peer.origin)
    except NoteError as exc:
        kind = EvidenceKind.BAD_SIGNATURE if _is_note(note) else EvidenceKind.GARBAGE
        evidence = Evidence(kind, {"note": text[:4096], "reason": str(exc)})
        raise PeerRefused(evidence, f"checkpoint refused: {exc}") from exc
    except CheckpointError as exc:
        evidence = Evidence(EvidenceKind.BAD_SIGNATURE, {"note": text[:4096], "reason": str(exc)})
        raise PeerRefused(evidence, f"checkpoint refused: {exc}") from exc


def _is_note(note: bytes) -> bool:
    return b"\n\n\xe2\x80\x94 " in note


def check_consistency(
    previous: SignedCheckpoint, new: SignedCheckpoint, proof: Sequence[bytes]
) -> SignedCheckpoint:
    """Check that ``new`` extends ``previous`` (both verified) and return the one to keep.

    ``proof`` is the consistency proof from the smaller size to the larger (RFC 9162
    §2.1.4); empty when the sizes are equal. A ``new`` checkpoint smaller than ``previous``
    (a stale copy) is accepted when ``previous`` extends it, and ``previous`` is kept.

    Raises :class:`ForkedLog`: ``split-view`` for the same size with another root,
    ``inconsistent`` when the proof does not verify. Its evidence holds both notes.
    """
    old, cur = previous.checkpoint, new.checkpoint
    if old.size == cur.size and old.root != cur.root:
        raise ForkedLog(
            _fork(EvidenceKind.SPLIT_VIEW, previous, new, "same size, another root"),
            f"split view: two checkpoints of size {cur.size} with different roots",
        )
    small, large = (old, cur) if old.size <= cur.size else (cur, old)
    if small.size == 0:
        return new if cur.size >= old.size else previous
    try:
        verify_consistency(small.size, large.size, small.root, large.root, proof)
    except ProofError as exc:
        raise ForkedLog(
            _fork(EvidenceKind.INCONSISTENT, previous, new, str(exc), proof),
            f"checkpoint {cur.size} is not consistent with the verified {old.size}: {exc}",
        ) from exc
    return new if cur.size >= old.size else previous


def _fork(
    kind: EvidenceKind,
    previous: SignedCheckpoint,
    new: SignedCheckpoint,
    reason: str,
    proof: Sequence[bytes] = (),
) -> Evidence:
    detail = {
        "origin": new.checkpoint.origin,
        "verified_note": previous.note.decode(),
        "new_note": new.note.decode(),
        "reason": reason,
        "proof": [base64.b64encode(h).decode() for h in proof],
    }
    return Evidence(kind, detail)


def log_pointer(obj: Mapping[str, Any]) -> LogPointer:
    """Read a served object's ``x_pallmall_log``; :class:`ObjectRefused` (``garbage``) when
    it is missing or malformed."""
    ref = obj.get(LOG_PROPERTY)
    if not isinstance(ref, Mapping):
        raise _garbage(obj, f"no {LOG_PROPERTY} object")
    origin, index = ref.get("origin"), ref.get("index")
    if not isinstance(origin, str) or not isinstance(index, int) or isinstance(index, bool):
        raise _garbage(obj, f"{LOG_PROPERTY} needs a string origin and an integer index")
    if index < 0:
        raise _garbage(obj, f"{LOG_PROPERTY}.index is negative")
    return LogPointer(origin, index)


def object_body(obj: Mapping[str, Any]) -> bytes:
    """The committed form of a served object: RFC 8785 canonical JSON without
    ``x_pallmall_log``. :class:`ObjectRefused` (``garbage``) if it is not representable."""
    bare = {k: v for k, v in obj.items() if k != LOG_PROPERTY}
    try:
        return canonical_json(bare)
    except InvalidInput as exc:
        raise _garbage(obj, str(exc)) from exc


def object_sha256(obj: Mapping[str, Any]) -> str:
    """Hex SHA-256 of :func:`object_body`: the ``object_sha256`` of its log entry."""
    return hashlib.sha256(object_body(obj)).hexdigest()


@dataclass(frozen=True)
class Inclusion:
    """What proves one object: the entry bytes at its index and the inclusion proof of that
    entry in the verified checkpoint (RFC 9162 §2.1.3)."""

    entry: bytes
    proof: Sequence[bytes]


def verify_object(
    obj: Mapping[str, Any], peer: PeerLog, verified: Checkpoint, inclusion: Inclusion
) -> VerifiedObject:
    """Verify one served object against the peer's verified checkpoint; return it as kept.

    The object's ``x_pallmall_log`` MUST name ``peer.origin`` and an index inside
    ``verified`` (the caller waits for a later checkpoint otherwise: see
    :func:`log_pointer`). Raises :class:`ObjectRefused`: ``garbage`` for a malformed object
    or entry, a pallmall object that does not parse (docs/federation.md §5) or speaks for
    another node than ``peer``, ``bad-proof`` for an entry of another kind or hash, or an
    inclusion proof that does not lead to ``verified.root``.
    """
    pointer = log_pointer(obj)
    if pointer.origin != peer.origin:
        raise _garbage(obj, f"committed in {pointer.origin!r}, not in {peer.origin!r}")
    if pointer.index >= verified.size:
        raise _garbage(obj, f"index {pointer.index} is not in the verified size {verified.size}")
    body = object_body(obj)
    digest = hashlib.sha256(body).hexdigest()
    _check_entry(obj, inclusion.entry, digest, pointer.index)
    try:
        verify_inclusion(
            leaf_hash(inclusion.entry), pointer.index, verified.size, inclusion.proof, verified.root
        )
    except ProofError as exc:
        raise _bad_proof(obj, pointer.index, f"inclusion proof: {exc}") from exc
    object_id, object_type, version = _identity(obj)
    try:
        speaks_for = speaker(obj)
    except InvalidInput as exc:
        raise _garbage(obj, f"{exc.field}: {exc.reason}") from exc
    if speaks_for is not None and speaks_for != peer.origin:
        raise _garbage(obj, f"speaks for {speaks_for!r}: a peer speaks for itself only")
    return VerifiedObject(
        object_id, object_type, version, body.decode(), pointer.index, verified.size
    )


def _check_entry(obj: Mapping[str, Any], entry: bytes, digest: str, index: int) -> None:
    try:
        parsed = parse_entry(entry)
    except InvalidInput as exc:
        raise _bad_proof(obj, index, f"the entry is not a pallmall entry: {exc.reason}") from exc
    if parsed.kind != SHARED_KIND:
        raise _bad_proof(obj, index, f"the entry is a {parsed.kind!r} entry, not {SHARED_KIND}")
    if parsed.public.get("object_sha256") != digest:
        raise _bad_proof(obj, index, "the entry commits another object (object_sha256 differs)")


def _identity(obj: Mapping[str, Any]) -> tuple[str, str, int]:
    object_id, object_type = obj.get("id"), obj.get("type")
    stamp = obj.get("modified") or obj.get("created")
    if not isinstance(object_id, str) or not isinstance(object_type, str):
        raise _garbage(obj, "an object needs a string id and type")
    if not object_id.startswith(object_type + "--") or not isinstance(stamp, str):
        raise _garbage(obj, "the id must start with the type, and modified or created be set")
    try:
        return object_id, object_type, stix_timestamp_us(stamp)
    except ValueError as exc:
        raise _garbage(obj, f"modified: {exc}") from exc


def _garbage(obj: Mapping[str, Any], reason: str) -> ObjectRefused:
    ident = str(obj.get("id", "?"))[:200]
    evidence = Evidence(EvidenceKind.GARBAGE, {"object_id": ident, "reason": reason})
    return ObjectRefused(evidence, f"object {ident}: {reason}")


def _bad_proof(obj: Mapping[str, Any], index: int, reason: str) -> ObjectRefused:
    ident = str(obj.get("id", "?"))[:200]
    detail = {"object_id": ident, "index": index, "reason": reason}
    return ObjectRefused(Evidence(EvidenceKind.BAD_PROOF, detail), f"object {ident}: {reason}")
