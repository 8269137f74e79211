"""Turning due-diligence evidence into findings, one evaluator per rule kind.

Each evaluator MUST only read the evidence and the rule's params, and MUST return findings
that cite the rule (id and version) and carry the evidence items they rest on. Findings come
out heaviest first, then by rule id, so the same evidence always gives the same list.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pallmall.policy.evidence import (
    DesignationEvidence,
    DueDiligence,
    IncidentEvidence,
    ListAgeEvidence,
    PeerMeasureEvidence,
    PriorDenialEvidence,
)
from pallmall.policy.model import Finding, Rule, RuleKind, RuleSet

Evaluator = Callable[[Rule, DueDiligence], list[Finding]]


def evaluate(rules: RuleSet, evidence: DueDiligence) -> tuple[Finding, ...]:
    """Every finding the rules make of ``evidence``, heaviest first."""
    found = [f for rule in rules.rules for f in EVALUATORS[rule.kind](rule, evidence)]
    return tuple(sorted(found, key=lambda f: (-f.severity.rank, f.rule_id, f.summary)))


def _finding(rule: Rule, summary: str, items: Iterable[Any]) -> Finding:
    evidence = tuple(_item(i) for i in items)
    return Finding(
        rule.id, rule.version, rule.severity, rule.title, rule.citation, summary, evidence
    )


def _item(value: Any) -> Mapping[str, Any]:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"source": type(value).__name__, **dataclasses.asdict(value)}
    return dict(value)


def _screening_hit(rule: Rule, dd: DueDiligence) -> list[Finding]:
    wanted = set(rule.params.get("programmes") or ())
    unwanted = set(rule.params.get("exclude_programmes") or ())
    out = []
    for party in dd.parties:
        hits = [
            m
            for m in party.matches
            if m.alert
            and (not wanted or wanted & set(m.programmes))
            and not (unwanted and set(m.programmes) and set(m.programmes) <= unwanted)
        ]
        if hits:
            best = hits[0]
            summary = (
                f"{party.role} {party.name!r} matches {best.entry_name!r} on {best.list_id} "
                f"({', '.join(best.programmes) or 'no programme'}; score {best.score:.2f})"
            )
            out.append(_finding(rule, summary, [{"party": party.role, "name": party.name}, *hits]))
    return out


def _registry_designation(rule: Rule, dd: DueDiligence) -> list[Finding]:
    out = []
    for party in dd.parties:
        linked = list(party.designations)
        named = [m for m in party.alerts() if m.designations and m.record_id != party.registry_id]
        if not linked and not named:
            continue
        says = [f"is designated: {_designations(linked)}"] if linked else []
        says += [
            f"matches {m.record_name!r} (score {m.match.score:.2f}), designated: "
            f"{_designations(m.designations)}"
            for m in named
        ]
        summary = f"{party.role} {party.name!r} {'; '.join(says)}"
        items = [{"party": party.role, "name": party.name}, *linked, *named]
        out.append(_finding(rule, summary, items))
    return out


def _designations(items: Iterable[DesignationEvidence]) -> str:
    return "; ".join(dict.fromkeys(f"{d.authority} ({d.listed_on})" for d in items))


def _fifty_percent(rule: Rule, dd: DueDiligence) -> list[Finding]:
    threshold = float(rule.params.get("threshold", 0.5))
    out = []
    for party in dd.parties:
        own = party.ownership
        if own is not None and own.aggregate_share + 1e-9 >= threshold:
            summary = (
                f"{party.role} {party.name!r} is {own.aggregate_share:.0%} owned by blocked "
                f"persons: {own.explanation}"
            )
            out.append(_finding(rule, summary, [own]))
    return out


def _ownership_data(rule: Rule, dd: DueDiligence) -> list[Finding]:
    """``params.issue``: ``unknown`` (a blocked owner's share is not recorded, so the 50 %
    rule gives "unknown", not "not blocked") or ``data_error`` (recorded owners hold more
    than 100 % of a record)."""
    issue = rule.params.get("issue", "unknown")
    out = []
    for party in dd.parties:
        own = party.ownership
        if own is None:
            continue
        if issue == "unknown" and own.status == "unknown":
            summary = (
                f"{party.role} {party.name!r}: 50 % rule unknown ({own.aggregate_share:.0%} "
                f"known); share not recorded on: {'; '.join(own.unknown_paths)}"
            )
            out.append(_finding(rule, summary, [own]))
        elif issue == "data_error" and own.data_errors:
            summary = f"{party.role} {party.name!r}: ownership data error: " + "; ".join(
                own.data_errors
            )
            out.append(_finding(rule, summary, [own]))
    return out


def _abuse_incidents(rule: Rule, dd: DueDiligence) -> list[Finding]:
    statuses = set(rule.params.get("statuses") or ("confirmed",))
    hits = [i for i in dd.incidents if i.status in statuses and i.linked_as != "destination"]
    if len(distinct(hits)) < int(rule.params.get("min_count", 1)):
        return []
    return [_finding(rule, _incident_summary(hits), hits)]


def distinct(incidents: Iterable[IncidentEvidence]) -> dict[str, IncidentEvidence]:
    """The incidents by id, each once however many links brought it to the case (an
    incident attributed to both the product and its vendor is one incident)."""
    return {i.incident_id: i for i in incidents}


def _incident_summary(hits: list[IncidentEvidence]) -> str:
    by_link = sorted({f"{i.linked_as}" for i in hits})
    titles = "; ".join(sorted({i.title for i in distinct(hits).values()})[:3])
    return f"{len(distinct(hits))} incident(s) linked to the {', '.join(by_link)}: {titles}"


def _destination(rule: Rule, dd: DueDiligence) -> list[Finding]:
    countries = set(rule.params.get("countries") or ())
    if countries:
        if dd.destination in countries:
            summary = f"destination {dd.destination} is under a comprehensive embargo"
            return [_finding(rule, summary, [{"destination": dd.destination}])]
        return []
    hits = [i for i in dd.incidents if i.linked_as == "destination" and i.status == "confirmed"]
    if not dd.destination or len(distinct(hits)) < int(rule.params.get("min_incidents", 1)):
        return []
    summary = f"{len(distinct(hits))} confirmed incident(s) by operators in {dd.destination}"
    return [_finding(rule, summary, hits)]


def _eu_art5(rule: Rule, dd: DueDiligence) -> list[Finding]:
    product = dd.product
    if product is None or product.control_codes or product.security_research:
        return []
    surveillance = set(rule.params.get("capabilities") or ()) & set(product.capabilities)
    concern = [i for i in dd.incidents if i.status == "confirmed"]
    if not surveillance or not concern:
        return []
    summary = (
        f"{product.name!r} is not listed but is a cyber-surveillance item "
        f"({', '.join(sorted(surveillance))}) with {len(distinct(concern))} confirmed misuse "
        "incident(s): "
        "an authorisation is required (Art. 5(1) the authority informs the exporter; "
        "Art. 5(2) an exporter aware of it must notify)"
    )
    return [_finding(rule, summary, [product, *concern])]


def _listed_item(rule: Rule, dd: DueDiligence) -> list[Finding]:
    product = dd.product
    if product is None or not product.control_codes:
        return []
    summary = f"{product.name!r} is listed under {', '.join(product.control_codes)}"
    return [_finding(rule, summary, [product])]


def _security_research(rule: Rule, dd: DueDiligence) -> list[Finding]:
    end_uses = set(rule.params.get("end_uses") or ())
    product = dd.product
    if dd.end_use_category not in end_uses or product is None or not product.security_research:
        return []
    summary = (
        f"stated end use {dd.end_use_category} with a product recorded as security work: "
        "excluded from the controls if the facts bear it out"
    )
    return [_finding(rule, summary, [product, {"end_use_category": dd.end_use_category}])]


def _vendor_restricted(rule: Rule, dd: DueDiligence) -> list[Finding]:
    out = [
        _finding(rule, f"vendor restricted by case {r.case_id} on {r.decided_at}: {r.grounds}", [r])
        for r in dd.restrictions
    ]
    known = {r.case_id for r in dd.restrictions}
    for party in dd.parties:
        for m in party.alerts():
            # the vendor itself, restricted by id, is the finding above
            same = m.record_id == party.registry_id
            cases = [r for r in m.restrictions if not (same and r.case_id in known)]
            if not cases:
                continue
            decided = "; ".join(f"case {r.case_id} on {r.decided_at}: {r.grounds}" for r in cases)
            summary = (
                f"{party.role} {party.name!r} matches {m.record_name!r} "
                f"(score {m.match.score:.2f}), restricted by {decided}"
            )
            out.append(_finding(rule, summary, [{"party": party.role, "name": party.name}, m]))
    return out


def _peer_measure(rule: Rule, dd: DueDiligence) -> list[Finding]:
    out = []
    for party in dd.parties:
        for m in party.alerts():
            if not m.peer_measures:
                continue
            told = "; ".join(_measure(e) for e in m.peer_measures)
            summary = (
                f"{party.role} {party.name!r} matches {m.record_name!r} "
                f"(score {m.match.score:.2f}), {told}"
            )
            items = [{"party": party.role, "name": party.name}, m.match, *m.peer_measures]
            out.append(_finding(rule, summary, items))
    return out


def _measure(e: PeerMeasureEvidence) -> str:
    """Who took the measure, what it is, when, on which grounds, as notified."""
    who = f"{e.notifying_state or 'another state'} ({e.notifying_node})"
    if e.kind == "designation":
        listed = f"{e.authority}{f' {e.programme}' if e.programme else ''}"
        return f"designated by {listed} on {e.taken_on}, notified by {who} ({e.grounds})"
    return f"restricted by {e.authority or who} on {e.taken_on}, notified by {who}: {e.grounds}"


def _applicant_product(rule: Rule, dd: DueDiligence) -> list[Finding]:
    """The applicant neither develops nor resells (nor supplies) the product it applies
    for; with ``params.unlinked`` true, instead: its account is linked to no registry
    organisation (then nobody can tell)."""
    app = dd.applicant
    if app is None or app.relations or dd.product is None:
        return []
    unlinked = bool(rule.params.get("unlinked"))
    if not app.registry_id or app.link_status != "confirmed":
        if not unlinked:
            return []
        summary = (
            f"applicant {app.account_name!r} is linked to no registry organisation (link: "
            f"{app.link_status}): whether it develops or resells {dd.product.name!r} cannot be "
            "checked"
        )
        return [_finding(rule, summary, [app])]
    if unlinked:
        return []
    summary = (
        f"applicant {app.account_name!r} (registry {app.registry_id}) neither develops nor "
        f"resells {dd.product.name!r}"
    )
    return [_finding(rule, summary, [app, dd.product])]


def _prior_denial(rule: Rule, dd: DueDiligence) -> list[Finding]:
    return [_finding(rule, _denial_summary(d), [d]) for d in dd.prior_denials]


def _denial_summary(d: PriorDenialEvidence) -> str:
    """One line naming who denied what, when, on which matches, and why: the authority and
    case on this node, or the notifying state, node and notice reference from another."""
    same = f"(same {', '.join(d.matched_on)}): {d.grounds}"
    if d.foreign:
        return (
            f"{d.notifying_state or 'another state'} ({d.notifying_node}) denied "
            f"{d.reference} on {d.decided_at}, notified to this node {same}"
        )
    return f"{d.authority} denied case {d.case_id} on {d.decided_at} {same}"


def _end_user_undertaking(rule: Rule, dd: DueDiligence) -> list[Finding]:
    if dd.end_user_undertaking:
        return []
    return [_finding(rule, "the application carries no end-user undertaking", [])]


def _list_age(rule: Rule, dd: DueDiligence) -> list[Finding]:
    """One finding per list read that is older than its publisher's usual interval (a list
    of unknown age raises none)."""
    return [_finding(rule, _age_summary(a), [a]) for a in dd.lists if a.overdue]


def _age_summary(age: ListAgeEvidence) -> str:
    since = f" designations after {age.published}" if age.published else " recent designations"
    return (
        f"list {age.list_id} version {age.version} is {age.age_days} days old (its publisher "
        f"usually updates it every {age.expected_days} days):{since} may be missing from it; "
        "`pallmall lists update` fetches the current version"
    )


EVALUATORS: dict[RuleKind, Evaluator] = {
    RuleKind.SCREENING_HIT: _screening_hit,
    RuleKind.REGISTRY_DESIGNATION: _registry_designation,
    RuleKind.FIFTY_PERCENT: _fifty_percent,
    RuleKind.OWNERSHIP_DATA: _ownership_data,
    RuleKind.APPLICANT_PRODUCT: _applicant_product,
    RuleKind.ABUSE_INCIDENTS: _abuse_incidents,
    RuleKind.DESTINATION: _destination,
    RuleKind.EU_ART5: _eu_art5,
    RuleKind.LISTED_ITEM: _listed_item,
    RuleKind.SECURITY_RESEARCH: _security_research,
    RuleKind.VENDOR_RESTRICTED: _vendor_restricted,
    RuleKind.PRIOR_DENIAL: _prior_denial,
    RuleKind.END_USER_UNDERTAKING: _end_user_undertaking,
    RuleKind.LIST_AGE: _list_age,
    RuleKind.PEER_MEASURE: _peer_measure,
}
