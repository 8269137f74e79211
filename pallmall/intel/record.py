"""A STIX object as the store keeps it: serialized JSON with the columns TAXII filters on."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pallmall.intel.tlp import Tlp, tlp_of_refs

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class StixRecord:
    """One version of one STIX object (TAXII 2.1 §3.3: an object version is id + version).

    ``version_us`` is the object's ``modified`` (else ``created``) in microseconds since the
    Unix epoch; ``version`` is the same timestamp as written in the object. ``content_key``
    is set for objects deduplicated by content (indicators by pattern, malware by name,
    relationships by their ends), else None. ``body`` is the object's compact JSON text.
    """

    id: str
    type: str
    spec_version: str
    version: str
    version_us: int
    tlp: Tlp
    content_key: str | None
    body: str


def stix_timestamp_us(text: str) -> int:
    """Microseconds since the epoch for a STIX timestamp (STIX 2.1 §3.2), e.g. ``…T01:02:03.5Z``.

    Raises:
        ValueError: ``text`` is not an RFC 3339 UTC timestamp.
    """
    if not text.endswith("Z"):
        raise ValueError(f"{text!r} is not a UTC timestamp ending in Z")
    head, _, frac = text[:-1].partition(".")
    if frac and not frac.isdigit():
        raise ValueError(f"{text!r} has a malformed fraction of a second")
    moment = datetime.strptime(head, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    micros = int((frac + "000000")[:6]) if frac else 0
    return (moment - _EPOCH) // _ONE_US + micros


_ONE_US = datetime(1970, 1, 1, 0, 0, 0, 1, tzinfo=UTC) - _EPOCH


def format_us(value: int) -> str:
    """The TAXII 2.1 timestamp (§2.4.1, microsecond precision) for ``value`` µs since the epoch."""
    moment = _EPOCH + value * _ONE_US
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def datetime_us(moment: datetime) -> int:
    """Microseconds since the epoch for an aware datetime."""
    return (moment - _EPOCH) // _ONE_US


def content_key(*parts: str) -> str:
    """A short digest naming an object's content, used to deduplicate across releases."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def make_record(obj: dict[str, Any], default_tlp: Tlp, key: str | None = None) -> StixRecord:
    """Wrap a checked STIX object in a :class:`StixRecord` (compact JSON, keys in input order).

    Raises:
        ValueError: the object's ``modified``/``created`` is not a STIX timestamp.
    """
    # SCOs (STIX 2.1 §6) have neither: their one version is dated at the epoch
    version = str(obj.get("modified") or obj.get("created") or "1970-01-01T00:00:00.000Z")
    return StixRecord(
        id=obj["id"],
        type=obj["type"],
        spec_version=str(obj.get("spec_version", "2.1")),
        version=version,
        version_us=stix_timestamp_us(version),
        tlp=tlp_of_refs(obj.get("object_marking_refs", ()), default_tlp),
        content_key=key,
        body=json.dumps(obj, separators=(",", ":"), ensure_ascii=False),
    )
