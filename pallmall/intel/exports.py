"""The exports a caller asks for: the STIX 2.1 bundle of the registry and incidents, and the
MVT indicator bundle of a TAXII collection, each limited to what the caller may see."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pallmall.core.auth import Permission, Principal
from pallmall.core.clock import utcnow
from pallmall.core.errors import Forbidden, NotFound
from pallmall.intel.desk import IncidentDesk
from pallmall.intel.exporter import export_bundle
from pallmall.intel.incident import IncidentStatus
from pallmall.intel.mvt import collection_objects, mvt_bundle
from pallmall.intel.ports import ObjectStore, RegistrySource
from pallmall.intel.report import ImportReport
from pallmall.intel.taxii import DEFAULT_COLLECTIONS, CollectionSpec

COLLECTIONS: dict[str, CollectionSpec] = {c.alias: c for c in DEFAULT_COLLECTIONS}


def stix_export(
    principal: Principal,
    registry: RegistrySource,
    desk: IncidentDesk,
    registry_changed: datetime | None,
) -> dict[str, Any]:
    """The registry (as ``registry`` gives it: loaded for the reader ``principal`` is) and the
    confirmed incidents ``principal`` may see, redacted for it, as a STIX 2.1 bundle.

    Objects are dated by the newest change among the registry (``registry_changed``) and
    the incidents' decisions, so an unchanged registry exports to the same bytes.

    Raises:
        Unauthenticated, Forbidden: without ``registry:read_public``.
    """
    principal.require(Permission.REGISTRY_READ_PUBLIC)
    visible = desk.readable(principal, desk.store.list_incidents(IncidentStatus.CONFIRMED))
    stamps = [registry_changed, *(i.decided_at for i in visible)]
    as_of = max((s for s in stamps if s is not None), default=None) or utcnow()
    return export_bundle(registry, visible, as_of)


def mvt_export(
    principal: Principal, objects: ObjectStore, alias: str
) -> tuple[dict[str, Any], ImportReport]:
    """The MVT bundle of the collection called ``alias`` and the report of what MVT cannot
    read (left out, with reasons).

    Raises:
        NotFound: no such collection.
        Unauthenticated, Forbidden: ``principal`` may not read it.
    """
    spec = COLLECTIONS.get(alias)
    if spec is None:
        raise NotFound(f"collection {alias!r}; one of {', '.join(COLLECTIONS)}")
    if not spec.can_read(principal):
        if spec.read is not None:
            principal.require(spec.read)
        raise Forbidden(f"role {principal.role.value!r} may not read collection {alias}")
    report = ImportReport(source=alias, format="mvt")
    return mvt_bundle(collection_objects(objects, spec.id), report), report
