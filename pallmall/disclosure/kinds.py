"""The vocabulary of log entry kinds, and what each field of each kind becomes in the log.

This table is the one place that says, for every kind of public change, which fields are
public, which are committed (a salted commitment in the log, the value kept on the node for an
auditor) and which never leave the node. The gate (:mod:`.gate`) applies it to every change
before the change may wait for the log; the publisher checks it again before appending.
``docs/disclosure.md`` is this table in prose (a test keeps the two in step).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from pallmall.core.errors import InvalidInput
from pallmall.log.withholding import NOTICE_KIND


class Treatment(StrEnum):
    """What the gate does with a field of a change."""

    ENVELOPE = "envelope"
    """Always public: a marking or an outcome, never content that names anyone."""
    PUBLIC = "public"
    """Public when the subject is public (:mod:`.rules`); otherwise committed."""
    ITEMS = "items"
    """A list of parts, each with its own sensitivity: the items the public may read are
    public (when the subject is); the others are committed as ``<field>_restricted``."""
    COMMITTED = "committed"
    """Always committed: the log holds a salted commitment, the node keeps the value."""
    WITHHELD = "withheld"
    """Never leaves the node, not even as a commitment."""


RESTRICTED_SUFFIX = "_restricted"
SUBJECT_FIELD = "subject"
"""The committed field holding the real subject of an entry whose subject is withheld."""


@dataclass(frozen=True)
class EntryKind:
    """A kind of log entry: its name, what it records, and the treatment of each field."""

    name: str
    about: str
    fields: Mapping[str, Treatment]

    def public_names(self) -> frozenset[str]:
        """Fields that may appear in an entry's public part."""
        shown = (Treatment.ENVELOPE, Treatment.PUBLIC, Treatment.ITEMS)
        return frozenset(n for n, t in self.fields.items() if t in shown)

    def committed_names(self) -> frozenset[str]:
        """Fields that may appear among an entry's commitments."""
        names = {n for n, t in self.fields.items() if t in (Treatment.PUBLIC, Treatment.COMMITTED)}
        names |= {n + RESTRICTED_SUFFIX for n, t in self.fields.items() if t is Treatment.ITEMS}
        return frozenset(names | {SUBJECT_FIELD})


E, P, ITEMS, C, W = (
    Treatment.ENVELOPE,
    Treatment.PUBLIC,
    Treatment.ITEMS,
    Treatment.COMMITTED,
    Treatment.WITHHELD,
)

_RECORD: dict[str, Treatment] = {
    "type": P,
    "visibility": E,
    "name": P,
    "aliases": P,
    "former_names": P,
    "jurisdictions": P,
    "description": P,
    "sources": ITEMS,
    "confidence": P,
}
RECORD_FIELDS: Mapping[str, Mapping[str, Treatment]] = {
    "organisation": {
        **_RECORD,
        "kinds": P,
        "founded": P,
        "first_seen": P,
        "designations": P,
    },
    "person": {**_RECORD, "nationalities": P, "designations": P},
    "product": {**_RECORD, "capabilities": P, "control_codes": P, "security_research": P},
}
RELATIONSHIP_FIELDS: Mapping[str, Treatment] = {
    "visibility": E,
    "type": P,
    "source_id": P,
    "target_id": P,
    "share": P,
    "start": P,
    "end": P,
    "sources": ITEMS,
    "confidence": P,
}
INCIDENT_FIELDS: Mapping[str, Treatment] = {
    "tlp": E,
    "incident": P,
    "title": P,
    "public_summary": P,  # written for the public; the summary stays committed
    "status": P,
    "categories": P,
    "victims": P,  # counts by category, never a name or pseudonym
    "attributions": ITEMS,  # role, registry id and confidence; never an attribution's sources
    "first_seen": P,
    "last_seen": P,
    "device_types": P,
    "attack_vectors": P,
    "indicator_count": P,
    "decided_at": P,
    "sources": ITEMS,
    "attribution_sources": ITEMS,
    "summary": C,
    "indicators": C,
    "decision_reason": C,
    "reported_by": C,
    "decided_by": C,
    "owner": C,  # the team or state that reported it
    "victim_identities": W,
}
CASE_DECISION_FIELDS: Mapping[str, Treatment] = {
    "case_kind": E,
    "authority": E,
    "state": E,  # the deciding state (ISO 3166-1 alpha-2): reports count by it
    "outcome": E,
    "appeal": E,  # true when the decision decides an appeal (dismissed, decided anew, lifted)
    "destination": P,
    "product_category": P,
    "grounds": P,  # cited rule ids only; free-text grounds are part of the decision
    "public_statement": P,
    "details": C,
    "decision": C,
    "advice": C,
    "top_severity": C,
}
NOTICE_FIELDS: Mapping[str, Treatment] = {
    "index": P,  # the withheld entry
    "reason": P,  # the operator's public explanation
    "bundles": P,  # the entry bundles no longer served
}
REPORT_FIELDS: Mapping[str, Treatment] = {
    "state": P,
    "period": P,
    "checkpoint": P,
    "digest": P,
}

