"""What this node knows, screened like a list: the registry's designated records, the
vendors restricted by a case decided here, and the parties other states' nodes told it they
restrict or designate (federation).

A party on a licence application is named as the applicant typed it, without a registry id
("NSO Group Technologies Ltd", "Saito Tech Ltd."). So the registry's designations and the
node's restrictions are turned into two screening lists, one entry per record with its
name, aliases and former names, and every party is screened against them with the same
matcher (:class:`pallmall.screening.Screener`), the same threshold and the same
explanations as against the lists in force. A hit names the record, and carries the
record's designations or the restriction cases in force against it (or, for a peer's
entry, the measures notified).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from pallmall.policy import (
    DesignationEvidence,
    PeerMeasureEvidence,
    RecordMatch,
    RestrictionEvidence,
    ScreeningMatch,
)
from pallmall.screening import (
    EntryName,
    EntrySchema,
    Hit,
    ListEntry,
    LoadReport,
    NameType,
    Party,
    Screener,
    SnapshotInfo,
)

REGISTRY_LIST = "registry-designations"
"""The list of registry records carrying a designation in force."""

RESTRICTIONS_LIST = "node-restrictions"
"""The list of vendors restricted by a restriction case decided on this node."""

PEERS_LIST = "peer-measures"
"""The list of parties restricted or designated by other states' nodes (federation)."""


@dataclass(frozen=True)
class ListedRecord:
    """A registry record as a list entry: its id, ``schema`` (``person`` or
    ``organization``), ``names`` (the name first, then aliases and former names),
    ``countries`` (ISO 3166-1 alpha-2, any case) and the designations in force on it."""

    record_id: str
    schema: str
    names: tuple[str, ...]
    countries: tuple[str, ...] = ()
    designations: tuple[DesignationEvidence, ...] = ()


def entry(list_id: str, record: ListedRecord) -> ListEntry:
    """``record`` as an entry of ``list_id``: the first name primary, the others aliases
    (a former name is a name the party may still trade under)."""
    names = tuple(
        EntryName(n, NameType.PRIMARY if i == 0 else NameType.ALIAS)
        for i, n in enumerate(record.names)
    )
    programmes = tuple(dict.fromkeys(d.programme or d.authority for d in record.designations))
    return ListEntry(
        list_id=list_id,
        entry_id=record.record_id,
        schema=EntrySchema(record.schema) if record.schema else EntrySchema.UNKNOWN,
        names=names,
        countries=tuple(c.lower() for c in record.countries),
        programmes=programmes,
    )


class NodeLists:
    """The node lists over ``designated`` records, ``restricted`` vendors (record -> the
    restriction cases in force against it) and ``peers``' measures (entry -> the measures
    notified, :func:`pallmall.cases.measures.peer_entries`), built once per due-diligence run.

    ``stamp`` versions the lists (the world stamp of the run), so a hit names the state of
    the registry, the case store and the measures received it was made against.
    """

    def __init__(
        self,
        designated: Sequence[ListedRecord],
        restricted: Mapping[str, tuple[ListedRecord, tuple[RestrictionEvidence, ...]]],
        stamp: str,
        peers: Mapping[str, tuple[ListedRecord, tuple[PeerMeasureEvidence, ...]]] | None = None,
    ) -> None:
        self.designated = {r.record_id: r for r in designated}
        self.restricted = dict(restricted)
        self.peers = dict(peers or {})
        reports = [
            _report(REGISTRY_LIST, stamp, "designations recorded in the registry", designated),
            _report(
                RESTRICTIONS_LIST,
                stamp,
                "vendors restricted by a case decided on this node",
                [record for record, _ in restricted.values()],
            ),
            _report(
                PEERS_LIST,
                stamp,
                "parties restricted or designated by other states' nodes (federation)",
                [record for record, _ in self.peers.values()],
            ),
        ]
        live = [r for r in reports if r.entries]
        self.screener = Screener(live) if live else None

    def versions(self) -> tuple[str, ...]:
        """``list_id@version`` of the node lists that hold at least one entry."""
        if self.screener is None:
            return ()
        return tuple(sorted(f"{s.list_id}@{s.version}" for s in self.screener.snapshots))

    def match(self, name: str, country: str) -> tuple[RecordMatch, ...]:
        """The records ``name`` (in ``country`` when given) scores against, alerts and near
        misses, strongest first, each with the screener's explanation and what the record
        carries (designations, restrictions)."""
        if self.screener is None or not name.strip():
            return ()
        party = Party(name, countries=(country,) if country else ())
        return tuple(self._record_match(h) for h in self.screener.screen(party).hits)

    def _record_match(self, hit: Hit) -> RecordMatch:
        designations: tuple[DesignationEvidence, ...]
        restrictions: tuple[RestrictionEvidence, ...]
        if hit.list_id == PEERS_LIST:
            record, measures = self.peers[hit.entry_id]
            return RecordMatch(
                record_id=record.record_id,
                record_name=record.names[0],
                match=screening_match(hit),
                peer_measures=measures,
            )
        if hit.list_id == REGISTRY_LIST:
            record = self.designated[hit.entry_id]
            designations, restrictions = record.designations, ()
        else:
            record, restrictions = self.restricted[hit.entry_id]
            designations = ()
        return RecordMatch(
            record_id=record.record_id,
            record_name=record.names[0],
            match=screening_match(hit),
            designations=designations,
            restrictions=restrictions,
        )


def _report(list_id: str, stamp: str, source: str, records: Iterable[ListedRecord]) -> LoadReport:
    snapshot = SnapshotInfo(list_id, stamp, None, source)
    return LoadReport(snapshot, tuple(entry(list_id, r) for r in records if r.names))


def screening_match(hit: Hit) -> ScreeningMatch:
    """A screener hit as evidence, with its one-line explanation."""
    return ScreeningMatch(
        list_id=hit.list_id,
        list_version=hit.snapshot.version,
        entry_id=hit.entry_id,
        entry_name=hit.entry_name,
        programmes=hit.programmes,
        score=round(hit.score, 4),
        alert=hit.alert,
        explanation=explain_hit(hit),
    )


def explain_hit(hit: Hit) -> str:
    """One readable line: which names met, how their words paired, what each feature added,
    and the list version the hit came from with its age on the screening day."""
    nm = hit.name_match
    pairs = ", ".join(f"{p.query}~{p.candidate} {p.similarity:.2f}" for p in nm.pairs)
    parts = "; ".join(f"{c.feature.value} {c.value:+.2f} ({c.detail})" for c in hit.contributions)
    age = "" if hit.list_age_days is None else f", {hit.list_age_days} days old"
    listed = f"; list {hit.list_id} version {hit.snapshot.version}{age}"
    return (
        f"{nm.query_name!r} matched {nm.list_name_type.value} name {nm.list_name!r} "
        f"[{pairs}]; {parts}; score {hit.score:.2f} >= threshold {hit.threshold:.2f}{listed}"
        if hit.alert
        else f"{nm.query_name!r} near {nm.list_name!r} [{pairs}]; score {hit.score:.2f}{listed}"
    )
