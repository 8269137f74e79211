"""Adapters from the screening, registry and intel packages to the ports ``cases`` states.

Kept here (not in those packages) because no capability may import ``cases``; these import
only domain code, never a framework.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date

from pallmall.cases.node_lists import ListedRecord, screening_match
from pallmall.core.paging import PageRequest
from pallmall.disclosure import Visibility
from pallmall.intel.incident import Incident, LinkRole
from pallmall.policy import (
    DesignationEvidence,
    IncidentEvidence,
    ListAgeEvidence,
    OwnershipEvidence,
    ProductEvidence,
    ScreeningMatch,
)
from pallmall.registry.model import Person, Product, RelType
from pallmall.registry.ownership import RegistryOwnership
from pallmall.registry.store import RecordQuery, RegistryStore, Stored
from pallmall.screening import (
    ListChange,
    ListStore,
    OwnershipChain,
    OwnershipError,
    Party,
    Screener,
    entry_changes,
    fifty_percent_rule,
    list_ages,
)

PRODUCT_ROLES = (RelType.DEVELOPS, RelType.RESELLS, RelType.SUPPLIES)
"""How an organisation may stand to a product it applies to export."""


class ScreenerFacts:
    """:class:`~pallmall.cases.ports.ScreeningFacts` over a :class:`Screener` (None: no list
    is loaded, so nothing is found and :meth:`versions` is empty); ``history``, the list
    store, tells how entries changed between versions (None: no change is ever found)."""

    def __init__(
        self,
        screener: Screener | None,
        today: date | None = None,
        history: ListStore | None = None,
    ) -> None:
        self.screener = screener
        self.today = today
        self.history = history

    def entry_changes(
        self, list_id: str, since: str, entry_ids: Sequence[str]
    ) -> tuple[ListChange, ...]:
        """How ``entry_ids`` changed from version ``since`` of ``list_id`` to the version
        in the screener (see :func:`pallmall.screening.entry_changes`)."""
        if self.screener is None or self.history is None:
            return ()
        now = next((s for s in self.screener.snapshots if s.list_id == list_id), None)
        if now is None or now.version == since:
            return ()
        return entry_changes(self.history, since, now, entry_ids)

    def screen(self, name: str, country: str) -> tuple[ScreeningMatch, ...]:
        """Hits for the party ``name`` (in ``country`` when given), explained."""
        if self.screener is None:
            return ()
        party = Party(name, countries=(country,) if country else ())
        result = self.screener.screen(party, today=self.today)
        return tuple(screening_match(h) for h in result.hits)

    def versions(self) -> tuple[str, ...]:
        """``list_id@version`` of the lists in the screener."""
        if self.screener is None:
            return ()
        return tuple(sorted({f"{s.list_id}@{s.version}" for s in self.screener.snapshots}))

    def ages(self) -> tuple[ListAgeEvidence, ...]:
        """Each list in the screener with its age on ``today`` and its publisher's usual
        interval (see :func:`pallmall.screening.list_ages`), by list id."""
        if self.screener is None:
            return ()
        found = list_ages(self.screener.snapshots, self.today or date.today())
        return tuple(
            ListAgeEvidence(
                a.snapshot.list_id,
                a.snapshot.version,
                a.snapshot.published.isoformat() if a.snapshot.published else "",
                a.age_days,
                a.expected_days,
            )
            for a in sorted(found, key=lambda a: a.snapshot.list_id)
        )


class RegistryStoreFacts:
    """:class:`~pallmall.cases.ports.RegistryFacts` over a registry store, on ``today``."""

    def __init__(self, store: RegistryStore, today: date | None = None) -> None:
        self.store = store
        self.today = today or date.today()
        self.graph = RegistryOwnership(store)

    def product(self, record_id: str) -> ProductEvidence | None:
        """The product record as evidence; None when absent or not a product."""
        stored = self.store.get(record_id)
        if stored is None or not isinstance(stored.record, Product):
            return None
        p = stored.record
        return ProductEvidence(
            record_id,
            p.name,
            tuple(c.value for c in p.capabilities),
            tuple(c.value for c in p.control_codes),
            p.security_research,
        )

    def name(self, record_id: str) -> str | None:
        """The record's name."""
        stored = self.store.get(record_id)
        return stored.record.name if stored else None

    def visibility(self, record_id: str) -> Visibility:
        """The record's visibility; RESTRICTED when the registry does not hold it."""
        stored = self.store.get(record_id)
        return stored.record.visibility if stored else Visibility.RESTRICTED

    def jurisdictions(self, record_id: str) -> tuple[str, ...]:
        """The record's jurisdictions."""
        stored = self.store.get(record_id)
        return tuple(stored.record.jurisdictions) if stored else ()

    def designations(self, record_id: str) -> tuple[DesignationEvidence, ...]:
        """Designations in force today on the record."""
        stored = self.store.get(record_id)
        return self._in_force(stored) if stored else ()

    def _in_force(self, stored: Stored) -> tuple[DesignationEvidence, ...]:
        return tuple(
            DesignationEvidence(
                stored.id,
                stored.record.name,
                d.authority,
                d.programme,
                d.listed_on.isoformat(),
                d.citation,
            )
            for d in getattr(stored.record, "designations", ())
            if d.listed_on <= self.today and (d.delisted_on is None or self.today < d.delisted_on)
        )

    def listed(self, record_id: str) -> ListedRecord | None:
        """The record as a node-list entry (its names, countries, designations in force);
        None when the registry does not hold it or it is a product."""
        stored = self.store.get(record_id)
        return self._listed(stored) if stored else None

    def _listed(self, stored: Stored) -> ListedRecord | None:
        record = stored.record
        if isinstance(record, Product):
            return None
        person = isinstance(record, Person)
        nationalities = record.nationalities if isinstance(record, Person) else ()
        countries = (*record.jurisdictions, *nationalities)
        return ListedRecord(
            record_id=stored.id,
            schema="person" if person else "organization",
            names=record.all_names(),
            countries=tuple(dict.fromkeys(countries)),
            designations=self._in_force(stored),
        )

    def designated(self) -> tuple[ListedRecord, ...]:
        """Every record (restricted ones too: due diligence reads as the node) carrying a
        designation in force today, as a node-list entry."""
        out: list[ListedRecord] = []
        query = RecordQuery(designated=True, include_restricted=True)
        offset = 0
        while True:
            page = self.store.search(query, PageRequest(offset, 500))
            out.extend(r for s in page.items if (r := self._listed(s)) and r.designations)
            if not page.has_more:
                return tuple(out)
            offset += 500

    def products_of(self, vendor_id: str) -> tuple[str, ...]:
        """The products ``vendor_id`` develops (``develops`` relationships in force)."""
        return tuple(
            sorted(
                r.relationship.target_id
                for r in self.store.relationships_of(vendor_id)
                if r.relationship.type is RelType.DEVELOPS
                and r.relationship.source_id == vendor_id
                and r.relationship.valid_on(self.today)
            )
        )

    def relations(self, source_id: str, target_id: str) -> tuple[str, ...]:
        """How ``source_id`` stands to the product ``target_id``: the ``develops``,
        ``resells`` and ``supplies`` relationships between them in force today."""
        return tuple(
            sorted(
                {
                    r.relationship.type.value
                    for r in self.store.relationships_of(source_id)
                    if r.relationship.source_id == source_id
                    and r.relationship.target_id == target_id
                    and r.relationship.type in PRODUCT_ROLES
                    and r.relationship.valid_on(self.today)
                }
            )
        )

    def ownership(self, record_id: str) -> OwnershipEvidence | None:
        """The 50 % rule over the record's registry owners: blocked, unknown (a designated
        owner's stake has no recorded share: the paths say where) or clear, and the records
        whose recorded owners hold more than 100 %; None when no designated owner is on any
        path and the data holds no such error."""
        day = self.today
        finding = fifty_percent_rule(
            record_id, self.graph, lambda r: self.graph.is_designated(r, day), day
        )
        if not (finding.chains or finding.unknown or finding.errors):
            return None
        return OwnershipEvidence(
            record_id=record_id,
            aggregate_share=round(finding.aggregate_share, 4),
            blocked=finding.blocked,
            explanation=finding.explain(),
            status=finding.status,
            unknown_paths=tuple(self._path(c) for c in finding.unknown),
            data_errors=tuple(self._error(e) for e in finding.errors),
        )

    def _label(self, record_id: str) -> str:
        name = self.name(record_id)
        return f"{name} ({record_id})" if name else record_id

    def _path(self, chain: OwnershipChain) -> str:
        steps = [self._label(chain.listed_owner)]
        for edge in chain.path:
            share = "unknown" if edge.share is None else f"{edge.share:.0%}"
            steps.append(f"{share} of {self._label(edge.owned)}")
        return " -> ".join(steps)

    def _error(self, error: OwnershipError) -> str:
        holders = ", ".join(
            f"{self._label(e.owner)} {e.share:.0%}" for e in error.holdings if e.share is not None
        )
        return f"recorded owners of {self._label(error.owned)} hold {error.total:.0%}: {holders}"

    def vendor_of(self, product_id: str) -> str | None:
        """The developer of ``product_id`` (``develops`` relationship), if any."""
        for rel in self.store.relationships_of(product_id):
            r = rel.relationship
            if r.type is RelType.DEVELOPS and r.target_id == product_id:
                return r.source_id
        return None


