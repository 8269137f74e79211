"""Due diligence: gather the evidence for a case from its sources and run the rules on it."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from pallmall.attestation import Standing, attestation_finding, shipped_form
from pallmall.cases.exchange import NO_EXCHANGE, DenialExchange, DenialNotice
from pallmall.cases.matching import same_party
from pallmall.cases.measures import peer_entries
from pallmall.cases.model import (
    Assessment,
    Case,
    CaseKind,
    CaseParty,
    CaseStatus,
    DecisionOutcome,
    DiligenceRun,
    EndUse,
    LicenceApplication,
    ListChangeNote,
    PartyRole,
    ProcurementRequest,
    RestrictionRequest,
    UseAuthorisationRequest,
    undercut_parties,
)
from pallmall.cases.node_lists import NodeLists
from pallmall.cases.ports import CaseStore, IncidentFacts, RegistryFacts, ScreeningFacts
from pallmall.policy import (
    ApplicantEvidence,
    DueDiligence,
    Finding,
    PartyEvidence,
    PriorDenialEvidence,
    ProductEvidence,
    RestrictionEvidence,
    RuleKind,
    RuleSet,
    ScreeningMatch,
    Severity,
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
    attestations: Callable[[str], Standing | None] | None = None
    """The vendor's self-attestation read against the registry (None: not consulted)."""
    exchange: DenialExchange = NO_EXCHANGE
    """Denial notices and restrictive measures received from other states' nodes."""
    node: str = ""
    """This node's log origin: notices it sent itself are its own cases, read locally."""


def _vendor(case: Case, sources: Sources) -> str | None:
    """The vendor a case is about: the restricted vendor, else the product's vendor."""
    filed = case.details
    if isinstance(filed, RestrictionRequest):
        return filed.vendor_record_id
    explicit = getattr(filed, "vendor_record_id", None)
    product = getattr(filed, "product_id", None)
    return explicit or (sources.registry.vendor_of(product) if product else None)


def attestation_findings(vendor_id: str | None, sources: Sources) -> tuple[Finding, ...]:
    """The finding on the vendor's self-attestation (none when attestations are not
    consulted or there is no vendor): info when sound, advisory when missing, high when
    expired, contradicted by the registry or adverse (:mod:`pallmall.attestation.finding`)."""
    if sources.attestations is None or not vendor_id:
        return ()
    name = sources.registry.name(vendor_id) or vendor_id
    return (attestation_finding(name, sources.attestations(vendor_id), shipped_form()),)


def product_category(product: ProductEvidence | None) -> str:
    """The public category of a product: its first capability in :data:`CATEGORY_ORDER`,
    else ``security_tool`` for security work, else ``unclassified``."""
    if product is None:
        return "unclassified"
    for capability in CATEGORY_ORDER:
        if capability in product.capabilities:
            return capability
    return "security_tool" if product.security_research else "unclassified"


@dataclass(frozen=True)
class Checks:
    """Everything a party is checked against in one run: the lists in force
    (``sources.screening``), the registry (designations and ownership of a linked record),
    and the node lists (the registry's designated records and the vendors restricted here,
    matched by name with the same matcher)."""

    sources: Sources
    node: NodeLists

    def party(
        self, role: str, name: str, country: str = "", registry_id: str | None = None
    ) -> PartyEvidence:
        """Screening, node-list matches, designations and ownership of one party."""
        rid = registry_id or ""
        registry = self.sources.registry
        return PartyEvidence(
            role=role,
            name=name,
            country=country,
            registry_id=rid,
            matches=self.sources.screening.screen(name, country),
            designations=registry.designations(rid) if rid else (),
            ownership=registry.ownership(rid) if rid else None,
            record_matches=self.node.match(name, country),
        )

    def vendor(self, vendor_id: str) -> PartyEvidence:
        """The vendor as a party: by its registry name, designations, ownership."""
        registry = self.sources.registry
        name = registry.name(vendor_id) or vendor_id
        country = next(iter(registry.jurisdictions(vendor_id)), "")
        return self.party("vendor", name, country, vendor_id)

    def versions(self) -> tuple[str, ...]:
        """The lists in force and the node lists read."""
        return (*self.sources.screening.versions(), *self.node.versions())


