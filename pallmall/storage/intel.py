"""SQL storage for ``pallmall.intel``: STIX object versions, statuses, product links, incidents.

Objects are kept as their JSON text beside the columns TAXII 2.1 filters and pages on
(collection, id, type, version, spec_version, date_added), so a page is one indexed range
scan (keyset pagination on ``(date_added, seq)``) and its envelope is built by joining
stored text, never by re-parsing it. Works on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    exists,
    false,
    func,
    or_,
    select,
    tuple_,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.elements import ColumnElement

from pallmall.core.clock import utcnow
from pallmall.core.paging import Page as ListPage
from pallmall.core.paging import PageRequest
from pallmall.disclosure import PUBLIC, Part, Reader, Sensitivity, may_read, readable
from pallmall.intel.incident import (
    Incident,
    IncidentStatus,
    LinkRole,
    incident_from_dict,
    incident_tags,
    incident_to_dict,
)
from pallmall.intel.ports import (
    IncidentQuery,
    RegistryOrg,
    RegistryProduct,
    RegistryRelation,
)
from pallmall.intel.record import StixRecord, datetime_us
from pallmall.intel.taxii import ObjectQuery, Page, Row, VersionPage
from pallmall.intel.tlp import Tlp
from pallmall.registry.model import (
    Confidence,
    Organisation,
    OrgKind,
    Product,
    RecordType,
    RelType,
    Visibility,
)
from pallmall.registry.store import (
    AnyRecord,
    RecordQuery,
    RegistryStore,
    Stored,
    StoredRelationship,
)
from pallmall.storage.base import metadata, read_transaction, write_transaction
from pallmall.storage.tables import AutoId, account_orgs

_CHUNK = 500  # bound parameters per IN (...)

intel_object = Table(
    "intel_object",
    metadata,
    Column("seq", AutoId, primary_key=True, autoincrement=True),
    Column("collection_id", String(36), nullable=False),
    Column("stix_id", String(128), nullable=False),
    Column("type", String(64), nullable=False),
    Column("spec_version", String(8), nullable=False),
    Column("version", String(40), nullable=False),
    Column("version_us", BigInteger, nullable=False),
    Column("date_added", BigInteger, nullable=False),
    Column("tlp", String(16), nullable=False),
    Column("content_key", String(64), nullable=True),
    Column("body", Text, nullable=False),
    UniqueConstraint("collection_id", "stix_id", "version_us", name="uq_intel_object_version"),
    UniqueConstraint("collection_id", "content_key", name="uq_intel_object_content"),
    Index("ix_intel_object_page", "collection_id", "date_added", "seq"),
)

intel_product_link = Table(
    "intel_product_link",
    metadata,
    Column("malware_id", String(128), primary_key=True),
    Column("product_id", String(64), primary_key=True),
)

intel_org_link = Table(
    "intel_org_link",
    metadata,
    Column("stix_id", String(128), primary_key=True),
    Column("org_id", String(64), primary_key=True),
    Index("ix_intel_org_link_org_id", "org_id"),
)
"""STIX threat actors, intrusion sets and identities that are registry organisations."""

intel_status = Table(
    "intel_status",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("collection_id", String(36), nullable=False),
    Column("body", Text, nullable=False),
)

intel_incident = Table(
    "intel_incident",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("status", String(16), nullable=False, index=True),
    Column("tlp", String(16), nullable=False),
    Column("reported_at", String(40), nullable=False),
    Column("body", Text, nullable=False),
)

intel_incident_tag = Table(
    "intel_incident_tag",
    metadata,
    Column(
        "incident_id",
        String(64),
        ForeignKey("intel_incident.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("kind", String(16), primary_key=True),
    Column("value", String(300), primary_key=True),
    Index("ix_intel_incident_tag_kind_value", "kind", "value"),
)
"""What incidents are filtered on: ``category``, ``victim`` (category) and the link roles
``product`` / ``vendor`` / ``operator`` (value: the registry id). Derived from the body."""

INTEL_TABLES = (
    intel_object,
    intel_product_link,
    intel_org_link,
    intel_status,
    intel_incident,
    intel_incident_tag,
)


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


class SqlIntelStore:
    """:class:`~pallmall.intel.ports.ObjectStore` and ``IncidentStore`` on SQL.

    Given an :class:`Engine`, each call is its own transaction. Given a :class:`Connection`
    (a unit of work's, ``Tx.conn``), every call runs in that connection's transaction, so
    an incident, its audit record and its public change commit together or not at all.
    """

    def __init__(self, bind: Engine | Connection) -> None:
        self._bind = bind

    def _read(self) -> AbstractContextManager[Connection]:
        if isinstance(self._bind, Connection):
            return nullcontext(self._bind)
        return read_transaction(self._bind)

    def _write(self) -> AbstractContextManager[Connection]:
        if isinstance(self._bind, Connection):
            return nullcontext(self._bind)
        return write_transaction(self._bind)

    # -- objects -------------------------------------------------------------------------

    def ids_for_keys(self, collection_id: str, keys: Collection[str]) -> dict[str, str]:
        """For the content keys held in the collection: key -> object id."""
        found: dict[str, str] = {}
        o = intel_object.c
        with self._read() as conn:
            for chunk in _chunks(sorted(keys)):
                query = select(o.content_key, o.stix_id).where(
                    o.collection_id == collection_id, o.content_key.in_(chunk)
                )
                found.update({str(k): str(i) for k, i in conn.execute(query)})
        return found

    def known_ids(self, collection_id: str, ids: Collection[str]) -> set[str]:
        """The subset of ``ids`` held in the collection."""
        found: set[str] = set()
        o = intel_object.c
        with self._read() as conn:
            for chunk in _chunks(sorted(set(ids))):
                query = select(o.stix_id).where(
                    o.collection_id == collection_id, o.stix_id.in_(chunk)
                )
                found.update(str(i) for i in conn.scalars(query))
        return found

    def add(self, collection_id: str, records: Sequence[StixRecord]) -> int:
        """Store new versions with strictly increasing ``date_added``; held ones are ignored."""
        if not records:
            return 0
        with self._write() as conn:
            before = self._count(conn, collection_id)
            base = self._next_date_added(conn)
            rows = [_row(collection_id, r, base + n) for n, r in enumerate(records)]
            conn.execute(self._insert_ignore(conn), rows)
            return self._count(conn, collection_id) - before

    def _insert_ignore(self, conn: Connection) -> Any:
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        return dialect.insert(intel_object).on_conflict_do_nothing()

    def _count(self, conn: Connection, collection_id: str) -> int:
        query = select(func.count()).where(intel_object.c.collection_id == collection_id)
        return int(conn.scalar(query) or 0)

    def _next_date_added(self, conn: Connection) -> int:
        latest = conn.scalar(select(func.max(intel_object.c.date_added)))
        return max(datetime_us(utcnow()), int(latest or 0) + 1)

    def page(self, collection_id: str, query: ObjectQuery) -> Page:
        """One page of object versions matching ``query`` (TAXII 2.1 §3.4, §3.6)."""
        o = intel_object.c
        columns = [o.date_added, o.seq, o.stix_id, o.version]
        columns += [o.body] if query.with_body else []
        statement = (
            select(*columns)
            .where(*_filters(collection_id, query))
            .order_by(o.date_added, o.seq)
            .limit(query.limit + 1)
        )
        with self._read() as conn:
            rows = [Row(*row) for row in conn.execute(statement)]
        return Page(rows[: query.limit], more=len(rows) > query.limit)

    def versions(self, collection_id: str, object_id: str, query: ObjectQuery) -> VersionPage:
        """One page of the versions of ``object_id`` (§5.8), oldest ``date_added`` first."""
        page = self.page(collection_id, _all_versions(query, object_id))
        return VersionPage(page.rows, page.more)

    # -- links and statuses --------------------------------------------------------------

    def link_product(self, malware_id: str, product_id: str) -> None:
        """Remember that malware ``malware_id`` is product ``product_id`` (idempotent)."""
        with self._write() as conn:
            dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
            row = {"malware_id": malware_id, "product_id": product_id}
            conn.execute(dialect.insert(intel_product_link).on_conflict_do_nothing(), [row])

    def link_organisation(self, stix_id: str, org_id: str) -> None:
        """Remember that STIX object ``stix_id`` is registry organisation ``org_id``
        (idempotent)."""
        with self._write() as conn:
            dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
            row = {"stix_id": stix_id, "org_id": org_id}
            conn.execute(dialect.insert(intel_org_link).on_conflict_do_nothing(), [row])

    def stix_for_organisation(self, org_id: str) -> list[str]:
        """The STIX ids linked to organisation ``org_id``, sorted."""
        link = intel_org_link.c
        query = select(link.stix_id).where(link.org_id == org_id).order_by(link.stix_id)
        with self._read() as conn:
            return [str(i) for i in conn.scalars(query)]

    def malware_for_product(self, product_id: str) -> list[str]:
        """The malware ids linked to ``product_id``, sorted."""
        link = intel_product_link.c
        query = (
            select(link.malware_id).where(link.product_id == product_id).order_by(link.malware_id)
        )
        with self._read() as conn:
            return [str(i) for i in conn.scalars(query)]

    def save_status(self, status_id: str, collection_id: str, body: Mapping[str, Any]) -> None:
        """Keep a status resource (TAXII 2.1 §4.3.1)."""
        row = {"id": status_id, "collection_id": collection_id, "body": json.dumps(body)}
        with self._write() as conn:
            conn.execute(intel_status.insert(), [row])

    def get_status(self, status_id: str) -> tuple[str, dict[str, Any]] | None:
        """(collection id, status resource), or None."""
        s = intel_status.c
        with self._read() as conn:
            row = conn.execute(select(s.collection_id, s.body).where(s.id == status_id)).first()
        return None if row is None else (str(row[0]), json.loads(row[1]))

    # -- incidents -----------------------------------------------------------------------

    def get_incident(self, incident_id: str) -> Incident | None:
        """The incident, or None."""
        i = intel_incident.c
        with self._read() as conn:
            body = conn.scalar(select(i.body).where(i.id == incident_id))
        return None if body is None else incident_from_dict(json.loads(body))

    def put_incident(self, incident: Incident) -> None:
        """Insert or replace the incident with the same id."""
        row = {
            "id": incident.id,
            "status": incident.status.value,
            "tlp": incident.tlp.value,
            "reported_at": incident.reported_at.isoformat(),
            "body": json.dumps(incident_to_dict(incident)),
        }
        tags = [
            {"incident_id": incident.id, "kind": k, "value": v} for k, v in incident_tags(incident)
        ]
        with self._write() as conn:
            conn.execute(
                intel_incident_tag.delete().where(intel_incident_tag.c.incident_id == incident.id)
            )
            conn.execute(intel_incident.delete().where(intel_incident.c.id == incident.id))
            conn.execute(intel_incident.insert(), [row])
            if tags:
                conn.execute(intel_incident_tag.insert(), tags)

    def search_incidents(self, query: IncidentQuery, page: PageRequest) -> ListPage[Incident]:
        """Incidents matching ``query``, newest report first (``reported_at``, then id)."""
        i = intel_incident.c
        where = _incident_filters(query)
        count = select(func.count()).select_from(intel_incident).where(*where)
        rows = (
            select(i.body)
            .where(*where)
            .order_by(i.reported_at.desc(), i.id.desc())
            .offset(page.offset)
            .limit(page.limit)
        )
        with self._read() as conn:
            total = int(conn.scalar(count) or 0)
            items = [incident_from_dict(json.loads(b)) for b in conn.scalars(rows)]
        return ListPage(items, total, page.offset, page.limit)

    def list_incidents(self, status: IncidentStatus | None = None) -> list[Incident]:
        """All incidents (in ``status`` when given), oldest report first."""
        i = intel_incident.c
        query = select(i.body).order_by(i.reported_at, i.id)
        if status is not None:
            query = query.where(i.status == status.value)
        with self._read() as conn:
            return [incident_from_dict(json.loads(b)) for b in conn.scalars(query)]


def _incident_filters(query: IncidentQuery) -> list[ColumnElement[bool]]:
    i = intel_incident.c
    where: list[ColumnElement[bool]] = []
    if query.public_only:
        where += [i.status == IncidentStatus.CONFIRMED.value, i.tlp == Tlp.CLEAR.value]
    if query.holders is not None:
        t = intel_incident_tag.c
        community = and_(
            i.status == IncidentStatus.CONFIRMED.value,
            i.tlp.in_((Tlp.CLEAR.value, Tlp.GREEN.value)),
        )
        unowned = ~exists().where(t.incident_id == i.id, t.kind == "holder")
        held = exists().where(
            t.incident_id == i.id, t.kind == "holder", t.value.in_(sorted(query.holders))
        )
        where.append(or_(community, unowned, held))
    if query.status is not None:
        where.append(i.status == query.status.value)
    if query.tlp is not None:
        where.append(i.tlp == query.tlp.value)
    if query.category is not None:
        where.append(_tagged(("category",), query.category.value))
    if query.victim is not None:
        where.append(_tagged(("victim",), query.victim.value))
    if query.linked is not None:
        roles = (query.role,) if query.role is not None else tuple(LinkRole)
        where.append(_tagged(tuple(r.value for r in roles), query.linked))
    return where


def _tagged(kinds: tuple[str, ...], value: str) -> ColumnElement[bool]:
    t = intel_incident_tag.c
    return exists().where(t.incident_id == intel_incident.c.id, t.kind.in_(kinds), t.value == value)


def _row(collection_id: str, record: StixRecord, date_added: int) -> dict[str, Any]:
    return {
        "collection_id": collection_id,
        "stix_id": record.id,
        "type": record.type,
        "spec_version": record.spec_version,
        "version": record.version,
        "version_us": record.version_us,
        "date_added": date_added,
        "tlp": record.tlp.value,
        "content_key": record.content_key,
        "body": record.body,
    }


def _all_versions(query: ObjectQuery, object_id: str) -> ObjectQuery:
    return ObjectQuery(
        limit=query.limit,
        added_after_us=query.added_after_us,
        ids=(object_id,),
        versions=("all",) if query.versions == ("last",) else query.versions,
        spec_versions=query.spec_versions,
        after=query.after,
        with_body=False,
    )


def _filters(collection_id: str, query: ObjectQuery) -> list[ColumnElement[bool]]:
    o = intel_object.c
    found: list[ColumnElement[bool]] = [o.collection_id == collection_id]
    if query.after is not None:
        found.append(tuple_(o.date_added, o.seq) > tuple_(*query.after))
    if query.added_after_us is not None:
        found.append(o.date_added > query.added_after_us)
    if query.ids:
        found.append(o.stix_id.in_(query.ids))
    if query.types:
        found.append(o.type.in_(query.types))
    if query.spec_versions:
        found.append(o.spec_version.in_(query.spec_versions))
    version = _version_filter(query.versions)
    return found + ([version] if version is not None else [])


def _version_filter(versions: tuple[str | int, ...]) -> ColumnElement[bool] | None:
    return version_filter(versions, intel_object, ("collection_id", "stix_id"), "version_us")


def version_filter(
    versions: tuple[str | int, ...], table: Table, same: tuple[str, str], version: str
) -> ColumnElement[bool] | None:
    """TAXII 2.1 ``match[version]`` (§3.4.2) over ``table``: rows are versions of one object
    when their ``same`` columns (collection, object id) agree; ``version`` holds µs. None
    for ``all`` (no filter)."""
    if "all" in versions:
        return None
    o = table.c
    other = table.alias("other")
    one = and_(*(other.c[name] == o[name] for name in same))
    parts: list[ColumnElement[bool]] = []
    if "last" in versions:
        parts.append(~exists().where(one, other.c[version] > o[version]))
    if "first" in versions:
        parts.append(~exists().where(one, other.c[version] < o[version]))
    stamps = [v for v in versions if isinstance(v, int)]
    if stamps:
        parts.append(o[version].in_(stamps))
    return or_(false(), *parts)


# -- accounts an incident may be shared with ------------------------------------------------


def account_names(conn: Connection) -> dict[str, str]:
    """Every account organisation on the node: id -> name, sorted by name (whom an incident
    may be shared with)."""
    a = account_orgs.c
    return {str(i): str(n) for i, n in conn.execute(select(a.id, a.name).order_by(a.name))}


def account_states(conn: Connection) -> list[str]:
    """The states (ISO 3166-1 alpha-2) the node's state bodies act for, sorted (with whom
    an incident may be shared as a whole state)."""
    a = account_orgs.c
    query = select(a.state).where(a.state.is_not(None)).distinct().order_by(a.state)
    return [str(s) for s in conn.scalars(query)]


# -- the registry as intel sees it --------------------------------------------------------

CONFIDENCE_SCALE: dict[Confidence, int | None] = {
    Confidence.CONFIRMED: 95,  # STIX 2.1 Appendix A, WEP "almost certain"
    Confidence.LIKELY: 70,  # "likely"
    Confidence.POSSIBLE: 50,  # "roughly even chance"
    Confidence.UNKNOWN: None,
}
_KIND_ORDER = (OrgKind.HACKER_FOR_HIRE, OrgKind.STATE_AGENCY, OrgKind.STATE, OrgKind.VENDOR)


class RegistryRecordTypes:
    """:class:`~pallmall.intel.ports.RegistryRecords` over a registry store: records that
    ``reader`` may not read count as unknown to :meth:`record_type`."""

    def __init__(self, store: RegistryStore, reader: Reader = PUBLIC) -> None:
        self._store = store
        self._reader = reader

    def record_type(self, record_id: str) -> str | None:
        """The record's type, or None when absent or not readable."""
        stored = self._store.get(record_id)
        if stored is None or not _visible(stored.record, self._reader):
            return None
        return stored.record.type.value

    def visibility(self, record_id: str) -> Visibility:
        """The record's visibility; RESTRICTED when the registry does not hold it."""
        stored = self._store.get(record_id)
        return Visibility.RESTRICTED if stored is None else stored.record.visibility


