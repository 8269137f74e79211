"""What the equities register tells the public: through the disclosure gate, a salted
commitment to each approved decision, and the opening of those commitments once the
vulnerability is disclosed.

A decision entry shows only the state, the outcome and the review date (the figures of the
transparency report are counted from them); the decision itself — equities weighed,
rationale, deciding body, escalations — is committed as ``decision``, what the vulnerability
is as ``vulnerability``, and who proposed and approved it as ``deciders``. An opening shows,
for each earlier decision entry, its index, leaf hash and the salt and value of ``decision``:
anyone can recompute the commitment and see the decision existed when its entry was logged.
``vulnerability`` and ``deciders`` are never opened.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pallmall.core.changes import PublicChange
from pallmall.disclosure import PUBLIC_SUBJECT, gate
from pallmall.disclosure.kinds import EQUITIES_COMMITTED, EQUITIES_OPENED
from pallmall.equities.model import Decision, Vulnerability
from pallmall.equities.ports import LoggedCommitment

OPENED_FIELD = "decision"
"""The committed field an opening reveals."""


def committed_decision(decision: Decision) -> dict[str, Any]:
    """The value committed (and later opened) as ``decision``: the decision without who
    proposed and approved it."""
    data = decision.to_json()
    for name in ("proposed_by", "approved_by"):
        data.pop(name)
    for escalation in data["escalations"]:
        escalation.pop("by")
    return data


def decision_change(vulnerability: Vulnerability, decision: Decision, at: datetime) -> PublicChange:
    """The public change for an approved ``decision`` on ``vulnerability``."""
    fields = {
        "state": vulnerability.state,
        "outcome": decision.outcome.value,
        "review_on": decision.review_on.isoformat() if decision.review_on else "",
        OPENED_FIELD: committed_decision(decision),
        "vulnerability": vulnerability.details.model_dump(mode="json"),
        "deciders": {"proposed_by": decision.proposed_by, "approved_by": decision.approved_by},
    }
    return gate(EQUITIES_COMMITTED, vulnerability.id, at, fields, PUBLIC_SUBJECT)


def opening_change(
    vulnerability: Vulnerability, commitments: Sequence[LoggedCommitment], at: datetime
) -> PublicChange:
    """The public change opening every decision commitment of a disclosed ``vulnerability``.

    ``commitments`` MUST all be in the log (index, leaf hash and salt known).
    """
    openings = [
        {
            "index": c.index,
            "leaf_hash": c.leaf_hash,
            OPENED_FIELD: {"salt": c.salt, "value": c.value},
        }
        for c in commitments
    ]
    fields = {"state": vulnerability.state, "openings": openings}
    return gate(EQUITIES_OPENED, vulnerability.id, at, fields, PUBLIC_SUBJECT)
