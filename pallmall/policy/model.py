"""Rules, findings and severities: the vocabulary of policy (pure data, no I/O)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    """How much a finding weighs, lowest first; persisted."""

    INFO = "info"
    ADVISORY = "advisory"
    HIGH = "high"
    BLOCKING = "blocking"

    @property
    def rank(self) -> int:
        """0 (info) to 3 (blocking), for ordering."""
        return list(Severity).index(self)


class RuleKind(StrEnum):
    """Which evaluator reads the evidence for a rule (docs/cases.md lists what each reads)."""

    SCREENING_HIT = "screening_hit"
    REGISTRY_DESIGNATION = "registry_designation"
    FIFTY_PERCENT = "fifty_percent"
    OWNERSHIP_DATA = "ownership_data"
    APPLICANT_PRODUCT = "applicant_product"
    ABUSE_INCIDENTS = "abuse_incidents"
    DESTINATION = "destination"
    EU_ART5 = "eu_art5"
    LISTED_ITEM = "listed_item"
    SECURITY_RESEARCH = "security_research"
    VENDOR_RESTRICTED = "vendor_restricted"
    PRIOR_DENIAL = "prior_denial"
    END_USER_UNDERTAKING = "end_user_undertaking"
    LIST_AGE = "list_age"
    PEER_MEASURE = "peer_measure"


@dataclass(frozen=True)
class Rule:
    """One rule: ``id`` is stable, ``version`` changes when its meaning does."""

    id: str
    version: int
    kind: RuleKind
    severity: Severity
    title: str
    citation: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ref(self) -> str:
        """``id@version``, as findings cite it."""
        return f"{self.id}@{self.version}"


@dataclass(frozen=True)
class ProcurementFactor:
    """One risk factor of US EO 14093 Sec. 2, as pallmall paraphrases it."""

    id: str
    title: str


@dataclass(frozen=True)
class RuleSet:
    """A versioned set of rules, as published in ``pallmall/data/policy/rules.yaml``."""

    name: str
    version: str
    published: date
    rules: tuple[Rule, ...]
    procurement_citation: str = ""
    procurement_factors: tuple[ProcurementFactor, ...] = ()

    def rule(self, rule_id: str) -> Rule:
        """The rule with ``rule_id``.

        Raises:
            KeyError: no such rule in this set.
        """
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


@dataclass(frozen=True)
class Finding:
    """What one rule found in the evidence: severity, the rule it comes from, and why.

    ``evidence`` holds JSON-ready items (each a mapping naming its source: a list entry, a
    registry record, an incident, an earlier case) so a reader can check the reasoning.
    """

    rule_id: str
    rule_version: int
    severity: Severity
    title: str
    citation: str
    summary: str
    evidence: tuple[Mapping[str, Any], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The JSON form (what storage and the API keep)."""
        return {
            "rule_id": self.rule_id,
            "rule_version": self.rule_version,
            "severity": self.severity.value,
            "title": self.title,
            "citation": self.citation,
            "summary": self.summary,
            "evidence": [dict(e) for e in self.evidence],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        """Inverse of :meth:`as_dict`."""
        return cls(
            data["rule_id"],
            int(data["rule_version"]),
            Severity(data["severity"]),
            data["title"],
            data["citation"],
            data["summary"],
            tuple(data.get("evidence", ())),
        )


def top_severity(findings: tuple[Finding, ...] | list[Finding]) -> Severity | None:
    """The heaviest severity among ``findings``; None when there are none."""
    if not findings:
        return None
    return max((f.severity for f in findings), key=lambda s: s.rank)
