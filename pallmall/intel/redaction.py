"""What of an incident each reader may see, and what its confirmation tells the log.

Every output of an incident — the API's views, the portal's pages, the STIX export, the TAXII
``public`` collection and the transparency log — starts from :func:`redact` or
:func:`incident_change`, which ask the disclosure rules (:mod:`pallmall.disclosure`):

- an incident is readable by the public only once confirmed and only at TLP:CLEAR; above that,
  or before confirmation, only readers with ``intel:read_restricted`` see it;
- an attribution is as restricted as the registry record it names;
- each source (the incident's and each attribution's) has its own visibility, restricted unless
  the reporter marked it public;
- victims' names and countries are for ``intel:read_restricted`` only and never reach the log.
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
)
"""Fields of :func:`incident_view` that only ``intel:read_restricted`` sees (else None)."""


def incident_sensitivity(incident: Incident) -> Sensitivity:
    """An incident's sensitivity: its TLP once confirmed; before that, as if TLP:RED."""
    confirmed = incident.status is IncidentStatus.CONFIRMED
    return Sensitivity(tlp=incident.tlp if confirmed else Tlp.RED)


def is_full(reader: Reader) -> bool:
    """Whether ``reader`` sees incidents whole (``intel:read_restricted``)."""
    return reader.tlp_ceiling is Tlp.RED


def redact(incident: Incident, reader: Reader, visibility_of: VisibilityOf) -> Incident | None:
    """``incident`` as ``reader`` may read it, or None when it may not read it at all.

    Attributions to records the reader may not read and sources it may not read are dropped;
    for a reader without ``intel:read_restricted`` the summary, victims' names and countries,
    the decision's reason and who reported and decided are emptied too.
    """
    if not may_read(reader, incident_sensitivity(incident)):
        return None
    attributions = tuple(
        replace(a, sources=_citations(reader, a.sources, visibility_of(a.target_id)))
        for a in incident.attributions
        if may_read(reader, Sensitivity(visibility_of(a.target_id)))
    )
    seen = replace(
        incident, attributions=attributions, sources=_citations(reader, incident.sources)
    )
    if is_full(reader):
        return seen
    victims = tuple(Victim(v.category, v.pseudonym) for v in incident.victims)
    return replace(
        seen, summary="", victims=victims, reported_by="", decided_by=None, decision_reason=""
    )


def _citations(
    reader: Reader, citations: tuple[Citation, ...], target: Visibility = Visibility.PUBLIC
) -> tuple[Citation, ...]:
    return tuple(c for c in citations if may_read(reader, citation_sensitivity(c, target)))


def citation_sensitivity(citation: Citation, target: Visibility = Visibility.PUBLIC) -> Sensitivity:
    """A source's sensitivity: a restricted intel source is read like the incident's
    restricted details (``intel:read_restricted``, as if above TLP:CLEAR); an attribution's
    source also points at the record the attribution names (``target``)."""
    tlp = Tlp.CLEAR if citation.visibility is Visibility.PUBLIC else Tlp.AMBER
    return Sensitivity(tlp=tlp, refs=(target,))


def victim_counts(incident: Incident) -> dict[str, int]:
    """Victims by category, sorted by category."""
    counts: dict[str, int] = {}
    for victim in incident.victims:
        counts[victim.category.value] = counts.get(victim.category.value, 0) + 1
    return dict(sorted(counts.items()))


def incident_view(incident: Incident, reader: Reader) -> dict[str, Any]:
    """A redacted incident (:func:`redact`) as a JSON-serialisable view for ``reader``.

    Every view has ``view`` (``full`` or ``public``), the title, markings, categories,
    ``victim_counts``, attributions (role, target, confidence, readable sources), dates,
    ``indicator_count`` and the readable ``sources``. The :data:`RESTRICTED_FIELDS` are None
    unless the view is ``full``.
    """
    full = is_full(reader)
    view: dict[str, Any] = {
        "id": incident.id,
        "view": "full" if full else "public",
        "title": incident.title,
        "status": incident.status.value,
        "tlp": incident.tlp.value,
        "categories": sorted(c.value for c in incident.categories),
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
    }


def incident_change(incident: Incident, visibility_of: VisibilityOf) -> PublicChange:
    """The public change recording ``incident``'s confirmation, through the disclosure gate.

    At TLP:CLEAR the log shows the title, categories, victim counts, attributions to public
    records with their confidence, dates, device types, attack vectors, the indicator count
    and public sources; it commits to the summary, the indicators, restricted sources and
    attributions, the decision's reason and who reported and decided. Above TLP:CLEAR only the
    TLP label is readable and everything else is committed. Victims' identities never leave.
    """
    fields: dict[str, Any] = {
        "tlp": incident.tlp.value,
        "incident": incident.id,
        "title": incident.title,
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
        "sources": [Part(c.ref, citation_sensitivity(c)) for c in incident.sources],
        "attribution_sources": [
            Part(
                {"target": a.target_id, "ref": c.ref},
                citation_sensitivity(c, visibility_of(a.target_id)),
            )
            for a in incident.attributions
            for c in a.sources
        ],
        "summary": incident.summary,
        "indicators": list(incident.indicators),
        "decision_reason": incident.decision_reason,
        "reported_by": incident.reported_by,
        "decided_by": incident.decided_by,
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
