"""Log entries: canonical JSON (RFC 8785) of a typed record, with salted commitments.

An entry is the RFC 8785 (JCS) serialisation of::

    {"v": 1, "kind": K, "time": "YYYY-MM-DDTHH:MM:SSZ", "subject": S,
     "change": ID, "public": {...}, "commitments": {"<field>": base64(C), ...}}

``change`` (optional) is the id of the public change the entry records
(:class:`pallmall.core.changes.PublicChange`): a change appended twice (a crash between the
log and the database) is two entries with one ``change``, and readers count it once.

For each confidential field ``f`` with JSON value ``v`` and a fresh 32-byte random
``salt``, the commitment is::

    C = SHA-256("pallmall/commitment/v1" || 0x0A || salt || JCS({"field": f, "value": v}))

Binding the field name stops a disclosure of one field being passed off as another; the
salt stops guessing a low-entropy value from ``C``. A disclosure hands an auditor
``salt`` and ``value`` for some fields; :func:`check_disclosure` recomputes ``C``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import rfc8785

from pallmall.core.errors import InvalidInput
from pallmall.log.errors import CommitmentError
from pallmall.log.hashing import leaf_hash

ENTRY_VERSION = 1
COMMITMENT_DOMAIN = b"pallmall/commitment/v1\n"
SALT_SIZE = 32
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")
_KEYS = {"v", "kind", "time", "subject", "public", "commitments"}
_OPTIONAL = {"change"}


@dataclass(frozen=True)
class Entry:
    """A parsed log entry; ``commitments`` maps field name to the 32-byte commitment."""

    kind: str
    time: str
    subject: str
    public: Mapping[str, Any]
    commitments: Mapping[str, bytes] = field(default_factory=dict)
    change: str | None = None
    """The id of the public change this entry records (None in entries written without)."""

    def to_json(self) -> dict[str, Any]:
        """The JSON object that is canonicalised into the entry bytes."""
        data: dict[str, Any] = {
            "v": ENTRY_VERSION,
            "kind": self.kind,
            "time": self.time,
            "subject": self.subject,
            "public": dict(self.public),
            "commitments": {k: _b64(v) for k, v in self.commitments.items()},
        }
        if self.change is not None:
            data["change"] = self.change
        return data

    def encode(self) -> bytes:
        """Return the canonical (RFC 8785) bytes: what the log stores and hashes."""
        return canonical_json(self.to_json())


@dataclass(frozen=True)
class DisclosedField:
    """A confidential field's value and the salt of its commitment."""

    value: Any
    salt: bytes


