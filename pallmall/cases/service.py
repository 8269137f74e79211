"""Case use cases over one unit of work: rights, the transition tables, four eyes, history,
audit records and public changes (the log) all in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from pallmall.cases.diligence import (
    GATHER,
    Sources,
    in_force,
    procurement_assessment,
    run_diligence,
)
from pallmall.cases.effects import EFFECTS, Effect, Move, Step
from pallmall.cases.exchange import (
    NO_EXCHANGE,
    Consultation,
    DenialExchange,
    DenialNotice,
    RestrictiveMeasure,
)
from pallmall.cases.measures import Restricted, node_measures
from pallmall.cases.model import (
    Action,
    Assessment,
    Case,
    CaseEvent,
    CaseKind,
    CaseQuery,
    CaseState,
    CaseStatus,
    Classification,
    DiligenceRun,
    LicenceApplication,
    Message,
    MessageKind,
    Notification,
    ProcurementRequest,
    RecordedClassification,
    Verb,
)
from pallmall.cases.ports import CaseStore
from pallmall.cases.publish import Decided, decision_change, denial_notices, filer_case, filer_event
from pallmall.cases.transitions import OPEN, OWNER, RIGHTS, allowed_verbs, targets
from pallmall.cases.undercut import (
    Sender,
    consultations,
    denial_notice,
    item,
    local_consultation,
    received_consultation,
    withdrawal,
)
from pallmall.core.accounts import User
from pallmall.core.audit import AuditRecord, AuditSink
from pallmall.core.auth import ROLE_PERMISSIONS, Permission, Principal
from pallmall.core.changes import ChangeOutbox, PublicChange
from pallmall.core.clock import utcnow
from pallmall.core.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    TransitionRefused,
    Unauthenticated,
)
from pallmall.core.paging import Page, PageRequest
from pallmall.disclosure import Visibility
from pallmall.policy import PriorDenialEvidence, RuleKind, RuleSet, shipped_rules

P = Permission
S = CaseStatus
READ = (P.CASES_FILE, P.CASES_DECIDE, P.CASES_OVERSEE)


@dataclass(frozen=True)
class CaseView:
    """A case as one principal may see it: the filer sees no advice or due diligence."""

    case: Case
    events: Sequence[CaseEvent]
    runs: Sequence[DiligenceRun]
    messages: Sequence[Message]
    verbs: Sequence[Verb]
    internal: bool


@dataclass(frozen=True)
class Preview:
    """A dry run of a verb: the status it would lead to and the public change it would
    append to the transparency log (None: the public would see nothing of it)."""

    status: CaseStatus
    change: PublicChange | None


@dataclass
class CaseService:
    """Cases over one unit of work. ``sources`` builds the evidence sources for a run;
    ``exchange`` is the node's denial exchange with other states' nodes (what it sends
    leaves only if the unit of work commits), ``node`` the node's log origin, which names
    it in what it sends (no undercut across nodes: :mod:`pallmall.cases.undercut`), and
    ``node_state`` the state it acts for (ISO 3166-1 alpha-2, "" when none): the notifying
    state of what an authority with no state of its own sends, and of the registry's
    designations (:mod:`pallmall.cases.measures`)."""

    store: CaseStore
    audit: AuditSink
    outbox: ChangeOutbox
    sources: Callable[[], Sources]
    rules: RuleSet = field(default_factory=shipped_rules)
    clock: Callable[[], datetime] = utcnow
    exchange: DenialExchange = NO_EXCHANGE
    node: str = ""
    node_state: str = ""

    # -- reading ---------------------------------------------------------------------------

    def get(self, principal: Principal, case_id: str) -> Case:
        """The case, if the principal may see it.

        Raises:
            Unauthenticated/Forbidden: the principal has no case permission at all.
            NotFound: no such case, or one the principal may not see.
        """
        require_any(principal, READ)
        case = self.store.get(case_id)
        if case is None or not visible(principal, case):
            raise NotFound(f"no case {case_id!r}")
        return case

    def view(self, principal: Principal, case_id: str) -> CaseView:
        """The case with its history, due diligence (caseworkers only) and messages."""
        case = self.get(principal, case_id)
        internal = insider(principal, case)
        events = self.store.events(case_id)
        if not internal:
            filer = case.filed_by if case.filed_by else (principal.user_id or "")
            events = [filer_event(e, filer, self.rules) for e in events]
        return CaseView(
            self.shown(principal, case),
            events,
            self.store.runs(case_id) if internal else (),
            self.store.messages(case_id),
            [v for v in allowed_verbs(case.kind, case.status) if self._may(principal, case, v)],
            internal,
        )

    def shown(self, principal: Principal, case: Case) -> Case:
        """``case`` as ``principal`` may see it: whole for those who work it, the filer's
        view (:func:`~pallmall.cases.publish.filer_case`) for the filing account."""
        return case if insider(principal, case) else filer_case(case, self.rules)

    def search(self, principal: Principal, query: CaseQuery, page: PageRequest) -> Page[Case]:
        """The cases matching ``query`` that the principal may see, newest first, each as
        :meth:`shown` gives it."""
        require_any(principal, READ)
        if principal.can(P.CASES_OVERSEE):
            return self.store.search(query, page)
        if not principal.account_id:
            return Page([], 0, page.offset, page.limit)
        if principal.can(P.CASES_DECIDE):
            return self.store.search(replace(query, authority_id=principal.account_id), page)
        found = self.store.search(replace(query, account_id=principal.account_id), page)
        items = [self.shown(principal, c) for c in found.items]
        return Page(items, found.total, found.offset, found.limit)

    def notifications(self, principal: Principal, page: PageRequest) -> Page[Notification]:
        """Denial notices and consultations to the principal's authority (all, for
        oversight)."""
        require_any(principal, (P.CASES_DECIDE, P.CASES_OVERSEE))
        if principal.can(P.CASES_OVERSEE):
            return self.store.notifications(None, page)
        if not principal.account_id:
            return Page([], 0, page.offset, page.limit)
        return self.store.notifications(principal.account_id, page)

    def receive_consultation(
        self, principal: Principal, consultation: Consultation
    ) -> Notification:
        """A consultation from another node (federation calls this once it has verified the
        object against that node's log): it approved a transfer essentially similar to one
        this node denied. The authority that denied the case gets a notification with the
        justification (``GET /api/v1/cases/notifications``); returns it.

        Raises:
            Unauthenticated/Forbidden: the principal neither decides nor oversees cases.
            InvalidInput: naming ``denial_node`` when the consultation is addressed to
                another node.
            NotFound: ``denial_reference`` names no licence case of this node.
        """
        require_any(principal, (P.CASES_DECIDE, P.CASES_OVERSEE))
        if consultation.denial_node != self.node:
            raise InvalidInput("denial_node", f"addressed to {consultation.denial_node!r}")
        case = self.store.get(consultation.denial_reference)
        if case is None or case.kind is not CaseKind.LICENCE:
            raise NotFound(f"no licence case {consultation.denial_reference!r}")
        notice = received_consultation(case, consultation, self.clock())
        self.store.add_notification(notice)
        payload = {
            "consulting_node": consultation.consulting_node,
            "case_reference": consultation.case_reference,
        }
        self.record_audit(principal, "cases.undercut.consultation", case.id, payload, notice.at)
        return notice

    def approvers(self, principal: Principal) -> list[User]:
        """Who may sign off a use authorisation the principal files: active users whose role
        oversees cases, outside the principal's account and other than the principal
        (four eyes by identity); when the principal acts for a state, never a user of another
        state's account (a state's use of these tools is overseen by its own body, or by the
        node's admins, who belong to no account), by e-mail.

        Raises:
            Unauthenticated/Forbidden: the principal may not file cases.
        """
        require_any(principal, (P.CASES_FILE,))
        return [
            u
            for u in self.store.users()
            if u.active
            and P.CASES_OVERSEE in ROLE_PERMISSIONS[u.role]
            and u.id != principal.user_id
            and not (u.account and u.account.id == principal.account_id)
            and (principal.state is None or u.account is None or u.account.state == principal.state)
        ]

    # -- transitions -----------------------------------------------------------------------

    def act(self, principal: Principal, case_id: str, action: Action) -> Case:
        """Apply ``action.verb`` to the case through its kind's transition table.

        Raises:
            NotFound: the principal may not see the case.
            Forbidden: the principal's role or account may not use the verb, or four eyes
                by identity (:mod:`pallmall.cases.effects`): the officer who advised cannot
                countersign or return the advice; the filer and the filing account's users
                decide nothing on the case; an appeal is decided by officers who took no
                part in the decision appealed; only the named approver signs off a use
                authorisation.
            TransitionRefused: the table has no such move from the case's status.
            Conflict: ``expected_version`` is stale.
            InvalidInput: the verb's data is missing (names the field).
        """
        case, made = self._prepare(principal, case_id, action)
        return self.move(principal, case, action.verb, made.status, made.state, made.payload)

    def preview(self, principal: Principal, case_id: str, action: Action) -> Preview:
        """What ``action`` would do and publish, without taking it: a dry run with the same
        checks as :meth:`act` (and the same errors), so the decider sees before deciding the
        text that will be published, permanently.
        """
        case, made = self._prepare(principal, case_id, action)
        effect = EFFECTS[case.kind][action.verb]
        after = replace(case, status=made.status, state=made.state)
        appeal = on_appeal(case)
        change = self._change(after, effect, self.clock(), appeal) if effect.publish else None
        return Preview(made.status, change)

    def _prepare(self, principal: Principal, case_id: str, action: Action) -> tuple[Case, Move]:
        case = self.get(principal, case_id)
        rights = RIGHTS[case.kind].get(action.verb)
        if rights is None:
            raise TransitionRefused(f"{case.kind.value} case", case.status.value, action.verb.value)
        check_rights(principal, case, rights)
        allowed = targets(case.kind, case.status, action.verb)
        if action.expected_version is not None and action.expected_version != case.version:
            raise Conflict(
                f"case {case.id} is at version {case.version}, not {action.expected_version}"
            )
        effect = EFFECTS[case.kind][action.verb]
        step = Step(
            case,
            action,
            principal.user_id or "",
            self.clock(),
            allowed,
            self._assess(case),
            principal.account_id or "",
            self._prior_denials(case),
        )
        return case, effect.record(step)

    def move(
        self,
        principal: Principal,
        case: Case,
        verb: Verb,
        status: CaseStatus,
        state: CaseState,
        payload: dict[str, Any],
    ) -> Case:
        """Store the new status and state, the history entry, the audit record, and what
        the verb's :class:`~pallmall.cases.effects.Effect` says follows (due diligence, a
        public change, denial notices)."""
        now = self.clock()
        after = replace(case, status=status, state=state, version=case.version + 1, updated_at=now)
        self.store.save(after, case.version)
        actor = principal.user_id or "anonymous"
        self.store.append_event(CaseEvent(case.id, now, actor, verb, case.status, status, payload))
        self.record_audit(principal, f"cases.{case.kind.value}.{verb.value}", case.id, payload, now)
        effect = EFFECTS[case.kind][verb]
        followed = self._follow(principal, after, effect, now, on_appeal(case))
        if effect.exchange:
            self._tell_peers(principal, case, followed, now)
        return followed

    def _sources(self) -> Sources:
        """The evidence sources of a run, with the node's denial exchange."""
        return replace(self.sources(), exchange=self.exchange, node=self.node)

    def _assess(self, case: Case) -> Callable[[], Assessment]:
        def assessment() -> Assessment:
            req = case.filed(ProcurementRequest)
            return procurement_assessment(req, self._sources(), self.store, self.rules)

        return assessment

    def _prior_denials(self, case: Case) -> Callable[[], tuple[PriorDenialEvidence, ...]]:
        """The prior denials of ``case``'s current (latest) due-diligence run, when that run
        carries a finding of a ``prior_denial`` rule; called only when an approval asks."""

        def current() -> tuple[PriorDenialEvidence, ...]:
            runs = self.store.runs(case.id)
            if not runs:
                return ()
            kinds = {r.id: r.kind for r in self.rules.rules}
            last = runs[-1]
            if any(kinds.get(f.rule_id) is RuleKind.PRIOR_DENIAL for f in last.findings):
                return last.evidence.prior_denials
            return ()

        return current

    # -- no undercut across nodes ----------------------------------------------------------

    def _tell_peers(self, principal: Principal, before: Case, after: Case, at: datetime) -> None:
        """What a licence decision tells other states' nodes and authorities here
        (:mod:`pallmall.cases.undercut`): a denial (or a denial upheld on appeal) is a notice;
        a denial set aside on appeal withdraws it; an approval over prior denials consults
        each denying node (and notifies each denying authority on this node) with the
        decision's justification."""
        if after.kind is CaseKind.RESTRICTION:
            self.share_measures(principal)
            return
        if after.kind is not CaseKind.LICENCE:
            return
        sender = self._sender(after.authority_id)
        peers = self.exchange is not NO_EXCHANGE  # a node with no peers sends no notice
        if after.status is S.DENIED and peers:
            self._send(principal, self._notice(after, sender, at), at)
        elif after.status is S.APPROVED_WITH_CONDITIONS:
            if on_appeal(before) and peers:
                notice = withdrawal(self._notice(before, sender, at), after.state.decision)
                self._send(principal, notice, at)
            self._consult(principal, after, sender, at)

    def _sender(self, authority_id: str | None) -> Sender:
        """This node, as the state of ``authority_id`` (else the node's state) speaks."""
        state = self.store.account_state(authority_id) if authority_id else None
        return Sender(self.node, state or self.node_state)

    def share_measures(self, principal: Principal) -> int:
        """Tell the peers the restrictive measures in force on this node now
        (:mod:`pallmall.cases.measures`): new and changed ones, and the withdrawal of those
        no longer in force; audited when anything was sent. Returns the versions sent (0 on
        a node with no peers)."""
        if self.exchange is NO_EXCHANGE:
            return 0
        sent = self.exchange.share_measures(self.measures())
        if sent:
            payload = {"versions": sent}
            at = self.clock()
            self.record_audit(principal, "federation.measures.shared", self.node, payload, at)
        return sent

    def measures(self) -> list[RestrictiveMeasure]:
        """Every restrictive measure in force on this node that a peer may be told: the
        vendors restricted by a case decided here and the designations in force in the
        registry, of public records only (a record that is not public is never named to
        another node)."""
        registry = self.sources().registry
        authorities = self.store.authorities()
        restricted = []
        for case in self.store.decided_restrictions():
            vendor = registry.listed(case.subject_id)
            public = registry.visibility(case.subject_id) is Visibility.PUBLIC
            if not in_force(case) or vendor is None or not public:
                continue
            events = self.store.events(case.id)
            first = next((e.at for e in events if e.to_status is S.RESTRICTED), case.updated_at)
            authority = authorities.get(case.authority_id or "", "")
            sender = self._sender(case.authority_id)
            restricted.append(Restricted(case, vendor, authority, sender, first.date()))
        designated = [
            r
            for r in registry.designated()
            if registry.visibility(r.record_id) is Visibility.PUBLIC
        ]
        return node_measures(restricted, designated, self._sender(None), self.rules)

    def _notice(self, case: Case, sender: Sender, at: datetime) -> DenialNotice:
        """``case``'s denial notice, dated the day the case was first denied."""
        first = next((e.at for e in self.store.events(case.id) if e.to_status is S.DENIED), at)
        product = case.filed(LicenceApplication).product_id
        registry = self.sources().registry
        public = registry.visibility(product) is Visibility.PUBLIC
        described = item(case, registry.name(product) if public else None)
        return denial_notice(case, sender, first.date(), described, self.rules)

    def _send(self, principal: Principal, notice: DenialNotice, at: datetime) -> None:
        self.exchange.notify_denial(notice)
        payload = {"reference": notice.reference, "revoked": notice.revoked}
        self.record_audit(principal, "cases.denial.sent", notice.reference, payload, at)

    def _consult(self, principal: Principal, case: Case, sender: Sender, at: datetime) -> None:
        decision = case.state.decision
        if decision is None or not decision.undercut_justification:
            return
        denials = self._prior_denials(case)()
        for consultation in consultations(case, denials, sender, at):
            payload = {
                "denial_node": consultation.denial_node,
                "denial_reference": consultation.denial_reference,
            }
            try:
                self.exchange.consult(consultation)
            except NotFound as exc:
                # the denying node stopped being a peer since due diligence read its notice:
                # the decision stands, and the audit trail says the word could not be sent
                payload["error"] = str(exc)
                self.record_audit(principal, "cases.undercut.undeliverable", case.id, payload, at)
                continue
            self.record_audit(principal, "cases.undercut.consulted", case.id, payload, at)
        authorities = self.store.authorities()
        for denial in denials:
            denied = None if denial.foreign else self.store.get(denial.case_id)
            if denied is None:
                continue
            notice = local_consultation(case, denial, denied.authority_id, authorities, at)
            self.store.add_notification(notice)
            payload = {"to": notice.to_authority, "denial_case": denial.case_id}
            self.record_audit(principal, "cases.undercut.consulted", case.id, payload, at)

    def _follow(
        self,
        principal: Principal,
        case: Case,
        effect: Effect,
        at: datetime,
        appeal: bool = False,
    ) -> Case:
        if effect.diligence:
            return self.run_diligence(principal, case, "submitted", check=False)
        if effect.publish is None:
            return case
        self.outbox.add(self._change(case, effect, at, appeal))
        authorities = self.store.authorities()
        if effect.notify is not None and case.status is effect.notify:
            for notice in denial_notices(case, authorities, at):
                self.store.add_notification(notice)
                self.record_audit(
                    principal, "cases.denial.notified", case.id, {"to": notice.to_authority}, at
                )
        return case

    def _change(self, case: Case, effect: Effect, at: datetime, appeal: bool) -> PublicChange:
        assert effect.publish is not None
        authority = self.store.authorities().get(case.authority_id, case.authority_id or "")
        # the deciding state: the export authority's (licences, restrictions), else the
        # state agency's own (procurement checks, use authorisations its oversight signs off)
        state = self.store.account_state(case.authority_id or case.account_id)
        subject = self.sources().registry.visibility(case.subject_id)
        outcome = effect.outcome(case)
        decided = Decided(effect.publish, outcome, authority, state, appeal)
        return decision_change(case, decided, at, subject, self.rules)

    def _may(self, principal: Principal, case: Case, verb: Verb) -> bool:
        try:
            check_rights(principal, case, RIGHTS[case.kind][verb])
        except (Forbidden, Unauthenticated):
            return False
        return True

    # -- due diligence, messages, classification -------------------------------------------

    def run_diligence(
        self, principal: Principal, case: Case, trigger: str, check: bool = True
    ) -> Case:
        """Run due diligence on a licence, restriction or use-authorisation case still open
        and keep the run; returns the case with its new top severity. With ``check`` the
        principal needs ``cases:decide`` (a use authorisation's runs come by themselves: on
        submit and on recheck).

        Raises:
            TransitionRefused: the case's kind runs no due diligence, or it is closed.
        """
        if check:
            require_any(principal, (P.CASES_DECIDE,))
        if case.kind not in GATHER or case.status not in OPEN:
            raise TransitionRefused(f"{case.kind.value} case", case.status.value, "due diligence")
        run = run_diligence(case, self._sources(), self.store, self.rules, trigger, self.clock())
        self.store.add_run(run)
        after = replace(case, top_severity=run.top_severity, version=case.version + 1)
        self.store.save(after, case.version)
        self.record_audit(
            principal,
            f"cases.{case.kind.value}.diligence",
            case.id,
            {"trigger": trigger, "findings": len(run.findings), "stamp": run.stamp},
            run.at,
        )
        return after

    def recheck(self, principal: Principal) -> list[str]:
        """Re-run due diligence on every open case the principal may see (licences,
        restrictions, use authorisations) whose last run read older lists, an older registry
        or older decisions; returns the ids re-run."""
        require_any(principal, (P.CASES_DECIDE,))
        stamp = self.store.world_stamp()
        done = []
        for case in self._open_cases(principal):
            runs = self.store.runs(case.id)
            if runs and runs[-1].stamp == stamp:
                continue
            self.run_diligence(principal, case, "recheck")
            done.append(case.id)
        return done

    def _open_cases(self, principal: Principal) -> list[Case]:
        out: list[Case] = []
        offset = 0
        while True:
            query = CaseQuery(open_only=True)
            page = self.search(principal, query, PageRequest(offset, 500))
            out.extend(c for c in page.items if c.status in OPEN and c.kind in GATHER)
            if not page.has_more:
                return out
            offset += 500

    def message(self, principal: Principal, case_id: str, text: str) -> Message:
        """A request for information (caseworker) or an answer (the filer).

        Raises:
            TransitionRefused: the case is closed; or an answer with no request to answer.
            InvalidInput: naming ``text`` when empty.
        """
        case = self.get(principal, case_id)
        if not text.strip():
            raise InvalidInput("text", "must not be empty")
        kind = MessageKind.REQUEST if insider(principal, case) else MessageKind.ANSWER
        if case.status not in OPEN and case.status is not S.DRAFT:
            raise TransitionRefused(f"{case.kind.value} case", case.status.value, kind.value)
        if kind is MessageKind.ANSWER and not any(
            m.kind is MessageKind.REQUEST for m in self.store.messages(case_id)
        ):
            raise TransitionRefused(
                f"{case.kind.value} case",
                case.status.value,
                "answer without a request for information",
            )
        message = Message(case_id, self.clock(), principal.user_id or "", kind, text.strip())
        self.store.add_message(message)
        self.record_audit(
            principal, f"cases.message.{kind.value}", case_id, {"text": message.text}, message.at
        )
        return message

    def classify(self, principal: Principal, case_id: str, value: Classification) -> Case:
        """Record the caseworker's classification of an open licence case.

        Raises:
            TransitionRefused: not a licence case in submitted or under_review.
        """
        principal.require(P.CASES_DECIDE)
        case = self.get(principal, case_id)
        if case.kind is not CaseKind.LICENCE or case.status not in (S.SUBMITTED, S.UNDER_REVIEW):
            raise TransitionRefused(f"{case.kind.value} case", case.status.value, "classify")
        recorded = RecordedClassification(**value.model_dump(), by=principal.user_id or "")
        state = case.state.model_copy(update={"classification": recorded})
        after = replace(case, state=state, version=case.version + 1, updated_at=self.clock())
        self.store.save(after, case.version)
        self.record_audit(
            principal,
            "cases.licence.classified",
            case_id,
            recorded.model_dump(mode="json"),
            after.updated_at,
        )
        return after

    def record_audit(
        self, principal: Principal, verb: str, target: str, payload: dict[str, Any], at: datetime
    ) -> None:
        self.audit.append(AuditRecord(principal.user_id or "anonymous", verb, target, at, payload))


