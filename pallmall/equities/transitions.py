"""The transition table of the equities register: which verb moves which status where.
Anything not in the table is refused with :class:`~pallmall.core.errors.TransitionRefused`.

A target is a set when the verb's data picks it (an approval follows the proposal's outcome;
a returned proposal goes back to the status the last decision gave); the service MUST pick
one of the listed targets.
"""

from __future__ import annotations

from pallmall.core.errors import TransitionRefused
from pallmall.equities.model import Status, Verb

S = Status
V = Verb
Table = dict[tuple[Status, Verb], frozenset[Status]]

_SETTLED = frozenset({S.HELD, S.RESTRICTED, S.MITIGATED, S.LIMITED_USE})
_DECIDED = frozenset({S.DISCLOSED, S.RESTRICTED, S.MITIGATED, S.LIMITED_USE})

TABLE: Table = {
    (S.HELD, V.PROPOSE): frozenset({S.PROPOSED}),
    # a review of a retained vulnerability is a new proposal
    (S.RESTRICTED, V.PROPOSE): frozenset({S.PROPOSED}),
    (S.MITIGATED, V.PROPOSE): frozenset({S.PROPOSED}),
    (S.LIMITED_USE, V.PROPOSE): frozenset({S.PROPOSED}),
    (S.PROPOSED, V.ESCALATE): frozenset({S.PROPOSED}),
    (S.PROPOSED, V.RETURN): _SETTLED,
    (S.PROPOSED, V.APPROVE): _DECIDED,
    (S.DISCLOSED, V.NOTIFY_VENDOR): frozenset({S.DISCLOSED}),
    (S.DISCLOSED, V.RECORD_CVE): frozenset({S.DISCLOSED}),
    (S.DISCLOSED, V.OPEN): frozenset({S.DISCLOSED}),
}

INITIAL = S.HELD


def targets(status: Status, verb: Verb) -> frozenset[Status]:
    """Where ``verb`` may take a vulnerability in ``status``.

    Raises:
        TransitionRefused: the table has no such move (names status and verb).
    """
    found = TABLE.get((status, verb))
    if found is None:
        raise TransitionRefused("vulnerability", status.value, verb.value)
    return found


def allowed_verbs(status: Status) -> list[Verb]:
    """The verbs the table allows from ``status``, in table order."""
    return [verb for (source, verb) in TABLE if source is status]
