"""C2SP signed-note: parse, format, sign and verify notes; Ed25519 keys as vkey/skey strings.

A note is a text ending in a newline, a blank line, and one or more signature lines
``— <key name> base64(key ID || signature)\\n`` (c2sp.org/signed-note §Format). Verifiers
ignore signatures from unknown keys, reject the note when a known key's signature fails,
and reject it when no known key signed (§Signatures).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from pallmall.core.errors import InvalidInput
from pallmall.log.errors import NoteError

SIG_PREFIX = "\u2014 "
"""Every signature line starts with an em dash (U+2014) and a space."""

ALG_ED25519 = 0x01
"""Signature type of plain Ed25519 note signatures (c2sp.org/signed-note §Signature types)."""

MAX_SIGNATURES = 100
"""Notes with more signature lines are refused (the spec requires accepting at least 16)."""


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: key name, 4-byte key ID and the signature bytes after it."""

    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        """Return the signature line, newline included."""
        blob = base64.b64encode(self.key_id + self.signature).decode()
        return f"{SIG_PREFIX}{self.name} {blob}\n"


@dataclass(frozen=True)
class Note:
    """A parsed note: its ``text`` (with the final newline) and its signature lines."""

    text: str
    signatures: tuple[NoteSignature, ...]

    def format(self) -> bytes:
        """Return the note's bytes: text, blank line, signature lines."""
        return (self.text + "\n" + "".join(s.line() for s in self.signatures)).encode()


class NoteSigner(Protocol):
    """Signs note texts with one key."""

    name: str
    key_id: bytes

    def sign(self, text: bytes) -> bytes:
        """Return the signature bytes (without the key ID) over ``text``."""
        ...


class NoteVerifier(Protocol):
    """Verifies note signatures of one key."""

    name: str
    key_id: bytes

    def verify(self, text: bytes, signature: bytes) -> None:
        """Return ``None`` if ``signature`` (without the key ID) is valid; raise otherwise."""
        ...


