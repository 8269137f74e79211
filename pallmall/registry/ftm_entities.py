"""The registry as FollowTheMoney entities (https://followthemoney.tech), built with the
``followthemoney`` package; imported through :mod:`pallmall.registry.ftm` at the first
export, so that processes that never export do not import it (issue 16).

Organisations become ``Company`` (or ``PublicBody`` for states and agencies), persons
``Person``, products ``Asset``; designations ``Sanction``; owns, invests_in and subsidiary_of
``Ownership`` (its ``percentage`` the share where known, ``ownershipType`` which of the
three); every other relationship ``UnknownLink`` with its type as ``role``. Each link carries
its sources: URLs as ``sourceUrl``, the citations themselves as ``publisher``, and the
confidence in ``description``.

What is exported is decided by the disclosure rules for a reader: by default the public (public
records, relationships whose two ends are public, public sources). An operator's export for
the node (:data:`pallmall.disclosure.NODE`) includes restricted material, and every entity
carrying any of it is marked ``"visibility": "restricted"`` beside its properties, so that it
is never published by mistake.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from followthemoney import model
from followthemoney.proxy import EntityProxy

from pallmall.core.ids import stable_id
from pallmall.disclosure import PUBLIC, Reader, Sensitivity, Visibility, may_read, most_restricted
from pallmall.registry.model import Designation, Organisation, OrgKind, Person, RelType, Source
from pallmall.registry.store import AnyRecord, Stored, StoredRelationship

_PUBLIC_BODY = {OrgKind.STATE, OrgKind.STATE_AGENCY}
_OWNERSHIP_TYPE = {
    RelType.OWNS: "ownership",
    RelType.SUBSIDIARY_OF: "subsidiary",
    RelType.INVESTS_IN: "investment",
}


def export_entities(
    records: Iterable[Stored],
    relationships: Iterable[StoredRelationship],
    reader: Reader = PUBLIC,
) -> Iterator[dict[str, Any]]:
    """FtM entity dicts (``{"id", "schema", "properties"}``) for the records and
    relationships ``reader`` may read, with the sources it may read; entities that carry
    restricted material also have ``"visibility": "restricted"``."""
    visibility: dict[str, Visibility] = {}
    for stored in records:
        if may_read(reader, Sensitivity(stored.record.visibility)):
            visibility[stored.id] = stored.record.visibility
            yield from _record(stored.id, stored.record, reader)
    for rel in relationships:
        ends = [
            visibility.get(rel.relationship.source_id),
            visibility.get(rel.relationship.target_id),
        ]
        if None not in ends:
            yield _relationship(rel, reader, most_restricted([e for e in ends if e]))


def _marked(entity: EntityProxy, restricted: bool) -> dict[str, Any]:
    data: dict[str, Any] = entity.to_dict()
    if restricted:
        data["visibility"] = Visibility.RESTRICTED.value
    return data


def _sources(reader: Reader, sources: Iterable[Source]) -> tuple[list[str], bool]:
    """The URLs of the sources ``reader`` may read, and whether any source ``reader`` may
    read (with a URL or without) is restricted."""
    readable = _readable_sources(reader, sources)
    restricted = any(s.visibility is Visibility.RESTRICTED for s in readable)
    return [s.url for s in readable if s.url], restricted


def _record(record_id: str, record: AnyRecord, reader: Reader) -> Iterator[dict[str, Any]]:
    entity = model.make_entity(_schema(record))
    entity.id = record_id
    entity.add("name", record.name)
    entity.add("alias", list(record.aliases))
    entity.add("previousName" if record.type != "product" else "alias", list(record.former_names))
    entity.add("description", record.description[:5000] or None)
    urls, restricted_source = _sources(reader, record.sources)
    entity.add("sourceUrl", urls)
    if isinstance(record, Organisation | Person):
        entity.add(
            "country" if isinstance(record, Person) else "jurisdiction",
            [c.lower() for c in record.jurisdictions],
        )
        if record.designations:
            entity.add("topics", "sanction")
    if isinstance(record, Organisation) and record.founded:
        entity.add("incorporationDate", str(record.founded))
    restricted = record.visibility is Visibility.RESTRICTED
    yield _marked(entity, restricted or restricted_source)
    for designation in getattr(record, "designations", ()):
        yield _marked(_sanction(record_id, designation), restricted)


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


def _relationship(stored: StoredRelationship, reader: Reader, ends: Visibility) -> dict[str, Any]:
    rel = stored.relationship
    if rel.type in (RelType.OWNS, RelType.SUBSIDIARY_OF, RelType.INVESTS_IN):
        owner, asset = (rel.source_id, rel.target_id)
        if rel.type is RelType.SUBSIDIARY_OF:
            owner, asset = asset, owner
        link = model.make_entity("Ownership")
        link.add("owner", owner)
        link.add("asset", asset)
        link.add("percentage", None if rel.share is None else f"{rel.share:g}")
        link.add("ownershipType", _OWNERSHIP_TYPE[rel.type])
    else:
        link = model.make_entity("UnknownLink")
        link.add("subject", rel.source_id)
        link.add("object", rel.target_id)
        link.add("role", rel.type.value)
    link.id = stored.id
    link.add("startDate", rel.start.isoformat() if rel.start else None)
    link.add("endDate", rel.end.isoformat() if rel.end else None)
    urls, restricted_source = _sources(reader, rel.sources)
    link.add("sourceUrl", urls)
    # the citations themselves, URL or not: a statement is only as good as what it cites
    link.add("publisher", [s.title for s in _readable_sources(reader, rel.sources)])
    link.add("description", f"confidence: {rel.confidence.value}")
    return _marked(link, ends is Visibility.RESTRICTED or restricted_source)


def _readable_sources(reader: Reader, sources: Iterable[Source]) -> list[Source]:
    return [s for s in sources if may_read(reader, Sensitivity(s.visibility))]
