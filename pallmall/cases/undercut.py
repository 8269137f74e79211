"""No undercut across nodes: what a licence decision sends to other states' nodes through
the :class:`~pallmall.cases.exchange.DenialExchange`, and what it tells authorities on this
node.

- A licence denied (countersigned, or upheld when an appeal is dismissed) is a
  :class:`~pallmall.cases.exchange.DenialNotice` (:func:`denial_notice`); a denial set aside
  on appeal is a new version of it with ``revoked`` set (:func:`withdrawal`).
- A licence approved although its due diligence carries prior denials (the
  ``prior_denial`` rule kind, ``no-undercut.prior-denial``) needs a justification
  (:func:`justification`); each denial notified by another node gets a
  :class:`~pallmall.cases.exchange.Consultation` (:func:`consultations`), each denial by
  another authority on this node a notification (:func:`local_consultation`).

A notice carries what export-control regimes exchange and nothing the decider kept
confidential: of the decision only the cited rule ids and the public statement (never the
advice, the reasoning or free-text grounds), of the application the item, destination,
stated end use and the end user and consignees (name, country, address). The functions are
pure; :class:`~pallmall.cases.service.CaseService` calls them in the decision's unit of work.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from pallmall.cases.exchange import Consultation, DenialNotice, NoticeParty
from pallmall.cases.model import (
    Case,
    Decision,
    LicenceApplication,
    Notification,
    PartyIn,
    PartyRole,
)
from pallmall.cases.publish import cited_rules
from pallmall.core.errors import InvalidInput
from pallmall.core.ids import new_id
from pallmall.policy import PriorDenialEvidence, RuleSet

REGIME_REFERENCE = (
    "Pall Mall Process Code of Practice for States; Wassenaar Arrangement best practices "
    "(denial notifications); Regulation (EU) 2021/821 Art. 16(5)"
)
"""The regimes a notice is made under."""

MIN_JUSTIFICATION = 20
"""The fewest characters a justification for going ahead over a prior denial may have:
a sentence, not a token."""

JUSTIFICATION = "undercut_justification"
"""The field of the decision input (:class:`~pallmall.cases.model.Action`) that carries it."""


@dataclass(frozen=True)
class Sender:
    """Who a notice or consultation comes from: the node (its log origin) and the state
    (ISO 3166-1 alpha-2; empty when the deciding authority's account has none)."""

    node: str
    state: str


@dataclass(frozen=True)
class Item:
    """The item a licence case is about, as a notice describes it: a description (the
    product's registry name when that record is public) and the control list entries the
    caseworker classified it under."""

    description: str
    control_entries: tuple[str, ...] = ()


def item(case: Case, public_name: str | None) -> Item:
    """The item of ``case``: ``public_name`` (the product's name, None when its registry
    record is not public) with the product category, and the classification's control
    codes (none while unclassified)."""
    category = case.product_category
    if public_name:
        described = f"{public_name} ({category})"
    else:
        described = f"a {category} product (its registry record is not public)"
    classification = case.state.classification
    codes = classification.control_codes if classification else ()
    return Item(described, tuple(codes))


def refusal_reason(decision: Decision | None, rules: RuleSet) -> str:
    """The reason for refusal a notice gives: the rule ids the decision cites and its
    public statement; never the reasoning or free-text grounds."""
    if decision is None:
        return "not stated"
    parts = []
    cited = cited_rules(decision.grounds, rules)
    if cited:
        parts.append("rules cited: " + ", ".join(cited))
    if decision.public_statement:
        parts.append(decision.public_statement)
    return "; ".join(parts) or "not stated"


def notice_party(party: PartyIn) -> NoticeParty:
    """A party as a notice names it."""
    return NoticeParty(party.name, party.country or "", party.address or "")


def denial_notice(
    case: Case, sender: Sender, notified_on: date, described: Item, rules: RuleSet
) -> DenialNotice:
    """The denial notice of ``case`` (a licence case holding its denial decision), as of
    ``notified_on`` (the day it was first denied; every version keeps it).

    Raises:
        TypeError: ``case`` is not a licence case.
    """
    app = case.filed(LicenceApplication)
    return DenialNotice(
        reference=case.id,
        notifying_node=sender.node,
        notifying_state=sender.state,
        notified_on=notified_on,
        item_description=described.description,
        control_entry=described.control_entries,
        product_category=case.product_category,
        destination=case.destination,
        end_use=f"{app.end_use_category.value}: {app.end_use}",
        end_user=notice_party(app.party(PartyRole.END_USER)[0]),
        consignees=tuple(notice_party(p) for p in app.party(PartyRole.CONSIGNEE)),
        reason=refusal_reason(case.state.decision, rules),
        regime_reference=REGIME_REFERENCE,
    )


def withdrawal(notice: DenialNotice, decision: Decision | None) -> DenialNotice:
    """``notice`` withdrawn: the denial was set aside on appeal and the licence approved;
    the comment says so, with the new decision's public statement when it has one."""
    comment = "withdrawn: the denial was set aside on appeal and a licence approved"
    if decision is not None and decision.public_statement:
        comment += f" ({decision.public_statement})"
    return replace(notice, revoked=True, comment=comment)


def justification(given: Sequence[str], denials: Sequence[PriorDenialEvidence]) -> str | None:
    """The justification for approving over ``denials`` (the case's current prior denials):
    the first non-blank of ``given`` (the countersignature's, then the advice's), None when
    none is given and nothing needs one.

    Raises:
        InvalidInput: naming ``undercut_justification`` when ``denials`` is not empty and
            none of at least :data:`MIN_JUSTIFICATION` characters is given.
    """
    text = next((g.strip() for g in given if g and g.strip()), "")
    if not denials:
        return text or None
    if len(text) < MIN_JUSTIFICATION:
        who = "; ".join(denied_by(d) for d in denials)
        raise InvalidInput(
            JUSTIFICATION,
            f"approving over a prior denial ({who}) needs a justification of at least "
            f"{MIN_JUSTIFICATION} characters",
        )
    return text


def denied_by(denial: PriorDenialEvidence) -> str:
    """Who denied, in a line: the state and notice reference, or the authority and case."""
    if denial.foreign:
        return f"{denial.notifying_state or denial.notifying_node} notice {denial.reference}"
    return f"{denial.authority} case {denial.case_id}"


def consultations(
    case: Case, denials: Sequence[PriorDenialEvidence], sender: Sender, at: datetime
) -> list[Consultation]:
    """A consultation to each node that notified one of ``denials``, for ``case`` (a
    licence just approved with its decision's justification)."""
    decision = case.state.decision
    outcome = decision.outcome.value if decision and decision.outcome else case.status.value
    text = (decision.undercut_justification or "") if decision else ""
    return [
        Consultation(
            denial_node=d.notifying_node,
            denial_reference=d.reference,
            consulting_node=sender.node,
            consulting_state=sender.state,
            case_reference=case.id,
            decided_on=at.date(),
            outcome=outcome,
            justification=text,
        )
        for d in denials
        if d.foreign
    ]


def local_consultation(
    case: Case,
    denial: PriorDenialEvidence,
    denied_by_authority: str,
    authorities: Mapping[str, str],
    at: datetime,
) -> Notification:
    """The notification to the authority on this node (``denied_by_authority``, an account
    id) that denied ``denial``: ``case`` was approved anyway, and why."""
    decision = case.state.decision
    summary = {
        "consultation": True,
        "authority": authorities.get(case.authority_id, case.authority_id),
        "denial_case": denial.case_id,
        "destination": case.destination,
        "product_category": case.product_category,
        "outcome": decision.outcome.value if decision and decision.outcome else "",
        "justification": (decision.undercut_justification or "") if decision else "",
        "matched_on": list(denial.matched_on),
        "decided_at": at.isoformat(),
    }
    return Notification(new_id("ntf"), at, case.id, case.authority_id, denied_by_authority, summary)


def received_consultation(case: Case, consultation: Consultation, at: datetime) -> Notification:
    """The notification to the authority that denied ``case`` (a licence case of this node)
    that another node approved an essentially similar transfer anyway: who, which case
    there, when, the outcome and the justification."""
    summary = {
        "consultation": True,
        "consulting_node": consultation.consulting_node,
        "consulting_state": consultation.consulting_state,
        "case_reference": consultation.case_reference,
        "decided_on": consultation.decided_on.isoformat(),
        "outcome": consultation.outcome,
        "justification": consultation.justification,
        "denial_case": case.id,
    }
    # the sender is a node, not an account here: its state (or a marker) stands for it
    sender = consultation.consulting_state or "another node"
    return Notification(new_id("ntf"), at, case.id, sender, case.authority_id, summary)
