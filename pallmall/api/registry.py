"""``/api/v1/registry``: records, relationships and their history."""

from __future__ import annotations

import json
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
    record_out,
    relationship_out,
    relationships_out,
)
from pallmall.core.paging import MAX_LIMIT, PageRequest
from pallmall.disclosure import Reader
from pallmall.registry.ftm import export_entities
from pallmall.registry.model import Capability, OrgKind, Record, RecordType, Relationship
from pallmall.registry.service import RegistryService, redact_relationship
from pallmall.registry.store import AnyRecord, RecordQuery, Stored
from pallmall.storage.database import Tx

MEDIA_FTM = "application/x-ndjson"
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
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description="a name, alias or former name: ranked, typo-tolerant, legal forms ignored",
        ),
    ] = None,
    type: RecordType | None = None,
    kind: OrgKind | None = None,
    country: Annotated[str | None, Query(pattern=r"^[A-Z]{2}$")] = None,
    capability: Capability | None = None,
    designated: bool | None = None,
    as_of: AsOf = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> PageOut[RecordOut]:
    """Search records by name and facets, paged; with ``q``, best match first."""
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
    # A hot read too (every keystroke of a search box): serialised once, as get_record does.
    body = {
        "items": [_record_json(s) for s in page.items],
        "total": page.total,
        "offset": page.offset,
        "limit": page.limit,
        "has_more": page.has_more,
    }
    return JSONResponse(body)  # type: ignore[return-value]  # the declared model documents the body


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


@router.get("/records/{record_id}/history")
async def get_history(record_id: str, caller: Caller, tx: Reading) -> list[dict[str, object]]:
    """The record's versions the caller may read, oldest first; read one with ``as_of`` set
    to its ``recorded_at``."""
    return [
        {"version": v.version, "recorded_at": v.recorded_at}
        for v in _service(tx).history(caller, record_id)
    ]


FTM_RESPONSE: dict[int | str, dict[str, object]] = {
    200: {
        "content": {MEDIA_FTM: {}},
        "description": "FollowTheMoney entities, one JSON object a line",
    }
}


@router.get("/export.ftm", response_class=Response, responses=FTM_RESPONSE)
def export_ftm(caller: Caller, tx: Reading) -> Response:
    """The registry the caller may read as FollowTheMoney entities (JSON lines): records,
    designations as ``Sanction``, ownership with shares, every link with its sources. The
    public gets public records, links between them and public sources only."""
    service = _service(tx)
    records: list[Stored] = []
    offset = 0
    while True:
        page = service.search(caller, RecordQuery(), PageRequest(offset, MAX_LIMIT))
        records.extend(page.items)
        if not page.has_more:
            break
        offset += MAX_LIMIT
    reader = Reader.of(caller)
    rels = [redact_relationship(r, reader) for r in tx.registry.all_relationships()]
    lines = [json.dumps(e, sort_keys=True) for e in export_entities(records, rels, reader)]
    return Response(
        "".join(line + "\n" for line in lines),
        media_type=MEDIA_FTM,
        headers={"Content-Disposition": 'attachment; filename="registry.ftm.json"'},
    )


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
