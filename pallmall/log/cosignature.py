"""C2SP tlog-cosignature: timestamped Ed25519 witness cosignatures (signature type 0x04).

The signed message is ``cosignature/v1\\ntime <T>\\n`` followed by the checkpoint body;
the signature bytes in the note line are the key ID, then the 8-byte big-endian timestamp
``T`` (seconds since the Unix epoch), then the 64-byte Ed25519 signature.
"""

from __future__ import annotations

import time as _time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from pallmall.core.errors import InvalidInput
from pallmall.log.errors import NoteError
from pallmall.log.note import Ed25519Verifier, check_key_name, format_vkey, key_id

ALG_COSIGNATURE_V1 = 0x04
"""Signature type of timestamped cosignatures (c2sp.org/signed-note §Signature types)."""


def cosigned_message(text: bytes, timestamp: int) -> bytes:
    """Return ``cosignature/v1\\ntime T\\n`` + checkpoint body (c2sp.org/tlog-cosignature)."""
    return b"cosignature/v1\ntime %d\n" % timestamp + text


class CosignatureSigner:
    """Signs checkpoints as a witness, with the current time or a fixed ``clock``."""

    sig_type = ALG_COSIGNATURE_V1

    def __init__(self, name: str, private_key: Ed25519PrivateKey, clock: object = None) -> None:
        check_key_name(name)
        self.name = name
        self.private_key = private_key
        self.public_key = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.key_id = key_id(name, self.sig_type, self.public_key)
        self._clock = clock if callable(clock) else _time.time

    def sign(self, text: bytes) -> bytes:
        """Return ``timestamp (uint64 BE) || Ed25519 signature``, 72 bytes."""
        ts = int(self._clock())
        return ts.to_bytes(8, "big") + self.private_key.sign(cosigned_message(text, ts))

    @property
    def vkey(self) -> str:
        """The cosigner's vkey: ``name+hexid+base64(0x04 || public key)``."""
        return format_vkey(self.name, self.sig_type, self.public_key)


class CosignatureVerifier(Ed25519Verifier):
    """Verifies type 0x04 cosignatures of one witness key (an Ed25519 key, like a log's,
    over a different message)."""

    sig_type = ALG_COSIGNATURE_V1

    def verify(self, text: bytes, signature: bytes) -> None:
        """Raise :class:`NoteError` unless ``signature`` is 72 bytes ``T || sig`` and valid."""
        if len(signature) != 72:
            raise NoteError(f"cosignature by {self.name} is not 72 bytes")
        ts = int.from_bytes(signature[:8], "big")
        try:
            self._key.verify(signature[8:], cosigned_message(text, ts))
        except InvalidSignature as exc:
            raise NoteError(f"cosignature by {self.name} does not verify") from exc


def cosignature_timestamp(signature: bytes) -> int:
    """Return the timestamp (seconds) of a 72-byte cosignature; ``InvalidInput`` otherwise."""
    if len(signature) != 72:
        raise InvalidInput("cosignature", "a cosignature is 72 bytes")
    return int.from_bytes(signature[:8], "big")