class IntelIncidentFacts:
    """:class:`~pallmall.cases.ports.IncidentFacts` over the intel package's incidents.

    ``incidents`` lists them (``SqlIntelStore.list_incidents``); ``jurisdictions`` gives a
    registry record's countries (to find incidents by operators in a destination).
    """

    def __init__(
        self,
        incidents: Callable[[], Iterable[Incident]],
        jurisdictions: Callable[[str], tuple[str, ...]],
    ) -> None:
        self.incidents = incidents
        self.jurisdictions = jurisdictions

    def linked(self, links: Mapping[str, str]) -> tuple[IncidentEvidence, ...]:
        """Incidents attributed to any record in ``links``, one item per (incident, link)."""
        out = []
        for incident in self.incidents():
            for a in incident.attributions:
                if a.target_id in links:
                    out.append(_evidence(incident, links[a.target_id], a.target_id))
        return tuple(dict.fromkeys(out))

    def in_country(self, country: str) -> tuple[IncidentEvidence, ...]:
        """Incidents whose operator is registered in ``country``."""
        out = []
        for incident in self.incidents():
            for a in incident.attributions:
                if a.role is LinkRole.OPERATOR and country in self.jurisdictions(a.target_id):
                    out.append(_evidence(incident, "destination", a.target_id))
        return tuple(dict.fromkeys(out))


def _evidence(incident: Incident, linked_as: str, link_id: str) -> IncidentEvidence:
    return IncidentEvidence(
        incident_id=incident.id,
        title=incident.title,
        status=incident.status.value,
        categories=tuple(c.value for c in incident.categories),
        linked_as=linked_as,
        link_id=link_id,
        has_operator=any(a.role is LinkRole.OPERATOR for a in incident.attributions),
    )
