"""Issue 12's rules over evidence: node-list matches found by name, the 50 % rule's unknown
and data errors, the applicant's relation to the product, incidents counted once."""

from __future__ import annotations

from pallmall.policy import (
    ApplicantEvidence,
    DesignationEvidence,
    DueDiligence,
    Finding,
    IncidentEvidence,
    OwnershipEvidence,
    PartyEvidence,
    ProductEvidence,
    RecordMatch,
    RestrictionEvidence,
    ScreeningMatch,
    evaluate,
    shipped_rules,
)

EL = DesignationEvidence(
    "org-c", "Candiru", "US Commerce BIS Entity List", "", "2021-11-03", "86 FR"
)
RESTRICTED = RestrictionEvidence("case-r", "org-v", "2026-05-01", "sold to abusers")
PRODUCT = ProductEvidence("prd-1", "Hermit-X", ("device_intrusion",))


def hit(list_id: str, record_id: str, alert: bool = True) -> ScreeningMatch:
    return ScreeningMatch(list_id, "s", record_id, "x", (), 0.92 if alert else 0.6, alert, "why")


def found(dd: DueDiligence, rule_id: str) -> list[Finding]:
    return [f for f in evaluate(shipped_rules(), dd) if f.rule_id == rule_id]


def evidence(*parties: PartyEvidence, **more: object) -> DueDiligence:
    return DueDiligence("NZ", "law_enforcement", True, parties=parties, **more)  # type: ignore[arg-type]  # keyword overrides typed per test


def test_a_party_matching_a_designated_record_by_name_is_a_finding() -> None:
    match = RecordMatch("org-c", "Candiru", hit("registry-designations", "org-c"), (EL,))
    party = PartyEvidence("end_user", "Saito Tech Ltd.", record_matches=(match,))
    [finding] = found(evidence(party), "registry.designation")
    assert "matches 'Candiru' (score 0.92)" in finding.summary
    assert "US Commerce BIS Entity List (2021-11-03)" in finding.summary
    near = RecordMatch("org-c", "Candiru", hit("registry-designations", "org-c", False), (EL,))
    missed = PartyEvidence("end_user", "Candela", record_matches=(near,))
    assert found(evidence(missed), "registry.designation") == []


def test_a_party_matching_a_vendor_restricted_here_is_a_finding() -> None:
    match = RecordMatch("org-v", "Acme", hit("node-restrictions", "org-v"), (), (RESTRICTED,))
    party = PartyEvidence("consignee", "ACME Ltd", record_matches=(match,))
    [finding] = found(evidence(party), "code-of-practice.vendor-restricted")
    assert "restricted by case case-r" in finding.summary and "'ACME Ltd'" in finding.summary
    # the vendor's own restriction by id is not reported twice
    vendor = PartyEvidence("vendor", "Acme", registry_id="org-v", record_matches=(match,))
    twice = found(
        evidence(vendor, restrictions=(RESTRICTED,)), "code-of-practice.vendor-restricted"
    )
    assert len(twice) == 1


def test_unknown_ownership_and_data_errors_are_shown() -> None:
    unknown = OwnershipEvidence(
        "org-t", 0.2, False, "A -> T", "unknown", ("A (org-a) -> unknown of T (org-t)",)
    )
    party = PartyEvidence("end_user", "T", registry_id="org-t", ownership=unknown)
    [finding] = found(evidence(party), "sanctions.fifty-percent-unknown")
    assert finding.severity.value == "high" and "unknown of T (org-t)" in finding.summary
    assert found(evidence(party), "sanctions.fifty-percent-rule") == []
    error = OwnershipEvidence("org-t", 0.7, True, "A -> T", "blocked", (), ("owners hold 130%",))
    wrong = PartyEvidence("end_user", "T", registry_id="org-t", ownership=error)
    [data] = found(evidence(wrong), "registry.ownership-data-error")
    assert "owners hold 130%" in data.summary
    assert found(evidence(wrong), "sanctions.fifty-percent-rule")


def test_an_applicant_that_neither_develops_nor_resells_the_product() -> None:
    stranger = ApplicantEvidence("acc-v", "Other Vendor", "org-o", "confirmed", "prd-1")
    [finding] = found(
        evidence(product=PRODUCT, applicant=stranger), "applicant.not-developer-or-reseller"
    )
    assert "neither develops nor resells 'Hermit-X'" in finding.summary
    reseller = ApplicantEvidence("acc-v", "Reseller", "org-r", "confirmed", "prd-1", ("resells",))
    assert not [
        f
        for f in evaluate(shipped_rules(), evidence(product=PRODUCT, applicant=reseller))
        if f.rule_id.startswith("applicant.")
    ]
    claimed = ApplicantEvidence("acc-v", "Other Vendor", "org-o", "claimed", "prd-1")
    kinds = {
        f.rule_id for f in evaluate(shipped_rules(), evidence(product=PRODUCT, applicant=claimed))
    }
    assert "applicant.unlinked" in kinds and "applicant.not-developer-or-reseller" not in kinds


def test_an_incident_linked_to_product_and_vendor_counts_once() -> None:
    twice = tuple(
        IncidentEvidence("inc-1", "Journalist targeted", "confirmed", (), link, rid)
        for link, rid in (("product", "prd-1"), ("vendor", "org-v"))
    )
    [finding] = found(evidence(incidents=twice), "code-of-practice.irresponsible-use")
    assert finding.summary.startswith("1 incident(s) linked to the product, vendor")