def checks(sources: Sources, store: CaseStore) -> Checks:
    """The checks of one run: ``sources`` and the node lists as they stand now."""
    restricted = {}
    for vendor_id, found in restrictions_in_force(store).items():
        record = sources.registry.listed(vendor_id)
        if record is not None:
            restricted[vendor_id] = (record, found)
    stamp = hashlib.sha256(store.world_stamp().encode()).hexdigest()[:16]
    peers = peer_entries(sources.exchange.foreign_measures(), sources.node)
    return Checks(sources, NodeLists(sources.registry.designated(), restricted, stamp, peers))


def applicant_evidence(
    case: Case, product_id: str, check: Checks, store: CaseStore
) -> tuple[ApplicantEvidence | None, PartyEvidence | None]:
    """The filing account as evidence and as a party: checked by the name of the registry
    organisation it is linked to (a confirmed link), else by its account name; with how
    that organisation stands to ``product_id`` (develops, resells, supplies)."""
    who = store.applicant(case.account_id) if case.account_id else None
    if who is None:
        return None, None
    confirmed = who.registry_id if who.link_status == "confirmed" else ""
    registry = check.sources.registry
    name = (registry.name(confirmed) if confirmed else None) or who.name
    evidence = ApplicantEvidence(
        account_id=who.account_id,
        account_name=who.name,
        registry_id=who.registry_id,
        link_status=who.link_status,
        product_id=product_id,
        relations=registry.relations(confirmed, product_id) if confirmed else (),
    )
    country = next(iter(registry.jurisdictions(confirmed)), "") if confirmed else ""
    return evidence, check.party("applicant", name, country or who.state, confirmed or None)


def licence_evidence(
    case: Case, app: LicenceApplication, sources: Sources, store: CaseStore
) -> DueDiligence:
    """The evidence for a licence case: every party, the applicant and the vendor screened
    against the lists in force and the node lists and looked up, the product, linked
    incidents, the destination's record, restrictions, prior denials."""
    reg = sources.registry
    check = checks(sources, store)
    vendor_id = app.vendor_record_id or reg.vendor_of(app.product_id)
    parties = [
        check.party(p.role.value, p.name, p.country or "", p.registry_id) for p in app.parties
    ]
    applicant, as_party = applicant_evidence(case, app.product_id, check, store)
    if as_party is not None:
        parties.insert(0, as_party)
    if vendor_id:
        parties.append(check.vendor(vendor_id))
    end_user = app.party(PartyRole.END_USER)[0]
    links = {app.product_id: "product"}
    links |= {vendor_id: "vendor"} if vendor_id else {}
    links |= {end_user.registry_id: "end_user"} if end_user.registry_id else {}
    # the end user found by name on a node list brings that record's abuse history too
    links |= {
        m.record_id: "end_user"
        for p in parties
        if p.role == PartyRole.END_USER.value
        for m in p.alerts()
        if m.record_id not in links and not m.peer_measures  # a peer's entry is no record here
    }
    return DueDiligence(
        destination=app.destination,
        end_use_category=app.end_use_category.value,
        end_user_undertaking=bool(app.end_user_undertaking.strip()),
        parties=tuple(parties),
        product=reg.product(app.product_id),
        incidents=sources.incidents.linked(links) + sources.incidents.in_country(app.destination),
        restrictions=restrictions_on(store, vendor_id),
        prior_denials=prior_denials(store, case) + foreign_denials(sources, case),
        list_versions=check.versions(),
        lists=check.sources.screening.ages(),
        applicant=applicant,
    )


def restriction_evidence(
    case: Case, req: RestrictionRequest, sources: Sources, store: CaseStore
) -> DueDiligence:
    """The evidence for a restriction case, kept like a licence case's: the vendor checked
    against everything (lists, node lists, designations, ownership), the incidents linked
    to it and to the products it develops, and other restrictions in force on it."""
    check = checks(sources, store)
    vendor_id = req.vendor_record_id
    links = {vendor_id: "vendor"}
    links |= {p: "product" for p in sources.registry.products_of(vendor_id)}
    others = [r for r in restrictions_on(store, vendor_id) if r.case_id != case.id]
    return DueDiligence(
        destination="",
        end_use_category=EndUse.OTHER.value,
        end_user_undertaking=True,
        parties=(_without_case(check.vendor(vendor_id), case.id),),
        incidents=sources.incidents.linked(links),
        restrictions=tuple(others),
        list_versions=check.versions(),
        lists=check.sources.screening.ages(),
    )


