"""Abuse incidents: what was done to whom, with which tool, by whom, and how sure we are.

Categories follow the Pall Mall Code of Practice for States' description of irresponsible
use of commercial cyber intrusion capabilities. Victims are kept by category and shown by
pseudonym; their names are only for principals with ``intel:read_restricted``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pallmall.core.auth import Permission, Principal
from pallmall.core.errors import InvalidInput, TransitionRefused
from pallmall.intel.pattern import read_pattern
from pallmall.intel.tlp import Tlp


class AbuseCategory(StrEnum):
    """Irresponsible use, in the Code of Practice's words."""

    THREAT_WITHOUT_SAFEGUARDS = (
        "threat_without_safeguards"  # to security, human rights or cyber stability
    )
    BREACH_OF_INTERNATIONAL_LAW = "breach_of_international_law"
    DISCRIMINATORY_TARGETING = "discriminatory_targeting"
    RIGHTS_VIOLATION = "rights_violation"  # rights such as freedom of expression
    UNLAWFUL_PRIVACY_INTERFERENCE = "unlawful_privacy_interference"  # arbitrary or unlawful


class VictimCategory(StrEnum):
    """Who was targeted, by role."""

    JOURNALIST = "journalist"
    HUMAN_RIGHTS_DEFENDER = "human_rights_defender"
    POLITICIAN = "politician"
    LAWYER = "lawyer"
    ACTIVIST = "activist"
    OFFICIAL = "official"
    OTHER = "other"


class LinkRole(StrEnum):
    """What a registry record is to the incident."""

    PRODUCT = "product"
    VENDOR = "vendor"
    OPERATOR = "operator"  # the state, agency or customer that used the tool


class DeviceType(StrEnum):
    """The kind of device attacked."""

    IOS = "ios"
    ANDROID = "android"
    WINDOWS = "windows"
    MACOS = "macos"
    LINUX = "linux"
    OTHER = "other"


class AttackVector(StrEnum):
    """How the device was reached."""

    ZERO_CLICK = "zero_click"
    ONE_CLICK = "one_click"
    NETWORK_INJECTION = "network_injection"
    PHYSICAL_ACCESS = "physical_access"
    SOCIAL_ENGINEERING = "social_engineering"
    SUPPLY_CHAIN = "supply_chain"
    OTHER = "other"


class IncidentStatus(StrEnum):
    """Where an incident stands; changes only through :data:`TRANSITIONS`."""

    REPORTED = "reported"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class Verb(StrEnum):
    """What may be done to an incident's status."""

    CONFIRM = "confirm"
    REJECT = "reject"


TRANSITIONS: dict[tuple[IncidentStatus, Verb], IncidentStatus] = {
    (IncidentStatus.REPORTED, Verb.CONFIRM): IncidentStatus.CONFIRMED,
    (IncidentStatus.REPORTED, Verb.REJECT): IncidentStatus.REJECTED,
}


@dataclass(frozen=True)
class Victim:
    """One targeted person: ``name`` is restricted; ``pseudonym`` is what others see."""

    category: VictimCategory
    pseudonym: str
    name: str | None = None
    country: str | None = None


@dataclass(frozen=True)
class Attribution:
    """A link to a registry record, with confidence 0-100 (STIX 2.1 §3.2) and its sources."""

    role: LinkRole
    target_id: str
    confidence: int
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Incident:
    """An abuse incident. ``indicators`` are canonical STIX patterns (see ``pattern``)."""

    id: str
    title: str
    summary: str
    categories: tuple[AbuseCategory, ...]
    victims: tuple[Victim, ...]
    attributions: tuple[Attribution, ...]
    tlp: Tlp
    status: IncidentStatus
    reported_by: str
    reported_at: datetime
    first_seen: date | None = None
    last_seen: date | None = None
    device_types: tuple[DeviceType, ...] = ()
    attack_vectors: tuple[AttackVector, ...] = ()
    indicators: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_reason: str = ""

    def after(self, verb: Verb) -> IncidentStatus:
        """The status ``verb`` leads to.

        Raises:
            TransitionRefused: the transition table has no such move from this status.
        """
        target = TRANSITIONS.get((self.status, verb))
        if target is None:
            raise TransitionRefused("incident", self.status.value, verb.value)
        return target

    def decided(self, verb: Verb, by: str, at: datetime, reason: str) -> Incident:
        """A copy with the status ``verb`` leads to, recording who decided, when and why."""
        return replace(
            self, status=self.after(verb), decided_by=by, decided_at=at, decision_reason=reason
        )