def on_appeal(case: Case) -> bool:
    """Whether a decision taken on ``case`` now decides an appeal: the case is in appeal, or
    new advice was given on one and awaits its countersignature (``state.appealed``)."""
    return case.status is CaseStatus.APPEAL or case.state.appealed is not None


# -- rights ----------------------------------------------------------------------------------


def require_any(principal: Principal, permissions: Sequence[Permission]) -> None:
    """Raise unless the principal has one of ``permissions``.

    Raises:
        Unauthenticated: an anonymous caller.
        Forbidden: a signed-in caller with none of them.
    """
    if any(principal.can(p) for p in permissions):
        return
    if principal.is_anonymous:
        raise Unauthenticated("sign in to work on cases")
    names = " or ".join(p.value for p in permissions)
    raise Forbidden(f"role {principal.role.value!r} may not {names}")


def owns(principal: Principal, case: Case) -> bool:
    """Whether the principal files for the case's account."""
    return bool(case.account_id) and principal.account_id == case.account_id


def insider(principal: Principal, case: Case) -> bool:
    """Whether the principal works the case (decides or oversees), rather than filed it."""
    if principal.can(P.CASES_OVERSEE):
        return True
    return principal.can(P.CASES_DECIDE) and _same_authority(principal, case)


def visible(principal: Principal, case: Case) -> bool:
    """Filers see their own account's cases; caseworkers their authority's; oversight all."""
    return insider(principal, case) or (principal.can(P.CASES_FILE) and owns(principal, case))


def check_rights(principal: Principal, case: Case, rights: frozenset[str]) -> None:
    """Raise unless the principal holds one of ``rights`` for this case (``owner``: files
    for the case's account; a permission: held, and for ``cases:decide`` in the case's
    authority).

    Raises:
        Forbidden: naming what is missing.
    """
    for right in rights:
        if right == OWNER and principal.can(P.CASES_FILE) and owns(principal, case):
            return
        if right == P.CASES_OVERSEE and principal.can(P.CASES_OVERSEE):
            return
        if right == P.CASES_DECIDE and _decides_for(principal, case):
            return
    needed = " or ".join(sorted("the filing account" if r == OWNER else r for r in rights))
    raise Forbidden(f"only {needed} may do this on {case.id}")


def _decides_for(principal: Principal, case: Case) -> bool:
    if not principal.can(P.CASES_DECIDE):
        return False
    return _same_authority(principal, case) or principal.can(P.CASES_OVERSEE)


def _same_authority(principal: Principal, case: Case) -> bool:
    return bool(case.authority_id) and principal.account_id == case.authority_id
