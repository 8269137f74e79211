"""The TAXII 2.1 collections federation serves on the node's TAXII server: one per sharing
group (``fed-<group>``) and one inbox (``fed-inbox``), resolved for each caller.

- A group's collection is read by the peers that are its members and by the node's own
  readers of ``federation:read`` whose account is not a peer node's (regulators, admins).
  To any other caller it does not exist: absent from ``/collections/``, 404 when asked for
  (membership is never revealed).
- An object version is served only once its ``federation.shared`` entry is in the log, with
  ``x_pallmall_log`` (``origin``, ``index``) added; a page stops before the first version
  still waiting for the log, so a reader paging by ``added_after`` never skips one.
- The inbox is written by every active peer and read by none over TAXII: what a peer pushes
  (a consultation) is kept as received but unverified, for sync to verify against the
  pusher's log before anything acts on it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from pallmall.core.auth import AccountKind, Permission, Principal
from pallmall.core.clock import utcnow
from pallmall.core.errors import InvalidInput
from pallmall.federation.objects import ReceivedObject, SharedObject, canonical_body, object_version
from pallmall.federation.peer import RESERVED_GROUP, Peer, SharingGroup
from pallmall.federation.ports import FederationStore
from pallmall.federation.stix import (
    CONSULTATION_TYPE,
    CUSTOM_TYPES,
    LOG_PROPERTY,
    MEASURE_TYPE,
    consultation_from_stix,
    denial_from_stix,
    measure_from_stix,
)
from pallmall.intel.record import format_us
from pallmall.intel.report import ImportReport
from pallmall.intel.taxii import MEDIA_STIX, ObjectQuery, Page, Row, VersionPage

NAMESPACE = uuid.UUID("6b1b3f1e-5d2c-4c4e-9a55-70616c6c6d61")
"""The UUIDv5 namespace of collection ids (the node's TAXII namespace)."""
GROUP_PREFIX = "fed-"
INBOX_ALIAS = "fed-inbox"
INBOX_NAME = RESERVED_GROUP

Scope = Callable[[], AbstractContextManager[FederationStore]]


def group_collection_id(origin: str, group: str) -> str:
    """The id of group ``group``'s collection on the node whose log origin is ``origin``:
    ``uuid5(NAMESPACE, origin + "|" + group)``."""
    return str(uuid.uuid5(NAMESPACE, f"{origin}|{group}"))


def inbox_collection_id(origin: str) -> str:
    """The id of the inbox collection: ``uuid5(NAMESPACE, origin + "|inbox")``."""
    return group_collection_id(origin, INBOX_NAME)


@dataclass(frozen=True)
class GroupCollection:
    """The collection of one sharing group, as one caller may use it."""

    origin: str
    group: SharingGroup
    reading: Scope

    @property
    def id(self) -> str:
        """``uuid5(NAMESPACE, origin|group)``."""
        return group_collection_id(self.origin, self.group.name)

    @property
    def alias(self) -> str:
        """``fed-<group>``."""
        return GROUP_PREFIX + self.group.name

    def can_read(self, principal: Principal) -> bool:
        """True: the collection is only handed to callers who may read it."""
        return principal.can(Permission.FEDERATION_READ)

    def can_write(self, principal: Principal) -> bool:
        """False: the node fills it, nobody writes it over TAXII."""
        return False

    def resource(self, principal: Principal) -> dict[str, Any]:
        """The collection resource (TAXII 2.1 §5.2.1)."""
        return {
            "id": self.id,
            "title": f"Shared with the group {self.group.name}",
            "description": f"TLP:{self.group.tlp.value.upper()}. {self.group.description}".strip(),
            "alias": self.alias,
            "can_read": self.can_read(principal),
            "can_write": False,
            "media_types": [MEDIA_STIX],
        }

    def page(self, query: ObjectQuery) -> Page:
        """Logged versions matching ``query``, with ``x_pallmall_log``; the page ends before
        the first version not yet in the log."""
        with self.reading() as store:
            rows, more = store.page_shared(self.group.name, query)
        served = list(_logged_prefix(rows))
        if len(served) < len(rows):
            more = False
        return Page([self._row(r, query.with_body) for r in served], more)

    def versions(self, object_id: str, query: ObjectQuery) -> VersionPage:
        """The logged versions of ``object_id`` (§5.8)."""
        every = ("all",) if query.versions == ("last",) else query.versions
        page = self.page(
            replace(query, ids=(object_id,), types=(), versions=every, with_body=False)
        )
        return VersionPage(page.rows, page.more)

    def add(self, objects: Sequence[Any], principal: Principal, report: ImportReport) -> None:
        """Never called: :meth:`can_write` is False."""
        raise InvalidInput("collection", f"{self.alias} is read-only")

    def _row(self, shared: SharedObject, with_body: bool) -> Row:
        body = _with_log(shared.body, self.origin, shared.log_index) if with_body else ""
        version = format_us(shared.version)
        return Row(shared.date_added_us, shared.seq, shared.object_id, version, body)


@dataclass(frozen=True)
class InboxCollection:
    """The inbox: written by one active peer (the caller), read by nobody over TAXII."""

    origin: str
    peer: Peer
    writing: Scope
    clock: Callable[[], datetime] = utcnow

    @property
    def id(self) -> str:
        """``uuid5(NAMESPACE, origin|inbox)``."""
        return inbox_collection_id(self.origin)

    @property
    def alias(self) -> str:
        """``fed-inbox``."""
        return INBOX_ALIAS

    def can_read(self, principal: Principal) -> bool:
        """False: what peers push is read by this node only."""
        return False

    def can_write(self, principal: Principal) -> bool:
        """Whether the caller may push (``federation:write``; it is the peer)."""
        return principal.can(Permission.FEDERATION_WRITE)

    def resource(self, principal: Principal) -> dict[str, Any]:
        """The collection resource (TAXII 2.1 §5.2.1)."""
        return {
            "id": self.id,
            "title": "Inbox of this node",
            "description": "Peers push objects addressed to this node (consultations).",
            "alias": self.alias,
            "can_read": False,
            "can_write": self.can_write(principal),
            "media_types": [MEDIA_STIX],
        }

    def page(self, query: ObjectQuery) -> Page:
        """Never called: :meth:`can_read` is False."""
        raise InvalidInput("collection", "the inbox is not read over TAXII")

    def versions(self, object_id: str, query: ObjectQuery) -> VersionPage:
        """Never called: :meth:`can_read` is False."""
        raise InvalidInput("collection", "the inbox is not read over TAXII")

    def add(self, objects: Sequence[Any], principal: Principal, report: ImportReport) -> None:
        """Keep each well-formed object addressed to this node as received from the peer,
        unverified; note every other one in ``report`` with the reason."""
        with self.writing() as store:
            for position, obj in enumerate(objects):
                report.received += 1
                try:
                    received = self._received(obj)
                except InvalidInput as exc:
                    where = obj.get("id") if isinstance(obj, dict) else None
                    report.skip(str(where or f"objects[{position}]"), str(exc))
                    continue
                if store.add_received(received):
                    report.added += 1
                else:
                    report.duplicates += 1

    def _received(self, obj: Any) -> ReceivedObject:
        if not isinstance(obj, dict):
            raise InvalidInput("object", "is not a JSON object")
        if obj.get("type") not in CUSTOM_TYPES:
            raise InvalidInput("type", f"the inbox takes {sorted(CUSTOM_TYPES)}")
        if obj["type"] == CONSULTATION_TYPE:
            consultation, _ = consultation_from_stix(obj)
            if consultation.denial_node != self.origin:
                raise InvalidInput("denial_node", f"this node is {self.origin}")
            if consultation.consulting_node != self.peer.log_origin:
                raise InvalidInput("consulting_node", "a peer consults for itself only")
        elif obj["type"] == MEASURE_TYPE:
            if measure_from_stix(obj)[0].notifying_node != self.peer.log_origin:
                raise InvalidInput("notifying_node", "a peer notifies for itself only")
        elif denial_from_stix(obj)[0].notifying_node != self.peer.log_origin:
            raise InvalidInput("notifying_node", "a peer notifies for itself only")
        index = _log_index(obj, self.peer.log_origin)
        return ReceivedObject(
            peer_name=self.peer.name,
            object_id=str(obj["id"]),
            version=object_version(obj),
            object_type=str(obj["type"]),
            body=canonical_body(obj),
            log_index=index,
            verified_size=None,
            received_at=self.clock(),
        )


@dataclass(frozen=True)
class FederationCollections:
    """:class:`~pallmall.intel.taxii.CollectionSource` of the node whose log origin is
    ``origin``: the groups' collections and the inbox, per caller."""

    origin: str
    reading: Scope
    writing: Scope

    def listed(self, principal: Principal) -> Sequence[GroupCollection | InboxCollection]:
        """The groups the caller may read (a peer: its own), and the inbox for a peer."""
        if not principal.can(Permission.FEDERATION_READ):
            return []
        with self.reading() as store:
            if principal.account_kind is not AccountKind.PEER_NODE:
                groups, peer = store.groups(), None
            elif (peer := _peer_of(store, principal)) is None:
                return []  # a peer's account without an active peer: nothing at all
            else:
                groups = store.groups_of(peer.name)
        found: list[GroupCollection | InboxCollection] = [
            GroupCollection(self.origin, g, self.reading) for g in groups
        ]
        if peer is not None and principal.can(Permission.FEDERATION_WRITE):
            found.append(InboxCollection(self.origin, peer, self.writing))
        return found

    def find(
        self, collection_id: str, principal: Principal
    ) -> GroupCollection | InboxCollection | None:
        """The collection with this id or alias if the caller may use it, else None."""
        for collection in self.listed(principal):
            if collection_id in (collection.id, collection.alias):
                return collection
        return None


def _peer_of(store: FederationStore, principal: Principal) -> Peer | None:
    return store.peer_for_account(principal.account_id) if principal.account_id else None


def _logged_prefix(rows: Sequence[SharedObject]) -> Iterator[SharedObject]:
    for row in rows:
        if row.log_index is None:
            return
        yield row


def _with_log(body: str, origin: str, index: int | None) -> str:
    """The stored body with ``x_pallmall_log`` as its first property (no re-parse)."""
    log = json.dumps({"origin": origin, "index": index}, separators=(",", ":"))
    return '{"' + LOG_PROPERTY + '":' + log + "," + body[1:]


def _log_index(obj: dict[str, Any], origin: str) -> int:
    log = obj.get(LOG_PROPERTY)
    if not isinstance(log, dict) or log.get("origin") != origin:
        raise InvalidInput(LOG_PROPERTY, f"must name the pusher's log origin {origin}")
    index = log.get("index")
    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
        raise InvalidInput(f"{LOG_PROPERTY}.index", "must be a log index (an integer >= 0)")
    return index