def _without_case(party: PartyEvidence, case_id: str) -> PartyEvidence:
    """``party`` without the restriction ``case_id`` among its node-list matches (a
    restriction case under appeal is not evidence against its own vendor)."""
    matches = tuple(
        dataclasses.replace(
            m, restrictions=tuple(r for r in m.restrictions if r.case_id != case_id)
        )
        for m in party.record_matches
    )
    kept = tuple(m for m in matches if m.designations or m.restrictions or not m.match.alert)
    return dataclasses.replace(party, record_matches=kept)


def use_evidence(
    case: Case, req: UseAuthorisationRequest, sources: Sources, store: CaseStore
) -> DueDiligence:
    """The evidence for a use authorisation: the product, its vendor checked against
    everything (restrictions and designations by id and by name), the incidents of the
    product and the vendor, and the destination rules for the using agency's state."""
    reg = sources.registry
    check = checks(sources, store)
    vendor_id = reg.vendor_of(req.product_id)
    who = store.applicant(case.account_id) if case.account_id else None
    state = who.state if who else ""
    links = {req.product_id: "product"}
    links |= {vendor_id: "vendor"} if vendor_id else {}
    incidents = sources.incidents.linked(links)
    return DueDiligence(
        destination=state,
        end_use_category=EndUse.OTHER.value,
        end_user_undertaking=True,
        parties=(check.vendor(vendor_id),) if vendor_id else (),
        product=reg.product(req.product_id),
        incidents=incidents + (sources.incidents.in_country(state) if state else ()),
        restrictions=restrictions_on(store, vendor_id),
        list_versions=check.versions(),
        lists=check.sources.screening.ages(),
    )


def in_force(case: Case) -> bool:
    """Whether a restriction case's restriction is in force: restricted, or under appeal
    of a restriction (the decision stands until the appeal is decided)."""
    if case.kind is not CaseKind.RESTRICTION:
        return False
    if case.status is CaseStatus.RESTRICTED:
        return True
    decision = case.state.decision
    restricted = decision is not None and decision.outcome is DecisionOutcome.RESTRICT
    return case.status is CaseStatus.APPEAL and restricted


def restrictions_in_force(store: CaseStore) -> dict[str, tuple[RestrictionEvidence, ...]]:
    """Restrictions in force on this node, by restricted vendor (registry id)."""
    found: dict[str, list[RestrictionEvidence]] = {}
    for case in store.decided_restrictions():
        if in_force(case):
            found.setdefault(case.subject_id, []).append(_restriction(case))
    return {vendor: tuple(items) for vendor, items in found.items()}


def _restriction(case: Case) -> RestrictionEvidence:
    return RestrictionEvidence(
        case.id, case.subject_id, case.updated_at.date().isoformat(), _grounds(case)
    )


