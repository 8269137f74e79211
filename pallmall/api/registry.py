"""``/api/v1/registry``: records, relationships and their history."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Body, Query, Response, status
from fastapi.responses import JSONResponse
from pydantic import BeforeValidator

from pallmall.api import problems
from pallmall.api.deps import Caller, Limit, Offset, Reading, Writing
from pallmall.api.schemas import (
    PageOut,
    RecordOut,
    RelationshipOut,
    page_out,
    record_out,
    relationship_out,
    relationships_out,
)
from pallmall.core.paging import PageRequest
from pallmall.registry.model import Capability, OrgKind, Record, RecordType, Relationship
from pallmall.registry.service import RegistryService
from pallmall.registry.store import AnyRecord, RecordQuery, Stored
from pallmall.storage.database import Tx

router = APIRouter(prefix="/api/v1/registry", tags=["registry"], responses=problems.RESPONSES)


def _rfc3339(value: object) -> object:
    # pydantic alone would also take numbers as Unix times; the schema promises RFC 3339
    if value is None or isinstance(value, datetime):
        return value
    text = str(value)
    if not _RFC3339.match(text):
        raise ValueError("must be an RFC 3339 date-time, e.g. 2024-03-05T00:00:00Z")
    parsed = datetime.fromisoformat(text)
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)  # regression: 0001-01-01T00:00+01:00 overflowed (500)
    except OverflowError:
        raise ValueError("is outside the years 1 to 9999 once converted to UTC") from None


_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})?$"
)
AsOf = Annotated[
    datetime | None,
    BeforeValidator(_rfc3339),
    Query(description="answer as the registry stood at this time (RFC 3339; UTC if no offset)"),
]


def _service(tx: Tx) -> RegistryService:
    return RegistryService(tx.registry, tx.audit, tx.outbox)


@router.get("/records", response_model=PageOut[RecordOut])
async def list_records(
    caller: Caller,
    tx: Reading,
    q: Annotated[str | None, Query(max_length=200, description="name or alias contains")] = None,
    type: RecordType | None = None,
    kind: OrgKind | None = None,
    country: Annotated[str | None, Query(pattern=r"^[A-Z]{2}$")] = None,
    capability: Capability | None = None,
    designated: bool | None = None,
    as_of: AsOf = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> PageOut[RecordOut]:
    """Search records by name and facets, paged."""
    query = RecordQuery(
        q=q,
        type=type,
        kind=kind,
        country=country,
        capability=capability,
        designated=designated,
        as_of=as_of,
    )
    page = _service(tx).search(caller, query, PageRequest(offset, limit))
    return page_out(page, record_out)


@router.get("/records/{record_id}", response_model=RecordOut)
async def get_record(record_id: str, caller: Caller, tx: Reading, as_of: AsOf = None) -> RecordOut:
    """One record, now or as of a time."""
    stored = _service(tx).get(caller, record_id, as_of)
    # The hottest read: serialise once, skipping FastAPI's re-validation of the response model
    # (the record was validated when stored and again when loaded).
    return JSONResponse(_record_json(stored))  # type: ignore[return-value]  # FastAPI sends a Response as is; the model documents it


def _record_json(stored: Stored) -> dict[str, object]:
    return {
        "id": stored.id,
        "version": stored.version,
        "recorded_at": stored.recorded_at.isoformat().replace("+00:00", "Z"),
        "record": stored.record.model_dump(mode="json"),
    }


@router.get("/records/{record_id}/relationships", response_model=list[RelationshipOut])
async def get_relationships(
    record_id: str, caller: Caller, tx: Reading, as_of: AsOf = None
) -> list[RelationshipOut]:
    """Relationships with the record at either end (valid on the ``as_of`` date, if given)."""
    return relationships_out(_service(tx).relationships(caller, record_id, as_of))


@router.post("/records", response_model=RecordOut, status_code=status.HTTP_201_CREATED)
def create_record(
    caller: Caller, tx: Writing, record: Annotated[Record, Body(discriminator="type")]
) -> RecordOut:
    """Add an organisation, person or product (``registry:write``)."""
    return record_out(_service(tx).create(caller, record))


@router.put("/records/{record_id}", response_model=RecordOut)
def update_record(
    record_id: str,
    caller: Caller,
    tx: Writing,
    record: Annotated[Record, Body(discriminator="type")],
    expected_version: Annotated[int | None, Query(ge=1)] = None,
) -> RecordOut:
    """Store a new version of a record; the previous one stays in the history."""
    new: AnyRecord = record
    return record_out(_service(tx).update(caller, record_id, new, expected_version))


@router.delete("/records/{record_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_record(record_id: str, caller: Caller, tx: Writing) -> Response:
    """Delete a record and its relationships (still readable with ``as_of``)."""
    _service(tx).delete(caller, record_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/relationships", response_model=RelationshipOut, status_code=201)
def create_relationship(caller: Caller, tx: Writing, rel: Relationship) -> RelationshipOut:
    """Relate two records (``registry:write``)."""
    return relationship_out(_service(tx).relate(caller, rel))


@router.delete("/relationships/{rel_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_relationship(rel_id: str, caller: Caller, tx: Writing) -> Response:
    """Delete a relationship."""
    _service(tx).unrelate(caller, rel_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