@dataclass(frozen=True)
class VictimDraft:
    """A victim as reported: category, and optionally name and country (ISO 3166-1)."""

    category: VictimCategory
    name: str | None = None
    country: str | None = None


@dataclass(frozen=True)
class IncidentDraft:
    """What a reporter submits; :func:`incident_from_draft` checks it."""

    title: str
    summary: str
    categories: tuple[AbuseCategory, ...]
    victims: tuple[VictimDraft, ...] = ()
    attributions: tuple[Attribution, ...] = ()
    tlp: Tlp = Tlp.AMBER
    first_seen: date | None = None
    last_seen: date | None = None
    device_types: tuple[DeviceType, ...] = ()
    attack_vectors: tuple[AttackVector, ...] = ()
    indicators: tuple[str, ...] = ()
    sources: tuple[str, ...] = field(default=())


def incident_from_draft(draft: IncidentDraft, incident_id: str, by: str, at: datetime) -> Incident:
    """A new incident in status ``reported``, victims pseudonymised, indicators canonical.

    Raises:
        InvalidInput: naming the field — empty title, no category, confidence outside
            0-100, ``last_seen`` before ``first_seen``, or an indicator that is not a
            single-comparison STIX pattern.
    """
    _check_draft(draft)
    victims = tuple(
        Victim(v.category, f"{incident_id}/victim-{n}", v.name, v.country)
        for n, v in enumerate(draft.victims, start=1)
    )
    return Incident(
        id=incident_id,
        title=draft.title.strip(),
        summary=draft.summary,
        categories=draft.categories,
        victims=victims,
        attributions=draft.attributions,
        tlp=draft.tlp,
        status=IncidentStatus.REPORTED,
        reported_by=by,
        reported_at=at,
        first_seen=draft.first_seen,
        last_seen=draft.last_seen,
        device_types=draft.device_types,
        attack_vectors=draft.attack_vectors,
        indicators=_indicators(draft.indicators),
        sources=draft.sources,
    )


def _check_draft(draft: IncidentDraft) -> None:
    if not draft.title.strip():
        raise InvalidInput("title", "must not be empty")
    if not draft.categories:
        raise InvalidInput("categories", "name at least one category of irresponsible use")
    for n, link in enumerate(draft.attributions):
        if not 0 <= link.confidence <= 100:
            raise InvalidInput(f"attributions[{n}].confidence", "must be between 0 and 100")
    if draft.first_seen and draft.last_seen and draft.last_seen < draft.first_seen:
        raise InvalidInput("last_seen", "is before first_seen")


