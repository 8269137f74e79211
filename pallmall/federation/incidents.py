"""Sharing a confirmed abuse incident with a sharing group: the incident's STIX objects from
the existing exporter, redacted for the group (the disclosure gate), marked with the group's
TLP and committed in the log one version at a time.

Sharing is an explicit act (``pallmall federation share-incident``), not a side effect of
confirmation: an incident above TLP:GREEN is held by its owner and the accounts it is shared
with, and it is one of them (or the oversight body, or the node's operator) who decides that
a group of other states holds it too. The group then reads it as a holder within its TLP:
at AMBER the incident's restricted details (summary, victims' names, reporter) stay home;
only a TLP:RED group of holders receives them.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pallmall.core.audit import AuditRecord, AuditSink
from pallmall.core.auth import Permission, Principal
from pallmall.core.clock import utcnow
from pallmall.core.errors import Forbidden, InvalidInput, NotFound
from pallmall.disclosure import Reader
from pallmall.federation.outgoing import Outgoing
from pallmall.federation.ports import PeerStore
from pallmall.federation.stix import tlp_marking
from pallmall.intel.exporter import export_bundle
from pallmall.intel.incident import Incident, IncidentStatus
from pallmall.intel.ports import RegistrySource
from pallmall.intel.publication import incident_objects
from pallmall.intel.redaction import VisibilityOf, is_full, redact

NONCE_PROPERTY = "x_pallmall_nonce"
"""128 random bits added to each shared incident object: its id is derived from names, so
without it the hash in the log could be confirmed by anyone guessing the object."""


@dataclass
class IncidentSharing:
    """Shares confirmed incidents with groups, on one unit of work."""

    peers: PeerStore
    outgoing: Outgoing
    incidents: Callable[[str], Incident | None]
    registry_for: Callable[[Incident], RegistrySource]
    visibility_of: VisibilityOf
    audit: AuditSink
    clock: Callable[[], datetime] = utcnow

    def share(self, actor: Principal, incident_id: str, group_name: str) -> int:
        """Share the incident's objects in the group; returns how many object versions were
        new to it (0 when shared before).

        Raises:
            NotFound: no such group, or no incident the actor may read.
            Forbidden: the actor may not read the incident whole (neither holder, overseer
                nor operator), or may not decide on incidents.
            InvalidInput: naming ``incident`` when it is not confirmed, ``group`` when the
                incident's TLP is above the group's.
        """
        actor.require(Permission.INTEL_DECIDE)
        group = self.peers.get_group(group_name)
        if group is None:
            raise NotFound(f"no group named {group_name}")
        incident = self.incidents(incident_id)
        if incident is None:
            raise NotFound(f"incident {incident_id}")
        if not is_full(Reader.of(actor), incident):
            raise Forbidden(f"only the incident's holders or overseers share {incident_id}")
        if incident.status is not IncidentStatus.CONFIRMED:
            raise InvalidInput("incident", "only a confirmed incident is shared")
        if not group.tlp.allows(incident.tlp):
            raise InvalidInput(
                "group", f"TLP:{incident.tlp.value.upper()} is above the group's {group.tlp}"
            )
        reader = Reader(tlp_ceiling=group.tlp, holder_ids=incident.holders or frozenset())
        seen = redact(incident, reader, self.visibility_of)
        if seen is None:  # the checks above admit it; the gate has the last word
            raise Forbidden(f"the group {group_name} may not read incident {incident_id}")
        objects = self._objects(seen, group.tlp)
        added = sum(self.outgoing.share(group.name, obj) for obj in objects)
        payload = {"group": group.name, "objects": added}
        self.audit.append(
            AuditRecord(
                actor.user_id or "system",
                "federation.incident.shared",
                incident_id,
                self.clock(),
                payload,
            )
        )
        return added

    def _objects(self, incident: Incident, tlp: Any) -> list[dict[str, Any]]:
        at = incident.decided_at or self.clock()
        bundle = export_bundle(self.registry_for(incident), [incident], at)
        shared = []
        for obj in incident_objects(bundle["objects"]):
            if obj["type"] == "marking-definition":
                continue  # the TLP 2.0 markings are predefined; peers know them
            marked = {**obj, "object_marking_refs": [tlp_marking(tlp)]}
            marked[NONCE_PROPERTY] = secrets.token_hex(16)
            shared.append(marked)
        return shared
