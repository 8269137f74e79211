"""The per-verb effects as pure functions: what each records, the status it picks, and what
it refuses, without a database."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from pallmall.cases.effects import EFFECTS, Move, Step
from pallmall.cases.model import (
    Action,
    Advice,
    AdviceOutcome,
    Assessment,
    Case,
    CaseKind,
    CaseState,
    CaseStatus,
    Decision,
    DecisionOutcome,
    LicenceApplication,
    PartyIn,
    PartyRole,
    Verb,
)
from pallmall.core.errors import Forbidden, InvalidInput

AT = datetime(2026, 2, 1, tzinfo=UTC)
APP = LicenceApplication(
    authority_id="org-a",
    product_id="prd-x",
    quantity=1,
    destination="RU",
    parties=(PartyIn(role=PartyRole.END_USER, name="Police"),),
    end_use="policing",
    end_use_category="law_enforcement",
)
ADVICE = Advice(by="usr-a1", at=AT, outcome=AdviceOutcome.DENY, grounds=("rule@1",), reason="r")


def licence(status: CaseStatus, state: CaseState | None = None) -> Case:
    return Case(
        "case-1",
        CaseKind.LICENCE,
        status,
        "org-a",
        "org-v",
        "usr-v",
        "t",
        "RU",
        "device_intrusion",
        "prd-x",
        AT,
        AT,
        APP,
        state=state or CaseState(),
    )


def no_assessment() -> Assessment:
    raise AssertionError("only assess reads the assessment")


def apply(case: Case, actor: str, targets: set[CaseStatus], **action: Any) -> Move:
    verb = Verb(action["verb"])
    act = Action.model_validate(action)
    return EFFECTS[case.kind][verb].record(
        Step(case, act, actor, AT, frozenset(targets), no_assessment)
    )


def test_advice_is_recorded_with_its_author_and_time() -> None:
    made = apply(
        licence(CaseStatus.UNDER_REVIEW),
        "usr-a1",
        {CaseStatus.ADVICE},
        verb="advise",
        outcome="deny",
        grounds=["rule@1"],
        reason="r",
    )
    assert made.status is CaseStatus.ADVICE
    assert made.state.advice == ADVICE
    assert made.payload == ADVICE.model_dump(mode="json")
    assert made.payload["at"] == "2026-02-01T00:00:00+00:00"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"outcome": "restrict"}, "outcome"),
        ({"outcome": None}, "outcome"),
        ({"grounds": []}, "grounds"),
    ],
)
def test_advice_names_the_missing_or_wrong_field(change: dict[str, Any], field: str) -> None:
    body = {"verb": "advise", "outcome": "deny", "grounds": ["g"], **change}
    with pytest.raises(InvalidInput) as refused:
        apply(licence(CaseStatus.UNDER_REVIEW), "usr-a1", {CaseStatus.ADVICE}, **body)
    assert refused.value.field == field


def test_countersignature_turns_advice_into_the_decision_and_picks_the_status() -> None:
    case = licence(CaseStatus.ADVICE, CaseState(advice=ADVICE))
    targets = {CaseStatus.APPROVED_WITH_CONDITIONS, CaseStatus.DENIED}
    made = apply(case, "usr-a2", targets, verb="countersign")
    assert made.status is CaseStatus.DENIED
    assert made.state.decision == Decision(
        outcome=DecisionOutcome.DENY,
        grounds=("rule@1",),
        advised_by="usr-a1",
        countersigned_by="usr-a2",
        reason="r",
    )
    assert made.state.advice == ADVICE  # kept for the record


@pytest.mark.parametrize("verb", ["countersign", "return_advice"])
def test_the_adviser_cannot_take_the_second_step(verb: str) -> None:
    case = licence(CaseStatus.ADVICE, CaseState(advice=ADVICE))
    with pytest.raises(Forbidden, match="four eyes"):
        apply(case, "usr-a1", {CaseStatus.DENIED}, verb=verb, reason="x")


def test_returned_advice_is_cleared_and_kept_in_the_history() -> None:
    case = licence(CaseStatus.ADVICE, CaseState(advice=ADVICE))
    made = apply(case, "usr-a2", {CaseStatus.UNDER_REVIEW}, verb="return_advice", reason="why")
    assert made.state.advice is None
    assert made.payload == {"returned_advice": ADVICE.model_dump(mode="json"), "reason": "why"}


def test_revocation_needs_a_reason_and_keeps_the_decision() -> None:
    decided = Decision(outcome=DecisionOutcome.APPROVE_WITH_CONDITIONS, grounds=("g",))
    case = licence(CaseStatus.APPROVED_WITH_CONDITIONS, CaseState(decision=decided))
    with pytest.raises(InvalidInput, match="reason"):
        apply(case, "usr-a1", {CaseStatus.REVOKED}, verb="revoke")
    made = apply(case, "usr-a1", {CaseStatus.REVOKED}, verb="revoke", reason="abuse found")
    assert made.state.decision is not None
    assert made.state.decision.outcome is DecisionOutcome.APPROVE_WITH_CONDITIONS
    assert (made.state.decision.reason, made.state.decision.by) == ("abuse found", "usr-a1")
    assert made.payload == {"reason": "abuse found"}


def test_amendment_needs_conditions() -> None:
    case = licence(CaseStatus.APPROVED_WITH_CONDITIONS, CaseState(decision=Decision()))
    with pytest.raises(InvalidInput, match="conditions"):
        apply(case, "usr-a1", {CaseStatus.AMENDED}, verb="amend")
    made = apply(case, "usr-a1", {CaseStatus.AMENDED}, verb="amend", conditions=["no resale"])
    assert made.state.decision is not None and made.state.decision.conditions == ("no resale",)
    assert made.state.decision.amended_by == "usr-a1"


def test_what_follows_each_verb() -> None:
    licence_effects = EFFECTS[CaseKind.LICENCE]
    assert licence_effects[Verb.SUBMIT].diligence
    # issue 12: a use authorisation runs due diligence when submitted, for the overseer
    assert EFFECTS[CaseKind.USE_AUTHORISATION][Verb.SUBMIT].diligence
    assert not EFFECTS[CaseKind.PROCUREMENT][Verb.ASSESS].diligence
    assert licence_effects[Verb.COUNTERSIGN].notify is CaseStatus.DENIED
    assert EFFECTS[CaseKind.RESTRICTION][Verb.COUNTERSIGN].notify is None
    published = {
        (kind, verb): effect.publish
        for kind, table in EFFECTS.items()
        for verb, effect in table.items()
        if effect.publish
    }
    assert (CaseKind.LICENCE, Verb.APPEAL) not in published
    assert published[(CaseKind.PROCUREMENT, Verb.ASSESS)] == "assessed"
    assert published[(CaseKind.USE_AUTHORISATION, Verb.SIGN_OFF)] == "signed_off"


def test_the_filer_and_the_filing_account_decide_nothing() -> None:
    case = licence(CaseStatus.UNDER_REVIEW)
    advice = {"verb": "advise", "outcome": "deny", "grounds": ["rule@1"]}
    with pytest.raises(Forbidden, match="filed"):
        apply(case, "usr-v", {CaseStatus.ADVICE}, **advice)
    act = Action.model_validate(advice)
    step = Step(case, act, "usr-admin", AT, frozenset({CaseStatus.ADVICE}), no_assessment, "org-v")
    with pytest.raises(Forbidden, match="filing account"):
        EFFECTS[case.kind][Verb.ADVISE].record(step)
    assert apply(case, "usr-a1", {CaseStatus.ADVICE}, **advice).state.advice is not None


def test_an_appeal_keeps_the_decision_appealed_until_it_is_decided() -> None:
    decision = Decision(
        outcome=DecisionOutcome.DENY, advised_by="usr-a1", countersigned_by="usr-a2"
    )
    case = licence(CaseStatus.DENIED, CaseState(advice=ADVICE, decision=decision))
    made = apply(case, "usr-v", {CaseStatus.APPEAL}, verb="appeal", reason="police")
    assert made.state.appealed == decision
    on_appeal = licence(CaseStatus.APPEAL, made.state)
    for officer in ("usr-a1", "usr-a2"):
        with pytest.raises(Forbidden, match="took no part"):
            apply(on_appeal, officer, {CaseStatus.DENIED}, verb="dismiss_appeal", reason="r")
    dismissed = apply(on_appeal, "usr-a3", {CaseStatus.DENIED}, verb="dismiss_appeal", reason="r")
    assert dismissed.state.appealed is None and dismissed.state.decision.by == "usr-a3"
