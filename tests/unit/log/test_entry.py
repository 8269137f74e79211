"""Entries, commitments and disclosures."""

from __future__ import annotations

import json

import pytest

from pallmall.core.errors import InvalidInput
from pallmall.log.entry import (
    Disclosure,
    check_disclosure,
    commitment,
    disclose,
    make_entry,
    parse_entry,
)
from pallmall.log.errors import CommitmentError


def _entry() -> tuple[bytes, Disclosure]:
    return make_entry(
        "licence.decision",
        "case/2026-17",
        {"decision": "denied", "destination": "XX"},
        {"end_user": "Agency A", "value_eur": 1200000},
        time="2026-05-01T12:00:00Z",
    )


def test_entry_is_canonical_and_hides_confidential_values() -> None:
    data, full = _entry()
    entry = parse_entry(data)
    assert entry.kind == "licence.decision" and entry.public["decision"] == "denied"
    assert b"Agency A" not in data and b"1200000" not in data
    assert data == json.dumps(json.loads(data), sort_keys=True, separators=(",", ":")).encode()
    assert set(entry.commitments) == {"end_user", "value_eur"}
    name, f = "end_user", full.fields["end_user"]
    assert entry.commitments[name] == commitment(name, f.value, f.salt)


def test_disclosure_round_trip_and_mismatches() -> None:
    data, full = _entry()
    part = Disclosure.from_json(json.loads(json.dumps(disclose(full, ["end_user"]).to_json())))
    assert check_disclosure(data, part).subject == "case/2026-17"
    forged = Disclosure(
        part.leaf_hash,
        {"end_user": type(part.fields["end_user"])("Agency B", part.fields["end_user"].salt)},
    )
    with pytest.raises(CommitmentError, match="does not match"):
        check_disclosure(data, forged)
    swapped = Disclosure(part.leaf_hash, {"value_eur": part.fields["end_user"]})
    with pytest.raises(CommitmentError):
        check_disclosure(data, swapped)
    other, _ = _entry()
    with pytest.raises(CommitmentError, match="another entry"):
        check_disclosure(other, part)


def test_bad_input() -> None:
    with pytest.raises(InvalidInput, match="time"):
        make_entry("k", "s", {}, time="2026-05-01 12:00")
    with pytest.raises(InvalidInput, match="confidential"):
        make_entry("k", "s", {"a": 1}, {"a": 2})
    with pytest.raises(InvalidInput, match="canonical"):
        parse_entry(
            b'{"v":1, "kind":"k","time":"2026-05-01T12:00:00Z","subject":"s",'
            b'"public":{},"commitments":{}}'
        )
    with pytest.raises(InvalidInput):
        disclose(_entry()[1], ["nope"])
