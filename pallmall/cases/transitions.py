"""The transition tables: for each case kind, which verb moves which status where, and which
permission the verb needs. Anything not in a table is refused with :class:`TransitionRefused`.

A target is a set when the verb's data picks it (a countersignature follows the advice's
outcome); the service MUST pick one of the listed targets.
"""

from __future__ import annotations

from pallmall.cases.model import CaseKind, CaseStatus, Verb
from pallmall.core.auth import Permission
from pallmall.core.errors import TransitionRefused

S = CaseStatus
V = Verb
P = Permission
Table = dict[tuple[CaseStatus, Verb], frozenset[CaseStatus]]


def _one(status: CaseStatus) -> frozenset[CaseStatus]:
    return frozenset({status})


LICENCE: Table = {
    (S.DRAFT, V.SUBMIT): _one(S.SUBMITTED),
    (S.SUBMITTED, V.START_REVIEW): _one(S.UNDER_REVIEW),
    (S.UNDER_REVIEW, V.ADVISE): _one(S.ADVICE),
    (S.ADVICE, V.RETURN_ADVICE): frozenset({S.UNDER_REVIEW, S.APPEAL}),
    (S.ADVICE, V.COUNTERSIGN): frozenset({S.APPROVED_WITH_CONDITIONS, S.DENIED}),
    (S.DENIED, V.APPEAL): _one(S.APPEAL),
    (S.APPEAL, V.DISMISS_APPEAL): _one(S.DENIED),
    # a denial is amended only through new advice and a second officer's countersignature
    (S.APPEAL, V.ADVISE): _one(S.ADVICE),
    (S.APPROVED_WITH_CONDITIONS, V.AMEND): _one(S.AMENDED),
    (S.AMENDED, V.AMEND): _one(S.AMENDED),
    (S.APPROVED_WITH_CONDITIONS, V.REVOKE): _one(S.REVOKED),
    (S.AMENDED, V.REVOKE): _one(S.REVOKED),
    (S.APPROVED_WITH_CONDITIONS, V.EXPIRE): _one(S.EXPIRED),
    (S.AMENDED, V.EXPIRE): _one(S.EXPIRED),
}

RESTRICTION: Table = {
    (S.OPEN, V.ADVISE): _one(S.ADVICE),
    (S.ADVICE, V.RETURN_ADVICE): _one(S.OPEN),
    (S.ADVICE, V.COUNTERSIGN): frozenset({S.RESTRICTED, S.CLEARED}),
    (S.RESTRICTED, V.APPEAL): _one(S.APPEAL),
    (S.APPEAL, V.DISMISS_APPEAL): _one(S.RESTRICTED),
    (S.APPEAL, V.LIFT): _one(S.LIFTED),
    (S.RESTRICTED, V.LIFT): _one(S.LIFTED),
}

PROCUREMENT: Table = {
    (S.SUBMITTED, V.ASSESS): _one(S.ASSESSED),
    (S.ASSESSED, V.ASSESS): _one(S.ASSESSED),
}

USE_AUTHORISATION: Table = {
    (S.DRAFT, V.SUBMIT): _one(S.SUBMITTED),
    (S.SUBMITTED, V.SIGN_OFF): _one(S.AUTHORISED),
    (S.SUBMITTED, V.REFUSE): _one(S.REFUSED),
    (S.AUTHORISED, V.REVOKE): _one(S.REVOKED),
    (S.AUTHORISED, V.EXPIRE): _one(S.EXPIRED),
}

TABLES: dict[CaseKind, Table] = {
    CaseKind.LICENCE: LICENCE,
    CaseKind.RESTRICTION: RESTRICTION,
    CaseKind.PROCUREMENT: PROCUREMENT,
    CaseKind.USE_AUTHORISATION: USE_AUTHORISATION,
}

INITIAL: dict[CaseKind, CaseStatus] = {
    CaseKind.LICENCE: S.DRAFT,
    CaseKind.RESTRICTION: S.OPEN,
    CaseKind.PROCUREMENT: S.SUBMITTED,
    CaseKind.USE_AUTHORISATION: S.DRAFT,
}

OWNER = "owner"
"""Marks a verb only the filing account may use (with ``cases:file``)."""

_DECIDE = frozenset({P.CASES_DECIDE})
_FILER = frozenset({OWNER})
RIGHTS: dict[CaseKind, dict[Verb, frozenset[str]]] = {
    CaseKind.LICENCE: {
        V.SUBMIT: _FILER,
        V.APPEAL: _FILER,
        V.START_REVIEW: _DECIDE,
        V.ADVISE: _DECIDE,
        V.RETURN_ADVICE: frozenset({P.CASES_DECIDE, P.CASES_OVERSEE}),
        V.COUNTERSIGN: frozenset({P.CASES_DECIDE, P.CASES_OVERSEE}),
        V.DISMISS_APPEAL: _DECIDE,
        V.AMEND: _DECIDE,
        V.REVOKE: _DECIDE,
        V.EXPIRE: _DECIDE,
    },
    CaseKind.RESTRICTION: {
        V.ADVISE: _DECIDE,
        V.RETURN_ADVICE: frozenset({P.CASES_DECIDE, P.CASES_OVERSEE}),
        V.COUNTERSIGN: frozenset({P.CASES_DECIDE, P.CASES_OVERSEE}),
        V.APPEAL: _FILER,
        V.DISMISS_APPEAL: _DECIDE,
        V.LIFT: _DECIDE,
    },
    CaseKind.PROCUREMENT: {V.ASSESS: frozenset({OWNER, P.CASES_OVERSEE})},
    CaseKind.USE_AUTHORISATION: {
        V.SUBMIT: _FILER,
        V.SIGN_OFF: frozenset({P.CASES_OVERSEE}),
        V.REFUSE: frozenset({P.CASES_OVERSEE}),
        V.REVOKE: frozenset({P.CASES_OVERSEE}),
        V.EXPIRE: frozenset({P.CASES_OVERSEE}),
    },
}

OPEN: frozenset[CaseStatus] = frozenset({S.SUBMITTED, S.UNDER_REVIEW, S.ADVICE, S.APPEAL, S.OPEN})
"""Statuses in which a licence or restriction case is still being worked on."""


def targets(kind: CaseKind, status: CaseStatus, verb: Verb) -> frozenset[CaseStatus]:
    """Where ``verb`` may take a ``kind`` case in ``status``.

    Raises:
        TransitionRefused: the table has no such move (names kind, status and verb).
    """
    found = TABLES[kind].get((status, verb))
    if found is None:
        raise TransitionRefused(f"{kind.value} case", status.value, verb.value)
    return found


def allowed_verbs(kind: CaseKind, status: CaseStatus) -> list[Verb]:
    """The verbs the table allows from ``status``, in table order."""
    return [verb for (source, verb) in TABLES[kind] if source is status]
