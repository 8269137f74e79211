"""Adapters from the screening, registry and intel packages to the ports ``cases`` states.

Kept here (not in those packages) because no capability may import ``cases``; these import
only domain code, never a framework.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date

from pallmall.disclosure import Visibility
from pallmall.intel.incident import Incident, LinkRole
from pallmall.policy import (
    DesignationEvidence,
    IncidentEvidence,
    OwnershipEvidence,
    ProductEvidence,
    ScreeningMatch,
)
from pallmall.registry.model import Product, RelType
from pallmall.registry.ownership import RegistryOwnership
from pallmall.registry.store import RegistryStore
from pallmall.screening import Hit, Party, Screener, fifty_percent_rule, list_ages


class ScreenerFacts:
    """:class:`~pallmall.cases.ports.ScreeningFacts` over a :class:`Screener` (None: no list
    is loaded, so nothing is found and :meth:`versions` is empty)."""

    def __init__(self, screener: Screener | None, today: date | None = None) -> None:
        self.screener = screener
        self.today = today

    def screen(self, name: str, country: str) -> tuple[ScreeningMatch, ...]:
        """Hits for the party ``name`` (in ``country`` when given), explained."""
        if self.screener is None:
            return ()
        party = Party(name, countries=(country,) if country else ())
        result = self.screener.screen(party, today=self.today)
        return tuple(_match(h) for h in result.hits)

    def versions(self) -> tuple[str, ...]:
        """``list_id@version`` of the lists in the screener."""
        if self.screener is None:
            return ()
        return tuple(sorted({f"{s.list_id}@{s.version}" for s in self.screener.snapshots}))

    def stale(self) -> tuple[str, ...]:
        """Advisory lines for the lists in force that are overdue (see
        :func:`pallmall.screening.list_ages`)."""
        if self.screener is None:
            return ()
        return tuple(
            f"list {a.snapshot.list_id} version {a.snapshot.version} is {a.age_days} days old "
            f"(its publisher usually updates it every {a.expected_days} days): recent "
            "designations may be missing; `pallmall lists update` fetches the current one"
            for a in list_ages(self.screener.snapshots, self.today or date.today())
            if a.overdue
        )


def _match(hit: Hit) -> ScreeningMatch:
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
        if stored is None:
            return ()
        return tuple(
            DesignationEvidence(
                record_id,
                stored.record.name,
                d.authority,
                d.programme,
                d.listed_on.isoformat(),
                d.citation,
            )
            for d in getattr(stored.record, "designations", ())
            if d.listed_on <= self.today and (d.delisted_on is None or self.today < d.delisted_on)
        )

    def ownership(self, record_id: str) -> OwnershipEvidence | None:
        """The 50 % rule over the record's registry owners; None when no owner is listed."""
        day = self.today
        finding = fifty_percent_rule(
            record_id, self.graph, lambda r: self.graph.is_designated(r, day), day
        )
        if not finding.chains:
            return None
        return OwnershipEvidence(
            record_id, round(finding.aggregate_share, 4), finding.blocked, finding.explain()
        )

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
