"""The vulnerability equities register: vulnerabilities a state holds, each decision to
disclose or retain them (four eyes), the reviews they are due for, and the transparency
log's proof that each decision existed when it was taken (a salted commitment, opened when
the vulnerability is disclosed).

Domain code: imports ``pallmall.core``, ``pallmall.disclosure`` and ``pallmall.log`` only.
See docs/equities.md.
"""

from pallmall.equities.model import (
    Decision,
    DecisionIn,
    Equity,
    Escalation,
    Manner,
    Outcome,
    Status,
    Verb,
    Vulnerability,
    VulnerabilityEvent,
    VulnerabilityIn,
)
from pallmall.equities.service import EquitiesService
from pallmall.equities.verify import OpenedDecision, verify_opening

__all__ = [
    "Decision",
    "DecisionIn",
    "EquitiesService",
    "Equity",
    "Escalation",
    "Manner",
    "OpenedDecision",
    "Outcome",
    "Status",
    "Verb",
    "Vulnerability",
    "VulnerabilityEvent",
    "VulnerabilityIn",
    "verify_opening",
]
