"""Receipts: entry, index, signed checkpoint and inclusion proof, verifiable offline."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pallmall.core.errors import InvalidInput, VerificationError
from pallmall.log.checkpoint import Checkpoint, verify_checkpoint
from pallmall.log.errors import ReceiptError
from pallmall.log.hashing import leaf_hash
from pallmall.log.keys import verifier_from_vkey
from pallmall.log.note import parse_vkey
from pallmall.log.proof import verify_inclusion


@dataclass(frozen=True)
class Receipt:
    """What a submitter keeps to prove later that ``entry`` is leaf ``index`` of the log."""

    entry: bytes
    index: int
    checkpoint: bytes
    proof: tuple[bytes, ...]

    def to_json(self) -> dict[str, Any]:
        """JSON form: entry and proof hashes base64, checkpoint as its note text."""
        return {
            "entry": base64.b64encode(self.entry).decode(),
            "index": self.index,
            "checkpoint": self.checkpoint.decode(),
            "inclusion_proof": [base64.b64encode(h).decode() for h in self.proof],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Receipt:
        """Parse the JSON form; ``InvalidInput`` naming the bad member."""
        try:
            return cls(
                base64.b64decode(data["entry"], validate=True),
                int(data["index"]),
                str(data["checkpoint"]).encode(),
                tuple(base64.b64decode(h, validate=True) for h in data["inclusion_proof"]),
            )
        except (KeyError, TypeError, ValueError, binascii.Error) as exc:
            raise InvalidInput("receipt", f"missing or malformed member: {exc}") from exc


def verify_receipt(receipt: Receipt, vkey: str) -> Checkpoint:
    """Check a receipt offline against the log's verifier key; return its checkpoint.

    Checks the checkpoint signature (origin = key name), then the inclusion proof of
    SHA-256(0x00 || entry) at ``index`` against the checkpoint root (RFC 9162 §2.1.3.2).
    Raises :class:`ReceiptError` (a ``VerificationError``) on any failure.
    """
    name, _, _ = parse_vkey(vkey)
    try:
        signed = verify_checkpoint(receipt.checkpoint, [verifier_from_vkey(vkey)], origin=name)
        cp = signed.checkpoint
        verify_inclusion(leaf_hash(receipt.entry), receipt.index, cp.size, receipt.proof, cp.root)
    except VerificationError as exc:
        raise ReceiptError(f"receipt does not verify: {exc}") from exc
    return cp
