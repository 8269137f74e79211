"""``/api/v1/screening``: screen one party or a CSV of parties, list snapshots, the 50 % rule."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field

from pallmall.api import problems
from pallmall.api.deps import Caller, Reading, Workers, database, screening_desk
from pallmall.core.auth import Permission
from pallmall.core.errors import InvalidInput
from pallmall.disclosure import Reader
from pallmall.registry.ownership import RegistryOwnership
from pallmall.registry.service import RegistryService
from pallmall.screening import (
    ChangeKind,
    EntrySchema,
    Party,
    ScreeningDesk,
    as_dict,
    diff_versions,
    fifty_percent_rule,
    list_ages,
    read_parties,
    results_to_csv,
    results_to_json,
    screen_batch,
)
from pallmall.wiring import list_store

router = APIRouter(prefix="/api/v1/screening", tags=["screening"], responses=problems.RESPONSES)
MAX_BATCH = 10_000
Short = Annotated[str, Field(min_length=1, max_length=300)]


class PartyIn(BaseModel):
    """A party to screen; only ``name`` is required."""

    name: Short
    schema_: EntrySchema = Field(default=EntrySchema.UNKNOWN, alias="schema")
    aliases: list[Short] = Field(default=[], max_length=50)
    countries: list[Annotated[str, Field(min_length=2, max_length=100)]] = Field(
        default=[], max_length=20
    )
    birth_date: str = Field(default="", pattern=r"^(\d{4}(-\d{2}(-\d{2})?)?)?$")
    identifiers: list[Short] = Field(default=[], max_length=20)
    reference: str = Field(default="", max_length=200)

    def party(self) -> Party:
        """The domain party."""
        return Party(
            self.name,
            self.schema_,
            tuple(self.aliases),
            tuple(self.countries),
            self.birth_date,
            tuple(self.identifiers),
            self.reference,
        )


class SnapshotOut(BaseModel):
    """A list snapshot in force, its age, and whether it is older than its publisher's
    usual interval between versions (``overdue``)."""

    list_id: str
    version: str
    published: date | None
    source: str
    age_days: int | None
    expected_days: int
    overdue: bool


class ChangeOut(BaseModel):
    """One entry listed, delisted or amended (with the fields that changed)."""

    kind: str
    entry_id: str
    name: str
    effective: date | None
    fields: list[str]


class DiffOut(BaseModel):
    """What changed in a list between two stored versions (``from_version`` null: the
    list's first version, every entry a listing)."""

    list_id: str
    from_version: str | None
    to_version: str
    listed: int
    delisted: int
    amended: int
    changes: list[ChangeOut]


@router.post("/screen")
def screen(body: PartyIn, caller: Caller, request: Request) -> JSONResponse:
    """Screen one party against every list in force; hits explained, strongest first."""
    caller.require(Permission.SCREENING_RUN)
    result = screening_desk(request).screener().screen(body.party())
    return JSONResponse(as_dict(result))


@router.post(
    "/batch",
    openapi_extra={
        "requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}
    },
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}, "application/json": {}}}
    },
)
async def batch(
    caller: Caller,
    request: Request,
    workers: Workers,
    format: Annotated[Literal["csv", "json"], Query()] = "csv",
) -> Response:
    """Screen a CSV of parties (columns: name, schema, aliases, countries, birth_date,
    identifiers, reference; at most 10,000 rows); results as CSV (one row per hit, cells
    that a spreadsheet would run as formulas neutralised) or JSON (full explanations).
    The caller is checked before the body is read; the work runs in the worker pool."""
    caller.require(Permission.SCREENING_RUN)
    raw = await request.body()
    return await workers.run(_screen_csv, screening_desk(request), raw, format)


def _screen_csv(screening: ScreeningDesk, raw: bytes, format: str) -> Response:
    parties = parse_batch(raw, "body")
    results = screen_batch(screening.screener(), parties)
    if format == "json":
        return Response(results_to_json(parties, results), media_type="application/json")
    return PlainTextResponse(results_to_csv(parties, results), media_type="text/csv")


def parse_batch(raw: bytes, field: str, limit: int = MAX_BATCH) -> list[Party]:
    """The parties of a batch CSV, refusing more than ``limit`` rows before parsing them.

    Raises:
        InvalidInput: naming ``field``: not UTF-8, not CSV, too many rows, or a bad row.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(field, "the CSV must be UTF-8") from None
    try:
        rows = sum(
            1 for _ in itertools.islice(csv.reader(io.StringIO(text, newline="")), limit + 2)
        )
        if rows > limit + 1:  # the header and `limit` parties
            raise InvalidInput(field, f"at most {limit} parties per batch")
        return read_parties(io.StringIO(text, newline=""))
    except csv.Error as exc:
        raise InvalidInput(field, f"not a readable CSV: {exc}") from None


@router.get("/lists", response_model=list[SnapshotOut])
def lists(caller: Caller, request: Request) -> list[SnapshotOut]:
    """The newest snapshot of every list, with its age in days."""
    caller.require(Permission.SCREENING_RUN)
    return [
        SnapshotOut(
            list_id=a.snapshot.list_id,
            version=a.snapshot.version,
            published=a.snapshot.published,
            source=a.snapshot.source,
            age_days=a.age_days,
            expected_days=a.expected_days,
            overdue=a.overdue,
        )
        for a in list_ages(screening_desk(request).current(), date.today())
    ]


@router.get("/lists/{list_id}/diff", response_model=DiffOut)
def list_diff(
    list_id: str,
    caller: Caller,
    request: Request,
    old: Annotated[str | None, Query(alias="from", max_length=64)] = None,
    new: Annotated[str | None, Query(alias="to", max_length=64)] = None,
) -> DiffOut:
    """Listings, delistings and changed entries of a list between two stored versions
    (default: the newest and the one before it); 404 for an unknown list or version."""
    caller.require(Permission.SCREENING_RUN)
    found = diff_versions(list_store(database(request)), list_id, old, new)
    return DiffOut(
        list_id=list_id,
        from_version=found.old.version if found.old else None,
        to_version=found.new.version,
        listed=len(found.of_kind(ChangeKind.LISTED)),
        delisted=len(found.of_kind(ChangeKind.DELISTED)),
        amended=len(found.of_kind(ChangeKind.AMENDED)),
        changes=[
            ChangeOut(
                kind=c.kind.value,
                entry_id=c.entry_id,
                name=c.name,
                effective=c.effective,
                fields=list(c.fields),
            )
            for c in found.changes
        ],
    )


@router.get("/ownership/{record_id}")
def ownership(
    record_id: str,
    caller: Caller,
    tx: Reading,
    on: Annotated[date | None, Query()] = None,
) -> dict[str, Any]:
    """The 50 % rule for a registry record: the share its designated owners hold, with chains."""
    caller.require(Permission.SCREENING_RUN)
    RegistryService(tx.registry, tx.audit, tx.outbox).get(caller, record_id)
    day = on or date.today()
    graph = RegistryOwnership(tx.registry, Reader.of(caller))
    finding = fifty_percent_rule(record_id, graph, lambda r: graph.is_designated(r, day), day)
    return {**as_dict(finding), "status": finding.status, "explanation": finding.explain()}
