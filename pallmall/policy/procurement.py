"""Procurement gate for state buyers: US EO 14093's risk factors and vendor vetting give a
go or no-go with the reason for each factor."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from pallmall.policy.evidence import DueDiligence, PartyEvidence
from pallmall.policy.model import RuleSet


class Verdict(StrEnum):
    """The gate's answer; persisted."""

    GO = "go"
    NO_GO = "no_go"


@dataclass(frozen=True)
class FactorAssessment:
    """One factor: ``present`` True/False, or None when nobody can tell yet; ``basis`` why."""

    factor_id: str
    title: str
    present: bool | None
    basis: str


@dataclass(frozen=True)
class ProcurementResult:
    """Go only when no factor is present or unknown and the vendor is vetted."""

    verdict: Verdict
    factors: tuple[FactorAssessment, ...]
    vetted: bool
    reasons: tuple[str, ...]


Declarations = Mapping[str, bool]
"""The buyer's own answers by factor id (what only the buyer can know, e.g. an intrusion)."""


def assess(
    rules: RuleSet, evidence: DueDiligence, declarations: Declarations, vetted: bool
) -> ProcurementResult:
    """Assess each factor of ``rules.procurement_factors`` over ``evidence`` (the vendor is
    the party with role ``vendor``) and the buyer's ``declarations``.

    A factor counts as present when the evidence shows it or the buyer declares it; a factor
    only the buyer can answer and left unanswered is unknown, which is a no-go.
    """
    factors = tuple(
        _factor(f.id, f.title, evidence, declarations) for f in rules.procurement_factors
    )
    reasons = [f"{f.factor_id}: {f.basis}" for f in factors if f.present is not False]
    if not vetted:
        reasons.append("vendor vetting: no self-attestation to the Code of Practice on file")
    verdict = Verdict.GO if not reasons else Verdict.NO_GO
    return ProcurementResult(verdict, factors, vetted, tuple(reasons))


def _factor(
    factor_id: str, title: str, evidence: DueDiligence, declarations: Declarations
) -> FactorAssessment:
    check = _CHECKS.get(factor_id)
    shown = check(evidence) if check else None
    declared = declarations.get(factor_id)
    if shown:
        return FactorAssessment(factor_id, title, True, shown)
    if declared is None:
        if check is None:
            return FactorAssessment(factor_id, title, None, "not answered by the buyer")
        return FactorAssessment(factor_id, title, False, "no evidence found")
    basis = "declared by the buyer" if declared else "declared absent by the buyer"
    return FactorAssessment(factor_id, title, declared, basis)


def _vendor(evidence: DueDiligence) -> PartyEvidence | None:
    return next((p for p in evidence.parties if p.role == "vendor"), None)


def _foreign_control(evidence: DueDiligence) -> str:
    vendor = _vendor(evidence)
    own = vendor.ownership if vendor else None
    if own and own.aggregate_share > 0:
        return f"blocked owners hold {own.aggregate_share:.0%}"
    if own and own.status == "unknown":
        return f"blocked owners hold a share not recorded: {'; '.join(own.unknown_paths)}"
    return ""


def _abuse(evidence: DueDiligence) -> str:
    hits = {i.incident_id for i in evidence.incidents if i.status == "confirmed"}
    return f"{len(hits)} confirmed abuse incident(s)" if hits else ""


def _sold_to_abusers(evidence: DueDiligence) -> str:
    hits = {i.incident_id for i in evidence.incidents if i.status == "confirmed" and i.has_operator}
    return f"{len(hits)} confirmed incident(s) attributed to a customer" if hits else ""


def _designated(evidence: DueDiligence) -> str:
    vendor = _vendor(evidence)
    reasons = []
    if vendor and any(m.alert for m in vendor.matches):
        reasons.append("screening alert on the vendor")
    if vendor and vendor.designations:
        reasons.append("designated in the registry")
    if vendor and any(m.designations for m in vendor.alerts() if m.record_id != vendor.registry_id):
        reasons.append("matches a record designated in the registry")
    if evidence.restrictions:
        reasons.append("restricted by a decided restriction case")
    return "; ".join(reasons)


_CHECKS: dict[str, Callable[[DueDiligence], str]] = {
    "eo14093.foreign-control": _foreign_control,
    "eo14093.human-rights-abuse": _abuse,
    "eo14093.sold-to-abusers": _sold_to_abusers,
    "eo14093.designated-vendor": _designated,
}
