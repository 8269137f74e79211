"""Signed notes, keys and cosignatures (C2SP signed-note, tlog-cosignature)."""

from __future__ import annotations

import pytest

from pallmall.core.errors import InvalidInput
from pallmall.log.cosignature import CosignatureSigner
from pallmall.log.errors import NoteError
from pallmall.log.keys import verifier_from_vkey
from pallmall.log.note import (
    add_signatures,
    generate_signer,
    parse_vkey,
    signer_from_skey,
    verify_note,
)


def test_sign_verify_round_trip_and_key_strings() -> None:
    signer = generate_signer("example.org/log")
    assert signer_from_skey(signer.skey).vkey == signer.vkey
    note = verify_note(
        add_signatures(
            __import__("pallmall.log.note", fromlist=["sign_note"]).sign_note("hi\n", [signer]),
            __import__("pallmall.log.note", fromlist=["sign_note"])
            .sign_note("hi\n", [generate_signer("other")])
            .split(b"\n\n", 1)[1],
        ),
        [verifier_from_vkey(signer.vkey)],
    )
    assert note.text == "hi\n" and len(note.unverified) == 1


def test_cosignature_round_trip() -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from pallmall.log.note import sign_note

    witness = CosignatureSigner("w.example", Ed25519PrivateKey.generate(), clock=lambda: 1700000000)
    note = sign_note("origin\n1\n" + "A" * 43 + "=\n", [witness])
    verified = verify_note(note, [verifier_from_vkey(witness.vkey)])
    assert len(verified.verified[0].signature) == 72
    ed = generate_signer("w.example")
    with pytest.raises(NoteError):  # same name, other key and type: ignored, none left
        verify_note(note, [verifier_from_vkey(ed.vkey)])


def test_bad_keys() -> None:
    signer = generate_signer("a")
    name, _kid, blob = signer.vkey.split("+", 2)
    with pytest.raises(InvalidInput, match="key ID"):
        parse_vkey(f"{name}+00000000+{blob}")
    with pytest.raises(InvalidInput):
        generate_signer("has space")
    with pytest.raises(InvalidInput):
        signer_from_skey("PRIVATE+KEY+a+00000000+" + blob)
