"""Cases: what is filed, where it stands, who did what. Statuses change only through
:mod:`pallmall.cases.transitions`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    TypeAdapter,
    field_serializer,
    model_serializer,
    model_validator,
)

from pallmall.policy import (
    DueDiligence,
    FactorAssessment,
    Finding,
    IncidentEvidence,
    PartyEvidence,
    Severity,
    Verdict,
    top_severity,
)


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


class DecisionOutcome(StrEnum):
    """What was decided: a countersigned advice's outcome, or an oversight sign-off;
    persisted."""

    APPROVE_WITH_CONDITIONS = "approve_with_conditions"
    DENY = "deny"
    RESTRICT = "restrict"
    CLEAR = "clear"
    AUTHORISED = "authorised"


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
    """A party to a transfer; ``registry_id`` links it to a registry record when known;
    ``address`` (optional, free text) goes with the name on a denial notice to other states'
    nodes (:mod:`pallmall.cases.undercut`)."""

    model_config = _STRICT
    role: PartyRole
    name: Text
    country: Country | None = None
    registry_id: RecordId | None = None
    address: str | None = Field(default=None, max_length=500)


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
    against acting on a stale view. Approving a licence whose current due diligence carries
    a prior denial (no undercut) needs ``undercut_justification``: why it is granted anyway
    (given on the advice or on the countersignature; confidential, sent only to the
    denying authority or node as a consultation). A verb whose result the public sees (a
    countersignature, an amendment, a revocation...) may carry ``public_statement``: the
    text written for publication, which goes into the transparency log permanently;
    ``reason`` stays confidential (committed to, never shown).
    """

    model_config = _STRICT
    verb: Verb
    outcome: AdviceOutcome | None = None
    grounds: tuple[Annotated[str, Field(max_length=300)], ...] = Field(default=(), max_length=50)
    conditions: tuple[Annotated[str, Field(max_length=1000)], ...] = Field(
        default=(), max_length=50
    )
    reason: str = Field(default="", max_length=5000)
    public_statement: str = Field(default="", max_length=2000)
    undercut_justification: str = Field(default="", max_length=5000)
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
    approver: RecordId = Field(
        description="the user id of the overseer who is to sign off (GET /api/v1/cases/approvers)"
    )
    duration_days: int = Field(ge=1, le=366)


Application = LicenceApplication | RestrictionRequest | ProcurementRequest | UseAuthorisationRequest
"""What was filed to open a case, one type per :class:`CaseKind`."""

APPLICATIONS: dict[CaseKind, type[Application]] = {
    CaseKind.LICENCE: LicenceApplication,
    CaseKind.RESTRICTION: RestrictionRequest,
    CaseKind.PROCUREMENT: ProcurementRequest,
    CaseKind.USE_AUTHORISATION: UseAuthorisationRequest,
}

A = TypeVar(
    "A", LicenceApplication, RestrictionRequest, ProcurementRequest, UseAuthorisationRequest
)


def parse_application(kind: CaseKind, data: Mapping[str, Any]) -> Application:
    """The filed request of a ``kind`` case from its JSON form (as stored in ``details``).

    Raises:
        pydantic.ValidationError: the JSON is not a valid request of that kind.
    """
    return APPLICATIONS[kind].model_validate(data)


_RECORD = ConfigDict(extra="forbid", frozen=True)


