"""Response shapes of the API (requests reuse the domain models)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from pallmall.core.paging import Page
from pallmall.registry.model import Record, Relationship
from pallmall.registry.store import Stored, StoredRelationship

T = TypeVar("T")
S = TypeVar("S")


class PageOut(BaseModel, Generic[T]):
    """A page of a list: ``items``, ``total`` in all, and where the page starts."""

    items: list[T]
    total: int
    offset: int
    limit: int
    has_more: bool


def page_out(page: Page[S], convert: Callable[[S], T]) -> PageOut[T]:
    """Convert a domain page item by item."""
    items = [convert(i) for i in page.items]
    return PageOut[Any](
        items=items, total=page.total, offset=page.offset, limit=page.limit, has_more=page.has_more
    )


class RecordOut(BaseModel):
    """A registry record with its id and version."""

    id: str
    version: int
    recorded_at: datetime
    record: Record


class RelationshipOut(BaseModel):
    """A relationship with its id and version."""

    id: str
    version: int
    recorded_at: datetime
    relationship: Relationship


def record_out(stored: Stored) -> RecordOut:
    """The API shape of a stored record."""
    return RecordOut(
        id=stored.id, version=stored.version, recorded_at=stored.recorded_at, record=stored.record
    )


def relationship_out(stored: StoredRelationship) -> RelationshipOut:
    """The API shape of a stored relationship."""
    return RelationshipOut(
        id=stored.id,
        version=stored.version,
        recorded_at=stored.recorded_at,
        relationship=stored.relationship,
    )


def relationships_out(items: Sequence[StoredRelationship]) -> list[RelationshipOut]:
    """A list of relationships in API shape."""
    return [relationship_out(r) for r in items]
