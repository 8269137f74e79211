"""The registry's store on SQLAlchemy Core: current rows for queries, versions for history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import uuid4
from weakref import WeakKeyDictionary

from pydantic import TypeAdapter
from sqlalchemy import and_, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.engine import Connection, Engine, Row

from pallmall.core.paging import Page, PageRequest
from pallmall.registry.model import Record, Relationship
from pallmall.registry.names import name_key
from pallmall.registry.search import SearchIndex, entry_of, rank, record_facets
from pallmall.registry.store import (
    AnyRecord,
    RecordQuery,
    RecordVersion,
    Stored,
    StoredRelationship,
)
from pallmall.storage.tables import (
    registry_facets as facets,
)
from pallmall.storage.tables import (
    registry_names as names,
)
from pallmall.storage.tables import (
    registry_record_versions as versions,
)
from pallmall.storage.tables import (
    registry_records as records,
)
from pallmall.storage.tables import (
    registry_relationship_versions as rel_versions,
)
from pallmall.storage.tables import (
    registry_relationships as rels,
)
from pallmall.storage.tables import (
    registry_search_state as search_state,
)

_RECORD: TypeAdapter[AnyRecord] = TypeAdapter(Record)
# Built once: the single-record read is the API's hottest query, and building the statement
# and its cache key per call cost as much as running it.
_CURRENT = select(records).where(records.c.id == bindparam("id"))


class SqlRegistryStore:
    """:class:`pallmall.registry.store.RegistryStore` on one connection (one transaction)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # -- records ---------------------------------------------------------------------------

    def get(self, record_id: str, as_of: datetime | None = None) -> Stored | None:
        if as_of is None:
            row = self.conn.execute(_CURRENT, {"id": record_id}).first()
            return _stored(row) if row else None
        row = self.conn.execute(
            select(versions)
            .where(versions.c.id == record_id, versions.c.recorded_at <= as_of)
            .order_by(versions.c.version.desc())
            .limit(1)
        ).first()
        return None if row is None or row.deleted else _stored(row)

    def put(self, record_id: str, record: AnyRecord, at: datetime) -> Stored:
        data = record.model_dump(mode="json")
        last = self._last_version(versions, record_id)
        version = last + 1
        values = {
            "type": record.type.value,
            "name": record.name,
            "sort_key": name_key(record.name),
            "visibility": record.visibility.value,
            "designated": bool(getattr(record, "designations", ())),
            "version": version,
            "recorded_at": at,
            "data": data,
        }
        self.conn.execute(
            insert(versions).values(
                id=record_id, version=version, recorded_at=at, deleted=False, data=data
            )
        )
        if self.conn.execute(select(records.c.id).where(records.c.id == record_id)).first():
            self.conn.execute(update(records).where(records.c.id == record_id).values(**values))
        else:
            self.conn.execute(insert(records).values(id=record_id, **values))
        self._index(record_id, record)
        self._bump_generation()
        return Stored(record_id, version, at, record)

    def delete(self, record_id: str, at: datetime) -> None:
        last = self._last_version(versions, record_id)
        self.conn.execute(
            insert(versions).values(
                id=record_id, version=last + 1, recorded_at=at, deleted=True, data={}
            )
        )
        for table in (names, facets):
            self.conn.execute(delete(table).where(table.c.record_id == record_id))
        self.conn.execute(delete(records).where(records.c.id == record_id))
        self._bump_generation()

    def versions(self, record_id: str) -> Sequence[RecordVersion]:
        rows = self.conn.execute(
            select(versions).where(versions.c.id == record_id).order_by(versions.c.version)
        ).all()
        return [
            RecordVersion(
                r.version, r.recorded_at, None if r.deleted else _RECORD.validate_python(r.data)
            )
            for r in rows
        ]

    def search(self, query: RecordQuery, page: PageRequest) -> Page[Stored]:
        if query.as_of is not None:
            return self._search_as_of(query, page)
        index = self._search_index()
        hits = index.search.search(query)
        window = [index.stored[h.id] for h in hits[page.offset : page.offset + page.limit]]
        return Page(window, len(hits), page.offset, page.limit)

    def ids_by_name_key(self, key: str) -> Sequence[str]:
        return list(
            self.conn.execute(select(names.c.record_id).where(names.c.key == key)).scalars()
        )

    # -- relationships ---------------------------------------------------------------------

    def get_relationship(
        self, rel_id: str, as_of: datetime | None = None
    ) -> StoredRelationship | None:
        if as_of is None:
            row = self.conn.execute(select(rels).where(rels.c.id == rel_id)).first()
            return _stored_rel(row) if row else None
        row = self.conn.execute(
            select(rel_versions)
            .where(rel_versions.c.id == rel_id, rel_versions.c.recorded_at <= as_of)
            .order_by(rel_versions.c.version.desc())
            .limit(1)
        ).first()
        return None if row is None or row.deleted else _stored_rel(row)

    def put_relationship(self, rel_id: str, rel: Relationship, at: datetime) -> StoredRelationship:
        data = rel.model_dump(mode="json")
        version = self._last_version(rel_versions, rel_id) + 1
        ends = {"source_id": rel.source_id, "target_id": rel.target_id}
        self.conn.execute(
            insert(rel_versions).values(
                id=rel_id, version=version, recorded_at=at, deleted=False, data=data, **ends
            )
        )
        values = {
            "type": rel.type.value,
            "start": rel.start,
            "end": rel.end,
            "version": version,
            "recorded_at": at,
            "data": data,
            **ends,
        }
        if self.conn.execute(select(rels.c.id).where(rels.c.id == rel_id)).first():
            self.conn.execute(update(rels).where(rels.c.id == rel_id).values(**values))
        else:
            self.conn.execute(insert(rels).values(id=rel_id, **values))
        return StoredRelationship(rel_id, version, at, rel)

    def delete_relationship(self, rel_id: str, at: datetime) -> None:
        row = self.conn.execute(select(rels).where(rels.c.id == rel_id)).first()
        if row is None:
            return
        self.conn.execute(
            insert(rel_versions).values(
                id=rel_id,
                version=row.version + 1,
                recorded_at=at,
                deleted=True,
                source_id=row.source_id,
                target_id=row.target_id,
                data={},
            )
        )
        self.conn.execute(delete(rels).where(rels.c.id == rel_id))

    def relationships_of(
        self, record_id: str, as_of: datetime | None = None
    ) -> Sequence[StoredRelationship]:
        if as_of is None:
            rows = self.conn.execute(
                select(rels)
                .where(or_(rels.c.source_id == record_id, rels.c.target_id == record_id))
                .order_by(rels.c.type, rels.c.id)
            ).all()
            return [_stored_rel(r) for r in rows]
        latest = self._latest_versions(rel_versions, as_of)
        rows = self.conn.execute(
            select(rel_versions)
            .join(
                latest, and_(rel_versions.c.id == latest.c.id, rel_versions.c.version == latest.c.v)
            )
            .where(
                or_(rel_versions.c.source_id == record_id, rel_versions.c.target_id == record_id),
                rel_versions.c.deleted.is_(False),
            )
            .order_by(rel_versions.c.id)
        ).all()
        day = as_of.date()
        found = [_stored_rel(r) for r in rows]
        return [r for r in found if r.relationship.valid_on(day)]

    def all_relationships(self, types: Sequence[str] = ()) -> Sequence[StoredRelationship]:
        stmt = select(rels).order_by(rels.c.id)
        if types:
            stmt = stmt.where(rels.c.type.in_(list(types)))
        return [_stored_rel(r) for r in self.conn.execute(stmt)]

    # -- helpers -----------------------------------------------------------------------------

    def _last_version(self, table: Any, row_id: str) -> int:
        stmt = select(func.max(table.c.version)).where(table.c.id == row_id)
        return int(self.conn.execute(stmt).scalar() or 0)

    def _latest_versions(self, table: Any, as_of: datetime) -> Any:
        return (
            select(table.c.id, func.max(table.c.version).label("v"))
            .where(table.c.recorded_at <= as_of)
            .group_by(table.c.id)
            .subquery()
        )

    def _index(self, record_id: str, record: AnyRecord) -> None:
        for table in (names, facets):
            self.conn.execute(delete(table).where(table.c.record_id == record_id))
        keys = {name_key(n) for n in record.all_names()} - {""}
        if keys:
            self.conn.execute(insert(names), [{"record_id": record_id, "key": k} for k in keys])
        rows = [{"record_id": record_id, "facet": f, "value": v} for f, v in record_facets(record)]
        if rows:
            self.conn.execute(insert(facets), rows)

    def _search_as_of(self, query: RecordQuery, page: PageRequest) -> Page[Stored]:
        assert query.as_of is not None
        latest = self._latest_versions(versions, query.as_of)
        rows = self.conn.execute(
            select(versions)
            .join(latest, and_(versions.c.id == latest.c.id, versions.c.version == latest.c.v))
            .where(versions.c.deleted.is_(False))
        ).all()
        found = {s.id: s for s in (_stored(r) for r in rows)}
        hits = rank([entry_of(s.id, s.record) for s in found.values()], query)
        window = [found[h.id] for h in hits[page.offset : page.offset + page.limit]]
        return Page(window, len(hits), page.offset, page.limit)

    def _bump_generation(self) -> None:
        """Tell every process that its search index is stale (a fresh random token, so a
        rolled-back change can never pass for a committed one)."""
        token = uuid4().hex
        done = self.conn.execute(
            update(search_state).where(search_state.c.id == 1).values(generation=token)
        )
        if done.rowcount == 0:
            self.conn.execute(insert(search_state).values(id=1, generation=token))

    def _search_index(self) -> _CachedIndex:
        """The process's search index of this database, rebuilt if the registry changed."""
        generation = self.conn.execute(_GENERATION).scalar()
        engine = self.conn.engine
        cached = _INDEXES.get(engine)
        if cached is not None and cached.generation == generation:
            return cached
        stored = {s.id: s for s in (_stored(r) for r in self.conn.execute(select(records)))}
        index = SearchIndex(entry_of(s.id, s.record) for s in stored.values())
        built = _CachedIndex(generation, index, stored)
        _INDEXES[engine] = built
        return built


@dataclass(frozen=True)
class _CachedIndex:
    """A search index and the current records it was built from, at one generation."""

    generation: str | None
    search: SearchIndex
    stored: dict[str, Stored]


# One index per database (engine) and process; a weak map, so a disposed test database's
# index goes with its engine.
_INDEXES: WeakKeyDictionary[Engine, _CachedIndex] = WeakKeyDictionary()
_GENERATION = select(search_state.c.generation).where(search_state.c.id == 1)


def _stored(row: Row[Any]) -> Stored:
    return Stored(row.id, row.version, row.recorded_at, _RECORD.validate_python(row.data))


def _stored_rel(row: Row[Any]) -> StoredRelationship:
    rel = Relationship.model_validate(row.data)
    return StoredRelationship(row.id, row.version, row.recorded_at, rel)
