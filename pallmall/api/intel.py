"""``/api/v1/intel``: abuse incidents (report, read, confirm or reject) and the STIX 2.1 and
MVT exports. TAXII 2.1 is served apart, under ``/taxii2/`` (``pallmall.api.taxii``).

Every write runs in one unit of work: the incident, its audit record, the public change for
the transparency log (outbox) and, for a confirmed TLP:CLEAR incident, its STIX objects in
the TAXII ``public`` collection commit together or not at all.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field, model_validator

from pallmall.api import problems
from pallmall.api.deps import Caller, Limit, Offset, Reading, Writing
from pallmall.api.schemas import PageOut
from pallmall.core.auth import Principal
from pallmall.core.paging import PageRequest
from pallmall.disclosure import Reader, Visibility
from pallmall.intel import exports
from pallmall.intel.incident import (
    AbuseCategory,
    AttackVector,
    Attribution,
    Citation,
    DeviceType,
    IncidentDraft,
    IncidentStatus,
    LinkRole,
    Verb,
    VictimCategory,
    VictimDraft,
)
from pallmall.intel.ports import IncidentQuery
from pallmall.intel.report import ImportReport
from pallmall.intel.taxii import MEDIA_STIX
from pallmall.intel.tlp import Tlp
from pallmall.storage.database import Tx
from pallmall.storage.intel import RegistryExportSource, SqlIntelStore
from pallmall.wiring import incident_desk

router = APIRouter(prefix="/api/v1/intel", tags=["intel"], responses=problems.RESPONSES)

RecordId = Annotated[str, Field(min_length=1, max_length=100)]
Text = Annotated[str, Field(max_length=2000)]
_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


# -- shapes ----------------------------------------------------------------------------------


class VictimIn(BaseModel):
    """A targeted person: the name is only shown to ``intel:read_restricted``."""

    model_config = _STRICT
    category: VictimCategory
    name: Annotated[str, Field(min_length=1, max_length=300)] | None = None
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = None


class CitationIn(BaseModel):
    """A source: a URL or a reference, restricted unless marked public (a published report,
    say). A bare string is a restricted source."""

    model_config = _STRICT
    ref: Text
    visibility: Visibility = Visibility.RESTRICTED

    def citation(self) -> Citation:
        """The domain citation."""
        return Citation(self.ref, self.visibility)


SourceIn = Annotated[Text, Field(min_length=1)] | CitationIn


def _citations(sources: list[Any]) -> tuple[Citation, ...]:
    return tuple(Citation(s) if isinstance(s, str) else s.citation() for s in sources)


class AttributionIn(BaseModel):
    """A link to a registry record (product, vendor organisation or operator organisation)."""

    model_config = _STRICT
    role: LinkRole
    target_id: RecordId
    confidence: int = Field(ge=0, le=100, description="STIX 2.1 confidence, 0-100")
    sources: list[SourceIn] = Field(default=[], max_length=50)


class IncidentIn(BaseModel):
    """An incident as reported. The title is published once confirmed: name no victim."""

    model_config = _STRICT
    title: Annotated[str, Field(min_length=1, max_length=300)]
    summary: str = Field(default="", max_length=20_000, description="restricted")
    public_summary: str = Field(
        default="",
        max_length=5_000,
        description="what the public reads once confirmed at TLP:CLEAR: name no victim",
    )
    categories: list[AbuseCategory] = Field(min_length=1, max_length=5)
    victims: list[VictimIn] = Field(default=[], max_length=1000)
    attributions: list[AttributionIn] = Field(default=[], max_length=100)
    tlp: Tlp = Tlp.AMBER
    first_seen: dt.date | None = None
    last_seen: dt.date | None = None
    device_types: list[DeviceType] = Field(default=[], max_length=10)
    attack_vectors: list[AttackVector] = Field(default=[], max_length=10)
    indicators: list[Text] = Field(
        default=[], max_length=10_000, description="STIX patterns, e.g. [domain-name:value='x']"
    )
    sources: list[SourceIn] = Field(default=[], max_length=100)

    def draft(self) -> IncidentDraft:
        """The domain draft (checked further by the desk)."""
        return IncidentDraft(
            title=self.title,
            summary=self.summary,
            categories=tuple(dict.fromkeys(self.categories)),
            victims=tuple(VictimDraft(v.category, v.name, v.country) for v in self.victims),
            attributions=tuple(
                Attribution(a.role, a.target_id, a.confidence, _citations(a.sources))
                for a in self.attributions
            ),
            tlp=self.tlp,
            first_seen=self.first_seen,
            last_seen=self.last_seen,
            device_types=tuple(dict.fromkeys(self.device_types)),
            attack_vectors=tuple(dict.fromkeys(self.attack_vectors)),
            indicators=tuple(self.indicators),
            sources=_citations(self.sources),
            public_summary=self.public_summary,
        )


class DecisionIn(BaseModel):
    """Confirm or reject a reported incident, saying why (kept in the audit trail)."""

    model_config = _STRICT
    verb: Verb
    reason: Annotated[str, Field(min_length=1, max_length=5000)]


class ShareIn(BaseModel):
    """Share an incident's restricted details with an account (a state body, a lab), or
    with every body of a state (``state``, ISO 3166-1 alpha-2): exactly one of the two."""

    model_config = _STRICT
    account_id: RecordId | None = None
    state: Annotated[str, Field(pattern=r"^[A-Za-z]{2}$")] | None = None

    @model_validator(mode="after")
    def _one(self) -> ShareIn:
        if (self.account_id is None) == (self.state is None):
            raise ValueError("give account_id or state, not both")
        return self

    def holder(self) -> str:
        """The holder id: the account id, or ``state:XX``."""
        return self.account_id or f"state:{(self.state or '').upper()}"


class VictimOut(BaseModel):
    """A victim in the full view."""

    category: VictimCategory
    pseudonym: str
    name: str | None
    country: str | None


class CitationOut(BaseModel):
    """A source the caller may read."""

    ref: str
    visibility: Visibility


class AttributionOut(BaseModel):
    """A link to a registry record, with the sources the caller may read."""

    role: LinkRole
    target: str
    confidence: int
    sources: list[CitationOut]


class IncidentOut(BaseModel):
    """An incident. ``view`` is ``full`` for its owner, the states it is shared with and the
    oversight body, else ``public``: the public summary and public sources, and None in
    every restricted field."""

    id: str
    view: Literal["full", "public"]
    title: str
    status: IncidentStatus
    tlp: Tlp
    categories: list[AbuseCategory]
    public_summary: str
    victim_counts: dict[VictimCategory, int]
    attributions: list[AttributionOut]
    first_seen: dt.date | None
    last_seen: dt.date | None
    device_types: list[DeviceType]
    attack_vectors: list[AttackVector]
    indicator_count: int
    decided_at: dt.datetime | None
    summary: str | None
    victims: list[VictimOut] | None
    indicators: list[str] | None
    sources: list[CitationOut]
    reported_by: str | None
    reported_at: dt.datetime | None
    decided_by: str | None
    decision_reason: str | None
    owner: str | None
    shared_with: list[str] | None


def _incident_out(view: dict[str, Any]) -> IncidentOut:
    return IncidentOut.model_validate(view)


# -- incidents -------------------------------------------------------------------------------


@router.post("/incidents", response_model=IncidentOut, status_code=status.HTTP_201_CREATED)
def report_incident(caller: Caller, tx: Writing, incident: IncidentIn) -> IncidentOut:
    """Report an abuse incident (``intel:write``); it starts as ``reported``."""
    desk = incident_desk(tx, caller)
    made = desk.report(caller, incident.draft())
    return _incident_out(desk.view(caller, made.id))


@router.get("/incidents", response_model=PageOut[IncidentOut])
def list_incidents(
    caller: Caller,
    tx: Reading,
    status: IncidentStatus | None = None,
    tlp: Tlp | None = None,
    category: AbuseCategory | None = None,
    victim: Annotated[VictimCategory | None, Query(description="a victim category")] = None,
    linked: Annotated[
        str | None, Query(max_length=100, description="a registry id any link names")
    ] = None,
    role: Annotated[LinkRole | None, Query(description="with linked: as this role")] = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> PageOut[IncidentOut]:
    """Incidents the caller may see, newest report first. Without ``intel:read_restricted``
    only confirmed TLP:CLEAR incidents, as public summaries."""
    query = IncidentQuery(status, tlp, category, victim, linked, role)
    page = incident_desk(tx, caller).search(caller, query, PageRequest(offset, limit))
    return PageOut[IncidentOut](
        items=[_incident_out(v) for v in page.items],
        total=page.total,
        offset=page.offset,
        limit=page.limit,
        has_more=page.has_more,
    )


@router.get("/incidents/queue", response_model=list[IncidentOut])
def incident_queue(caller: Caller, tx: Reading) -> list[IncidentOut]:
    """The review queue: reported incidents the caller may decide (``intel:decide``, reads
    them whole, did not report them), oldest first."""
    return [_incident_out(v) for v in incident_desk(tx, caller).queue(caller)]


@router.get("/incidents/{incident_id}", response_model=IncidentOut)
def get_incident(incident_id: str, caller: Caller, tx: Reading) -> IncidentOut:
    """One incident, as the caller may see it (404 when it may not)."""
    return _incident_out(incident_desk(tx, caller).view(caller, incident_id))


@router.post("/incidents/{incident_id}/decision", response_model=IncidentOut)
def decide_incident(
    incident_id: str, caller: Caller, tx: Writing, decision: DecisionIn
) -> IncidentOut:
    """Confirm or reject a reported incident (``intel:decide``; not its reporter). A
    confirmation sends the public summary to the transparency log and, for TLP:CLEAR, the
    incident's STIX objects to the TAXII ``public`` collection."""
    desk = incident_desk(tx, caller)
    desk.decide(caller, incident_id, decision.verb, decision.reason)
    return _incident_out(desk.view(caller, incident_id))


