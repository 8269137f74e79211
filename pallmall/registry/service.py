"""Registry use cases: read and change records, with rights, audit and public changes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from pallmall.core.audit import AuditRecord, AuditSink
from pallmall.core.auth import Permission, Principal
from pallmall.core.changes import ChangeOutbox, PublicChange
from pallmall.core.clock import utcnow
from pallmall.core.errors import Conflict, InvalidInput, NotFound
from pallmall.core.ids import new_id
from pallmall.core.paging import Page, PageRequest
from pallmall.disclosure import Part, Reader, Sensitivity, gate, most_restricted, readable
from pallmall.disclosure.kinds import RELATIONSHIP_DELETED, RELATIONSHIP_SAVED, record_kind
from pallmall.registry.model import RecordType, Relationship, Source, Visibility
from pallmall.registry.store import (
    AnyRecord,
    RecordQuery,
    RecordVersion,
    RegistryStore,
    Stored,
    StoredRelationship,
)

ID_PREFIX = {RecordType.ORGANISATION: "org", RecordType.PERSON: "per", RecordType.PRODUCT: "prd"}


@dataclass
class RegistryService:
    """The registry's use cases over one unit of work (store, audit and outbox share it)."""

    store: RegistryStore
    audit: AuditSink
    outbox: ChangeOutbox
    clock: Callable[[], datetime] = utcnow

    def get(self, principal: Principal, record_id: str, as_of: datetime | None = None) -> Stored:
        """The record, as of now or ``as_of``.

        Raises:
            NotFound: no such record, or a restricted one the principal may not read.
        """
        return redact_record(self._get(principal, record_id, as_of), Reader.of(principal))

    def _get(self, principal: Principal, record_id: str, as_of: datetime | None = None) -> Stored:
        principal.require(Permission.REGISTRY_READ_PUBLIC)
        stored = self.store.get(record_id, as_of)
        if stored is None or not _readable(principal, stored.record):
            raise NotFound(f"no registry record {record_id!r}")
        return stored

    def history(self, principal: Principal, record_id: str) -> list[RecordVersion]:
        """The versions of a readable record that the principal may read, oldest first, each
        with only the sources the principal may read: a
        version recorded while the record was restricted is left out for the public (its
        date alone would tell that something changed behind the curtain).

        Raises:
            NotFound: no such record, or one the principal may not read.
        """
        self._get(principal, record_id)
        reader = Reader.of(principal)
        return [
            replace(
                v,
                record=redact_record(
                    Stored(record_id, v.version, v.recorded_at, v.record), reader
                ).record,
            )
            for v in self.store.versions(record_id)
            if v.record is not None and _readable(principal, v.record)
        ]

    def search(self, principal: Principal, query: RecordQuery, page: PageRequest) -> Page[Stored]:
        """Records matching ``query`` that the principal may read."""
        principal.require(Permission.REGISTRY_READ_PUBLIC)
        restricted = principal.can(Permission.REGISTRY_READ_RESTRICTED)
        scoped = RecordQuery(**{**query.__dict__, "include_restricted": restricted})
        found = self.store.search(scoped, page)
        reader = Reader.of(principal)
        items = [redact_record(s, reader) for s in found.items]
        return Page(items, found.total, found.offset, found.limit)

    def create(
        self, principal: Principal, record: AnyRecord, record_id: str | None = None
    ) -> Stored:
        """Add a record; ``record_id`` is generated unless given.

        Raises:
            Forbidden/Unauthenticated: without ``registry:write``.
            Conflict: ``record_id`` exists already.
        """
        principal.require(Permission.REGISTRY_WRITE)
        rid = record_id or new_id(ID_PREFIX[record.type])
        if self.store.get(rid) is not None:
            raise Conflict(f"registry record {rid!r} exists already")
        return self._put(principal, rid, record, "created")

    def update(
        self,
        principal: Principal,
        record_id: str,
        record: AnyRecord,
        expected_version: int | None = None,
    ) -> Stored:
        """Store a new version of a record; the old one stays in the history.

        Raises:
            NotFound: no such record.
            Conflict: ``expected_version`` is given and is not the current version.
            InvalidInput: the record's type differs from the stored one.
        """
        principal.require(Permission.REGISTRY_WRITE)
        current = self._get(principal, record_id)
        if expected_version is not None and expected_version != current.version:
            raise Conflict(f"{record_id} is at version {current.version}, not {expected_version}")
        if current.record.type != record.type:
            raise InvalidInput("type", f"{record_id} is a {current.record.type}")
        if current.record == record:
            return current
        return self._put(principal, record_id, record, "updated")

    def delete(self, principal: Principal, record_id: str) -> None:
        """Delete a record and its relationships (history stays readable with ``as_of``)."""
        principal.require(Permission.REGISTRY_WRITE)
        current = self._get(principal, record_id)
        now = self.clock()
        for rel in self.store.relationships_of(record_id):
            self.store.delete_relationship(rel.id, now)
        self.store.delete(record_id, now)
        kind = record_kind(current.record.type, "deleted")
        self._record(principal, kind, record_id, {}, now)
        self._publish(current.record, kind, record_id, now)

    def relationships(
        self, principal: Principal, record_id: str, as_of: datetime | None = None
    ) -> Sequence[StoredRelationship]:
        """Relationships of a readable record whose other end the principal may read too,
        each with the sources the principal may read."""
        self._get(principal, record_id, as_of)
        rels = self.store.relationships_of(record_id, as_of)
        reader = Reader.of(principal)
        return [
            redact_relationship(r, reader)
            for r in rels
            if self._other_end_readable(principal, r, record_id, as_of)
        ]

    def relate(
        self, principal: Principal, rel: Relationship, rel_id: str | None = None
    ) -> StoredRelationship:
        """Add (or, with a known ``rel_id``, replace) a relationship between two records.

        Raises:
            InvalidInput: naming ``source_id`` or ``target_id`` when that record is unknown.
        """
        principal.require(Permission.REGISTRY_WRITE)
        for field in ("source_id", "target_id"):
            if self.store.get(getattr(rel, field)) is None:
                raise InvalidInput(field, f"no registry record {getattr(rel, field)!r}")
        rid = rel_id or new_id("rel")
        existing = self.store.get_relationship(rid)
        if existing is not None and existing.relationship == rel:
            return existing
        now = self.clock()
        stored = self.store.put_relationship(rid, rel, now)
        payload = rel.model_dump(mode="json")
        self._record(principal, RELATIONSHIP_SAVED, rid, payload, now)
        self.outbox.add(relationship_change(RELATIONSHIP_SAVED, rid, rel, self._ends(rel), now))
        return stored

    def unrelate(self, principal: Principal, rel_id: str) -> None:
        """Delete a relationship.

        Raises:
            NotFound: no such relationship.
        """
        principal.require(Permission.REGISTRY_WRITE)
        existing = self.store.get_relationship(rel_id)
        if existing is None:
            raise NotFound(f"no relationship {rel_id!r}")
        now = self.clock()
        self.store.delete_relationship(rel_id, now)
        self._record(principal, RELATIONSHIP_DELETED, rel_id, {}, now)
        ends = self._ends(existing.relationship)
        self.outbox.add(relationship_change(RELATIONSHIP_DELETED, rel_id, None, ends, now))

    def _put(self, principal: Principal, rid: str, record: AnyRecord, verb: str) -> Stored:
        now = self.clock()
        stored = self.store.put(rid, record, now)
        kind = record_kind(record.type, verb)
        self._record(principal, kind, rid, record.model_dump(mode="json"), now)
        self._publish(record, kind, rid, now)
        return stored

    def _record(
        self, principal: Principal, verb: str, target: str, payload: dict[str, Any], at: datetime
    ) -> None:
        actor = principal.user_id or "anonymous"
        self.audit.append(
            AuditRecord(actor=actor, verb=verb, target=target, at=at, payload=payload)
        )

    def _publish(self, record: AnyRecord, kind: str, rid: str, at: datetime) -> None:
        self.outbox.add(
            record_change(
                kind,
                rid,
                None if kind == record_kind(record.type, "deleted") else record,
                record.visibility,
                at,
            )
        )

    def _ends(self, rel: Relationship) -> tuple[Visibility, ...]:
        """The visibility of each end of ``rel`` (a missing end counts as restricted)."""
        ends = (self.store.get(rel.source_id), self.store.get(rel.target_id))
        return tuple(e.record.visibility if e else Visibility.RESTRICTED for e in ends)

    def _other_end_readable(
        self, principal: Principal, rel: StoredRelationship, record_id: str, as_of: datetime | None
    ) -> bool:
        r = rel.relationship
        other = r.target_id if r.source_id == record_id else r.source_id
        stored = self.store.get(other, as_of)
        return stored is not None and _readable(principal, stored.record)


