"""What a decision tells the public (through the log) and the other authorities.

The public summary carries destination, product category, outcome and grounds (rule ids);
everything else about the case goes in ``confidential``, which the log only commits to.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from pallmall.cases.model import Case, LicenceApplication, Notification, PartyRole
from pallmall.core.changes import PublicChange
from pallmall.core.ids import new_id


def decision_change(
    case: Case, what: str, outcome: str, authority: str, at: datetime
) -> PublicChange:
    """The public change for a decision ``what`` (``decided``, ``revoked``...) on ``case``."""
    decision = case.state.decision
    public = {
        "case_kind": case.kind.value,
        "authority": authority,
        "destination": case.destination,
        "product_category": case.product_category,
        "outcome": outcome,
        "grounds": list(decision.grounds) if decision else [],
    }
    advice = case.state.advice
    confidential = {
        "details": case.details.model_dump(mode="json"),
        "decision": decision.model_dump(mode="json") if decision else {},
        "advice": advice.model_dump(mode="json") if advice else {},
        "top_severity": case.top_severity or "",
    }
    return PublicChange(f"cases.{case.kind.value}.{what}", case.id, at, public, confidential)


def denial_notices(case: Case, authorities: Mapping[str, str], at: datetime) -> list[Notification]:
    """A notice of ``case``'s denial to every authority on the node but its own."""
    app = case.filed(LicenceApplication)
    decision = case.state.decision
    summary = {
        "authority": authorities.get(case.authority_id, case.authority_id),
        "destination": case.destination,
        "product_category": case.product_category,
        "end_users": [p.name for p in app.party(PartyRole.END_USER)],
        "consignees": [p.name for p in app.party(PartyRole.CONSIGNEE)],
        "grounds": list(decision.grounds) if decision else [],
        "decided_at": at.isoformat(),
    }
    return [
        Notification(new_id("ntf"), at, case.id, case.authority_id, other, summary)
        for other in sorted(authorities)
        if other != case.authority_id
    ]
