"""C2SP signed-note vectors: valid notes, unknown signers ignored, malformed notes rejected."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pallmall.log.errors import NoteError
from pallmall.log.keys import verifier_from_vkey
from pallmall.log.note import (
    parse_note,
    sign_note,
    signer_from_skey,
    verify_note,
)

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def data(vectors: Path) -> Any:
    return json.loads((vectors / "signed-note" / "note-vectors.json").read_text())


def _trusted(vector: dict[str, Any]) -> list[str]:
    if "trusted_vkeys" in vector:
        return list(vector["trusted_vkeys"])
    return [vector["vkey"]]


def test_vectors(data: Any) -> None:
    for v in data["vectors"]:
        verifiers = [verifier_from_vkey(k) for k in _trusted(v)]
        if not v["valid"]:
            with pytest.raises(NoteError, match="no signature from a trusted key"):
                verify_note(v["note"], verifiers)
            continue
        verified = verify_note(v["note"], verifiers)
        assert verified.text == parse_note(v["note"]).text
        if "expect_verified" in v:
            assert [s.name for s in verified.verified] == v["expect_verified"]
            assert [s.name for s in verified.unverified] == v["expect_unverified"]
        if "text" in v:
            assert verified.text == v["text"]


def test_signing_reproduces_the_note_byte_for_byte(data: Any) -> None:
    signed = [v for v in data["vectors"] if "skey" in v]
    assert signed
    for v in signed:
        signer = signer_from_skey(v["skey"])
        assert signer.vkey == v["vkey"]
        assert sign_note(v["text"], [signer]).decode() == v["note"]


@pytest.mark.parametrize("index", range(6))
def test_malformed_notes_are_rejected(data: Any, index: int) -> None:
    case = data["malformed_notes_from_xmod"]["cases"][index]
    trusted = [verifier_from_vkey(data["vectors"][1]["vkey"])]
    with pytest.raises(NoteError, match="malformed"):
        verify_note(case["note"], trusted)


def test_key_name_with_space_is_rejected_even_with_final_newline(data: Any) -> None:
    case = data["malformed_notes_from_xmod"]["cases"][4]
    with pytest.raises(NoteError, match="bad signature line"):
        parse_note(case["note"] + "\n")


def test_invalid_utf8_is_rejected(data: Any) -> None:
    note = data["vectors"][1]["note"].encode()
    with pytest.raises(NoteError, match="UTF-8"):
        parse_note(b"\xff" + note)


def test_parse_only_spec_examples(data: Any) -> None:
    examples = data["parse_only_examples"]
    assert len(parse_note(examples["tlog_checkpoint_example"]).signatures) == 1
    cosigned = parse_note(examples["tlog_cosignature_example"])
    assert [s.name for s in cosigned.signatures] == [
        "example.com/behind-the-sofa",
        "witness.example.com/w1",
    ]
    assert len(cosigned.signatures[1].signature) == 72


def test_a_tampered_signature_from_a_known_key_rejects_the_note(data: Any) -> None:
    v = data["vectors"][1]
    tampered = v["note"].replace("x08go", "x08gp")
    with pytest.raises(NoteError):
        verify_note(tampered, [verifier_from_vkey(v["vkey"])])
