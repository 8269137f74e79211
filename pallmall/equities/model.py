"""Records of the equities register. Statuses change only through
:mod:`pallmall.equities.transitions`; every enum here is persisted."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Manner(StrEnum):
    """How the state came to hold the vulnerability."""

    RESEARCH = "internal_research"
    PURCHASED = "purchased"
    PARTNER = "partner_shared"
    INCIDENT = "incident_response"
    REPORTED = "reported_to_state"
    OTHER = "other"


class Outcome(StrEnum):
    """What a decision does with the vulnerability (the equities processes' four options)."""

    DISCLOSE = "disclose"
    RESTRICT = "restrict"
    """Retain, with a date by which it is reviewed again."""
    MITIGATE = "mitigate"
    """Mitigate (defensive signatures, configuration advice) without disclosure."""
    LIMITED_USE = "limited_use"


class Equity(StrEnum):
    """The interests weighed in a decision (US VEP charter 2017, Annex B; UK process)."""

    DEFENSIVE = "defensive"
    INTELLIGENCE = "intelligence_law_enforcement"
    COMMERCIAL = "commercial"
    PARTNERSHIP = "international_partnership"


class Status(StrEnum):
    """Where a vulnerability stands."""

    HELD = "held"
    """Recorded, no decision yet."""
    PROPOSED = "proposed"
    """A decision waits for its second pair of eyes."""
    DISCLOSED = "disclosed"
    RESTRICTED = "restricted"
    MITIGATED = "mitigated"
    LIMITED_USE = "limited_use"


class Verb(StrEnum):
    """What may be done to a vulnerability's status; persisted in the history."""

    RECORD = "record"
    PROPOSE = "propose"
    ESCALATE = "escalate"
    RETURN = "return"
    APPROVE = "approve"
    NOTIFY_VENDOR = "notify_vendor"
    RECORD_CVE = "record_cve"
    OPEN = "open"


DECIDED: Mapping[Outcome, Status] = {
    Outcome.DISCLOSE: Status.DISCLOSED,
    Outcome.RESTRICT: Status.RESTRICTED,
    Outcome.MITIGATE: Status.MITIGATED,
    Outcome.LIMITED_USE: Status.LIMITED_USE,
}
"""The status an approved decision leads to."""

RETAINED = frozenset({Status.RESTRICTED, Status.MITIGATED, Status.LIMITED_USE})
"""Statuses in which the vulnerability is kept from its vendor, so a review is due."""

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)
Text = Annotated[str, Field(min_length=1, max_length=300)]
LongText = Annotated[str, Field(min_length=1, max_length=5000)]
Cve = Annotated[str, Field(pattern=r"^CVE-\d{4}-\d{4,7}$", description="CVE-YYYY-NNNN")]


class VulnerabilityIn(BaseModel):
    """A vulnerability as it is recorded: what it affects, and when and how it was acquired."""

    model_config = _STRICT

    title: Text = Field(description="an internal name; never published")
    product: Text = Field(description="the product class or vendor affected")
    registry_id: str | None = Field(default=None, max_length=64, description="registry record")
    cve: Cve | None = None
    acquired_on: date
    manner: Manner
    notes: str = Field(default="", max_length=5000)


class DecisionIn(BaseModel):
    """A proposed decision: the outcome, the equities weighed, the body deciding.

    A retained vulnerability (restrict, mitigate, limited use) MUST carry ``review_on``; a
    disclosure MUST NOT. ``vendor_notified_on`` belongs to a disclosure only.
    """

    model_config = _STRICT

    outcome: Outcome
    equities: dict[Equity, LongText] = Field(
        min_length=1, description="each equity weighed, with the weighing"
    )
    rationale: LongText
    deciding_body: Text
    review_on: date | None = None
    vendor_notified_on: date | None = None

    @model_validator(mode="after")
    def _dates(self) -> DecisionIn:
        if self.outcome is Outcome.DISCLOSE:
            if self.review_on is not None:
                raise ValueError("review_on: a disclosure is not reviewed")
        else:
            if self.review_on is None:
                raise ValueError(f"review_on: a {self.outcome.value} decision needs a review date")
            if self.vendor_notified_on is not None:
                raise ValueError("vendor_notified_on: only a disclosure notifies the vendor")
        return self


