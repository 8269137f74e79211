"""What of an incident each reader may see, and what its confirmation tells the log.

Every output of an incident — the API's views, the portal's pages, the STIX export, the TAXII
``public`` collection and the transparency log — starts from :func:`redact` or
:func:`incident_change`, which ask the disclosure rules (:mod:`pallmall.disclosure`):

- an incident is readable by the public only once confirmed and only at TLP:CLEAR; a confirmed
  TLP:GREEN incident by the community (``intel:read_restricted``); above that, or before
  confirmation, only by its holders (the owner, the accounts it is shared with) and the
  oversight body (``intel:oversee``);
- its restricted details — the summary, victims' names and countries, indicators, restricted
  sources, who reported and decided and why — go only to readers with
  ``intel:read_restricted`` who hold it or oversee; everyone else who may read the incident
  reads its public summary and public sources;
- an attribution is as restricted as the registry record it names;
- each source (the incident's and each attribution's) has its own visibility, restricted unless
  the reporter marked it public;
- victims' names and countries never reach the log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from pallmall.core.changes import PublicChange
from pallmall.disclosure import (
    Part,
    Reader,
    Sensitivity,
    Tlp,
    Visibility,
    gate,
    may_read,
)
from pallmall.disclosure.kinds import INCIDENT_CONFIRMED
from pallmall.intel.incident import Citation, Incident, IncidentStatus, Victim

VisibilityOf = Callable[[str], Visibility]
"""The visibility of a registry record by id (RESTRICTED for an unknown id)."""

RESTRICTED_FIELDS = (
    "summary",
    "victims",
    "indicators",
    "reported_by",
    "reported_at",
    "decided_by",
    "decision_reason",
    "owner",
    "shared_with",
)
"""Fields of :func:`incident_view` that only readers of the restricted details see (else None)."""

_COMMUNITY = (Tlp.CLEAR, Tlp.GREEN)


def incident_sensitivity(incident: Incident) -> Sensitivity:
    """Who may know of an incident at all: once confirmed, its TLP, and above TLP:GREEN only
    its holders; before confirmation, as if TLP:RED and only its holders."""
    confirmed = incident.status is IncidentStatus.CONFIRMED
    if confirmed and incident.tlp in _COMMUNITY:
        return Sensitivity(tlp=incident.tlp)
    return Sensitivity(tlp=incident.tlp if confirmed else Tlp.RED, holders=incident.holders)


def details_sensitivity(incident: Incident) -> Sensitivity:
    """The sensitivity of an incident's restricted details: ``intel:read_restricted`` (as if
    TLP:RED) and, for an owned incident, one of its holders or an overseer."""
    return Sensitivity(tlp=Tlp.RED, holders=incident.holders)


def is_full(reader: Reader, incident: Incident) -> bool:
    """Whether ``reader`` sees ``incident`` whole, restricted details included."""
    return may_read(reader, details_sensitivity(incident))


def redact(incident: Incident, reader: Reader, visibility_of: VisibilityOf) -> Incident | None:
    """``incident`` as ``reader`` may read it, or None when it may not read it at all.

    Attributions to records the reader may not read and sources it may not read are dropped;
    for a reader who may not read the restricted details (:func:`is_full`) the summary,
    victims' names and countries, the decision's reason, who reported and decided, the owner
    and the accounts it is shared with are emptied too (the public summary stays).
    """
    if not may_read(reader, incident_sensitivity(incident)):
        return None
    holders = incident.holders
    attributions = tuple(
        replace(a, sources=_citations(reader, a.sources, holders, visibility_of(a.target_id)))
        for a in incident.attributions
        if may_read(reader, Sensitivity(visibility_of(a.target_id)))
    )
    seen = replace(
        incident,
        attributions=attributions,
        sources=_citations(reader, incident.sources, holders),
    )
    if is_full(reader, incident):
        return seen
    victims = tuple(Victim(v.category, v.pseudonym) for v in incident.victims)
    return replace(
        seen,
        summary="",
        victims=victims,
        reported_by="",
        decided_by=None,
        decision_reason="",
        owner=None,
        shared_with=(),
    )


def _citations(
    reader: Reader,
    citations: tuple[Citation, ...],
    holders: frozenset[str] | None,
    target: Visibility = Visibility.PUBLIC,
) -> tuple[Citation, ...]:
    return tuple(c for c in citations if may_read(reader, citation_sensitivity(c, target, holders)))


def citation_sensitivity(
    citation: Citation,
    target: Visibility = Visibility.PUBLIC,
    holders: frozenset[str] | None = None,
) -> Sensitivity:
    """A source's sensitivity: a restricted intel source is read like the incident's
    restricted details (``intel:read_restricted``, as if above TLP:CLEAR, and only by the
    incident's ``holders`` or an overseer); an attribution's source also points at the record
    the attribution names (``target``)."""
    if citation.visibility is Visibility.PUBLIC:
        return Sensitivity(tlp=Tlp.CLEAR, refs=(target,))
    return Sensitivity(tlp=Tlp.AMBER, refs=(target,), holders=holders)


def victim_counts(incident: Incident) -> dict[str, int]:
    """Victims by category, sorted by category."""
    counts: dict[str, int] = {}
    for victim in incident.victims:
        counts[victim.category.value] = counts.get(victim.category.value, 0) + 1
    return dict(sorted(counts.items()))


def incident_view(incident: Incident, reader: Reader, full: bool) -> dict[str, Any]:
    """A redacted incident (:func:`redact`) as a JSON-serialisable view for ``reader``;
    ``full`` is :func:`is_full` of the incident before redaction.

    Every view has ``view`` (``full`` or ``public``), the title, markings, categories,
    ``public_summary``, ``victim_counts``, attributions (role, target, confidence, readable
    sources), dates, ``indicator_count`` and the readable ``sources``. The
    :data:`RESTRICTED_FIELDS` are None unless the view is ``full``.
    """
    view: dict[str, Any] = {
        "id": incident.id,
        "view": "full" if full else "public",
        "title": incident.title,
        "status": incident.status.value,
        "tlp": incident.tlp.value,
        "categories": sorted(c.value for c in incident.categories),
        "public_summary": incident.public_summary,
        "victim_counts": victim_counts(incident),
        "attributions": [
            {
                "role": a.role.value,
                "target": a.target_id,
                "confidence": a.confidence,
                "sources": [c.to_json() for c in a.sources],
            }
            for a in incident.attributions
        ],
        **_facts(incident),
        "sources": [c.to_json() for c in incident.sources],
        **dict.fromkeys(RESTRICTED_FIELDS),
    }
    if not full:
        return view
    return {
        **view,
        "summary": incident.summary,
        "victims": [
            {
                "category": v.category.value,
                "pseudonym": v.pseudonym,
                "name": v.name,
                "country": v.country,
            }
            for v in incident.victims
        ],
        "indicators": list(incident.indicators),
        "reported_by": incident.reported_by,
        "reported_at": _iso(incident.reported_at),
        "decided_by": incident.decided_by,
        "decision_reason": incident.decision_reason,
        "owner": incident.owner,
        "shared_with": list(incident.shared_with),
    }


def incident_change(incident: Incident, visibility_of: VisibilityOf) -> PublicChange:
    """The public change recording ``incident``'s confirmation, through the disclosure gate.

    At TLP:CLEAR the log shows the title, the public summary, categories, victim counts,
    attributions to public records with their confidence, dates, device types, attack
    vectors, the indicator count and public sources; it commits to the summary, the
    indicators, restricted sources and attributions, the decision's reason, the owner and who
    reported and decided. Above TLP:CLEAR only the
    TLP label is readable and everything else is committed. Victims' identities never leave.
    """
    fields: dict[str, Any] = {
        "tlp": incident.tlp.value,
        "incident": incident.id,
        "title": incident.title,
        "public_summary": incident.public_summary,
        "status": incident.status.value,
        "categories": sorted(c.value for c in incident.categories),
        "victims": victim_counts(incident),
        "attributions": [
            Part(
                {"role": a.role.value, "target": a.target_id, "confidence": a.confidence},
                Sensitivity(visibility_of(a.target_id)),
            )
            for a in incident.attributions
        ],
        **_facts(incident),
        "sources": [
            Part(c.ref, citation_sensitivity(c, holders=incident.holders)) for c in incident.sources
        ],
        "attribution_sources": [
            Part(
                {"target": a.target_id, "ref": c.ref},
                citation_sensitivity(c, visibility_of(a.target_id), incident.holders),
            )
            for a in incident.attributions
            for c in a.sources
        ],
        "summary": incident.summary,
        "indicators": list(incident.indicators),
        "decision_reason": incident.decision_reason,
        "reported_by": incident.reported_by,
        "decided_by": incident.decided_by,
        "owner": incident.owner,
        "victim_identities": [[v.pseudonym, v.name, v.country] for v in incident.victims],
    }
    at = incident.decided_at or incident.reported_at
    return gate(INCIDENT_CONFIRMED, incident.id, at, fields, incident_sensitivity(incident))


def _facts(incident: Incident) -> dict[str, Any]:
    """The fields every view and the log share: dates, device types, attack vectors, the
    indicator count and when it was decided."""
    return {
        "first_seen": _iso(incident.first_seen),
        "last_seen": _iso(incident.last_seen),
        "device_types": sorted(d.value for d in incident.device_types),
        "attack_vectors": sorted(a.value for a in incident.attack_vectors),
        "indicator_count": len(incident.indicators),
        "decided_at": _iso(incident.decided_at),
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
