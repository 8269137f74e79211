"""Where a confirmed incident the public may read goes for TAXII readers: the ``public``
collection.

:class:`PublicCollection` is the desk's :class:`~pallmall.intel.ports.IncidentCollections`.
It writes only through the object store it is given, so when that store shares the desk's
unit of work, the incident, its public change and its STIX objects commit together or not at
all. It receives incidents already redacted for the public (:func:`.redaction.redact`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from pallmall.core.clock import utcnow
from pallmall.intel.bundle import read_objects
from pallmall.intel.exporter import export_bundle
from pallmall.intel.importer import Importer
from pallmall.intel.incident import Incident
from pallmall.intel.ports import ObjectStore, RegistrySource
from pallmall.intel.report import ImportReport
from pallmall.intel.taxii import DEFAULT_COLLECTIONS, CollectionSpec

PUBLIC_COLLECTION = next(c for c in DEFAULT_COLLECTIONS if c.alias == "public")


class PublicCollection:
    """Adds a public incident's STIX objects to ``collection`` (the ``public`` one);
    ``registry_for(incident)`` supplies the public registry records it links to."""

    def __init__(
        self,
        objects: ObjectStore,
        registry_for: Callable[[Incident], RegistrySource],
        collection: CollectionSpec = PUBLIC_COLLECTION,
    ) -> None:
        self._objects = objects
        self._registry_for = registry_for
        self._collection = collection

    def publish(self, incident: Incident) -> None:
        """Add ``incident``'s objects (dated by its decision) to the collection."""
        at = incident.decided_at or utcnow()
        publish_incident(
            self._objects, self._registry_for(incident), incident, self._collection, at
        )


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
