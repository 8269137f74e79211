"""Due diligence: gather the evidence for a case from its sources and run the rules on it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from pallmall.cases.matching import same_party
from pallmall.cases.model import (
    Assessment,
    Case,
    CaseKind,
    CaseParty,
    CaseStatus,
    DiligenceRun,
    LicenceApplication,
    PartyRole,
    ProcurementRequest,
    undercut_parties,
)
from pallmall.cases.ports import CaseStore, IncidentFacts, RegistryFacts, ScreeningFacts
from pallmall.policy import (
    DueDiligence,
    PartyEvidence,
    PriorDenialEvidence,
    ProductEvidence,
    RestrictionEvidence,
    RuleSet,
    assess,
    evaluate,
)

CATEGORY_ORDER = (
    "device_intrusion",
    "zero_click_delivery",
    "call_message_interception",
    "remote_camera_microphone",
    "data_theft",
    "location_tracking",
    "exploit_chain",
    "access_as_a_service",
    "hacking_as_a_service",
    "malware_as_a_service",
    "command_and_control",
)
"""Capabilities by precedence: a product's category is the first it has."""


@dataclass(frozen=True)
class Sources:
    """Where evidence comes from, for one run."""

    screening: ScreeningFacts
    registry: RegistryFacts
    incidents: IncidentFacts


def product_category(product: ProductEvidence | None) -> str:
    """The public category of a product: its first capability in :data:`CATEGORY_ORDER`,
    else ``security_tool`` for security work, else ``unclassified``."""
    if product is None:
        return "unclassified"
    for capability in CATEGORY_ORDER:
        if capability in product.capabilities:
            return capability
    return "security_tool" if product.security_research else "unclassified"


def party_evidence(
    role: str, name: str, country: str, registry_id: str | None, sources: Sources
) -> PartyEvidence:
    """Screening, designations and ownership of one party."""
    rid = registry_id or ""
    return PartyEvidence(
        role=role,
        name=name,
        country=country,
        registry_id=rid,
        matches=sources.screening.screen(name, country),
        designations=sources.registry.designations(rid) if rid else (),
        ownership=sources.registry.ownership(rid) if rid else None,
    )


def licence_evidence(
    case: Case, app: LicenceApplication, sources: Sources, store: CaseStore
) -> DueDiligence:
    """The evidence for a licence case: every party (and the vendor) screened and looked up,
    the product, linked incidents, the destination's record, restrictions, prior denials."""
    reg = sources.registry
    vendor_id = app.vendor_record_id or reg.vendor_of(app.product_id)
    parties = [
        party_evidence(p.role.value, p.name, p.country or "", p.registry_id, sources)
        for p in app.parties
    ]
    if vendor_id:
        parties.append(vendor_evidence(vendor_id, sources))
    end_user = app.party(PartyRole.END_USER)[0]
    links = {app.product_id: "product"}
    links |= {vendor_id: "vendor"} if vendor_id else {}
    links |= {end_user.registry_id: "end_user"} if end_user.registry_id else {}
    return DueDiligence(
        destination=app.destination,
        end_use_category=app.end_use_category.value,
        end_user_undertaking=bool(app.end_user_undertaking.strip()),
        parties=tuple(parties),
        product=reg.product(app.product_id),
        incidents=sources.incidents.linked(links) + sources.incidents.in_country(app.destination),
        restrictions=restrictions_on(store, vendor_id),
        prior_denials=prior_denials(store, case),
        list_versions=sources.screening.versions(),
    )


def vendor_evidence(vendor_id: str, sources: Sources) -> PartyEvidence:
    """The vendor as a party: screened by its registry name, designations, ownership."""
    name = sources.registry.name(vendor_id) or vendor_id
    country = next(iter(sources.registry.jurisdictions(vendor_id)), "")
    return party_evidence("vendor", name, country, vendor_id, sources)


def restrictions_on(store: CaseStore, vendor_id: str | None) -> tuple[RestrictionEvidence, ...]:
    """Decided restriction cases in force against ``vendor_id``."""
    if not vendor_id:
        return ()
    return tuple(
        RestrictionEvidence(c.id, vendor_id, c.updated_at.date().isoformat(), _grounds(c))
        for c in store.cases_about(CaseKind.RESTRICTION.value, vendor_id)
        if c.status is CaseStatus.RESTRICTED
    )


