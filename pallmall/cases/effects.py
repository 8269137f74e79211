"""What each verb does to a case besides moving its status, one table per case kind beside
the transition tables of :mod:`pallmall.cases.transitions`.

An :class:`Effect` names the record function (the checks the verb makes, the state it
records, the payload of its history entry, the status it picks among the table's targets)
and what follows once the move is stored: due diligence, a public change (the log), denial
notices. The record functions are pure: they read a :class:`Step` and return a
:class:`Move`, or raise. :class:`~pallmall.cases.service.CaseService` applies the tables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pallmall.cases.model import (
    Action,
    Advice,
    AdviceOutcome,
    Assessment,
    Case,
    CaseKind,
    CaseState,
    CaseStatus,
    Decision,
    DecisionOutcome,
    UseAuthorisationRequest,
    Verb,
)
from pallmall.cases.undercut import justification
from pallmall.core.errors import Forbidden, InvalidInput, TransitionRefused
from pallmall.policy import PriorDenialEvidence

S = CaseStatus
V = Verb

OUTCOMES: dict[CaseKind, dict[AdviceOutcome, CaseStatus]] = {
    CaseKind.LICENCE: {
        AdviceOutcome.APPROVE_WITH_CONDITIONS: S.APPROVED_WITH_CONDITIONS,
        AdviceOutcome.DENY: S.DENIED,
    },
    CaseKind.RESTRICTION: {AdviceOutcome.RESTRICT: S.RESTRICTED, AdviceOutcome.CLEAR: S.CLEARED},
}
"""The advice each kind takes, and the status a countersignature of it leads to."""


def no_prior_denials() -> tuple[PriorDenialEvidence, ...]:
    """A case whose due diligence holds no prior denial."""
    return ()


@dataclass(frozen=True)
class Step:
    """One verb being applied: the case before it, the request, the acting user's id, when,
    the targets the transition table allows, the procurement assessment as of now (called
    only by ``assess``), the acting user's account ("" for none), and the prior denials
    of the case's current due diligence when it carries a ``prior_denial`` finding (called
    only by approvals, which then need a justification: no undercut)."""

    case: Case
    action: Action
    actor: str
    at: datetime
    targets: frozenset[CaseStatus]
    assess: Callable[[], Assessment]
    actor_account: str = ""
    prior_denials: Callable[[], tuple[PriorDenialEvidence, ...]] = no_prior_denials


@dataclass(frozen=True)
class Move:
    """What a verb records: the status it moves to (one of the step's targets), the case's
    new state, and the payload of its history entry (JSON)."""

    status: CaseStatus
    state: CaseState
    payload: dict[str, Any] = field(default_factory=dict)


Record = Callable[[Step], Move]


def status_word(case: Case) -> str:
    """The public outcome of most decisions: the status the case moved to."""
    return case.status.value


def decided_outcome(case: Case) -> str:
    """The public outcome of a countersignature: the decision's outcome (``deny``...)."""
    decision = case.state.decision
    return decision.outcome.value if decision and decision.outcome else case.status.value


def verdict(case: Case) -> str:
    """The public outcome of a procurement check: ``go`` or ``no_go``."""
    assessment = case.state.assessment
    return assessment.verdict.value if assessment else case.status.value


@dataclass(frozen=True)
class Effect:
    """What one verb of one case kind does.

    ``record`` makes the move (and MUST raise rather than return a half-made one);
    ``publish`` is the word the public change's kind ends in (``cases.<kind>.<publish>``),
    None for a verb the public does not see; ``outcome`` the public outcome it carries;
    ``diligence`` runs due diligence after the move; ``notify`` sends denial notices to the
    other authorities when the move lands in that status; ``exchange`` tells other states'
    nodes and authorities of a licence decision (:mod:`pallmall.cases.undercut`): a denial
    notice, its withdrawal when an appeal sets the denial aside, consultations when a
    licence is approved over prior denials; of a restriction decision, the node's
    restrictive measures as they now stand (:mod:`pallmall.cases.measures`).
    """

    record: Record
    publish: str | None = None
    outcome: Callable[[Case], str] = status_word
    diligence: bool = False
    notify: CaseStatus | None = None
    exchange: bool = False


# -- record functions ------------------------------------------------------------------------


def only_target(step: Step) -> CaseStatus:
    """The single target of the step's move (the table gives one for every verb whose data
    does not pick it)."""
    return next(iter(step.targets))


def reason_payload(step: Step) -> dict[str, Any]:
    """The history payload of a verb that records nothing else: its reason, if given."""
    return {"reason": step.action.reason} if step.action.reason else {}


def keep(step: Step) -> Move:
    """Move, recording nothing but the reason (submit, start review, expire)."""
    return Move(only_target(step), step.case.state, reason_payload(step))


def need_reason(step: Step) -> None:
    """Raise unless the action gives a reason.

    Raises:
        InvalidInput: naming ``reason``.
    """
    if not step.action.reason.strip():
        raise InvalidInput("reason", f"{step.action.verb.value} needs a reason")


def appeal(step: Step) -> Move:
    """The filer appeals, giving a reason; the decision stands until the appeal is
    dismissed or decided anew, by officers who took no part in it (kept as ``appealed``)."""
    need_reason(step)
    state = step.case.state.model_copy(update={"appealed": step.case.state.decision})
    return Move(only_target(step), state, reason_payload(step))


def close(step: Step) -> Move:
    """A decision that ends or sets aside what was decided (revoke, refuse, lift, dismiss an
    appeal): its reason and who took it go on the decision."""
    need_reason(step)
    decision = step.case.state.decision or Decision()
    decision = decision.model_copy(
        update={"reason": step.action.reason, "by": step.actor, **statement(step)}
    )
    state = step.case.state.model_copy(update={"decision": decision, "appealed": None})
    return Move(only_target(step), state, {**reason_payload(step), **statement(step)})


def statement(step: Step) -> dict[str, str]:
    """The public statement a deciding verb carries (what the log will publish), if any."""
    text = step.action.public_statement.strip()
    return {"public_statement": text} if text else {}


def not_a_party(step: Step) -> None:
    """Four eyes by identity: who filed an application (a licence, a use authorisation), or
    acts for the case's account (the applicant; for a restriction, the vendor), decides
    nothing on it, under any role (an admin placed in a vendor's account included); while
    an appeal is open, neither does an officer who took part in the decision appealed. (The
    caseworker who opens a restriction case may advise on it; a second officer
    countersigns.)

    Raises:
        Forbidden: naming the rule the actor meets.
    """
    case, verb = step.case, step.action.verb.value
    applicant = case.kind is not CaseKind.RESTRICTION  # a caseworker opens a restriction
    if applicant and step.actor and step.actor == case.filed_by:
        raise Forbidden(f"four eyes: the user who filed {case.id} cannot {verb} it")
    if step.actor_account and step.actor_account == case.account_id:
        raise Forbidden(f"four eyes: the filing account's users cannot {verb} {case.id}")
    appealed = case.state.appealed
    if appealed is not None and step.actor in took_part(appealed):
        raise Forbidden(
            f"an appeal is decided by an officer who took no part in the decision appealed: "
            f"you took part in {case.id}'s, so cannot {verb} on the appeal"
        )


def took_part(decision: Decision) -> set[str]:
    """The users who took part in ``decision`` (advised, countersigned, amended, decided)."""
    named = (decision.advised_by, decision.countersigned_by, decision.amended_by, decision.by)
    return {u for u in named if u}


def deciding(record: Record) -> Record:
    """``record`` behind :func:`not_a_party` (every verb that decides on a case)."""

    def checked(step: Step) -> Move:
        not_a_party(step)
        return record(step)

    checked.__name__ = getattr(record, "__name__", "checked")
    checked.__doc__ = record.__doc__
    return checked


def advise(step: Step) -> Move:
    """An officer's advice: an outcome this kind takes, with grounds.

    Raises:
        InvalidInput: naming ``outcome`` (missing, or not one this kind takes) or
            ``grounds`` (none given).
    """
    kind, action = step.case.kind, step.action
    if action.outcome is None or action.outcome not in OUTCOMES[kind]:
        allowed = ", ".join(o.value for o in OUTCOMES[kind])
        raise InvalidInput("outcome", f"advice on a {kind.value} case needs one of {allowed}")
    if not action.grounds:
        raise InvalidInput("grounds", "advice needs its grounds (rule ids or reasons)")
    advice = Advice(
        by=step.actor,
        at=step.at,
        outcome=action.outcome,
        grounds=action.grounds,
        conditions=action.conditions,
        reason=action.reason,
        undercut_justification=approval_justification(step, action.outcome, ()),
    )
    state = step.case.state.model_copy(update={"advice": advice})
    return Move(only_target(step), state, advice.model_dump(mode="json"))


def second_officer(step: Step) -> Advice:
    """The advice a second officer acts on (four eyes).

    Raises:
        TransitionRefused: the case holds no advice.
        Forbidden: the actor gave the advice.
    """
    case = step.case
    advice = case.state.advice
    if advice is None:
        raise TransitionRefused(f"{case.kind.value} case", case.status.value, "no advice")
    if advice.by == step.actor:
        raise Forbidden(
            f"four eyes: the officer who advised on {case.id} cannot {step.action.verb.value}"
        )
    return advice


def return_advice(step: Step) -> Move:
    """A second officer sends the advice back, with a reason; the advice is cleared and the
    case goes back to review (to the appeal, when the advice was given on one)."""
    advice = second_officer(step)
    need_reason(step)
    state = step.case.state.model_copy(update={"advice": None})
    payload = {"returned_advice": advice.model_dump(mode="json"), "reason": step.action.reason}
    back = S.APPEAL if step.case.state.appealed is not None else S.UNDER_REVIEW
    status = back if back in step.targets else only_target(step)
    return Move(status, state, payload)


def approval_justification(
    step: Step, outcome: AdviceOutcome, earlier: tuple[str, ...]
) -> str | None:
    """The justification an advice or countersignature of ``outcome`` records: for a
    licence approval, the action's ``undercut_justification`` else the first of
    ``earlier`` (the advice's), required when the case's current due diligence carries
    prior denials (no undercut); None for any other outcome.

    Raises:
        InvalidInput: naming ``undercut_justification``
            (:func:`~pallmall.cases.undercut.justification`).
    """
    if outcome is not AdviceOutcome.APPROVE_WITH_CONDITIONS:
        return None
    given = (step.action.undercut_justification, *earlier)
    return justification(given, step.prior_denials())


def countersign(step: Step) -> Move:
    """A second officer countersigns: the advice becomes the decision, and its outcome
    picks the status (on an appeal, this decides it: a denial amended to an approval needs
    this second signature). A licence approved over prior denials records why (the
    countersignature's justification, else the advice's)."""
    advice = second_officer(step)
    earlier = (advice.undercut_justification,) if advice.undercut_justification else ()
    decision = Decision(
        outcome=DecisionOutcome(advice.outcome.value),
        grounds=advice.grounds,
        conditions=advice.conditions,
        advised_by=advice.by,
        countersigned_by=step.actor,
        reason=step.action.reason or advice.reason,
        public_statement=statement(step).get("public_statement"),
        undercut_justification=approval_justification(step, advice.outcome, earlier),
    )
    state = step.case.state.model_copy(update={"decision": decision, "appealed": None})
    return Move(OUTCOMES[step.case.kind][advice.outcome], state, decision.model_dump(mode="json"))


def amend(step: Step) -> Move:
    """New conditions on a licence (after an appeal, or on an approved one).

    Raises:
        InvalidInput: naming ``conditions`` when none are given.
    """
    action = step.action
    if not action.conditions:
        raise InvalidInput("conditions", "amending needs the new conditions")
    decision = step.case.state.decision or Decision()
    decision = decision.model_copy(
        update={
            "conditions": action.conditions,
            "amended_by": step.actor,
            "reason": action.reason,
            **statement(step),
        }
    )
    state = step.case.state.model_copy(update={"decision": decision})
    payload = {"conditions": list(action.conditions), "reason": action.reason, **statement(step)}
    return Move(only_target(step), state, payload)


def named_approver(step: Step) -> None:
    """Four eyes on a use authorisation: only the approver the agency named (a user id)
    signs it off or refuses it.

    Raises:
        Forbidden: the actor is not the named approver.
    """
    req = step.case.filed(UseAuthorisationRequest)
    if step.actor != req.approver:
        raise Forbidden(
            f"four eyes: only the approver named on {step.case.id} may {step.action.verb.value} it"
        )


def approve(record: Record) -> Record:
    """``record`` behind :func:`named_approver` (sign-off and refusal)."""

    def checked(step: Step) -> Move:
        named_approver(step)
        return record(step)

    checked.__name__ = getattr(record, "__name__", "checked")
    checked.__doc__ = record.__doc__
    return checked


def sign_off(step: Step) -> Move:
    """The oversight body authorises a use of a capability."""
    decision = Decision(
        outcome=DecisionOutcome.AUTHORISED,
        by=step.actor,
        reason=step.action.reason,
        grounds=("oversight sign-off",),
        public_statement=statement(step).get("public_statement"),
    )
    state = step.case.state.model_copy(update={"decision": decision})
    return Move(only_target(step), state, {**reason_payload(step), **statement(step)})


def reassess(step: Step) -> Move:
    """A procurement check assessed again, on the evidence as it is now."""
    state = step.case.state.model_copy(update={"assessment": step.assess()})
    return Move(only_target(step), state, reason_payload(step))


# -- the tables ------------------------------------------------------------------------------

Effects = dict[Verb, Effect]

LICENCE: Effects = {
    V.SUBMIT: Effect(keep, diligence=True),
    V.START_REVIEW: Effect(deciding(keep)),
    V.ADVISE: Effect(deciding(advise)),
    V.RETURN_ADVICE: Effect(deciding(return_advice)),
    V.COUNTERSIGN: Effect(
        deciding(countersign), "decided", decided_outcome, notify=S.DENIED, exchange=True
    ),
    V.APPEAL: Effect(appeal),
    V.DISMISS_APPEAL: Effect(deciding(close), "appeal_dismissed", exchange=True),
    V.AMEND: Effect(deciding(amend), "amended"),
    V.REVOKE: Effect(deciding(close), "revoked"),
    V.EXPIRE: Effect(deciding(keep), "expired"),
}

RESTRICTION: Effects = {
    V.ADVISE: Effect(deciding(advise)),
    V.RETURN_ADVICE: Effect(deciding(return_advice)),
    V.COUNTERSIGN: Effect(deciding(countersign), "decided", decided_outcome, exchange=True),
    V.APPEAL: Effect(appeal),
    V.DISMISS_APPEAL: Effect(deciding(close), "appeal_dismissed", exchange=True),
    V.LIFT: Effect(deciding(close), "lifted", exchange=True),
}

PROCUREMENT: Effects = {V.ASSESS: Effect(reassess, "assessed", verdict)}

USE_AUTHORISATION: Effects = {
    V.SUBMIT: Effect(keep, diligence=True),
    V.SIGN_OFF: Effect(deciding(approve(sign_off)), "signed_off"),
    V.REFUSE: Effect(deciding(approve(close)), "refused"),
    V.REVOKE: Effect(deciding(close), "revoked"),
    V.EXPIRE: Effect(deciding(keep), "expired"),
}

EFFECTS: dict[CaseKind, Effects] = {
    CaseKind.LICENCE: LICENCE,
    CaseKind.RESTRICTION: RESTRICTION,
    CaseKind.PROCUREMENT: PROCUREMENT,
    CaseKind.USE_AUTHORISATION: USE_AUTHORISATION,
}
"""Every verb of every kind's transition table, and what it does."""
