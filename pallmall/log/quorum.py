"""k of n witnesses: does a checkpoint carry valid cosignatures from enough trusted witnesses?

A verifier that trusts a set of witnesses (their vkeys) and demands ``quorum`` of them knows
that at least that many independent parties saw this checkpoint and checked it was
consistent with every checkpoint of the log they cosigned before: to show it a split view,
the log would have to fool each of them too (c2sp.org/tlog-cosignature, tlog-witness).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pallmall.core.errors import InvalidInput, VerificationError
from pallmall.log.checkpoint import Checkpoint, parse_checkpoint
from pallmall.log.errors import NoteError
from pallmall.log.keys import verifier_from_vkey
from pallmall.log.note import parse_note


@dataclass(frozen=True)
class QuorumReport:
    """Which of the given witnesses cosigned ``checkpoint``: ``signed`` (valid cosignature),
    ``invalid`` (a line by the key that does not verify), ``missing`` (no line); by key name."""

    checkpoint: Checkpoint
    quorum: int
    signed: tuple[str, ...]
    invalid: tuple[str, ...]
    missing: tuple[str, ...]

    def describe(self) -> str:
        """One line: how many signed of how many asked, and which."""
        parts = [f"{len(self.signed)} of {self.quorum} required witnesses cosigned"]
        for label, names in (
            ("signed", self.signed),
            ("invalid", self.invalid),
            ("missing", self.missing),
        ):
            if names:
                parts.append(f"{label}: {', '.join(names)}")
        return "; ".join(parts)


class QuorumError(VerificationError):
    """Fewer than the required number of the given witnesses validly cosigned."""

    title = "Witness quorum not met"

    def __init__(self, report: QuorumReport) -> None:
        super().__init__(report.describe())
        self.report = report


def check_quorum(note: bytes | str, witness_vkeys: Sequence[str], quorum: int) -> QuorumReport:
    """Count the valid cosignatures on the signed checkpoint ``note`` by the witnesses
    ``witness_vkeys`` (each counted once); return the report when at least ``quorum`` signed.

    The log's own signature is not checked here (verify it first: ``fetch_checkpoint``).
    A line by a given key that does not verify does not count (and is reported).

    Raises:
        InvalidInput: ``quorum`` is not in [1, number of distinct keys], or a vkey is
            malformed.
        NoteError: the note is malformed.
        QuorumError: fewer than ``quorum`` valid cosignatures.
    """
    keys = list(dict.fromkeys(k.strip() for k in witness_vkeys))
    if not 1 <= quorum <= len(keys):
        raise InvalidInput("quorum", f"must be in [1, {len(keys)}] (the witnesses given)")
    verifiers = [verifier_from_vkey(k) for k in keys]
    parsed = parse_note(note)
    checkpoint = parse_checkpoint(parsed.text)
    text = parsed.text.encode()
    signed, invalid, missing = [], [], []
    for verifier in verifiers:
        lines = [
            s for s in parsed.signatures if (s.name, s.key_id) == (verifier.name, verifier.key_id)
        ]
        if not lines:
            missing.append(verifier.name)
            continue
        try:
            for line in lines:
                verifier.verify(text, line.signature)
        except NoteError:
            invalid.append(verifier.name)
            continue
        signed.append(verifier.name)
    report = QuorumReport(checkpoint, quorum, tuple(signed), tuple(invalid), tuple(missing))
    if len(signed) < quorum:
        raise QuorumError(report)
    return report
