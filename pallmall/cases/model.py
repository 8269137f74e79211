"""Cases: what is filed, where it stands, who did what. Statuses change only through
:mod:`pallmall.cases.transitions`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class CaseKind(StrEnum):
    """The four kinds of case; persisted."""

    LICENCE = "licence"
    RESTRICTION = "restriction"
    PROCUREMENT = "procurement"
    USE_AUTHORISATION = "use_authorisation"


class CaseStatus(StrEnum):
    """Every status any case kind can be in; persisted. Each kind uses some of them."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    ADVICE = "advice"
    APPROVED_WITH_CONDITIONS = "approved_with_conditions"
    DENIED = "denied"
    APPEAL = "appeal"
    AMENDED = "amended"
    REVOKED = "revoked"
    EXPIRED = "expired"
    OPEN = "open"
    RESTRICTED = "restricted"
    CLEARED = "cleared"
    LIFTED = "lifted"
    ASSESSED = "assessed"
    AUTHORISED = "authorised"
    REFUSED = "refused"


class Verb(StrEnum):
    """What may be done to a case's status; persisted in the history."""

    SUBMIT = "submit"
    START_REVIEW = "start_review"
    ADVISE = "advise"
    RETURN_ADVICE = "return_advice"
    COUNTERSIGN = "countersign"
    APPEAL = "appeal"
    DISMISS_APPEAL = "dismiss_appeal"
    AMEND = "amend"
    REVOKE = "revoke"
    EXPIRE = "expire"
    LIFT = "lift"
    ASSESS = "assess"
    SIGN_OFF = "sign_off"
    REFUSE = "refuse"


class PartyRole(StrEnum):
    """A party's part in a transfer; persisted."""

    END_USER = "end_user"
    CONSIGNEE = "consignee"
    INTERMEDIARY = "intermediary"
    BENEFICIAL_OWNER = "beneficial_owner"


class EndUse(StrEnum):
    """The stated end use, by category; persisted."""

    LAW_ENFORCEMENT = "law_enforcement"
    INTELLIGENCE = "intelligence"
    MILITARY = "military"
    SECURITY_RESEARCH = "security_research"
    VULNERABILITY_DISCLOSURE = "vulnerability_disclosure"
    INCIDENT_RESPONSE = "incident_response"
    OTHER = "other"


class ClassificationBasis(StrEnum):
    """Why a transfer is (or is not) controlled; persisted."""

    LISTED = "listed"  # Wassenaar 4.A.5 / 4.D.4 / 4.E.1.c (EU Annex I)
    EU_ART5_AUTHORITY_INFORMED = "eu_art5_authority_informed"  # Art. 5(1)
    EU_ART5_EXPORTER_NOTIFIED = "eu_art5_exporter_notified"  # Art. 5(2)
    EXCLUDED = "excluded"  # legitimate security work, disclosure, incident response


class AdviceOutcome(StrEnum):
    """What an officer advises: licences are approved with conditions or denied; vendors
    restricted or cleared; persisted."""

    APPROVE_WITH_CONDITIONS = "approve_with_conditions"
    DENY = "deny"
    RESTRICT = "restrict"
    CLEAR = "clear"


class MessageKind(StrEnum):
    """A request for information (caseworker) or an answer (filer); persisted."""

    REQUEST = "request"
    ANSWER = "answer"


_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)
Text = Annotated[str, Field(min_length=1, max_length=300)]
LongText = Annotated[str, Field(min_length=1, max_length=5000)]
Country = Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")]
RecordId = Annotated[str, Field(min_length=1, max_length=64)]


class PartyIn(BaseModel):
    """A party to a transfer; ``registry_id`` links it to a registry record when known."""

    model_config = _STRICT
    role: PartyRole
    name: Text
    country: Country | None = None
    registry_id: RecordId | None = None


class LicenceApplication(BaseModel):
    """What a vendor files: product, scope, destination, parties, stated end use.

    Exactly one end user is required; ``authority_id`` is the export authority (an account
    organisation) the application goes to.
    """

    model_config = _STRICT
    authority_id: RecordId
    product_id: RecordId
    vendor_record_id: RecordId | None = None
    quantity: int | None = Field(default=None, ge=1, le=1_000_000)
    service_scope: str = Field(default="", max_length=2000)
    destination: Country
    parties: tuple[PartyIn, ...] = Field(min_length=1, max_length=50)
    end_use: LongText
    end_use_category: EndUse
    end_user_undertaking: str = Field(default="", max_length=5000)

    @model_validator(mode="after")
    def _one_end_user(self) -> LicenceApplication:
        if sum(p.role is PartyRole.END_USER for p in self.parties) != 1:
            raise ValueError("parties must name exactly one end_user")
        if self.quantity is None and not self.service_scope:
            raise ValueError("give a quantity or a service_scope")
        return self

    def party(self, role: PartyRole) -> list[PartyIn]:
        """The parties with ``role``."""
        return [p for p in self.parties if p.role is role]


