"""No undercut across nodes without a database: the notice a denial makes and what it leaves
out, its withdrawal, the justification an approval over prior denials needs (advice and
countersignature), the consultations it sends, and foreign notices read by due diligence
(revoked or own notices never match)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any, cast

import pytest

from pallmall.cases.diligence import Sources, foreign_denials
from pallmall.cases.effects import EFFECTS, Move, Step
from pallmall.cases.exchange import Consultation, DenialNotice, NoticeParty, RestrictiveMeasure
from pallmall.cases.model import (
    Action,
    Advice,
    AdviceOutcome,
    Assessment,
    Case,
    CaseKind,
    CaseState,
    CaseStatus,
    ClassificationBasis,
    Decision,
    DecisionOutcome,
    LicenceApplication,
    PartyIn,
    PartyRole,
    RecordedClassification,
    Verb,
)
from pallmall.cases.undercut import (
    Sender,
    consultations,
    denial_notice,
    item,
    justification,
    withdrawal,
)
from pallmall.core.errors import InvalidInput
from pallmall.policy import DueDiligence, PriorDenialEvidence, evaluate, shipped_rules

AT = datetime(2026, 2, 1, 9, 30, tzinfo=UTC)
SECRET = "CANARY"
APP = LicenceApplication(
    authority_id="org-a",
    product_id="prd-x",
    quantity=1,
    destination="AM",
    parties=(
        PartyIn(role=PartyRole.END_USER, name="Yerevan Trade House CJSC", country="AM"),
        PartyIn(
            role=PartyRole.CONSIGNEE, name="Northern Freight LLC", country="AM", address="Yerevan"
        ),
        PartyIn(role=PartyRole.INTERMEDIARY, name=f"{SECRET} Broker Ltd", country="CY"),
    ),
    end_use="border police interception",
    end_use_category="law_enforcement",
    end_user_undertaking=f"{SECRET} undertaking",
)
DENIAL = Decision(
    outcome=DecisionOutcome.DENY,
    grounds=("sanctions.blocked-party@1", f"{SECRET} free-text ground"),
    reason=f"{SECRET} reasoning",
    public_statement="Refused under the restricted-party rule.",
    advised_by="usr-a1",
    countersigned_by="usr-a2",
)
SENDER = Sender("gb.pallmall.example/log", "GB")
GERMANY = "de.pallmall.example/log"


def licence(status: CaseStatus, state: CaseState | None = None) -> Case:
    return Case(
        "case-1",
        CaseKind.LICENCE,
        status,
        "org-a",
        "org-v",
        "usr-v",
        "t",
        "AM",
        "device_intrusion",
        "prd-x",
        AT,
        AT,
        APP,
        state=state or CaseState(),
    )


def denied() -> Case:
    classified = RecordedClassification(
        basis=ClassificationBasis.LISTED, control_codes=("4.D.4",), note=SECRET, by="usr-a1"
    )
    advice = Advice(
        by="usr-a1", at=AT, outcome=AdviceOutcome.DENY, grounds=DENIAL.grounds, reason=SECRET
    )
    state = CaseState(classification=classified, advice=advice, decision=DENIAL)
    return licence(CaseStatus.DENIED, state)


def test_a_denial_notice_carries_what_regimes_exchange_and_nothing_confidential() -> None:
    case = denied()
    notice = denial_notice(case, SENDER, date(2026, 2, 1), item(case, "Hermit-X"), shipped_rules())
    assert notice == DenialNotice(
        reference="case-1",
        notifying_node="gb.pallmall.example/log",
        notifying_state="GB",
        notified_on=date(2026, 2, 1),
        item_description="Hermit-X (device_intrusion)",
        control_entry=("4.D.4",),
        product_category="device_intrusion",
        destination="AM",
        end_use="law_enforcement: border police interception",
        end_user=NoticeParty("Yerevan Trade House CJSC", "AM"),
        consignees=(NoticeParty("Northern Freight LLC", "AM", "Yerevan"),),
        reason="rules cited: sanctions.blocked-party@1; Refused under the restricted-party rule.",
        regime_reference=notice.regime_reference,
    )
    assert "Wassenaar" in notice.regime_reference
    assert SECRET not in repr(notice)  # no advice, reasoning, free text, intermediary


def test_a_restricted_product_is_described_by_its_category_only() -> None:
    assert item(denied(), None).description == (
        "a device_intrusion product (its registry record is not public)"
    )
    assert item(licence(CaseStatus.DENIED), None).control_entries == ()


def test_a_withdrawal_is_the_same_notice_revoked_with_a_comment() -> None:
    case = denied()
    notice = denial_notice(case, SENDER, date(2026, 2, 1), item(case, "X"), shipped_rules())
    allowed = Decision(outcome=DecisionOutcome.APPROVE_WITH_CONDITIONS, public_statement="Police.")
    withdrawn = withdrawal(notice, allowed)
    assert withdrawn == replace(notice, revoked=True, comment=withdrawn.comment)
    assert withdrawn.comment.startswith("withdrawn: the denial was set aside on appeal")
    assert withdrawn.comment.endswith("(Police.)")


FOREIGN = PriorDenialEvidence(
    case_id="",
    authority="DE",
    decided_at="2026-01-10",
    product_category="device_intrusion",
    destination="AM",
    matched_on=("product_category", "consignee: 'a' ~ 'b' (0.94)"),
    grounds="rules cited: x",
    notifying_node=GERMANY,
    notifying_state="DE",
    reference="DE-42",
)
LOCAL = PriorDenialEvidence(
    "case-0", "Authority C", "2026-01-05", "device_intrusion", "AM", ("product_category",), "g"
)


def test_a_justification_is_needed_only_over_prior_denials() -> None:
    assert justification(("",), ()) is None
    assert justification(("  why  ",), ()) == "why"
    with pytest.raises(InvalidInput) as missing:
        justification(("", "too short"), (FOREIGN, LOCAL))
    assert missing.value.field == "undercut_justification"
    assert "DE notice DE-42" in str(missing.value) and "Authority C case case-0" in str(
        missing.value
    )
    given = "the consignee changed hands in 2026"
    assert justification(("", given), (FOREIGN,)) == given


def test_consultations_go_to_the_nodes_that_notified_the_denials() -> None:
    why = "the consignee changed hands in 2026"
    decision = Decision(outcome=DecisionOutcome.APPROVE_WITH_CONDITIONS, undercut_justification=why)
    case = licence(CaseStatus.APPROVED_WITH_CONDITIONS, CaseState(decision=decision))
    assert consultations(case, (FOREIGN, LOCAL), SENDER, AT) == [
        Consultation(
            denial_node=GERMANY,
            denial_reference="DE-42",
            consulting_node="gb.pallmall.example/log",
            consulting_state="GB",
            case_reference="case-1",
            decided_on=date(2026, 2, 1),
            outcome="approve_with_conditions",
            justification=why,
        )
    ]


def no_assessment() -> Assessment:
    raise AssertionError("only assess reads the assessment")


def step(case: Case, denials: tuple[PriorDenialEvidence, ...], **action: Any) -> Step:
    targets = frozenset({CaseStatus.ADVICE, CaseStatus.APPROVED_WITH_CONDITIONS, CaseStatus.DENIED})
    act = Action.model_validate(action)
    return Step(case, act, "usr-b2", AT, targets, no_assessment, "org-b", lambda: denials)


def record(case: Case, denials: tuple[PriorDenialEvidence, ...], **action: Any) -> Move:
    made = step(case, denials, **action)
    return EFFECTS[case.kind][made.action.verb].record(made)


APPROVE = {"verb": "advise", "outcome": "approve_with_conditions", "grounds": ["g"]}


def test_advising_approval_over_a_prior_denial_needs_a_justification() -> None:
    review = licence(CaseStatus.UNDER_REVIEW)
    with pytest.raises(InvalidInput) as refused:
        record(review, (FOREIGN,), **APPROVE)
    assert refused.value.field == "undercut_justification"
    why = "the end user is the border police, vetted"
    made = record(review, (FOREIGN,), **APPROVE, undercut_justification=why)
    assert made.state.advice is not None and made.state.advice.undercut_justification == why
    # a denial needs none, and records none
    deny = record(review, (FOREIGN,), verb="advise", outcome="deny", grounds=["g"])
    assert deny.state.advice is not None and deny.state.advice.undercut_justification is None
    # no prior denial: nothing asked, and the advice's JSON is as before
    plain = record(review, (), **APPROVE)
    assert plain.state.advice is not None
    assert "undercut_justification" not in plain.payload


def test_the_countersignature_records_the_advices_justification_or_its_own() -> None:
    why = "the end user is the border police, vetted"
    advice = Advice(
        by="usr-b1",
        at=AT,
        outcome=AdviceOutcome.APPROVE_WITH_CONDITIONS,
        grounds=("g",),
        undercut_justification=why,
    )
    case = licence(CaseStatus.ADVICE, CaseState(advice=advice))
    made = record(case, (FOREIGN,), verb="countersign")
    assert made.state.decision is not None and made.state.decision.undercut_justification == why
    own = "the countersigning officer's own reading"
    made = record(case, (FOREIGN,), verb="countersign", undercut_justification=own)
    assert made.state.decision is not None and made.state.decision.undercut_justification == own

    unexplained = licence(CaseStatus.ADVICE, CaseState(advice=replace_advice(advice)))
    with pytest.raises(InvalidInput) as refused:
        record(unexplained, (FOREIGN,), verb="countersign")
    assert refused.value.field == "undercut_justification"


def replace_advice(advice: Advice) -> Advice:
    return advice.model_copy(update={"undercut_justification": None})


def test_the_decisions_that_tell_other_nodes() -> None:
    table = EFFECTS[CaseKind.LICENCE]
    told = {verb for verb, effect in table.items() if effect.exchange}
    assert told == {Verb.COUNTERSIGN, Verb.DISMISS_APPEAL}
    restriction = {v for v, e in EFFECTS[CaseKind.RESTRICTION].items() if e.exchange}
    assert restriction == {Verb.COUNTERSIGN, Verb.DISMISS_APPEAL, Verb.LIFT}


class Received:
    """Peers' notices as an exchange hands them over; sends nothing."""

    def __init__(self, *notices: DenialNotice) -> None:
        self.notices = notices

    def foreign_denials(self, product_category: str) -> Sequence[DenialNotice]:
        return self.notices

    def notify_denial(self, notice: DenialNotice) -> None:
        raise AssertionError("due diligence sends nothing")

    def consult(self, consultation: Consultation) -> None:
        raise AssertionError("due diligence sends nothing")

    def foreign_measures(self) -> Sequence[RestrictiveMeasure]:
        return ()

    def share_measures(self, measures: Sequence[RestrictiveMeasure]) -> int:
        raise AssertionError("due diligence sends nothing")


