"""Policy as data: versioned rules with citations, evaluated over due-diligence evidence into
findings (severity, rule id and version, evidence). Pure domain: no framework, no storage.

- rules: :func:`shipped_rules` (``pallmall/data/policy/rules.yaml``), :func:`load_rules`,
  :func:`parse_rules` -> :class:`RuleSet` of :class:`Rule`;
- evidence: :class:`DueDiligence` and its items (``pallmall.policy.evidence``);
- findings: :func:`evaluate` -> :class:`Finding` s; :func:`recommend`;
- procurement: :func:`assess` (EO 14093 factors and vetting) -> :class:`ProcurementResult`.
"""

from pallmall.policy.evaluate import evaluate
from pallmall.policy.evidence import (
    ApplicantEvidence,
    DesignationEvidence,
    DueDiligence,
    IncidentEvidence,
    ListAgeEvidence,
    OwnershipEvidence,
    PartyEvidence,
    PeerMeasureEvidence,
    PriorDenialEvidence,
    ProductEvidence,
    RecordMatch,
    RestrictionEvidence,
    ScreeningMatch,
)
from pallmall.policy.loader import SHIPPED, load_rules, parse_rules, shipped_rules
from pallmall.policy.model import (
    Finding,
    ProcurementFactor,
    Rule,
    RuleKind,
    RuleSet,
    Severity,
    top_severity,
)
from pallmall.policy.procurement import FactorAssessment, ProcurementResult, Verdict, assess
from pallmall.policy.recommend import Outcome, Recommendation, recommend

__all__ = [
    "SHIPPED",
    "ApplicantEvidence",
    "DesignationEvidence",
    "DueDiligence",
    "FactorAssessment",
    "Finding",
    "IncidentEvidence",
    "ListAgeEvidence",
    "Outcome",
    "OwnershipEvidence",
    "PartyEvidence",
    "PeerMeasureEvidence",
    "PriorDenialEvidence",
    "ProcurementFactor",
    "ProcurementResult",
    "ProductEvidence",
    "Recommendation",
    "RecordMatch",
    "RestrictionEvidence",
    "Rule",
    "RuleKind",
    "RuleSet",
    "ScreeningMatch",
    "Severity",
    "Verdict",
    "assess",
    "evaluate",
    "load_rules",
    "parse_rules",
    "recommend",
    "shipped_rules",
    "top_severity",
]
