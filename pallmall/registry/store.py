"""What the registry needs from storage, stated as Protocols (storage implements them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from pallmall.core.paging import Page, PageRequest
from pallmall.registry.model import (
    Capability,
    Organisation,
    OrgKind,
    Person,
    Product,
    RecordType,
    Relationship,
)

AnyRecord = Organisation | Person | Product


@dataclass(frozen=True)
class Stored:
    """A record as stored: its id, version (1, 2, ...) and when that version was recorded."""

    id: str
    version: int
    recorded_at: datetime
    record: AnyRecord


@dataclass(frozen=True)
class StoredRelationship:
    """A relationship as stored."""

    id: str
    version: int
    recorded_at: datetime
    relationship: Relationship


@dataclass(frozen=True)
class RecordVersion:
    """One entry of a record's history: its version number, when it was recorded, and the
    record as it was then (None for the version that deleted it)."""

    version: int
    recorded_at: datetime
    record: AnyRecord | None

    @property
    def deleted(self) -> bool:
        """Whether this version is the record's deletion."""
        return self.record is None


@dataclass(frozen=True)
class RecordQuery:
    """Filters for a record search; ``None`` means "any". ``q`` matches names, aliases and
    former names, ranked (pallmall.registry.search); without ``q`` records come by name."""

    q: str | None = None
    type: RecordType | None = None
    kind: OrgKind | None = None
    country: str | None = None
    capability: Capability | None = None
    designated: bool | None = None
    include_restricted: bool = False
    as_of: datetime | None = None


class RegistryStore(Protocol):
    """Versioned storage of registry records. Every ``put`` keeps the previous version."""

    def get(self, record_id: str, as_of: datetime | None = None) -> Stored | None:
        """The record's latest version, or the one in force at ``as_of``; None if absent."""

    def put(self, record_id: str, record: AnyRecord, at: datetime) -> Stored:
        """Store a new version of ``record_id`` (version 1 if new) recorded at ``at``."""

    def delete(self, record_id: str, at: datetime) -> None:
        """Mark the record deleted from ``at`` on; history stays."""

    def versions(self, record_id: str) -> Sequence[RecordVersion]:
        """The record's history, oldest first (empty for an unknown id)."""

    def search(self, query: RecordQuery, page: PageRequest) -> Page[Stored]:
        """Records matching ``query``: best match first when it has a ``q`` (the ranking of
        :mod:`pallmall.registry.search`, the same on every database), else by name then id."""

    def ids_by_name_key(self, key: str) -> Sequence[str]:
        """Ids of current records whose name or alias normalises to ``key``."""

    def get_relationship(
        self, rel_id: str, as_of: datetime | None = None
    ) -> StoredRelationship | None:
        """The relationship's latest version (or at ``as_of``); None if absent."""

    def put_relationship(self, rel_id: str, rel: Relationship, at: datetime) -> StoredRelationship:
        """Store a new version of a relationship."""

    def delete_relationship(self, rel_id: str, at: datetime) -> None:
        """Mark the relationship deleted from ``at`` on."""

    def relationships_of(
        self, record_id: str, as_of: datetime | None = None
    ) -> Sequence[StoredRelationship]:
        """Relationships with ``record_id`` at either end."""

    def all_relationships(self, types: Sequence[str] = ()) -> Sequence[StoredRelationship]:
        """Every current relationship (of ``types`` when given)."""