def notice(**changes: Any) -> DenialNotice:
    fields: dict[str, Any] = {
        "reference": "DE-42",
        "notifying_node": GERMANY,
        "notifying_state": "DE",
        "notified_on": date(2026, 1, 10),
        "item_description": "suite",
        "control_entry": (),
        "product_category": "device_intrusion",
        "destination": "AM",
        "end_use": "police",
        "end_user": NoticeParty("Somebody Else", "AM"),
        "consignees": (NoticeParty("Nothern Frieght Limited Liability Company", "AM"),),
        "reason": "rules cited: sanctions.blocked-party@1",
    }
    fields.update(changes)
    return DenialNotice(**fields)


def sources(*notices: DenialNotice) -> Sources:
    # foreign_denials reads only the exchange and the node's origin
    return Sources(
        cast(Any, None), cast(Any, None), cast(Any, None), None, Received(*notices), SENDER.node
    )


def test_a_foreign_notice_in_force_of_the_category_matching_a_party_is_a_prior_denial() -> None:
    (found,) = foreign_denials(sources(notice()), licence(CaseStatus.SUBMITTED))
    assert (found.notifying_node, found.notifying_state, found.reference) == (
        GERMANY,
        "DE",
        "DE-42",
    )
    assert found.decided_at == "2026-01-10" and found.case_id == ""
    assert found.matched_on[0] == "product_category"
    assert found.matched_on[1].startswith(
        "consignee: 'Northern Freight LLC' ~ 'Nothern Frieght Limited Liability Company' (0."
    )


@pytest.mark.parametrize(
    "changes",
    [
        {"revoked": True, "comment": "withdrawn"},
        {"notifying_node": SENDER.node},  # this node's own notice: its case is read locally
        {"product_category": "exploit_chain"},
        {"consignees": (NoticeParty("Southern Freight LLC", "AM"),)},
    ],
)
def test_a_revoked_own_other_category_or_other_party_notice_does_not_match(
    changes: dict[str, Any],
) -> None:
    assert foreign_denials(sources(notice(**changes)), licence(CaseStatus.SUBMITTED)) == ()


def test_the_finding_names_the_notifying_state_and_the_reference() -> None:
    evidence = DueDiligence("AM", "law_enforcement", True, prior_denials=(FOREIGN, LOCAL))
    found = [
        f for f in evaluate(shipped_rules(), evidence) if f.rule_id == "no-undercut.prior-denial"
    ]
    summaries = sorted(f.summary for f in found)
    assert summaries == [
        "Authority C denied case case-0 on 2026-01-05 (same product_category): g",
        f"DE ({GERMANY}) denied DE-42 on 2026-01-10, notified to this node "
        "(same product_category, consignee: 'a' ~ 'b' (0.94)): rules cited: x",
    ]
