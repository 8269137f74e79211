"""The node's :class:`~pallmall.cases.exchange.DenialExchange` over federation: denial notices
and restrictive measures shared with the groups whose TLP admits them, consultations pushed
to the denying node's inbox, and the notices and measures peers sent us that were verified
against their logs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVar

from pallmall.cases.exchange import Consultation, DenialNotice, RestrictiveMeasure
from pallmall.core.clock import utcnow
from pallmall.core.errors import InvalidInput, NotFound
from pallmall.disclosure import Sensitivity, may_read, peer_group
from pallmall.disclosure.marking import Tlp
from pallmall.federation.objects import ReceivedObject, SharedObject
from pallmall.federation.outgoing import Outgoing
from pallmall.federation.peer import SharingGroup, inbox_group
from pallmall.federation.ports import ObjectStore, PeerStore
from pallmall.federation.stix import (
    CONSULTATION_TYPE,
    DENIAL_TYPE,
    MEASURE_TYPE,
    Envelope,
    consultation_to_stix,
    denial_from_stix,
    denial_to_stix,
    measure_from_stix,
    measure_to_stix,
    new_object_id,
)
from pallmall.intel.record import datetime_us

Told = TypeVar("Told", DenialNotice, RestrictiveMeasure)
"""What a peer tells: a denial notice or a restrictive measure."""

NOTICE_TLP = Tlp.AMBER
"""Denial notices go to partner authorities only: TLP:AMBER, so groups of AMBER and above."""
CONSULTATION_TLP = Tlp.AMBER
MEASURE_TLP = Tlp.AMBER
"""Restrictive measures go to partner authorities only, like denial notices."""
WITHDRAWN = "withdrawn: no longer in force on the notifying node"


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
        rows = self.objects.received(DENIAL_TYPE, fragment)
        live = [
            n
            for n in self._in_force(rows, denial_from_stix)
            if n.product_category == product_category
        ]
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

    def foreign_measures(self) -> Sequence[RestrictiveMeasure]:
        """Measures in force (latest version not revoked) received from active peers and
        verified against their logs, oldest first; believed only from the node they name as
        notifying, like notices."""
        live = self._in_force(self.objects.received(MEASURE_TYPE, ""), measure_from_stix)
        return sorted(live, key=lambda m: (m.taken_on, m.notifying_node, m.reference))

    def share_measures(self, measures: Sequence[RestrictiveMeasure]) -> int:
        """In every group whose TLP admits TLP:AMBER (the disclosure rules' ``peer_group``
        reader), a new version of each of ``measures`` the group was not told or was told
        differently, and a revoked version of each measure it was told that is no longer
        among them; every version of a measure keeps its object id. Returns the versions
        shared.

        Raises:
            InvalidInput: naming ``notifying_node`` when a measure is not this node's.
        """
        for m in measures:
            if m.notifying_node != self.origin:
                raise InvalidInput("notifying_node", f"this node notifies as {self.origin}")
        wanted = {m.reference: m for m in measures}
        told = self._told()
        now = datetime_us(self.clock())
        sent = 0
        for group in self.peers.groups():
            if not may_read(peer_group(group.tlp), Sensitivity(tlp=MEASURE_TLP)):
                continue
            in_group = told.get(group.name, {})
            for reference in sorted(wanted.keys() | in_group.keys()):
                last = in_group.get(reference)
                measure = wanted.get(reference)
                if measure is None:
                    if last is None or last[1].revoked:
                        continue
                    measure = replace(last[1], revoked=True, comment=WITHDRAWN)
                elif last is not None and last[1] == measure:
                    continue
                sent += self._share_measure(group, measure, last, now)
        return sent

    def _told(self) -> dict[str, dict[str, tuple[Envelope, RestrictiveMeasure]]]:
        """The latest version of each measure told, by group and reference."""
        told: dict[str, dict[str, tuple[Envelope, RestrictiveMeasure]]] = {}
        for row in self.objects.shared(MEASURE_TYPE, ""):
            parsed = _measure(row)
            if parsed is None:
                continue
            envelope, measure = parsed
            group = told.setdefault(row.group_name, {})
            last = group.get(measure.reference)
            if last is None or last[0].modified <= envelope.modified:
                group[measure.reference] = parsed
        return told

    def _share_measure(
        self,
        group: SharingGroup,
        measure: RestrictiveMeasure,
        last: tuple[Envelope, RestrictiveMeasure] | None,
        now: int,
    ) -> int:
        if last is None:
            object_id, created, modified = self._measure_identity(measure.reference), now, now
        else:
            object_id, created = last[0].id, last[0].created
            modified = max(now, last[0].modified + 1)
        envelope = Envelope(object_id, min(created, modified), modified, group.tlp)
        return int(self.outgoing.share(group.name, measure_to_stix(measure, envelope)))

    def _measure_identity(self, reference: str) -> str:
        """The object id a measure has in any group already (its versions keep one id
        everywhere), else a fresh one."""
        for row in self.objects.shared(MEASURE_TYPE, _fragment("reference", reference)):
            parsed = _measure(row)
            if parsed is not None and parsed[1].reference == reference:
                return parsed[0].id
        return new_object_id(MEASURE_TYPE)

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

    def _in_force(
        self, rows: Sequence[ReceivedObject], parse: Callable[[Any], tuple[Told, Envelope]]
    ) -> list[Told]:
        """The latest version of each ``(notifying_node, reference)`` among ``rows`` when
        not revoked. A version is believed only from the node it names as notifying (a peer
        cannot speak for another); a body that does not parse is ignored (sync refuses
        such objects)."""
        latest: dict[tuple[str, str], tuple[int, Told]] = {}
        for row in rows:
            try:
                found, _ = parse(json.loads(row.body))
            except (InvalidInput, ValueError):
                continue
            peer = self.peers.get_peer(row.peer_name)
            if peer is None or peer.log_origin != found.notifying_node:
                continue
            key = (found.notifying_node, found.reference)
            if key not in latest or latest[key][0] < row.version:
                latest[key] = (row.version, found)
        return [t for _, t in latest.values() if not t.revoked]


def _measure(row: SharedObject) -> tuple[Envelope, RestrictiveMeasure] | None:
    try:
        measure, envelope = measure_from_stix(json.loads(row.body))
    except (InvalidInput, ValueError):
        return None
    return envelope, measure


def _fragment(name: str, value: str) -> str:
    """``"name":"value"`` as it appears in RFC 8785 JSON (a cheap pre-filter in storage)."""
    return json.dumps({name: value}, ensure_ascii=False, separators=(",", ":"))[1:-1]
