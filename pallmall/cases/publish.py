"""What a case tells the public (the transparency log), the filer and the other authorities,
as the disclosure rules decide (:mod:`pallmall.disclosure`).

The public part of a decision is what the decider chose to publish: the outcome, the rules it
cites and the public statement written for publication. Everything else — the filed
application, the advice, the reasoning, free-text grounds, the severity of the findings — is
only committed to. When the case is about a restricted registry record, only the kind of case,
the authority and the outcome stay readable.

The filer (a vendor, or a state agency for its own requests) sees its own application, where
the case stands, and of each decision only its public part and its conditions; never the
advice, a returned advice, the reasoning, due diligence, or who took each step.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from pallmall.cases.model import (
    Case,
    CaseEvent,
    Decision,
    LicenceApplication,
    Notification,
    PartyRole,
)
from pallmall.core.changes import PublicChange
from pallmall.core.ids import new_id
from pallmall.disclosure import Sensitivity, Visibility, gate
from pallmall.disclosure.kinds import FILER_EVENT_FIELDS, decision_kind
from pallmall.policy import RuleSet

FILER_ACTOR = "authority"
"""How the filer sees who took a step it did not take itself."""


def cited_rules(grounds: Iterable[str], rules: RuleSet) -> list[str]:
    """The grounds that cite a rule of ``rules`` (``rule-id`` or ``rule-id@version``), in
    order; free-text grounds are left out (they are reasoning, not a citation)."""
    ids = {r.id for r in rules.rules}
    return [g for g in grounds if g.split("@", 1)[0] in ids]


@dataclass(frozen=True)
class Decided:
    """A decision as the log names it: ``what`` (``decided``, ``revoked``...: the kind's last
    part), the public ``outcome``, the deciding ``authority`` (its name) and ``state`` (ISO
    3166-1 alpha-2; None for an account made before states were recorded), and whether it
    decides an ``appeal``."""

    what: str
    outcome: str
    authority: str
    state: str | None
    appeal: bool = False


def decision_change(
    case: Case, decided: Decided, at: datetime, subject: Visibility, rules: RuleSet
) -> PublicChange:
    """The public change for ``decided`` on ``case``, through the disclosure gate;
    ``subject`` is the visibility of the registry record the case is about (its product or
    vendor).

    Raises:
        InvalidInput: ``decided.what`` makes no kind of the vocabulary.
    """
    decision = case.state.decision
    advice = case.state.advice
    fields: dict[str, Any] = {
        "case_kind": case.kind.value,
        "authority": decided.authority,
        "state": decided.state,
        "outcome": decided.outcome,
        "appeal": decided.appeal,
        "destination": case.destination,
        "product_category": case.product_category,
        "grounds": cited_rules(decision.grounds, rules) if decision else [],
        "public_statement": (decision.public_statement or "") if decision else "",
        "details": case.details.model_dump(mode="json"),
        "decision": decision.model_dump(mode="json") if decision else {},
        "advice": advice.model_dump(mode="json") if advice else {},
        "top_severity": case.top_severity or "",
    }
    kind = decision_kind(case.kind.value, decided.what)
    return gate(kind, case.id, at, fields, Sensitivity(refs=(subject,)))


def filer_decision(decision: Decision | None, rules: RuleSet) -> Decision | None:
    """What the filer sees of a decision: outcome, cited rules, conditions, public
    statement."""
    if decision is None:
        return None
    return Decision(
        outcome=decision.outcome,
        grounds=tuple(cited_rules(decision.grounds, rules)),
        conditions=decision.conditions,
        public_statement=decision.public_statement,
    )


def filer_case(case: Case, rules: RuleSet) -> Case:
    """``case`` as its filer sees it (no advice, reasoning or severity)."""
    decision = filer_decision(case.state.decision, rules)
    return replace(case, state=case.state.for_filer(decision), top_severity=None)


def filer_event(event: CaseEvent, filer: str, rules: RuleSet) -> CaseEvent:
    """A history entry as the filer sees it: its own steps whole; of others' steps the
    fields :data:`~pallmall.disclosure.kinds.FILER_EVENT_FIELDS` allows, cited rules only,
    and not who took them."""
    if event.actor == filer:
        return event
    shown = FILER_EVENT_FIELDS.get(event.verb.value, frozenset())
    payload = {k: v for k, v in event.payload.items() if k in shown}
    if "grounds" in payload:
        payload["grounds"] = cited_rules(payload["grounds"], rules)
    return replace(event, actor=FILER_ACTOR, payload=payload)


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