def record_change(
    kind: str, rid: str, record: AnyRecord | None, visibility: Visibility, at: datetime
) -> PublicChange:
    """The public change for a record's new version (``record``) or deletion (None), through
    the disclosure gate: a restricted record's content is only committed to."""
    fields: dict[str, Any] = {"visibility": visibility.value}
    if record is not None:
        fields |= record.model_dump(mode="json")
        fields["sources"] = source_parts(record.sources)
    return gate(kind, rid, at, fields, Sensitivity(visibility))


def relationship_change(
    kind: str, rid: str, rel: Relationship | None, ends: Sequence[Visibility], at: datetime
) -> PublicChange:
    """The public change for a saved (``rel``) or deleted (None) relationship: as restricted
    as its most restricted end, each source as restricted as it is marked."""
    visibility = most_restricted(ends)
    fields: dict[str, Any] = {"visibility": visibility.value}
    if rel is not None:
        fields |= rel.model_dump(mode="json")
        fields["sources"] = source_parts(rel.sources)
    return gate(kind, rid, at, fields, Sensitivity(visibility))


def redact_record(stored: Stored, reader: Reader) -> Stored:
    """``stored`` with only the sources ``reader`` may read (the record itself is readable)."""
    record = stored.record
    shown = tuple(readable(reader, source_parts(record.sources, keep=True)))
    if len(shown) == len(record.sources):
        return stored
    return replace(stored, record=record.model_copy(update={"sources": shown}))


def redact_relationship(stored: StoredRelationship, reader: Reader) -> StoredRelationship:
    """``stored`` with only the sources ``reader`` may read (both ends are readable)."""
    rel = stored.relationship
    shown = tuple(readable(reader, source_parts(rel.sources, keep=True)))
    if len(shown) == len(rel.sources):
        return stored
    return replace(stored, relationship=rel.model_copy(update={"sources": shown}))


def source_parts(sources: Sequence[Source], keep: bool = False) -> list[Part[Any]]:
    """Sources as parts, each with its own visibility; the values are the sources themselves
    with ``keep``, else their JSON form."""
    return [
        Part(s if keep else s.model_dump(mode="json"), Sensitivity(s.visibility)) for s in sources
    ]


def _readable(principal: Principal, record: AnyRecord) -> bool:
    if record.visibility is Visibility.PUBLIC:
        return True
    return principal.can(Permission.REGISTRY_READ_RESTRICTED)