@dataclass(frozen=True)
class RegistryExportSource:
    """:class:`~pallmall.intel.ports.RegistrySource` read from a registry store at once.

    ``last_change`` is when the newest exported record was recorded (None when empty), a
    stable ``as_of`` for the export: the same registry gives the same bundle.
    """

    orgs: tuple[RegistryOrg, ...]
    items: tuple[RegistryProduct, ...]
    relations: tuple[RegistryRelation, ...]
    last_change: datetime | None

    @classmethod
    def load(
        cls,
        store: RegistryStore,
        reader: Reader = PUBLIC,
        only: Collection[str] | None = None,
    ) -> RegistryExportSource:
        """Read the organisations, products and relationships ``reader`` may read (the
        disclosure rules: a relationship only when both ends are read, each source only when
        the reader may read it). With ``only``, just those records and no relationships (what
        one incident links to)."""
        if only is not None:
            found = [store.get(i) for i in sorted(set(only))]
            stored = [s for s in found if s is not None]
        else:
            stored = _all_records(store, reader.registry_restricted)
        stored = [s for s in stored if _visible(s.record, reader)]
        ids = {s.id for s in stored}
        rels = [] if only is not None else store.all_relationships()
        rels = [r for r in rels if {r.relationship.source_id, r.relationship.target_id} <= ids]
        return cls(
            orgs=tuple(_org(s) for s in stored if isinstance(s.record, Organisation)),
            items=tuple(_product(s, rels) for s in stored if isinstance(s.record, Product)),
            relations=tuple(_relation(r, reader) for r in rels),
            last_change=max((s.recorded_at for s in stored), default=None),
        )

    def organisations(self) -> Iterable[RegistryOrg]:
        """Every organisation read."""
        return self.orgs

    def products(self) -> Iterable[RegistryProduct]:
        """Every product read."""
        return self.items

    def relationships(self) -> Iterable[RegistryRelation]:
        """Every current relationship (the exporter drops those whose ends it lacks)."""
        return self.relations


