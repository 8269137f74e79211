"""Checking an attestation without trusting the node that serves it: the signed note must
verify with the node's log key, and its statement must be the one for the attestation's
vendor, form, time and answers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pallmall.attestation.service import answers_digest, statement
from pallmall.core.errors import VerificationError
from pallmall.log import verifier_from_vkey, verify_note


class AttestationError(VerificationError):
    """An attestation's signed statement does not match its answers."""

    title = "Attestation did not verify"


def verify_attestation(data: Mapping[str, Any], vkey: str) -> str:
    """Check an attestation in the API's JSON form (``vendor_id``, ``form``, ``attested_at``,
    ``answers``, ``note``) against the node's log ``vkey``; return the signed statement.

    Raises:
        NoteError: the note is not signed by that key.
        AttestationError: a member is missing, or the statement is not the one for these
            answers (another vendor, form, time, or changed answers).
    """
    try:
        note = str(data["note"])
        expected = statement(
            str(data["vendor_id"]),
            str(data["form"]),
            datetime.fromisoformat(str(data["attested_at"])),
            answers_digest(data["answers"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise AttestationError(f"not an attestation: {exc!r}") from None
    signed = verify_note(note.encode(), [verifier_from_vkey(vkey)])
    if signed.text != expected:
        raise AttestationError("the signed statement is not the one for these answers")
    return signed.text