EQUITIES_DECISION_FIELDS: Mapping[str, Treatment] = {
    "state": E,
    "outcome": E,  # disclose, restrict, mitigate, limited_use: what the report counts
    "review_on": E,  # the review date of a retained vulnerability (overdue reviews)
    "decision": C,  # equities weighed, rationale, body, escalations: opened on disclosure
    "vulnerability": C,  # what it affects, CVE, when and how acquired: never opened
    "deciders": C,  # who proposed and who approved: never opened
}
EQUITIES_OPENING_FIELDS: Mapping[str, Treatment] = {
    "state": E,
    "openings": P,  # per earlier decision entry: index, leaf hash, salt and value of decision
}

FEDERATION_FIELDS: Mapping[str, Treatment] = {
    # SHA-256 of the RFC 8785 JSON of a STIX object version shared with peers: the object
    # itself (its type, group, recipients) never reaches the log; its random id makes the
    # hash unguessable, and a peer holding the object checks it against this entry
    "object_sha256": E,
}

ATTESTATION_FIELDS: Mapping[str, Treatment] = {
    "form": E,  # the form and version answered
    "attested_at": E,
    "expires_on": E,
    "digest": P,  # SHA-256 of the answers' canonical JSON, what the node signed
    "answers": P,  # the vendor's own declarations, made for publication
    "note": P,  # the statement signed by the node on the vendor's behalf (C2SP signed note)
}

FILER_EVENT_FIELDS: Mapping[str, frozenset[str]] = {
    "countersign": frozenset({"outcome", "grounds", "conditions", "public_statement"}),
    "amend": frozenset({"conditions", "public_statement"}),
    "dismiss_appeal": frozenset({"public_statement"}),
    "revoke": frozenset({"public_statement"}),
    "refuse": frozenset({"public_statement"}),
    "lift": frozenset({"public_statement"}),
    "sign_off": frozenset({"public_statement"}),
}
"""Of a case history entry by someone else (a caseworker, the overseer), the payload fields
the filer sees, by verb; every other verb (advice, returned advice, review, due diligence)
shows the filer only that it happened. The filer sees its own entries whole."""

CASE_KINDS = ("licence", "restriction", "procurement", "use_authorisation")
CASE_VERBS = (
    "decided",
    "appeal_dismissed",
    "amended",
    "revoked",
    "expired",
    "lifted",
    "signed_off",
    "refused",
    "assessed",
)
RECORD_VERBS = ("created", "updated", "deleted")
RELATIONSHIP_SAVED = "registry.relationship.saved"
RELATIONSHIP_DELETED = "registry.relationship.deleted"
INCIDENT_CONFIRMED = "intel.incident.confirmed"
REPORT_PUBLISHED = "report.published"
ENTRY_WITHHELD = NOTICE_KIND  # the log itself reads its notices (pallmall.log.audit)
EQUITIES_COMMITTED = "equities.decision.committed"
EQUITIES_OPENED = "equities.decision.opened"
ATTESTATION_FILED = "attestation.filed"
FEDERATION_SHARED = "federation.shared"


