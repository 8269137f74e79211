"""The restrictive measures this node has in force, as its peers are told them
(:class:`~pallmall.cases.exchange.RestrictiveMeasure`), and those its peers told it, as a
node list every party is screened against.

A node tells its peers two kinds of measure: each vendor a restriction case decided here
restricts (in force: restricted, or under appeal of a restriction), and each designation in
force that its registry records. Only what the disclosure rules let a sharing group read
leaves: a measure names its subject by the registry record's names, so a record that is not
public is never told (``pallmall.federation`` also checks each group's TLP); of a restriction
decision only the cited rule ids and the public statement, never the advice or the reasoning.

The functions are pure; :class:`~pallmall.cases.service.CaseService` gathers their input.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from pallmall.cases.exchange import MeasureKind, RestrictiveMeasure
from pallmall.cases.model import Case
from pallmall.cases.node_lists import ListedRecord
from pallmall.cases.undercut import Sender, refusal_reason
from pallmall.policy import DesignationEvidence, PeerMeasureEvidence, RuleSet


@dataclass(frozen=True)
class Restricted:
    """A restriction case in force with what a measure needs besides it: the vendor as a
    node-list entry, the restricting authority's name, the sender (its state) and the day
    the case was first restricted."""

    case: Case
    vendor: ListedRecord
    authority: str
    sender: Sender
    decided_on: date


def restriction_measure(restricted: Restricted, rules: RuleSet) -> RestrictiveMeasure:
    """The measure of a restriction case in force, dated the day it was decided."""
    case, vendor = restricted.case, restricted.vendor
    return RestrictiveMeasure(
        reference=case.id,
        notifying_node=restricted.sender.node,
        notifying_state=restricted.sender.state,
        kind=MeasureKind.RESTRICTION,
        taken_on=restricted.decided_on,
        subject_names=vendor.names,
        subject_type=vendor.schema,
        countries=tuple(c.upper() for c in vendor.countries),
        authority=restricted.authority,
        grounds=refusal_reason(case.state.decision, rules),
    )


def designation_reference(record_id: str, designation: DesignationEvidence) -> str:
    """A designation's reference: the record's id and a digest of what names the
    designation (authority, programme, listing day), the same in every version."""
    key = "\x1f".join((designation.authority, designation.programme, designation.listed_on))
    return f"{record_id}/designation/{hashlib.sha256(key.encode()).hexdigest()[:16]}"


def designation_measures(record: ListedRecord, sender: Sender) -> list[RestrictiveMeasure]:
    """A measure for each designation in force on ``record`` (a public registry record)."""
    return [
        RestrictiveMeasure(
            reference=designation_reference(record.record_id, d),
            notifying_node=sender.node,
            notifying_state=sender.state,
            kind=MeasureKind.DESIGNATION,
            taken_on=date.fromisoformat(d.listed_on),
            subject_names=record.names,
            subject_type=record.schema,
            countries=tuple(c.upper() for c in record.countries),
            authority=d.authority,
            programme=d.programme,
            grounds=d.citation,
        )
        for d in record.designations
    ]


def node_measures(
    restricted: Iterable[Restricted],
    designated: Iterable[ListedRecord],
    node: Sender,
    rules: RuleSet,
) -> list[RestrictiveMeasure]:
    """Every measure in force on this node, by reference: ``restricted`` cases (vendors
    with public records) and the designations on ``designated`` (public records)."""
    found = [restriction_measure(r, rules) for r in restricted]
    for record in designated:
        found.extend(designation_measures(record, node))
    return sorted(found, key=lambda m: m.reference)


def peer_entries(
    measures: Sequence[RestrictiveMeasure], node: str
) -> Mapping[str, tuple[ListedRecord, tuple[PeerMeasureEvidence, ...]]]:
    """Peers' measures in force as node-list entries, one per subject (a party restricted
    and designated by one peer, or by two, is one entry carrying every measure): keyed by
    the first measure's ``notifying_node#reference``. Measures this node sent are left out."""
    entries: dict[tuple[str, tuple[str, ...]], list[RestrictiveMeasure]] = {}
    for m in measures:
        if m.revoked or m.notifying_node == node or not m.subject_names:
            continue
        key = (m.subject_type, tuple(n.casefold() for n in m.subject_names))
        entries.setdefault(key, []).append(m)
    out = {}
    for found in entries.values():
        first = found[0]
        entry_id = f"{first.notifying_node}#{first.reference}"
        record = ListedRecord(entry_id, first.subject_type, first.subject_names, first.countries)
        out[entry_id] = (record, tuple(peer_evidence(m) for m in found))
    return out


def peer_evidence(measure: RestrictiveMeasure) -> PeerMeasureEvidence:
    """A peer's measure as due-diligence evidence."""
    return PeerMeasureEvidence(
        notifying_node=measure.notifying_node,
        notifying_state=measure.notifying_state,
        reference=measure.reference,
        kind=measure.kind.value,
        subject=measure.subject,
        authority=measure.authority,
        programme=measure.programme,
        taken_on=measure.taken_on.isoformat(),
        grounds=measure.grounds,
    )
