"""Peers (other states' nodes) and sharing groups (named sets of peers), as records.

A peer is named by a local slug; it is identified by its log origin and log verifier key
(C2SP signed-note). A sharing group carries a TLP ceiling: objects shared in it are marked
at most that TLP. Membership of a group is never revealed to a peer outside it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pallmall.core.errors import InvalidInput
from pallmall.disclosure.marking import Tlp

NAME_PATTERN = re.compile(r"[a-z0-9-]{1,40}")
"""Peer and group names: lower-case slugs of 1 to 40 characters."""

INBOX_PREFIX = "inbox:"
"""``federation_objects.group_name`` of an object addressed to one peer's inbox is
``inbox:<peer>`` (a consultation), never a group's name (``:`` is not in a slug)."""


class PeerStatus(StrEnum):
    """A peer is active until removed; removal keeps the row (what it sent stays attributable)."""

    ACTIVE = "active"
    REMOVED = "removed"


@dataclass(frozen=True)
class Peer:
    """Another node this node exchanges with.

    ``url`` is the peer node's base URL; ``log_origin`` and ``log_vkey`` its log's origin and
    verifier key; ``witness_vkey`` its witness's verifier key ("" when it runs none);
    ``state`` ISO 3166-1 alpha-2. ``token`` is the bearer token THE PEER issued to us (never
    shown by any view); ``account_id`` the local account our node created for the peer.
    """

    name: str
    url: str
    log_origin: str
    log_vkey: str
    state: str
    account_id: str
    added_at: datetime
    witness_vkey: str = ""
    token: str = ""
    status: PeerStatus = PeerStatus.ACTIVE


@dataclass(frozen=True)
class SharingGroup:
    """A named set of peers; what is shared in it is marked at most ``tlp``."""

    name: str
    tlp: Tlp
    description: str
    created_at: datetime


def check_name(name: str, field: str = "name") -> str:
    """``name`` if it is a slug (:data:`NAME_PATTERN`).

    Raises:
        InvalidInput: naming ``field``.
    """
    if not NAME_PATTERN.fullmatch(name):
        raise InvalidInput(field, "must be 1 to 40 of a-z, 0-9 and '-'")
    return name


def inbox_group(peer_name: str) -> str:
    """The ``group_name`` under which objects addressed to ``peer_name``'s inbox are kept."""
    return INBOX_PREFIX + peer_name
