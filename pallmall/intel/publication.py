"""Where a confirmed incident goes public: the transparency log, and the TAXII ``public``
collection when it is TLP:CLEAR.

:class:`IncidentPublication` is the desk's :class:`~pallmall.intel.ports.PublicChangeHook`.
It writes only through the stores it is given, so when those share the desk's unit of work
the incident, its public change (the outbox row the log publisher drains) and its STIX
objects commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from pallmall.core.changes import ChangeOutbox, PublicChange
from pallmall.core.clock import utcnow
from pallmall.core.errors import NotFound
from pallmall.intel.bundle import read_objects
from pallmall.intel.desk import CONFIRMED_KIND
from pallmall.intel.exporter import export_bundle
from pallmall.intel.importer import Importer
from pallmall.intel.incident import Incident
from pallmall.intel.ports import IncidentStore, ObjectStore, RegistrySource
from pallmall.intel.report import ImportReport
from pallmall.intel.taxii import DEFAULT_COLLECTIONS, CollectionSpec
from pallmall.intel.tlp import Tlp

PUBLIC_COLLECTION = next(c for c in DEFAULT_COLLECTIONS if c.alias == "public")


class IncidentPublication:
    """Sends an incident's public change to ``outbox`` and, for a confirmed TLP:CLEAR
    incident, its STIX objects into ``collection`` (when ``objects`` and ``registry_for``
    are given; ``registry_for(incident)`` supplies the public registry records it links to).
    """

    def __init__(
        self,
        outbox: ChangeOutbox,
        incidents: IncidentStore,
        objects: ObjectStore | None = None,
        registry_for: Callable[[Incident], RegistrySource] | None = None,
        collection: CollectionSpec = PUBLIC_COLLECTION,
    ) -> None:
        self._outbox = outbox
        self._incidents = incidents
        self._objects = objects
        self._registry_for = registry_for
        self._collection = collection

    def __call__(self, kind: str, subject: str, public_fields: Mapping[str, Any]) -> None:
        """Record the change (dated by the decision) and publish a CLEAR confirmation.

        Raises:
            NotFound: ``subject`` is no stored incident.
        """
        incident = self._incidents.get_incident(subject)
        if incident is None:
            raise NotFound(f"incident {subject}")
        at = incident.decided_at or utcnow()
        self._outbox.add(PublicChange(kind, subject, at, public=dict(public_fields)))
        if kind != CONFIRMED_KIND or incident.tlp is not Tlp.CLEAR:
            return
        if self._objects is not None and self._registry_for is not None:
            registry = self._registry_for(incident)
            publish_incident(self._objects, registry, incident, self._collection, at)


def publish_incident(
    store: ObjectStore,
    registry: RegistrySource,
    incident: Incident,
    collection: CollectionSpec,
    at: datetime,
) -> ImportReport:
    """Add the incident's STIX objects (``campaign``, ``report``, victims' pseudonymous
    identities, indicators, relationships, and the registry objects they point at) to
    ``collection``, deduplicated like an import: an indicator or malware already held by
    content is reused, so links land on the objects the collection already has.

    Returns the import report (``source`` is the incident id).
    """
    bundle = export_bundle(registry, [incident], at)
    report = ImportReport(source=incident.id, format="pallmall-incident")
    objects = incident_objects(bundle["objects"])
    Importer(store).ingest(read_objects(objects, report), report, collection)
    return report


def incident_objects(objects: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The objects an incident's ``report`` refers to, the report, the objects at either
    end of its relationships and the marking definitions they use (bundle order kept)."""
    items = list(objects)
    by_id = {o["id"]: o for o in items}
    keep: set[str] = set()
    for report in (o for o in items if o["type"] == "report"):
        keep |= {report["id"], *report["object_refs"]}
    for ref in list(keep):
        obj = by_id.get(ref, {})
        keep |= {obj[end] for end in ("source_ref", "target_ref") if end in obj}
    keep |= {m for ref in list(keep) for m in by_id.get(ref, {}).get("object_marking_refs", [])}
    return [o for o in items if o["id"] in keep]