def prior_denials(store: CaseStore, case: Case) -> tuple[PriorDenialEvidence, ...]:
    """Denials by other authorities of essentially similar applications (no undercut): the
    same product category, and an end user or consignee that is one party by
    :func:`~pallmall.cases.matching.same_party`. ``matched_on`` names each pair of parties
    that met and how surely."""
    parties = undercut_parties(case.filed(LicenceApplication))
    names = store.authorities()
    found = (
        (denied.case, matched_parties(parties, denied.parties))
        for denied in store.candidate_denials(case.product_category, case.authority_id)
    )
    return tuple(_denial_evidence(c, matched, names) for c, matched in found if matched)


def _denial_evidence(
    case: Case, matched: tuple[str, ...], authorities: Mapping[str, str]
) -> PriorDenialEvidence:
    return PriorDenialEvidence(
        case_id=case.id,
        authority=authorities.get(case.authority_id, case.authority_id),
        decided_at=case.updated_at.date().isoformat(),
        product_category=case.product_category,
        destination=case.destination,
        matched_on=("product_category", *matched),
        grounds=_grounds(case),
    )


def matched_parties(parties: Sequence[CaseParty], earlier: Sequence[CaseParty]) -> tuple[str, ...]:
    """One line per pair of ``parties`` (this application's) and ``earlier`` ones (a denied
    application's) that name one party: ``"consignee: 'new name' ~ 'earlier name' (0.93)"``,
    the roles joined by ``~`` when they differ; in filing order."""
    out = []
    for party in parties:
        for other in earlier:
            score = same_party(party, other)
            if score is not None:
                roles = party.role if party.role == other.role else f"{party.role} ~ {other.role}"
                out.append(f"{roles}: {party.name!r} ~ {other.name!r} ({score:.2f})")
    return tuple(out)


def _grounds(case: Case) -> str:
    decision = case.state.decision
    if decision is None:
        return "not stated"
    return "; ".join(decision.grounds) or decision.reason or "not stated"


def run_licence_diligence(
    case: Case, sources: Sources, store: CaseStore, rules: RuleSet, trigger: str, at: datetime
) -> DiligenceRun:
    """Gather the evidence and evaluate ``rules``; the run records what it read."""
    app = case.filed(LicenceApplication)
    evidence = licence_evidence(case, app, sources, store)
    findings = evaluate(rules, evidence)
    notes: tuple[str, ...] = ()
    if not evidence.list_versions:
        notes = ("no restricted-party list is loaded",)
    notes += sources.screening.stale()  # advisory: an old list may miss designations
    return DiligenceRun(
        case_id=case.id,
        at=at,
        trigger=trigger,
        stamp=store.world_stamp(),
        rules_version=f"{rules.name}@{rules.version}",
        evidence=evidence,
        findings=tuple(findings),
        notes=notes,
    )


def procurement_assessment(
    req: ProcurementRequest, sources: Sources, store: CaseStore, rules: RuleSet
) -> Assessment:
    """The EO 14093 assessment of a procurement request: the vendor screened and looked up,
    the product, incidents linked to either, restrictions in force on the vendor, and the
    buyer's declarations, through ``rules``' procurement factors."""
    vendor = vendor_evidence(req.vendor_record_id, sources)
    links = {req.product_id: "product", req.vendor_record_id: "vendor"}
    evidence = DueDiligence(
        destination="",
        end_use_category="other",
        end_user_undertaking=True,
        parties=(vendor,),
        product=sources.registry.product(req.product_id),
        incidents=sources.incidents.linked(links),
        restrictions=restrictions_on(store, req.vendor_record_id),
        list_versions=sources.screening.versions(),
    )
    result = assess(rules, evidence, req.declarations, req.vendor_attested)
    return Assessment(
        verdict=result.verdict,
        vetted=result.vetted,
        reasons=result.reasons,
        factors=result.factors,
        citation=rules.procurement_citation,
        evidence=evidence,
    )
