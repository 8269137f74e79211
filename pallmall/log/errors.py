"""Typed errors of the transparency log.

Every verifier in :mod:`pallmall.log` raises a subclass of
:class:`pallmall.core.errors.VerificationError`; none returns ``False``.
"""

from __future__ import annotations

from pallmall.core.errors import Conflict, VerificationError


class ProofError(VerificationError):
    """An inclusion or consistency proof did not verify (RFC 9162 §2.1.3.2, §2.1.4.2)."""

    title = "Proof did not verify"


class NoteError(VerificationError):
    """A signed note is malformed, or no trusted signature verifies (C2SP signed-note)."""

    title = "Signed note rejected"


class CheckpointError(VerificationError):
    """A checkpoint body is malformed or has the wrong origin (C2SP tlog-checkpoint)."""

    title = "Checkpoint rejected"


class TileError(VerificationError):
    """A tile or entry bundle is missing, truncated or does not match (C2SP tlog-tiles)."""

    title = "Tile rejected"


class CommitmentError(VerificationError):
    """A disclosure does not match the commitment in a log entry."""

    title = "Disclosure does not match"


class ReceiptError(VerificationError):
    """A receipt (entry, index, checkpoint, inclusion proof) did not verify."""

    title = "Receipt did not verify"


class SplitView(VerificationError):
    """Two checkpoints of the same origin are not consistent: the log forked."""

    title = "Split view"


class WitnessConflict(Conflict):
    """tlog-witness add-checkpoint: the old size is not the witness's latest size (HTTP 409).

    ``size`` is the latest cosigned size; the body of the 409 response is ``f"{size}\\n"``
    with ``Content-Type: text/x.tlog.size``.
    """

    title = "Old size does not match"

    def __init__(self, size: int, reason: str = "") -> None:
        super().__init__(reason or f"latest cosigned size is {size}")
        self.size = size