def _vocabulary() -> dict[str, EntryKind]:
    kinds: list[EntryKind] = []
    for record, fields in RECORD_FIELDS.items():
        kinds += [
            EntryKind(f"registry.{record}.created", f"a new {record} in the registry", fields),
            EntryKind(f"registry.{record}.updated", f"a new version of a {record}", fields),
            EntryKind(f"registry.{record}.deleted", f"a {record} deleted", {"visibility": E}),
        ]
    kinds += [
        EntryKind(RELATIONSHIP_SAVED, "a relationship added or changed", RELATIONSHIP_FIELDS),
        EntryKind(RELATIONSHIP_DELETED, "a relationship deleted", {"visibility": E}),
        EntryKind(INCIDENT_CONFIRMED, "an abuse incident confirmed (four eyes)", INCIDENT_FIELDS),
        EntryKind(REPORT_PUBLISHED, "a transparency report published", REPORT_FIELDS),
        EntryKind(ENTRY_WITHHELD, "an entry the operator no longer serves, and why", NOTICE_FIELDS),
        EntryKind(
            EQUITIES_COMMITTED,
            "a vulnerability equities decision taken (four eyes), committed to",
            EQUITIES_DECISION_FIELDS,
        ),
        EntryKind(
            ATTESTATION_FILED, "a vendor's self-attestation, signed by the node", ATTESTATION_FIELDS
        ),
        EntryKind(
            EQUITIES_OPENED,
            "the decisions on a vulnerability opened once it is disclosed",
            EQUITIES_OPENING_FIELDS,
        ),
        EntryKind(
            FEDERATION_SHARED,
            "a STIX object version shared with peer nodes, committed to by its hash",
            FEDERATION_FIELDS,
        ),
    ]
    kinds += [
        EntryKind(
            f"cases.{kind}.{verb}",
            f"a {kind.replace('_', ' ')} case {verb.replace('_', ' ')}",
            CASE_DECISION_FIELDS,
        )
        for kind in CASE_KINDS
        for verb in CASE_VERBS
    ]
    return {k.name: k for k in kinds}


ENTRY_KINDS: Mapping[str, EntryKind] = _vocabulary()
"""Every kind of log entry this node writes, by name."""


def entry_kind(name: str) -> EntryKind:
    """The entry kind called ``name``.

    Raises:
        InvalidInput: no such kind in the vocabulary (field ``kind``).
    """
    found = ENTRY_KINDS.get(name)
    if found is None:
        raise InvalidInput("kind", f"{name!r} is not a log entry kind of this node")
    return found


def record_kind(record_type: str, verb: str) -> str:
    """The entry kind of a registry record's change: ``registry.<type>.<verb>``.

    Raises:
        InvalidInput: not a kind of the vocabulary (field ``kind``).
    """
    return entry_kind(f"registry.{record_type}.{verb}").name


def decision_kind(case_kind: str, verb: str) -> str:
    """The entry kind of a case decision: ``cases.<case_kind>.<verb>``.

    Raises:
        InvalidInput: not a kind of the vocabulary (field ``kind``).
    """
    return entry_kind(f"cases.{case_kind}.{verb}").name


# -- what a transparency report counts -------------------------------------------------------

ANY_OUTCOME = "*"
APPEALS_ALLOWED = "appeals.allowed"
"""Every decision entry with a public ``appeal`` true counts here as well, except a dismissal
(which counts as ``appeals.dismissed``)."""
APPEALS_DISMISSED = "appeals.dismissed"
NODE_FIGURES = frozenset({"incidents.confirmed"})
"""Figures of the node, not of one state: their entries carry no state and count in every
state's report."""

