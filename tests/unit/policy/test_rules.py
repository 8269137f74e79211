"""The shipped rule set loads, every rule cites its source, and evaluation is explained."""

from __future__ import annotations

import pytest

from pallmall.core.errors import InvalidInput
from pallmall.policy import (
    DueDiligence,
    IncidentEvidence,
    OwnershipEvidence,
    PartyEvidence,
    ProductEvidence,
    ScreeningMatch,
    Severity,
    Verdict,
    assess,
    evaluate,
    parse_rules,
    recommend,
    shipped_rules,
)
from pallmall.policy.recommend import Outcome

HIT = ScreeningMatch("l", "v1", "1", "ACME", ("EL",), 0.9, True, "ACME~Acme 1.00")


def test_shipped_rules_are_versioned_and_cited() -> None:
    rules = shipped_rules()
    assert rules.version and len(rules.procurement_factors) == 6
    assert all(r.citation and r.version >= 1 for r in rules.rules)
    assert {r.id for r in rules.rules} >= {
        "sanctions.blocked-party",
        "us.entity-list.presumption-of-denial",
        "sanctions.fifty-percent-rule",
        "eu.art5.catch-all",
        "exclusion.security-research",
    }


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ([], "rules"),
        ({"ruleset": "x", "version": "1", "published": "2026-01-01"}, "rules.rules"),
        (
            {
                "ruleset": "x",
                "version": "1",
                "published": "2026-01-01",
                "rules": [
                    {
                        "id": "a",
                        "version": 1,
                        "kind": "nope",
                        "severity": "info",
                        "title": "t",
                        "citation": "c",
                    }
                ],
            },
            "rules:rules[0].kind",
        ),
        (
            {
                "ruleset": "x",
                "version": "1",
                "published": "2026-01-01",
                "rules": [
                    {
                        "id": "a",
                        "version": 0,
                        "kind": "listed_item",
                        "severity": "info",
                        "title": "t",
                        "citation": "c",
                    }
                ],
            },
            "rules:rules[0].version",
        ),
    ],
)
def test_bad_rule_sets_name_the_field(data: object, field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_rules(data)
    assert err.value.field == field


def test_entity_list_is_a_presumption_and_sanctions_block() -> None:
    party = PartyEvidence("end_user", "Acme", matches=(HIT,))
    found = evaluate(shipped_rules(), DueDiligence("FR", "law_enforcement", True, (party,)))
    assert [(f.rule_id, f.severity) for f in found] == [
        ("us.entity-list.presumption-of-denial", Severity.HIGH)
    ]
    assert recommend(found).outcome is Outcome.DENY


def test_fifty_percent_rule_and_art5_and_exclusion() -> None:
    owned = PartyEvidence("consignee", "Sub", ownership=OwnershipEvidence("o", 0.6, True, "A->Sub"))
    product = ProductEvidence("p", "Tool", ("device_intrusion",))
    incident = IncidentEvidence(
        "i", "Journalist hacked", "confirmed", ("rights_violation",), "product", "p"
    )
    dd = DueDiligence("FR", "law_enforcement", True, (owned,), product, (incident,))
    ids = {f.rule_id for f in evaluate(shipped_rules(), dd)}
    assert {
        "sanctions.fifty-percent-rule",
        "eu.art5.catch-all",
        "code-of-practice.irresponsible-use",
    } <= ids
    research = ProductEvidence("p", "Fuzzer", (), (), True)
    dd = DueDiligence("FR", "vulnerability_disclosure", True, (), research)
    assert [f.rule_id for f in evaluate(shipped_rules(), dd)] == ["exclusion.security-research"]
    assert recommend(evaluate(shipped_rules(), dd)).outcome is Outcome.APPROVE_WITH_CONDITIONS


def test_procurement_go_needs_vetting_and_answers() -> None:
    vendor = PartyEvidence("vendor", "V")
    dd = DueDiligence("", "other", True, (vendor,))
    answers = {"eo14093.counterintelligence-access": False, "eo14093.targeting-own-persons": False}
    assert assess(shipped_rules(), dd, answers, vetted=True).verdict is Verdict.GO
    assert assess(shipped_rules(), dd, answers, vetted=False).verdict is Verdict.NO_GO
    assert assess(shipped_rules(), dd, {}, vetted=True).verdict is Verdict.NO_GO