def _visible(record: AnyRecord, reader: Reader) -> bool:
    return may_read(reader, Sensitivity(record.visibility))


def _all_records(store: RegistryStore, include_restricted: bool) -> list[Stored]:
    out: list[Stored] = []
    for record_type in (RecordType.ORGANISATION, RecordType.PRODUCT):
        query = RecordQuery(type=record_type, include_restricted=include_restricted)
        offset = 0
        while True:
            page = store.search(query, PageRequest(offset, 500))
            out += page.items
            if not page.has_more:
                break
            offset += 500
    return out


def _org(stored: Stored) -> RegistryOrg:
    record = stored.record
    assert isinstance(record, Organisation)
    main = next((k for k in _KIND_ORDER if k in record.kinds), record.kinds[0])
    country = record.jurisdictions[0] if record.jurisdictions else None
    kinds = tuple(k.value for k in record.kinds)
    return RegistryOrg(stored.id, record.name, main.value, record.aliases, country, kinds)


def _product(stored: Stored, rels: Sequence[StoredRelationship]) -> RegistryProduct:
    record = stored.record
    developers = sorted(
        r.relationship.source_id
        for r in rels
        if r.relationship.type is RelType.DEVELOPS and r.relationship.target_id == stored.id
    )
    vendor = developers[0] if developers else None
    return RegistryProduct(stored.id, record.name, record.aliases, vendor, record.description)


def _relation(stored: StoredRelationship, reader: Reader) -> RegistryRelation:
    rel = stored.relationship
    parts = [Part(s.url or s.title, Sensitivity(s.visibility)) for s in rel.sources]
    sources = tuple(readable(reader, parts))
    return RegistryRelation(
        rel.source_id,
        rel.target_id,
        rel.type.value,
        rel.start,
        rel.end,
        CONFIDENCE_SCALE[rel.confidence],
        sources,
    )
