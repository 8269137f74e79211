"""Object versions as federation keeps them: shared by this node (outgoing) and received from
peers (incoming), and the one way an object's body and hash are computed.

The body of an object version is the RFC 8785 canonical JSON of the STIX object without
``x_pallmall_log`` (which is added at serving time); its hash, committed in the sender's
log as a ``federation.shared`` entry, is the SHA-256 of that body.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pallmall.core.errors import InvalidInput
from pallmall.federation.stix import LOG_PROPERTY
from pallmall.intel.record import stix_timestamp_us
from pallmall.log.entry import canonical_json


@dataclass(frozen=True)
class NewShare:
    """An object version to share in ``group_name`` (a group, or ``inbox:<peer>``);
    ``version`` is its ``modified`` in µs; ``change_id`` the public change committing it."""

    group_name: str
    object_id: str
    version: int
    object_type: str
    body: str
    object_sha256: str
    change_id: str


@dataclass(frozen=True)
class SharedObject:
    """An object version this node shares, as stored: ``seq`` orders them; ``log_index`` is
    the index of its ``federation.shared`` entry, None while the entry waits for the log."""

    seq: int
    group_name: str
    object_id: str
    version: int
    object_type: str
    body: str
    object_sha256: str
    change_id: str
    date_added_us: int
    log_index: int | None


@dataclass(frozen=True)
class ReceivedObject:
    """An object version received from peer ``peer_name``; ``verified_size`` is the size of
    the peer's checkpoint its inclusion was proven in (None: not verified yet)."""

    peer_name: str
    object_id: str
    version: int
    object_type: str
    body: str
    log_index: int | None
    verified_size: int | None
    received_at: datetime


def canonical_body(obj: Mapping[str, Any]) -> str:
    """The RFC 8785 canonical JSON text of ``obj`` without ``x_pallmall_log``.

    Raises:
        InvalidInput: the object is not representable as canonical JSON.
    """
    bare = {k: v for k, v in obj.items() if k != LOG_PROPERTY}
    return canonical_json(bare).decode("utf-8")


def body_sha256(body: str) -> str:
    """Lower-case hex SHA-256 of a canonical body (what the log commits to)."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def object_version(obj: Mapping[str, Any]) -> int:
    """The version of a STIX object: its ``modified`` (else ``created``) in µs.

    Raises:
        InvalidInput: naming ``modified`` when neither is a STIX timestamp.
    """
    stamp = obj.get("modified") or obj.get("created")
    try:
        return stix_timestamp_us(stamp) if isinstance(stamp, str) else _no_version()
    except ValueError:
        raise InvalidInput("modified", f"{stamp!r} is not a STIX timestamp") from None


def _no_version() -> int:
    raise InvalidInput("modified", "an object version needs modified (or created)")