class EscalationIn(BaseModel):
    """A proposal sent up to another body (the board, a minister)."""

    model_config = _STRICT

    to_body: Text
    reason: LongText


@dataclass(frozen=True)
class Escalation:
    """A proposal escalated to ``to_body`` by ``by`` at ``at``."""

    to_body: str
    reason: str
    by: str
    at: datetime


@dataclass(frozen=True)
class Decision:
    """A decision: proposed by one user, approved by another (four eyes by identity)."""

    outcome: Outcome
    equities: Mapping[Equity, str]
    rationale: str
    deciding_body: str
    proposed_by: str
    proposed_at: datetime
    review_on: date | None = None
    vendor_notified_on: date | None = None
    escalations: tuple[Escalation, ...] = ()
    approved_by: str | None = None
    approved_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON form stored and committed to in the log."""
        return {
            "outcome": self.outcome.value,
            "equities": {e.value: t for e, t in sorted(self.equities.items())},
            "rationale": self.rationale,
            "deciding_body": self.deciding_body,
            "proposed_by": self.proposed_by,
            "proposed_at": self.proposed_at.isoformat(),
            "review_on": _day(self.review_on),
            "vendor_notified_on": _day(self.vendor_notified_on),
            "escalations": [
                {"to_body": e.to_body, "reason": e.reason, "by": e.by, "at": e.at.isoformat()}
                for e in self.escalations
            ],
            "approved_by": self.approved_by,
            "approved_at": self.approved_at.isoformat() if self.approved_at else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Decision:
        """Parse :meth:`to_json`'s form."""
        return cls(
            outcome=Outcome(data["outcome"]),
            equities={Equity(k): str(v) for k, v in data["equities"].items()},
            rationale=data["rationale"],
            deciding_body=data["deciding_body"],
            proposed_by=data["proposed_by"],
            proposed_at=datetime.fromisoformat(data["proposed_at"]),
            review_on=_parse_day(data.get("review_on")),
            vendor_notified_on=_parse_day(data.get("vendor_notified_on")),
            escalations=tuple(
                Escalation(e["to_body"], e["reason"], e["by"], datetime.fromisoformat(e["at"]))
                for e in data.get("escalations", [])
            ),
            approved_by=data.get("approved_by"),
            approved_at=(
                datetime.fromisoformat(data["approved_at"]) if data.get("approved_at") else None
            ),
        )


@dataclass(frozen=True)
class Vulnerability:
    """A vulnerability held by a state, where it stands and the decision in force.

    ``proposal`` is the decision waiting for approval (status ``proposed``); ``decision``
    the last approved one. ``version`` counts saved changes (optimistic concurrency).
    """

    id: str
    state: str
    account_id: str
    recorded_by: str
    details: VulnerabilityIn
    status: Status
    version: int
    created_at: datetime
    updated_at: datetime
    decision: Decision | None = None
    proposal: Decision | None = None
    vendor_notified_on: date | None = None
    opened_at: datetime | None = None

    @property
    def next_review(self) -> date | None:
        """When the decision in force is due for review (None: nothing to review)."""
        if self.status in RETAINED and self.decision is not None:
            return self.decision.review_on
        return None

    def overdue(self, today: date) -> bool:
        """Whether the review of the decision in force is past due on ``today``."""
        due = self.next_review
        return due is not None and due < today

    @property
    def settled(self) -> Status:
        """The status the last approved decision gave (``held`` when none)."""
        return DECIDED[self.decision.outcome] if self.decision else Status.HELD


@dataclass(frozen=True)
class VulnerabilityEvent:
    """One history entry: ``actor`` did ``verb`` moving ``from_status`` to ``to_status``."""

    at: datetime
    actor: str
    verb: Verb
    from_status: Status
    to_status: Status
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class VulnerabilityQuery:
    """Filters for listing: a state, a status, only overdue reviews (as of ``today``)."""

    state: str | None = None
    status: Status | None = None
    overdue_on: date | None = None


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _parse_day(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None
