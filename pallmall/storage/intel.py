"""SQL storage for ``pallmall.intel``: STIX object versions, statuses, product links, incidents.

Objects are kept as their JSON text beside the columns TAXII 2.1 filters and pages on
(collection, id, type, version, spec_version, date_added), so a page is one indexed range
scan (keyset pagination on ``(date_added, seq)``) and its envelope is built by joining
stored text, never by re-parsing it. Works on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    exists,
    func,
    or_,
    select,
    tuple_,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.elements import ColumnElement

from pallmall.core.clock import utcnow
from pallmall.intel.incident import Incident, IncidentStatus, incident_from_dict, incident_to_dict
from pallmall.intel.record import StixRecord, datetime_us
from pallmall.intel.taxii import ObjectQuery, Page, Row, VersionPage
from pallmall.storage.base import metadata, read_transaction, write_transaction

_SEQ = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrements INTEGER only
_CHUNK = 500  # bound parameters per IN (...)

intel_object = Table(
    "intel_object",
    metadata,
    Column("seq", _SEQ, primary_key=True, autoincrement=True),
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

INTEL_TABLES = (intel_object, intel_product_link, intel_status, intel_incident)


def create_intel_tables(engine: Engine) -> None:
    """Create the intel tables if missing (tests, ``pallmall init`` before Alembic runs)."""
    metadata.create_all(engine, tables=list(INTEL_TABLES))


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


class SqlIntelStore:
    """:class:`~pallmall.intel.ports.ObjectStore` and ``IncidentStore`` on one engine."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    # -- objects -------------------------------------------------------------------------

    def ids_for_keys(self, collection_id: str, keys: Collection[str]) -> dict[str, str]:
        """For the content keys held in the collection: key -> object id."""
        found: dict[str, str] = {}
        o = intel_object.c
        with read_transaction(self._engine) as conn:
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
        with read_transaction(self._engine) as conn:
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
        with write_transaction(self._engine) as conn:
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
        with read_transaction(self._engine) as conn:
            rows = [Row(*row) for row in conn.execute(statement)]
        return Page(rows[: query.limit], more=len(rows) > query.limit)

    def versions(self, collection_id: str, object_id: str, query: ObjectQuery) -> VersionPage:
        """One page of the versions of ``object_id`` (§5.8), oldest ``date_added`` first."""
        page = self.page(collection_id, _all_versions(query, object_id))
        return VersionPage(page.rows, page.more)

    # -- links and statuses --------------------------------------------------------------

    def link_product(self, malware_id: str, product_id: str) -> None:
        """Remember that malware ``malware_id`` is product ``product_id`` (idempotent)."""
        with write_transaction(self._engine) as conn:
            dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
            row = {"malware_id": malware_id, "product_id": product_id}
            conn.execute(dialect.insert(intel_product_link).on_conflict_do_nothing(), [row])

    def malware_for_product(self, product_id: str) -> list[str]:
        """The malware ids linked to ``product_id``, sorted."""
        link = intel_product_link.c
        query = (
            select(link.malware_id).where(link.product_id == product_id).order_by(link.malware_id)
        )
        with read_transaction(self._engine) as conn:
            return [str(i) for i in conn.scalars(query)]

    def save_status(self, status_id: str, collection_id: str, body: Mapping[str, Any]) -> None:
        """Keep a status resource (TAXII 2.1 §4.3.1)."""
        row = {"id": status_id, "collection_id": collection_id, "body": json.dumps(body)}
        with write_transaction(self._engine) as conn:
            conn.execute(intel_status.insert(), [row])

    def get_status(self, status_id: str) -> tuple[str, dict[str, Any]] | None:
        """(collection id, status resource), or None."""
        s = intel_status.c
        with read_transaction(self._engine) as conn:
            row = conn.execute(select(s.collection_id, s.body).where(s.id == status_id)).first()
        return None if row is None else (str(row[0]), json.loads(row[1]))

    # -- incidents -----------------------------------------------------------------------

    def get_incident(self, incident_id: str) -> Incident | None:
        """The incident, or None."""
        i = intel_incident.c
        with read_transaction(self._engine) as conn:
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
        with write_transaction(self._engine) as conn:
            conn.execute(intel_incident.delete().where(intel_incident.c.id == incident.id))
            conn.execute(intel_incident.insert(), [row])

    def list_incidents(self, status: IncidentStatus | None = None) -> list[Incident]:
        """All incidents (in ``status`` when given), oldest report first."""
        i = intel_incident.c
        query = select(i.body).order_by(i.reported_at, i.id)
        if status is not None:
            query = query.where(i.status == status.value)
        with read_transaction(self._engine) as conn:
            return [incident_from_dict(json.loads(b)) for b in conn.scalars(query)]


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
    if "all" in versions:
        return None
    o = intel_object.c
    other = intel_object.alias("other")
    same = and_(other.c.collection_id == o.collection_id, other.c.stix_id == o.stix_id)
    parts: list[ColumnElement[bool]] = []
    if "last" in versions:
        parts.append(~exists().where(same, other.c.version_us > o.version_us))
    if "first" in versions:
        parts.append(~exists().where(same, other.c.version_us < o.version_us))
    stamps = [v for v in versions if isinstance(v, int)]
    if stamps:
        parts.append(o.version_us.in_(stamps))
    return or_(*parts)
