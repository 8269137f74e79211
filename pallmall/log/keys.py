"""The log's signing key on disk: created once, owner-only (0600), verifier key published."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from pallmall.core.errors import InvalidInput
from pallmall.log.cosignature import ALG_COSIGNATURE_V1, CosignatureSigner, CosignatureVerifier
from pallmall.log.note import (
    ALG_ED25519,
    Ed25519Signer,
    Ed25519Verifier,
    NoteVerifier,
    generate_signer,
    parse_vkey,
    signer_from_skey,
)

KEY_FILE = "log-signing.key"
"""File name of the skey under the data folder."""
WITNESS_KEY_FILE = "witness.key"
"""File name of the node's witness cosigning key under the data folder."""


def ensure_signing_key(data_dir: Path, origin: str, key_file: str = KEY_FILE) -> str:
    """Create ``data_dir/<key_file>`` (mode 0600) unless it exists; return the vkey.

    The key name is the log ``origin`` (c2sp.org/tlog-checkpoint), or the witness's name for
    :data:`WITNESS_KEY_FILE`. Raises ``InvalidInput`` if an existing key has another name or
    is readable by group or others.
    """
    path = Path(data_dir) / key_file
    if path.exists():
        signer = load_signing_key(path)
        if signer.name != origin:
            raise InvalidInput("log_origin", f"the key in {path} is for {signer.name!r}")
        return signer.vkey
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    signer = generate_signer(origin)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, (signer.skey + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return signer.vkey


def witness_name(origin: str) -> str:
    """The node's witness key name: its log origin's host + ``/witness``
    (``gb.pallmall.example/log`` -> ``gb.pallmall.example/witness``)."""
    return origin.split("/", 1)[0] + "/witness"


def ensure_witness_key(data_dir: Path, origin: str) -> CosignatureSigner:
    """The node's witness cosigning key, ``data_dir/witness.key`` (created once, 0600),
    named :func:`witness_name` of the log ``origin``; separate from the log key, so the
    node's cosignatures can never pass for its own checkpoints. ``InvalidInput`` as
    :func:`ensure_signing_key`."""
    ensure_signing_key(data_dir, witness_name(origin), WITNESS_KEY_FILE)
    signer = load_signing_key(Path(data_dir) / WITNESS_KEY_FILE)
    return CosignatureSigner(signer.name, signer.private_key)


def load_signing_key(path: Path) -> Ed25519Signer:
    """Read an skey file; ``InvalidInput`` if malformed or not owner-only."""
    mode = stat.S_IMODE(Path(path).stat().st_mode)
    if mode & 0o077:
        raise InvalidInput("signing_key", f"{path} has mode {mode:o}; want 600")
    return signer_from_skey(Path(path).read_text())


def verifier_from_vkey(vkey: str) -> NoteVerifier:
    """Return the verifier for a vkey string: Ed25519 (0x01) or cosignature (0x04).

    Raises ``InvalidInput`` on other signature types.
    """
    name, sig_type, pub = parse_vkey(vkey)
    if sig_type == ALG_ED25519:
        return Ed25519Verifier(name, pub)
    if sig_type == ALG_COSIGNATURE_V1:
        return CosignatureVerifier(name, pub)
    raise InvalidInput("vkey", f"unsupported signature type 0x{sig_type:02x}")