def key_id(name: str, sig_type: int, public_key: bytes) -> bytes:
    """Return SHA-256(name || 0x0A || type || public key)[:4] (c2sp.org/signed-note)."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([sig_type]) + public_key).digest()[:4]


def check_key_name(name: str) -> None:
    """Raise ``InvalidInput`` unless ``name`` is non-empty, without spaces or ``+``."""
    if not name or "+" in name or any(c.isspace() for c in name):
        raise InvalidInput("name", "key names are non-empty, without spaces or '+'")


def _check_text(data: str) -> None:
    if any((ord(c) < 0x20 and c != "\n") for c in data):
        raise NoteError("malformed note: control character")


def parse_note(data: bytes | str) -> Note:
    """Split a signed note into its text and signature lines, without verifying them.

    Raises :class:`NoteError` when the note is not valid UTF-8, contains a control
    character other than newline, has no blank line, no signature line, a signature line
    without its final newline, a bad key name or base64, or more than
    :data:`MAX_SIGNATURES` signatures (c2sp.org/signed-note §Format).
    """
    text = _decode(data)
    _check_text(text)
    split = text.rfind("\n\n")
    if split < 0:
        raise NoteError("malformed note: no blank line before the signatures")
    body, block = text[: split + 1], text[split + 2 :]
    if not block or not block.endswith("\n"):
        raise NoteError("malformed note: no signature line, or no final newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"malformed note: more than {MAX_SIGNATURES} signatures")
    return Note(body, tuple(_parse_signature_line(line) for line in lines))


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NoteError("malformed note: not UTF-8") from exc


def _parse_signature_line(line: str) -> NoteSignature:
    if not line.startswith(SIG_PREFIX):
        raise NoteError("malformed note: a signature line must start with '\u2014 '")
    name, sep, blob = line[len(SIG_PREFIX) :].rpartition(" ")
    try:
        check_key_name(name)
        raw = base64.b64decode(blob, validate=True)
    except (InvalidInput, binascii.Error) as exc:
        raise NoteError(f"malformed note: bad signature line {line!r}") from exc
    if not sep or len(raw) < 5:
        raise NoteError(f"malformed note: bad signature line {line!r}")
    return NoteSignature(name, raw[:4], raw[4:])


def sign_note(text: str, signers: Iterable[NoteSigner]) -> bytes:
    """Return the signed note of ``text`` with one signature line per signer, in order.

    ``text`` MUST end in a newline and contain no control character other than newline;
    raises ``InvalidInput`` otherwise.
    """
    if not text.endswith("\n"):
        raise InvalidInput("text", "a note text ends with a newline")
    if any((ord(c) < 0x20 and c != "\n") for c in text):
        raise InvalidInput("text", "a note text has no control characters but newline")
    sigs = tuple(NoteSignature(s.name, s.key_id, s.sign(text.encode())) for s in signers)
    if not sigs:
        raise InvalidInput("signers", "at least one signer is needed")
    return Note(text, sigs).format()


def add_signatures(note: bytes | str, signature_lines: bytes | str) -> bytes:
    """Append signature lines (e.g. a witness response body) to a signed note; parses both."""
    lines = _decode(signature_lines)
    parsed = parse_note(note)
    extra = parse_note("x\n\n" + lines).signatures
    return Note(parsed.text, parsed.signatures + extra).format()


@dataclass(frozen=True)
class VerifiedNote:
    """A note of which at least one signature from a trusted key verified."""

    text: str
    verified: tuple[NoteSignature, ...]
    unverified: tuple[NoteSignature, ...]


def verify_note(data: bytes | str, verifiers: Sequence[NoteVerifier]) -> VerifiedNote:
    """Parse ``data`` and check its signatures against the trusted ``verifiers``.

    Signatures whose (name, key ID) match no verifier are ignored. Raises
    :class:`NoteError` if the note is malformed, if a signature from a known key fails,
    or if no known key signed it (c2sp.org/signed-note §Signatures).
    """
    note = parse_note(data)
    known = {(v.name, v.key_id): v for v in verifiers}
    verified, unverified = [], []
    for sig in note.signatures:
        verifier = known.get((sig.name, sig.key_id))
        if verifier is None:
            unverified.append(sig)
            continue
        try:
            verifier.verify(note.text.encode(), sig.signature)
        except NoteError:
            raise
        except Exception as exc:
            raise NoteError(f"signature by {sig.name} does not verify") from exc
        verified.append(sig)
    if not verified:
        raise NoteError("no signature from a trusted key")
    return VerifiedNote(note.text, tuple(verified), tuple(unverified))


class Ed25519Signer:
    """An Ed25519 note signer (signature type 0x01)."""

    sig_type = ALG_ED25519

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        check_key_name(name)
        self.name = name
        self.private_key = private_key
        self.public_key = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.key_id = key_id(name, self.sig_type, self.public_key)

    def sign(self, text: bytes) -> bytes:
        """Return the 64-byte Ed25519 signature over the note text (RFC 8032)."""
        return self.private_key.sign(text)

    @property
    def vkey(self) -> str:
        """The verifier key string ``name+hexid+base64(type || public key)``."""
        return format_vkey(self.name, self.sig_type, self.public_key)

    @property
    def skey(self) -> str:
        """The signer key string ``PRIVATE+KEY+name+hexid+base64(type || seed)``; secret."""
        seed = self.private_key.private_bytes_raw()
        blob = base64.b64encode(bytes([self.sig_type]) + seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.key_id.hex()}+{blob}"


class Ed25519Verifier:
    """An Ed25519 note verifier (signature type 0x01)."""

    sig_type = ALG_ED25519

    def __init__(self, name: str, public_key: bytes) -> None:
        check_key_name(name)
        if len(public_key) != 32:
            raise InvalidInput("vkey", "an Ed25519 public key is 32 bytes")
        self.name = name
        self.public_key = public_key
        self.key_id = key_id(name, self.sig_type, public_key)
        self._key = Ed25519PublicKey.from_public_bytes(public_key)

    def verify(self, text: bytes, signature: bytes) -> None:
        """Raise :class:`NoteError` unless ``signature`` is a valid Ed25519 signature."""
        try:
            self._key.verify(signature, text)
        except InvalidSignature as exc:
            raise NoteError(f"signature by {self.name} does not verify") from exc

    @property
    def vkey(self) -> str:
        """The verifier key string ``name+hexid+base64(type || public key)``."""
        return format_vkey(self.name, self.sig_type, self.public_key)


def format_vkey(name: str, sig_type: int, public_key: bytes) -> str:
    """Return ``name+hex(key ID)+base64(type || public key)`` (c2sp.org/signed-note)."""
    kid = key_id(name, sig_type, public_key).hex()
    return f"{name}+{kid}+{base64.b64encode(bytes([sig_type]) + public_key).decode()}"


def parse_vkey(vkey: str) -> tuple[str, int, bytes]:
    """Split a vkey into (name, signature type, public key); check its key ID.

    The base64 part may contain ``+``, so the string is split at most twice. Raises
    ``InvalidInput`` on a malformed key or a key ID that does not match.
    """
    parts = vkey.strip().split("+", 2)
    if len(parts) != 3 or len(parts[1]) != 8:
        raise InvalidInput("vkey", "expected name+hexid+base64")
    name, kid, blob = parts
    check_key_name(name)
    try:
        raw = base64.b64decode(blob, validate=True)
        want = bytes.fromhex(kid)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput("vkey", "bad key ID or base64") from exc
    if len(raw) < 2 or key_id(name, raw[0], raw[1:]) != want:
        raise InvalidInput("vkey", "key ID does not match the key")
    return name, raw[0], raw[1:]


def signer_from_skey(skey: str) -> Ed25519Signer:
    """Return the Ed25519 signer for a ``PRIVATE+KEY+name+hexid+base64`` string.

    Raises ``InvalidInput`` when malformed, not Ed25519, or the key ID does not match.
    """
    parts = skey.strip().split("+", 4)
    if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
        raise InvalidInput("skey", "expected PRIVATE+KEY+name+hexid+base64")
    _, _, name, kid, blob = parts
    try:
        raw = base64.b64decode(blob, validate=True)
    except binascii.Error as exc:
        raise InvalidInput("skey", "bad base64") from exc
    if len(raw) != 33 or raw[0] != ALG_ED25519:
        raise InvalidInput("skey", "not an Ed25519 key")
    signer = Ed25519Signer(name, Ed25519PrivateKey.from_private_bytes(raw[1:]))
    if signer.key_id.hex() != kid.lower():
        raise InvalidInput("skey", "key ID does not match the key")
    return signer


def generate_signer(name: str) -> Ed25519Signer:
    """Return a new Ed25519 signer with a random key for ``name``."""
    return Ed25519Signer(name, Ed25519PrivateKey.generate())