def _indicators(patterns: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for n, pattern in enumerate(patterns):
        try:
            out += [o.pattern for o in read_pattern(pattern).observables]
        except InvalidInput as exc:
            raise InvalidInput(f"indicators[{n}]", exc.reason) from None
    return tuple(dict.fromkeys(out))


def can_see(incident: Incident, principal: Principal) -> bool:
    """Confirmed TLP:CLEAR incidents are public; all others need ``intel:read_restricted``."""
    if principal.can(Permission.INTEL_READ_RESTRICTED):
        return True
    public = incident.status is IncidentStatus.CONFIRMED and incident.tlp is Tlp.CLEAR
    return public and principal.can(Permission.REGISTRY_READ_PUBLIC)


RESTRICTED_FIELDS = (
    "summary",
    "victims",
    "indicators",
    "sources",
    "reported_by",
    "reported_at",
    "decided_by",
    "decision_reason",
)
"""Fields of :func:`incident_view` that only ``intel:read_restricted`` sees (else None)."""


def incident_view(incident: Incident, principal: Principal) -> dict[str, Any]:
    """The incident as ``principal`` may see it (JSON-serialisable).

    Every view has the public summary's fields (``victim_counts`` by category,
    ``indicator_count``, attributions without sources) and ``view``. With
    ``intel:read_restricted`` it is ``full``: the :data:`RESTRICTED_FIELDS` too, victims with
    pseudonym and name, attribution sources. Otherwise it is ``public``: those fields are
    None, so no name, pseudonym, indicator or free text beyond the title is shown.
    """
    summary = public_summary(incident)
    view: dict[str, Any] = {
        "id": incident.id,
        "view": "public",
        "title": incident.title,
        "status": incident.status.value,
        "tlp": incident.tlp.value,
        "categories": summary["categories"],
        "victim_counts": summary["victims"],
        "attributions": [{**a, "sources": []} for a in summary["attributions"]],
        **{k: summary[k] for k in ("first_seen", "last_seen", "device_types")},
        **{k: summary[k] for k in ("attack_vectors", "indicator_count", "decided_at")},
        **dict.fromkeys(RESTRICTED_FIELDS),
    }
    if not principal.can(Permission.INTEL_READ_RESTRICTED):
        return view
    data = incident_to_dict(incident)
    view["attributions"] = [
        {
            "role": a["role"],
            "target": a["target_id"],
            "confidence": a["confidence"],
            "sources": a["sources"],
        }
        for a in data["attributions"]
    ]
    return {**view, "view": "full", **{k: data[k] for k in RESTRICTED_FIELDS}}


def incident_tags(incident: Incident) -> list[tuple[str, str]]:
    """What an incident is filtered on, as sorted (kind, value) pairs: ``category``,
    ``victim`` (category) and each link role (``product``, ``vendor``, ``operator``) with the
    registry id."""
    tags = {("category", c.value) for c in incident.categories}
    tags |= {("victim", v.category.value) for v in incident.victims}
    tags |= {(a.role.value, a.target_id) for a in incident.attributions}
    return sorted(tags)


def public_summary(incident: Incident) -> dict[str, Any]:
    """What the transparency log publishes for an incident: no names, no pseudonyms,
    no indicators or free text; victims as counts by category. JSON-serialisable.

    The title is published: it MUST NOT name a victim (reporters are told so).
    """
    counts: dict[str, int] = {}
    for victim in incident.victims:
        counts[victim.category.value] = counts.get(victim.category.value, 0) + 1
    return {
        "incident": incident.id,
        "title": incident.title,
        "status": incident.status.value,
        "categories": sorted(c.value for c in incident.categories),
        "victims": dict(sorted(counts.items())),
        "attributions": [
            {"role": a.role.value, "target": a.target_id, "confidence": a.confidence}
            for a in incident.attributions
        ],
        "first_seen": incident.first_seen.isoformat() if incident.first_seen else None,
        "last_seen": incident.last_seen.isoformat() if incident.last_seen else None,
        "device_types": sorted(d.value for d in incident.device_types),
        "attack_vectors": sorted(a.value for a in incident.attack_vectors),
        "indicator_count": len(incident.indicators),
        "decided_at": incident.decided_at.isoformat() if incident.decided_at else None,
    }


def incident_to_dict(incident: Incident) -> dict[str, Any]:
    """A JSON-serialisable dict of every field (dates as ISO 8601)."""
    data = asdict(incident)
    for key, value in data.items():
        if isinstance(value, date | datetime):
            data[key] = value.isoformat()
    for link in data["attributions"]:
        link["sources"] = list(link["sources"])
    result: dict[str, Any] = _lists(data)
    return result


def _lists(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_lists(v) for v in value]
    return value


def incident_from_dict(data: dict[str, Any]) -> Incident:
    """The inverse of :func:`incident_to_dict`.

    Raises:
        KeyError, ValueError: ``data`` was not written by :func:`incident_to_dict`.
    """
    return Incident(
        id=data["id"],
        title=data["title"],
        summary=data["summary"],
        categories=tuple(AbuseCategory(c) for c in data["categories"]),
        victims=tuple(
            Victim(VictimCategory(v["category"]), v["pseudonym"], v["name"], v["country"])
            for v in data["victims"]
        ),
        attributions=tuple(
            Attribution(LinkRole(a["role"]), a["target_id"], a["confidence"], tuple(a["sources"]))
            for a in data["attributions"]
        ),
        tlp=Tlp(data["tlp"]),
        status=IncidentStatus(data["status"]),
        reported_by=data["reported_by"],
        reported_at=datetime.fromisoformat(data["reported_at"]),
        first_seen=_date(data["first_seen"]),
        last_seen=_date(data["last_seen"]),
        device_types=tuple(DeviceType(d) for d in data["device_types"]),
        attack_vectors=tuple(AttackVector(a) for a in data["attack_vectors"]),
        indicators=tuple(data["indicators"]),
        sources=tuple(data["sources"]),
        decided_by=data["decided_by"],
        decided_at=datetime.fromisoformat(data["decided_at"]) if data["decided_at"] else None,
        decision_reason=data["decision_reason"],
    )


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
