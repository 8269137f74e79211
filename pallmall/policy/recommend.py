"""From findings to a recommendation a caseworker starts from (never a decision by itself)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from pallmall.policy.model import Finding, Severity


class Outcome(StrEnum):
    """A licence decision's outcome; persisted."""

    APPROVE_WITH_CONDITIONS = "approve_with_conditions"
    DENY = "deny"


@dataclass(frozen=True)
class Recommendation:
    """The suggested outcome and the findings that carry it (rule refs, heaviest first)."""

    outcome: Outcome
    reason: str
    grounds: tuple[str, ...]


def recommend(findings: Sequence[Finding]) -> Recommendation:
    """Deny on any blocking finding, or on a high one (presumption of denial); else approve
    with conditions. ``grounds`` are ``rule_id@version`` of the findings that decide it."""
    for severity, reason in (
        (Severity.BLOCKING, "a blocking finding"),
        (Severity.HIGH, "a presumption of denial"),
    ):
        heavy = [f for f in findings if f.severity is severity]
        if heavy:
            refs = tuple(dict.fromkeys(f"{f.rule_id}@{f.rule_version}" for f in heavy))
            return Recommendation(Outcome.DENY, reason, refs)
    return Recommendation(Outcome.APPROVE_WITH_CONDITIONS, "no finding above advisory", ())