class _Sparse(BaseModel):
    """A record whose JSON form leaves out the fields that are not set (None)."""

    @model_serializer(mode="wrap")
    def _set_only(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        dumped: dict[str, Any] = handler(self)
        return {k: v for k, v in dumped.items() if v is not None}


class RecordedClassification(Classification):
    """A classification as kept on the case: what the caseworker chose, and who (user id)."""

    by: str


class RestrictionFile(BaseModel):
    """The evidence a restriction case opens with: the vendor as a party (screening,
    designations, ownership) and the incidents cited (all linked ones when none is cited)."""

    model_config = _RECORD
    vendor: PartyEvidence
    incidents: tuple[IncidentEvidence, ...] = ()


class Advice(_Sparse):
    """An officer's advice; another officer countersigns or returns it (four eyes).
    ``by`` is the adviser's user id; ``undercut_justification`` why a licence is advised
    for approval over a prior denial (None: none given)."""

    model_config = _RECORD
    by: str
    at: datetime
    outcome: AdviceOutcome
    grounds: tuple[str, ...]
    conditions: tuple[str, ...] = ()
    reason: str = ""
    undercut_justification: str | None = None

    @field_serializer("at")
    def _iso(self, at: datetime) -> str:
        return at.isoformat()


class Decision(_Sparse):
    """What was decided on a case and by whom (user ids).

    A countersignature records ``outcome``, ``grounds`` and ``conditions`` from the advice,
    ``advised_by`` and ``countersigned_by``; an amendment adds new ``conditions`` and
    ``amended_by``; a revocation, a refusal, a dismissed appeal or a lifted restriction its
    ``reason`` and ``by``; an oversight sign-off ``outcome`` ``authorised`` and ``by``.
    ``public_statement`` is what the last decider wrote for publication.
    ``undercut_justification`` is why a licence was approved although another state or
    authority denied an essentially similar transfer (confidential: committed to in the
    log, never shown to the filer; sent to the denying side as a consultation).
    """

    model_config = _RECORD
    outcome: DecisionOutcome | None = None
    grounds: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    reason: str = ""
    public_statement: str | None = None
    undercut_justification: str | None = None
    advised_by: str | None = None
    countersigned_by: str | None = None
    amended_by: str | None = None
    by: str | None = None


class Assessment(BaseModel):
    """A procurement check's answer: go / no-go, each EO 14093 factor with its basis, the
    vetting, and the evidence it was read from."""

    model_config = _RECORD
    verdict: Verdict
    vetted: bool
    reasons: tuple[str, ...]
    factors: tuple[FactorAssessment, ...]
    citation: str
    evidence: DueDiligence


class CaseState(_Sparse):
    """What working a case added to it (each None until it happens); the JSON form (stored,
    and the API's ``state``) holds only what is set. ``appealed`` is the decision under
    appeal while the appeal is open: the officers who took part in it decide nothing on the
    appeal."""

    model_config = _RECORD
    classification: RecordedClassification | None = None
    evidence: RestrictionFile | None = None
    advice: Advice | None = None
    decision: Decision | None = None
    assessment: Assessment | None = None
    appealed: Decision | None = None

    def for_filer(self, decision: Decision | None) -> CaseState:
        """What the filing account sees: classification, assessment and the public part of
        the ``decision`` (:func:`pallmall.cases.publish.filer_decision`)."""
        return CaseState(
            classification=self.classification,
            decision=decision,
            assessment=self.assessment,
        )

    def as_json(self) -> dict[str, Any]:
        """The JSON form (what storage keeps and the API shows)."""
        return self.model_dump(mode="json")


@dataclass(frozen=True)
class Case:
    """A case as stored: ``details`` is the filed request, ``state`` what working the case
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
    details: Application
    version: int = 1
    top_severity: Severity | None = None
    state: CaseState = field(default_factory=CaseState)

    def filed(self, as_type: type[A]) -> A:
        """The filed request as ``as_type`` (e.g. ``case.filed(LicenceApplication)``).

        Raises:
            TypeError: the case's request is of another kind.
        """
        if not isinstance(self.details, as_type):
            raise TypeError(f"case {self.id} is a {self.kind.value} case")
        return self.details


UNDERCUT_ROLES = (PartyRole.END_USER, PartyRole.CONSIGNEE)
"""The parties whose match makes two applications essentially similar (no undercut)."""


@dataclass(frozen=True)
class CaseParty:
    """A party named on a case: ``role``, ``name`` as filed, ``country`` (ISO 3166-1
    alpha-2, or empty when not given)."""

    role: PartyRole
    name: str
    country: str = ""


def undercut_parties(app: LicenceApplication) -> tuple[CaseParty, ...]:
    """The end user and consignees of a licence application, in the order filed."""
    return tuple(
        CaseParty(p.role, p.name, p.country or "") for p in app.parties if p.role in UNDERCUT_ROLES
    )


@dataclass(frozen=True)
class Applicant:
    """The account that files a case: its id and name, its ``state`` (ISO 3166-1 alpha-2,
    empty when the account has none), and the registry organisation it is linked to
    (``registry_id``, empty when none) with the link's status: ``confirmed`` (set or
    confirmed by a regulator or an admin), ``claimed`` (by the account, not yet confirmed)
    or ``none``."""

    account_id: str
    name: str
    registry_id: str = ""
    link_status: str = "none"
    state: str = ""


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
    verb: Verb
    from_status: CaseStatus
    to_status: CaseStatus
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
    evidence: DueDiligence
    findings: tuple[Finding, ...]
    notes: tuple[str, ...] = ()

    @property
    def top_severity(self) -> Severity | None:
        """The heaviest severity among the findings (None: no finding)."""
        return top_severity(self.findings)


_EVIDENCE: TypeAdapter[DueDiligence] = TypeAdapter(DueDiligence)


def parse_evidence(data: Mapping[str, Any]) -> DueDiligence:
    """Due-diligence evidence from its JSON form (:meth:`DueDiligence.as_dict`)."""
    return _EVIDENCE.validate_python(data)


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
    """A denial notice from one authority on this node to another, or a consultation (a
    licence approved over the other's denial: ``summary["consultation"]`` true, with the
    justification); append-only."""

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
