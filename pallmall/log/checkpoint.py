"""C2SP tlog-checkpoint: the signed note body ``origin\\nsize\\nbase64(root)\\n[extensions]``."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass

from pallmall.core.errors import InvalidInput
from pallmall.log.errors import CheckpointError
from pallmall.log.hashing import HASH_SIZE
from pallmall.log.note import NoteSigner, NoteVerifier, sign_note, verify_note


@dataclass(frozen=True)
class Checkpoint:
    """A checkpoint: ``origin``, tree ``size``, ``root`` hash and extension lines."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def body(self) -> str:
        """Return the note text (c2sp.org/tlog-checkpoint §Note text)."""
        root = base64.b64encode(self.root).decode()
        ext = "".join(line + "\n" for line in self.extensions)
        return f"{self.origin}\n{self.size}\n{root}\n{ext}"


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse a checkpoint body; raises :class:`CheckpointError` when malformed.

    Size: ASCII decimal without leading zeroes; root: base64 of 32 bytes; extension lines
    non-empty (c2sp.org/tlog-checkpoint).
    """
    if not text.endswith("\n"):
        raise CheckpointError("checkpoint body does not end in a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3 or not lines[0] or any(not line for line in lines[3:]):
        raise CheckpointError("checkpoint needs origin, size, root and non-empty extensions")
    size = _parse_size(lines[1])
    try:
        root = base64.b64decode(lines[2], validate=True)
    except binascii.Error as exc:
        raise CheckpointError("checkpoint root is not base64") from exc
    if len(root) != HASH_SIZE:
        raise CheckpointError(f"checkpoint root is {len(root)} bytes")
    return Checkpoint(lines[0], size, root, tuple(lines[3:]))


def _parse_size(value: str) -> int:
    if not value.isascii() or not value.isdigit() or (value != "0" and value[0] == "0"):
        raise CheckpointError(f"checkpoint size {value!r} is not a decimal without zeroes")
    return int(value)


def sign_checkpoint(checkpoint: Checkpoint, signer: NoteSigner) -> bytes:
    """Return the signed note of ``checkpoint`` (its bytes as served at ``/checkpoint``)."""
    if checkpoint.size < 0:
        raise InvalidInput("size", "must be >= 0")
    return sign_note(checkpoint.body(), [signer])


@dataclass(frozen=True)
class SignedCheckpoint:
    """A checkpoint together with the note bytes that carried it."""

    checkpoint: Checkpoint
    note: bytes


def verify_checkpoint(
    note: bytes | str, verifiers: Sequence[NoteVerifier], origin: str | None = None
) -> SignedCheckpoint:
    """Verify a signed checkpoint and return it parsed.

    Raises :class:`NoteError` if no trusted signature verifies, and
    :class:`CheckpointError` if the body is malformed or, when ``origin`` is given, the
    checkpoint's origin differs (logs name their key after their origin).
    """
    verified = verify_note(note, verifiers)
    checkpoint = parse_checkpoint(verified.text)
    if origin is not None and checkpoint.origin != origin:
        raise CheckpointError(f"checkpoint origin {checkpoint.origin!r}, want {origin!r}")
    raw = note.encode() if isinstance(note, str) else note
    return SignedCheckpoint(checkpoint, raw)
