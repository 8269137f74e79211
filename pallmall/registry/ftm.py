"""Export the registry as FollowTheMoney entities (https://followthemoney.tech).

Organisations become ``Company`` (or ``PublicBody`` for states and agencies), persons
``Person``, products ``Asset``; designations ``Sanction``; owns ``Ownership``; develops and
operates ``UnknownLink`` with a role; subsidiary_of ``Ownership`` with an unknown share.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from followthemoney import model
from followthemoney.proxy import EntityProxy

from pallmall.core.ids import stable_id
from pallmall.registry.model import Designation, Organisation, OrgKind, Person, RelType
from pallmall.registry.store import AnyRecord, Stored, StoredRelationship

_PUBLIC_BODY = {OrgKind.STATE, OrgKind.STATE_AGENCY}


def export_entities(
    records: Iterable[Stored], relationships: Iterable[StoredRelationship]
) -> Iterator[dict[str, Any]]:
    """FtM entity dicts (``{"id", "schema", "properties"}``) for records and relationships."""
    for stored in records:
        yield from _record(stored.id, stored.record)
    for rel in relationships:
        yield _relationship(rel).to_dict()


def _record(record_id: str, record: AnyRecord) -> Iterator[dict[str, Any]]:
    entity = model.make_entity(_schema(record))
    entity.id = record_id
    entity.add("name", record.name)
    entity.add("alias", list(record.aliases))
    entity.add("previousName" if record.type != "product" else "alias", list(record.former_names))
    entity.add("description", record.description[:5000] or None)
    entity.add("sourceUrl", [s.url for s in record.sources if s.url])
    if isinstance(record, Organisation | Person):
        entity.add(
            "country" if isinstance(record, Person) else "jurisdiction",
            [c.lower() for c in record.jurisdictions],
        )
        if record.designations:
            entity.add("topics", "sanction")
    if isinstance(record, Organisation) and record.founded:
        entity.add("incorporationDate", str(record.founded))
    yield entity.to_dict()
    for designation in getattr(record, "designations", ()):
        yield _sanction(record_id, designation).to_dict()


def _schema(record: AnyRecord) -> str:
    if isinstance(record, Person):
        return "Person"
    if isinstance(record, Organisation):
        return "PublicBody" if set(record.kinds) & _PUBLIC_BODY else "Company"
    return "Asset"


def _sanction(record_id: str, designation: Designation) -> EntityProxy:
    sanction = model.make_entity("Sanction")
    sanction.id = stable_id(
        "ftm-sanction", record_id, designation.authority, designation.listed_on.isoformat()
    )
    sanction.add("entity", record_id)
    sanction.add("authority", designation.authority)
    sanction.add("program", designation.programme or None)
    sanction.add("listingDate", designation.listed_on.isoformat())
    sanction.add(
        "endDate", designation.delisted_on.isoformat() if designation.delisted_on else None
    )
    sanction.add("summary", designation.citation)
    sanction.add("sourceUrl", designation.url)
    return sanction


def _relationship(stored: StoredRelationship) -> EntityProxy:
    rel = stored.relationship
    if rel.type in (RelType.OWNS, RelType.SUBSIDIARY_OF):
        owner, asset = (rel.source_id, rel.target_id)
        if rel.type is RelType.SUBSIDIARY_OF:
            owner, asset = asset, owner
        link = model.make_entity("Ownership")
        link.add("owner", owner)
        link.add("asset", asset)
        link.add("percentage", None if rel.share is None else f"{rel.share:g}")
    else:
        link = model.make_entity("UnknownLink")
        link.add("subject", rel.source_id)
        link.add("object", rel.target_id)
        link.add("role", rel.type.value)
    link.id = stored.id
    link.add("startDate", rel.start.isoformat() if rel.start else None)
    link.add("endDate", rel.end.isoformat() if rel.end else None)
    return link
