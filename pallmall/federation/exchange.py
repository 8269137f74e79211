"""The node's :class:`~pallmall.cases.exchange.DenialExchange` over federation: denial notices
shared with the groups whose TLP admits them, consultations pushed to the denying node's
inbox, and the denial notices peers sent us that were verified against their logs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from pallmall.cases.exchange import Consultation, DenialNotice
from pallmall.core.clock import utcnow
from pallmall.core.errors import InvalidInput, NotFound
from pallmall.disclosure import Sensitivity, may_read, peer_group
from pallmall.disclosure.marking import Tlp
from pallmall.federation.objects import ReceivedObject
from pallmall.federation.outgoing import Outgoing
from pallmall.federation.peer import inbox_group
from pallmall.federation.ports import ObjectStore, PeerStore
from pallmall.federation.stix import (
    CONSULTATION_TYPE,
    DENIAL_TYPE,
    Envelope,
    consultation_to_stix,
    denial_from_stix,
    denial_to_stix,
    new_object_id,
)
from pallmall.intel.record import datetime_us

NOTICE_TLP = Tlp.AMBER
"""Denial notices go to partner authorities only: TLP:AMBER, so groups of AMBER and above."""
CONSULTATION_TLP = Tlp.AMBER


@dataclass
class FederationExchange:
    """:class:`~pallmall.cases.exchange.DenialExchange` of the node whose log origin is
    ``origin``, on one unit of work (what it sends leaves only if that commits)."""

    peers: PeerStore
    objects: ObjectStore
    outgoing: Outgoing
    origin: str
    clock: Callable[[], datetime] = utcnow

    def foreign_denials(self, product_category: str) -> Sequence[DenialNotice]:
        """Notices in force (latest version not revoked) for ``product_category`` received
        from active peers and verified against their logs, oldest first. A notice is
        believed only from the node it names as notifying (a peer cannot speak for
        another); a body that does not parse is ignored (sync refuses such objects)."""
        fragment = _fragment("product_category", product_category)
        latest: dict[tuple[str, str], tuple[int, DenialNotice]] = {}
        for row in self.objects.received(DENIAL_TYPE, fragment):
            found = self._believed(row)
            if found is None or found.product_category != product_category:
                continue
            key = (found.notifying_node, found.reference)
            if key not in latest or latest[key][0] < row.version:
                latest[key] = (row.version, found)
        live = [n for _, n in latest.values() if not n.revoked]
        return sorted(live, key=lambda n: (n.notified_on, n.notifying_node, n.reference))

    def notify_denial(self, notice: DenialNotice) -> None:
        """Share a new version of ``notice`` in every group whose TLP admits TLP:AMBER, with
        the same object id as its earlier versions; a group with no such TLP gets nothing.

        Raises:
            InvalidInput: naming ``notifying_node`` when the notice is not this node's.
        """
        if notice.notifying_node != self.origin:
            raise InvalidInput("notifying_node", f"this node notifies as {self.origin}")
        object_id, created, previous = self._notice_identity(notice.reference)
        now = datetime_us(self.clock())
        modified = max(now, previous + 1)
        for group in self.peers.groups():
            if not may_read(peer_group(group.tlp), Sensitivity(tlp=NOTICE_TLP)):
                continue
            envelope = Envelope(object_id, min(created or modified, modified), modified, group.tlp)
            self.outgoing.share(group.name, denial_to_stix(notice, envelope))

    def consult(self, consultation: Consultation) -> None:
        """Push ``consultation`` to the inbox of the peer whose log origin is its
        ``denial_node`` (sync's client delivers it).

        Raises:
            NotFound: no active peer has that origin.
        """
        peer = self.peers.peer_for_origin(consultation.denial_node)
        if peer is None:
            raise NotFound(f"no active peer with log origin {consultation.denial_node}")
        now = datetime_us(self.clock())
        envelope = Envelope(new_object_id(CONSULTATION_TYPE), now, now, CONSULTATION_TLP)
        self.outgoing.share(inbox_group(peer.name), consultation_to_stix(consultation, envelope))

    def _notice_identity(self, reference: str) -> tuple[str, int | None, int]:
        """The object id, ``created`` and newest ``modified`` (µs) of the notice's earlier
        versions; a fresh id, None and 0 for a first version."""
        best: tuple[str, int | None, int] = (new_object_id(DENIAL_TYPE), None, 0)
        for row in self.objects.shared(DENIAL_TYPE, _fragment("reference", reference)):
            try:
                notice, envelope = denial_from_stix(json.loads(row.body))
            except (InvalidInput, ValueError):
                continue
            if notice.reference == reference and envelope.modified >= best[2]:
                best = (envelope.id, envelope.created, envelope.modified)
        return best

    def _believed(self, row: ReceivedObject) -> DenialNotice | None:
        try:
            notice, _ = denial_from_stix(json.loads(row.body))
        except (InvalidInput, ValueError):
            return None
        peer = self.peers.get_peer(row.peer_name)
        if peer is None or peer.log_origin != notice.notifying_node:
            return None
        return notice


def _fragment(name: str, value: str) -> str:
    """``"name":"value"`` as it appears in RFC 8785 JSON (a cheap pre-filter in storage)."""
    return json.dumps({name: value}, ensure_ascii=False, separators=(",", ":"))[1:-1]