def restrictions_on(store: CaseStore, vendor_id: str | None) -> tuple[RestrictionEvidence, ...]:
    """Decided restriction cases in force against ``vendor_id``."""
    if not vendor_id:
        return ()
    return tuple(
        _restriction(c)
        for c in store.cases_about(CaseKind.RESTRICTION.value, vendor_id)
        if in_force(c)
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


def foreign_denials(sources: Sources, case: Case) -> tuple[PriorDenialEvidence, ...]:
    """Denials notified by other states' nodes of essentially similar transfers (no undercut
    across nodes): a notice in force (not revoked) from another node, of the case's product
    category, whose end user or consignee is one party with the case's by
    :func:`~pallmall.cases.matching.same_party`."""
    parties = undercut_parties(case.filed(LicenceApplication))
    found = []
    for notice in sources.exchange.foreign_denials(case.product_category):
        if notice.revoked or notice.notifying_node == sources.node:
            continue
        if notice.product_category != case.product_category:
            continue
        matched = matched_parties(parties, notice_parties(notice))
        if matched:
            found.append(_notice_evidence(notice, matched))
    return tuple(found)


def notice_parties(notice: DenialNotice) -> tuple[CaseParty, ...]:
    """The end user and consignees a denial notice names, as case parties."""
    end_user = CaseParty(PartyRole.END_USER, notice.end_user.name, notice.end_user.country)
    return (
        end_user,
        *(CaseParty(PartyRole.CONSIGNEE, p.name, p.country) for p in notice.consignees),
    )


def _notice_evidence(notice: DenialNotice, matched: tuple[str, ...]) -> PriorDenialEvidence:
    return PriorDenialEvidence(
        case_id="",
        authority=notice.notifying_state or notice.notifying_node,
        decided_at=notice.notified_on.isoformat(),
        product_category=notice.product_category,
        destination=notice.destination,
        matched_on=("product_category", *matched),
        grounds=notice.reason or "not stated",
        notifying_node=notice.notifying_node,
        notifying_state=notice.notifying_state,
        reference=notice.reference,
    )


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


Gather = Callable[[Case, Sources, CaseStore], DueDiligence]


def _licence(case: Case, sources: Sources, store: CaseStore) -> DueDiligence:
    return licence_evidence(case, case.filed(LicenceApplication), sources, store)


def _restriction_case(case: Case, sources: Sources, store: CaseStore) -> DueDiligence:
    return restriction_evidence(case, case.filed(RestrictionRequest), sources, store)


def _use(case: Case, sources: Sources, store: CaseStore) -> DueDiligence:
    return use_evidence(case, case.filed(UseAuthorisationRequest), sources, store)


GATHER: dict[CaseKind, Gather] = {
    CaseKind.LICENCE: _licence,
    CaseKind.RESTRICTION: _restriction_case,
    CaseKind.USE_AUTHORISATION: _use,
}
"""The case kinds that run due diligence, and how each gathers its evidence (a procurement
check is assessed instead: :func:`procurement_assessment`)."""

RULE_KINDS: dict[CaseKind, frozenset[RuleKind] | None] = {
    CaseKind.LICENCE: None,
    CaseKind.RESTRICTION: frozenset(
        {
            RuleKind.SCREENING_HIT,
            RuleKind.REGISTRY_DESIGNATION,
            RuleKind.FIFTY_PERCENT,
            RuleKind.OWNERSHIP_DATA,
            RuleKind.ABUSE_INCIDENTS,
            RuleKind.VENDOR_RESTRICTED,
            RuleKind.LIST_AGE,
            RuleKind.PEER_MEASURE,
        }
    ),
    CaseKind.USE_AUTHORISATION: frozenset(
        {
            RuleKind.SCREENING_HIT,
            RuleKind.REGISTRY_DESIGNATION,
            RuleKind.FIFTY_PERCENT,
            RuleKind.OWNERSHIP_DATA,
            RuleKind.ABUSE_INCIDENTS,
            RuleKind.DESTINATION,
            RuleKind.VENDOR_RESTRICTED,
            RuleKind.LIST_AGE,
            RuleKind.PEER_MEASURE,
        }
    ),
}
"""The rule kinds read for each kind (None: all). A licence reads every rule; a restriction
or a use authorisation has no export to classify, no end user and no applicant product, so
the rules about those do not apply to it."""


def rules_for(kind: CaseKind, rules: RuleSet) -> RuleSet:
    """``rules`` as they apply to a ``kind`` case (see :data:`RULE_KINDS`)."""
    wanted = RULE_KINDS[kind]
    if wanted is None:
        return rules
    return dataclasses.replace(rules, rules=tuple(r for r in rules.rules if r.kind in wanted))


def run_diligence(
    case: Case, sources: Sources, store: CaseStore, rules: RuleSet, trigger: str, at: datetime
) -> DiligenceRun:
    """Gather the evidence for ``case`` (a kind in :data:`GATHER`) and evaluate the
    ``rules`` that apply to its kind, with the vendor's self-attestation; the run records what
    it read.

    Raises:
        KeyError: a case kind that runs no due diligence.
    """
    evidence = GATHER[case.kind](case, sources, store)
    applied = rules_for(case.kind, rules)
    findings = evaluate(applied, evidence) + attestation_findings(_vendor(case, sources), sources)
    findings = tuple(sorted(findings, key=lambda f: (-f.severity.rank, f.rule_id, f.summary)))
    listed = sources.screening.versions()
    notes: tuple[str, ...] = () if listed else ("no restricted-party list is loaded",)
    runs = store.runs(case.id)
    previous = runs[-1] if runs else None
    return DiligenceRun(
        case_id=case.id,
        at=at,
        trigger=trigger,
        stamp=store.world_stamp(),
        rules_version=f"{rules.name}@{rules.version}",
        evidence=evidence,
        findings=tuple(findings),
        notes=notes,
        list_changes=list_change_notes(previous, evidence, findings, sources.screening),
    )


def list_change_notes(
    previous: DiligenceRun | None,
    evidence: DueDiligence,
    findings: Sequence[Finding],
    screening: ScreeningFacts,
) -> tuple[ListChangeNote, ...]:
    """A note per list entry that a party matched in ``previous`` (the case's last run) and
    that the list's version in force delisted or changed since the version that run read:
    who matched it then, how they match it in this run (``evidence``), and which findings
    cited it then and now (``findings``), so the officer sees why a finding moved."""
    if previous is None:
        return ()
    then: dict[tuple[str, str], list[tuple[str, ScreeningMatch]]] = {}
    for party in previous.evidence.parties:
        for match in party.matches:
            who = f"{party.role} {party.name!r}"
            then.setdefault((match.list_id, match.entry_id), []).append((who, match))
    now: dict[tuple[str, str], list[tuple[str, ScreeningMatch]]] = {}
    for party in evidence.parties:
        for match in party.matches:
            who = f"{party.role} {party.name!r}"
            now.setdefault((match.list_id, match.entry_id), []).append((who, match))
    read: dict[tuple[str, str], list[str]] = {}
    for (list_id, entry_id), pairs in then.items():
        read.setdefault((list_id, pairs[0][1].list_version), []).append(entry_id)
    notes = []
    for (list_id, version), entry_ids in sorted(read.items()):
        for change in screening.entry_changes(list_id, version, sorted(set(entry_ids))):
            key = (list_id, change.entry_id)
            notes.append(
                ListChangeNote(
                    list_id=list_id,
                    entry_id=change.entry_id,
                    entry_name=change.name,
                    change=change.kind.value,
                    from_version=version,
                    to_version=change.version,
                    fields=change.fields,
                    matched=tuple(_matched(w, m) for w, m in then[key]),
                    now=tuple(_matched(w, m) for w, m in now.get(key, ())),
                    before=_citing(previous.findings, key),
                    after=_citing(findings, key),
                )
            )
    return tuple(notes)


def _matched(who: str, match: ScreeningMatch) -> str:
    return f"{who} ({match.score:.2f}{', alert' if match.alert else ''})"


def _citing(findings: Sequence[Finding], key: tuple[str, str]) -> tuple[str, ...]:
    """The findings (``rule@version (severity)``) whose evidence holds the list entry."""
    return tuple(
        dict.fromkeys(
            f"{f.rule_id}@{f.rule_version} ({f.severity.value})"
            for f in findings
            if any((e.get("list_id"), e.get("entry_id")) == key for e in f.evidence)
        )
    )


def procurement_assessment(
    req: ProcurementRequest, sources: Sources, store: CaseStore, rules: RuleSet
) -> Assessment:
    """The EO 14093 assessment of a procurement request: the vendor screened and looked up,
    the product, incidents linked to either, restrictions in force on the vendor, and the
    buyer's declarations, through ``rules``' procurement factors."""
    check = checks(sources, store)
    vendor = check.vendor(req.vendor_record_id)
    links = {req.product_id: "product", req.vendor_record_id: "vendor"}
    evidence = DueDiligence(
        destination="",
        end_use_category="other",
        end_user_undertaking=True,
        parties=(vendor,),
        product=sources.registry.product(req.product_id),
        incidents=sources.incidents.linked(links),
        restrictions=restrictions_on(store, req.vendor_record_id),
        list_versions=check.versions(),
        lists=check.sources.screening.ages(),
    )
    attested = attestation_findings(req.vendor_record_id, sources)
    # the vendor's attestation on file, read against the registry, replaces the buyer's box
    vetted = all(f.severity is Severity.INFO for f in attested) if attested else req.vendor_attested
    result = assess(rules, evidence, req.declarations, vetted)
    reasons = result.reasons + tuple(f.summary for f in attested if f.severity is not Severity.INFO)
    return Assessment(
        verdict=result.verdict,
        vetted=result.vetted,
        reasons=reasons,
        factors=result.factors,
        citation=rules.procurement_citation,
        evidence=evidence,
    )