class Classification(BaseModel):
    """The caseworker's classification of a licence case."""

    model_config = _STRICT
    basis: ClassificationBasis
    control_codes: tuple[Annotated[str, Field(max_length=40)], ...] = ()
    note: str = Field(default="", max_length=2000)

    @model_validator(mode="after")
    def _codes_when_listed(self) -> Classification:
        if self.basis is ClassificationBasis.LISTED and not self.control_codes:
            raise ValueError("a listed item needs its control_codes")
        return self


class Action(BaseModel):
    """A transition request: ``verb`` and what that verb needs (see docs/cases.md).

    ``advise`` needs ``outcome`` and ``grounds``; ``appeal``, ``revoke``, ``refuse`` and
    ``dismiss_appeal`` a ``reason``; ``amend`` ``conditions``; ``expected_version`` guards
    against acting on a stale view.
    """

    model_config = _STRICT
    verb: Verb
    outcome: AdviceOutcome | None = None
    grounds: tuple[Annotated[str, Field(max_length=300)], ...] = Field(default=(), max_length=50)
    conditions: tuple[Annotated[str, Field(max_length=1000)], ...] = Field(
        default=(), max_length=50
    )
    reason: str = Field(default="", max_length=5000)
    expected_version: int | None = Field(default=None, ge=1)


class RestrictionRequest(BaseModel):
    """Opening a vendor restriction case (Code C5-C6): the vendor and the evidence."""

    model_config = _STRICT
    vendor_record_id: RecordId
    vendor_account_id: RecordId | None = None
    grounds: LongText
    incident_ids: tuple[RecordId, ...] = Field(default=(), max_length=100)


class ProcurementRequest(BaseModel):
    """A state buyer's procurement check: the vendor, the product, and what only the buyer
    knows, as answers by EO 14093 factor id (see ``GET /api/v1/cases/policy``)."""

    model_config = _STRICT
    vendor_record_id: RecordId
    product_id: RecordId
    declarations: dict[Annotated[str, Field(max_length=100)], bool] = Field(
        default_factory=dict, max_length=20
    )
    vendor_attested: bool = Field(
        default=False, description="the vendor's Code of Practice self-attestation is on file"
    )


class UseAuthorisationRequest(BaseModel):
    """A state agency's request to use a capability (Code C1-C2)."""

    model_config = _STRICT
    product_id: RecordId
    purpose: LongText
    legal_basis: LongText
    necessity: LongText
    proportionality: LongText
    approver: Text
    duration_days: int = Field(ge=1, le=366)


@dataclass(frozen=True)
class Case:
    """A case as stored: ``details`` is the filed request (JSON), ``state`` what decisions
    added (classification, advice, decision, assessment). ``version`` counts saves."""

    id: str
    kind: CaseKind
    status: CaseStatus
    authority_id: str
    account_id: str
    filed_by: str
    title: str
    destination: str
    product_category: str
    subject_id: str
    created_at: datetime
    updated_at: datetime
    version: int = 1
    top_severity: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    state: Mapping[str, Any] = field(default_factory=dict)


UNDERCUT_ROLES = (PartyRole.END_USER, PartyRole.CONSIGNEE)
"""The parties whose match makes two applications essentially similar (no undercut)."""


@dataclass(frozen=True)
class CaseParty:
    """A party named on a case: ``role`` (a :class:`PartyRole` value), ``name`` as filed,
    ``country`` (ISO 3166-1 alpha-2, or empty when not given)."""

    role: str
    name: str
    country: str = ""


def undercut_parties(details: Mapping[str, Any]) -> tuple[CaseParty, ...]:
    """The end user and consignees of a filed licence application (its stored ``details``),
    in the order filed."""
    roles = {r.value for r in UNDERCUT_ROLES}
    return tuple(
        CaseParty(p["role"], p["name"], p.get("country") or "")
        for p in details.get("parties", ())
        if p.get("role") in roles
    )


@dataclass(frozen=True)
class DeniedLicence:
    """A denied licence case with its end user and consignees (see :data:`UNDERCUT_ROLES`),
    in the order filed."""

    case: Case
    parties: tuple[CaseParty, ...]


@dataclass(frozen=True)
class CaseEvent:
    """One entry of a case's history (append-only)."""

    case_id: str
    at: datetime
    actor: str
    verb: str
    from_status: str
    to_status: str
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DiligenceRun:
    """One due-diligence run: its evidence and findings, what set it off (``trigger``), and
    the ``stamp`` of the lists and registry it read (a recheck runs when the stamp moves)."""

    case_id: str
    at: datetime
    trigger: str
    stamp: str
    rules_version: str
    evidence: Mapping[str, Any]
    findings: tuple[Mapping[str, Any], ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Message:
    """A request for information or an answer on a case (append-only)."""

    case_id: str
    at: datetime
    author: str
    kind: MessageKind
    text: str


@dataclass(frozen=True)
class Notification:
    """A denial notice from one authority to another (append-only)."""

    id: str
    at: datetime
    case_id: str
    from_authority: str
    to_authority: str
    summary: Mapping[str, Any]


@dataclass(frozen=True)
class CaseQuery:
    """Filters for listing cases; None means any. Visibility is added by the service."""

    kind: CaseKind | None = None
    status: CaseStatus | None = None
    destination: str | None = None
    authority_id: str | None = None
    account_id: str | None = None
    open_only: bool = False