@router.post("/incidents/{incident_id}/shares", response_model=IncidentOut)
def share_incident(incident_id: str, caller: Caller, tx: Writing, share: ShareIn) -> IncidentOut:
    """Share the incident's restricted details (victims, summary, restricted sources) with an
    account (the owner or the oversight body; 422 for an unknown account)."""
    desk = incident_desk(tx, caller)
    desk.share(caller, incident_id, share.holder())
    return _incident_out(desk.view(caller, incident_id))


@router.delete("/incidents/{incident_id}/shares/{account_id}", response_model=IncidentOut)
def unshare_incident(incident_id: str, account_id: str, caller: Caller, tx: Writing) -> IncidentOut:
    """Stop sharing the incident with ``account_id`` (what it read stays read)."""
    desk = incident_desk(tx, caller)
    desk.share(caller, incident_id, account_id, on=False)
    return _incident_out(desk.view(caller, incident_id))


# -- exports ---------------------------------------------------------------------------------

STIX_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {MEDIA_STIX: {}}, "description": "a STIX 2.1 bundle"}
}


@router.get("/export.stix", response_class=Response, responses=STIX_RESPONSE)
def export_stix(caller: Caller, tx: Reading) -> Response:
    """The registry and the confirmed incidents the caller may see, as one STIX 2.1 bundle
    (deterministic ids). Anonymous callers get public records and confirmed TLP:CLEAR
    incidents only; victims appear as pseudonymous identities, never by name."""
    return _stix(stix_export(tx, caller))