@dataclass(frozen=True)
class Disclosure:
    """Salts and values of some confidential fields of one entry (identified by leaf hash)."""

    leaf_hash: bytes
    fields: Mapping[str, DisclosedField]

    def to_json(self) -> dict[str, Any]:
        """JSON form handed to an auditor (``pallmall log disclose``)."""
        return {
            "leaf_hash": _b64(self.leaf_hash),
            "fields": {k: {"salt": _b64(f.salt), "value": f.value} for k, f in self.fields.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Disclosure:
        """Parse the JSON form; raises ``InvalidInput`` naming the bad field."""
        try:
            fields = {
                str(k): DisclosedField(v["value"], _unb64(v["salt"], f"fields.{k}.salt"))
                for k, v in dict(data["fields"]).items()
            }
            return cls(_unb64(data["leaf_hash"], "leaf_hash"), fields)
        except (KeyError, TypeError, AttributeError) as exc:
            raise InvalidInput("disclosure", f"missing or malformed member: {exc}") from exc


def canonical_json(value: Any) -> bytes:
    """RFC 8785 JSON Canonicalization Scheme bytes; ``InvalidInput`` if not representable."""
    try:
        return bytes(rfc8785.dumps(value))
    except Exception as exc:  # rfc8785 raises its own error types and TypeError
        raise InvalidInput("entry", f"not canonicalisable JSON: {exc}") from exc


def commitment(name: str, value: Any, salt: bytes) -> bytes:
    """Return SHA-256(domain || salt || JCS({"field": name, "value": value})) (see module)."""
    if len(salt) != SALT_SIZE:
        raise InvalidInput("salt", f"must be {SALT_SIZE} bytes")
    body = canonical_json({"field": name, "value": value})
    return hashlib.sha256(COMMITMENT_DOMAIN + salt + body).digest()


def utc_now() -> str:
    """The current time as RFC 3339 UTC with second precision, e.g. ``2026-05-01T12:00:00Z``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def make_entry(
    kind: str,
    subject: str,
    public: Mapping[str, Any],
    confidential: Mapping[str, Any] | None = None,
    time: str | None = None,
    change: str | None = None,
    salts: Mapping[str, bytes] | None = None,
) -> tuple[bytes, Disclosure]:
    """Build an entry; return its canonical bytes and the full disclosure (keep it private).

    ``time`` defaults to now (RFC 3339, UTC, ``Z``); ``change`` is the id of the public
    change the entry records. ``salts`` (one per confidential field) rebuild the very bytes
    of an entry whose disclosure was kept; fresh random salts otherwise. A field name MUST
    NOT be both public and confidential. Raises ``InvalidInput`` naming the bad field.
    """
    confidential = dict(confidential or {})
    _check_names(kind, subject, public, confidential)
    if change is not None and not (0 < len(change) <= 200):
        raise InvalidInput("change", "must be 1 to 200 characters")
    if salts is None:
        salts = {name: secrets.token_bytes(SALT_SIZE) for name in confidential}
    elif set(salts) != set(confidential):
        raise InvalidInput("salts", "one salt per confidential field, no other")
    commitments = {n: commitment(n, v, salts[n]) for n, v in confidential.items()}
    entry = Entry(kind, time or utc_now(), subject, dict(public), commitments, change)
    _check_time(entry.time)
    data = entry.encode()
    fields = {n: DisclosedField(v, salts[n]) for n, v in confidential.items()}
    return data, Disclosure(leaf_hash(data), fields)


def _check_names(
    kind: str, subject: str, public: Mapping[str, Any], confidential: Mapping[str, Any]
) -> None:
    if not kind:
        raise InvalidInput("kind", "must not be empty")
    if not subject:
        raise InvalidInput("subject", "must not be empty")
    both = set(public) & set(confidential)
    if both:
        raise InvalidInput("confidential", f"fields both public and confidential: {sorted(both)}")


def _check_time(value: str) -> None:
    if not isinstance(value, str) or not _TIME.match(value):
        raise InvalidInput("time", "must be RFC 3339 UTC, e.g. 2026-05-01T12:00:00Z")


def parse_entry(data: bytes) -> Entry:
    """Parse entry bytes; raises ``InvalidInput`` unless they are a canonical v1 entry."""
    try:
        obj = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput("entry", "not JSON") from exc
    if not isinstance(obj, dict) or not _KEYS <= set(obj) <= _KEYS | _OPTIONAL:
        raise InvalidInput("entry", f"expected the members {sorted(_KEYS)} with v=1")
    if obj["v"] != ENTRY_VERSION:
        raise InvalidInput("entry", f"expected the members {sorted(_KEYS)} with v=1")
    change = obj.get("change")
    if "change" in obj and not (isinstance(change, str) and change):
        raise InvalidInput("entry", "change must be a non-empty string")
    if canonical_json(obj) != data:
        raise InvalidInput("entry", "not in RFC 8785 canonical form")
    _check_time(obj["time"])
    commitments = {k: _unb64(v, f"commitments.{k}") for k, v in obj["commitments"].items()}
    return Entry(obj["kind"], obj["time"], obj["subject"], obj["public"], commitments, change)


def entry_subject(data: bytes) -> str | None:
    """The ``subject`` of a pallmall entry, or None for other bytes (used for indexing)."""
    try:
        return parse_entry(data).subject
    except InvalidInput:
        return None


def disclose(disclosure: Disclosure, names: Iterable[str]) -> Disclosure:
    """Return the part of ``disclosure`` for ``names``; ``InvalidInput`` for unknown names."""
    names = list(names)
    missing = [n for n in names if n not in disclosure.fields]
    if missing:
        raise InvalidInput("fields", f"not confidential fields of this entry: {missing}")
    return Disclosure(disclosure.leaf_hash, {n: disclosure.fields[n] for n in names})


def check_disclosure(entry: bytes, disclosure: Disclosure) -> Entry:
    """Check a disclosure against entry bytes; return the parsed entry.

    Raises :class:`CommitmentError` when the disclosure names another entry, a field
    the entry has no commitment for, or a salt/value that does not reproduce it.
    """
    if leaf_hash(entry) != disclosure.leaf_hash:
        raise CommitmentError("the disclosure is for another entry (leaf hash differs)")
    parsed = parse_entry(entry)
    for name, disclosed in disclosure.fields.items():
        want = parsed.commitments.get(name)
        if want is None:
            raise CommitmentError(f"the entry has no commitment for {name!r}")
        try:
            got = commitment(name, disclosed.value, disclosed.salt)
        except InvalidInput as exc:
            raise CommitmentError(f"{name}: {exc.reason}") from exc
        if not secrets.compare_digest(got, want):
            raise CommitmentError(f"the value or salt of {name!r} does not match")
    return parsed


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(value: Any, name: str) -> bytes:
    try:
        return base64.b64decode(str(value), validate=True)
    except binascii.Error as exc:
        raise InvalidInput(name, "not base64") from exc