REPORT_FIGURES: Mapping[str, Mapping[str, str]] = {
    decision_kind("licence", "decided"): {
        "approve_with_conditions": "licences.granted",
        "deny": "licences.denied",
    },
    decision_kind("licence", "amended"): {ANY_OUTCOME: "licences.amended"},
    decision_kind("licence", "revoked"): {ANY_OUTCOME: "licences.revoked"},
    decision_kind("licence", "expired"): {ANY_OUTCOME: "licences.expired"},
    decision_kind("licence", "appeal_dismissed"): {ANY_OUTCOME: APPEALS_DISMISSED},
    decision_kind("restriction", "decided"): {
        "restrict": "restrictions.imposed",
        "clear": "restrictions.cleared",
    },
    decision_kind("restriction", "lifted"): {ANY_OUTCOME: "restrictions.lifted"},
    decision_kind("restriction", "appeal_dismissed"): {ANY_OUTCOME: APPEALS_DISMISSED},
    decision_kind("procurement", "assessed"): {
        "go": "procurement.go",
        "no_go": "procurement.no_go",
    },
    decision_kind("use_authorisation", "signed_off"): {
        ANY_OUTCOME: "use_authorisations.authorised"
    },
    decision_kind("use_authorisation", "refused"): {ANY_OUTCOME: "use_authorisations.refused"},
    decision_kind("use_authorisation", "revoked"): {ANY_OUTCOME: "use_authorisations.revoked"},
    decision_kind("use_authorisation", "expired"): {ANY_OUTCOME: "use_authorisations.expired"},
    INCIDENT_CONFIRMED: {ANY_OUTCOME: "incidents.confirmed"},
    REPORT_PUBLISHED: {ANY_OUTCOME: "reports.published"},
    EQUITIES_COMMITTED: {
        "disclose": "equities.disclose",
        "restrict": "equities.restrict",
        "mitigate": "equities.mitigate",
        "limited_use": "equities.limited_use",
    },
    EQUITIES_OPENED: {ANY_OUTCOME: "equities.opened"},
}
"""For each kind a report counts, the figure an entry of it adds one to, by its public
``outcome`` (:data:`ANY_OUTCOME` for every outcome). A report for state S counts an entry when
its public ``state`` is S (node figures: always). The verifier
(:mod:`pallmall.reports.recount`) reads entries with its own table, not this one."""


def report_figures(kind: str, outcome: str | None, appeal: bool) -> tuple[str, ...]:
    """The figures one entry of ``kind`` with public ``outcome`` (and ``appeal``) adds one
    to; empty for a kind a report does not count."""
    table = REPORT_FIGURES.get(kind, {})
    figure = table.get(outcome or "") or table.get(ANY_OUTCOME)
    if figure is None:
        return ()
    if appeal and figure != APPEALS_DISMISSED:
        return (figure, APPEALS_ALLOWED)
    return (figure,)


def counted_figures() -> tuple[str, ...]:
    """Every figure :data:`REPORT_FIGURES` can add to, sorted (all start at 0)."""
    names = {f for table in REPORT_FIGURES.values() for f in table.values()}
    return tuple(sorted(names | {APPEALS_ALLOWED}))


def vocabulary_table() -> str:
    """The vocabulary as a Markdown table (what ``docs/disclosure.md`` shows): one row per
    field of each group of kinds that share their fields."""
    groups: dict[tuple[tuple[str, Treatment], ...], list[str]] = {}
    for kind in ENTRY_KINDS.values():
        groups.setdefault(tuple(kind.fields.items()), []).append(kind.name)
    rows = ["| entry kinds | field | in the log |", "|---|---|---|"]
    for fields, names in groups.items():
        label = "<br>".join(f"`{n}`" for n in _abbreviate(names))
        for n, (name, treatment) in enumerate(fields):
            rows.append(f"| {label if n == 0 else ''} | `{name}` | {treatment.value} |")
    return "\n".join(rows) + "\n"


def _abbreviate(names: list[str]) -> list[str]:
    """Many kinds of one shape (``cases.<kind>.<verb>``) as one pattern with alternatives."""
    parts = [n.split(".") for n in names]
    if len(names) <= 4 or len({len(p) for p in parts}) != 1:
        return names
    columns = [list(dict.fromkeys(p[i] for p in parts)) for i in range(len(parts[0]))]
    return [".".join(c[0] if len(c) == 1 else "{" + ",".join(c) + "}" for c in columns)]