@router.get("/export.mvt", response_class=Response, responses=STIX_RESPONSE)
def export_mvt(
    caller: Caller,
    tx: Reading,
    collection: Annotated[str, Query(description="a TAXII collection alias")] = "public",
) -> Response:
    """The malware and indicators of a TAXII collection the caller may read, as a STIX 2.1
    bundle the Mobile Verification Toolkit reads (``mvt-ios check-backup --iocs``).
    ``X-Pallmall-Skipped`` counts indicators MVT cannot match."""
    bundle, report = mvt_export(tx, caller, collection)
    return _stix(bundle, {"X-Pallmall-Skipped": str(len(report.skipped))})


def stix_export(tx: Tx, caller: Principal) -> dict[str, Any]:
    """The STIX 2.1 bundle of the registry records and confirmed incidents ``caller`` may
    see (restricted records only with ``registry:read_restricted``)."""
    registry = RegistryExportSource.load(tx.registry, Reader.of(caller))
    return exports.stix_export(caller, registry, incident_desk(tx, caller), registry.last_change)


def mvt_export(tx: Tx, caller: Principal, alias: str) -> tuple[dict[str, Any], ImportReport]:
    """The MVT bundle of collection ``alias`` (see :func:`pallmall.intel.exports.mvt_export`)."""
    return exports.mvt_export(caller, SqlIntelStore(tx.conn), alias)


def _stix(bundle: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(bundle), media_type=MEDIA_STIX, headers=headers)
