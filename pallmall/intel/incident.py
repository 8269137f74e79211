"""Abuse incidents: what was done to whom, with which tool, by whom, and how sure we are.

Categories follow the Pall Mall Code of Practice for States' description of irresponsible
use of commercial cyber intrusion capabilities. Victims are kept by category and shown by
pseudonym. What each reader may see of an incident is decided in :mod:`.redaction`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pallmall.core.errors import InvalidInput, TransitionRefused
from pallmall.disclosure import Visibility
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
class Citation:
    """A source of an incident or an attribution: a URL or a reference, and who may read it.

    Sources are restricted unless the reporter marks them public (a published report, say):
    an attribution's evidence is often shared in confidence (docs/disclosure.md).
    """

    ref: str
    visibility: Visibility = Visibility.RESTRICTED

    def to_json(self) -> dict[str, str]:
        """``{"ref": ..., "visibility": ...}``."""
        return {"ref": self.ref, "visibility": self.visibility.value}

    @classmethod
    def from_json(cls, data: Any) -> Citation:
        """Read :meth:`to_json`'s form, or a bare string (stored before sources had a
        visibility: restricted)."""
        if isinstance(data, str):
            return cls(data)
        return cls(str(data["ref"]), Visibility(data.get("visibility", "restricted")))


@dataclass(frozen=True)
class Attribution:
    """A link to a registry record, with confidence 0-100 (STIX 2.1 §3.2) and its sources."""

    role: LinkRole
    target_id: str
    confidence: int
    sources: tuple[Citation, ...] = ()


@dataclass(frozen=True)
class Incident:
    """An abuse incident. ``indicators`` are canonical STIX patterns (see ``pattern``).

    ``summary`` is restricted; ``public_summary`` is what the public reads once the incident
    is confirmed at TLP:CLEAR (it names no victim). ``owner`` is the team or state that
    reported it (the reporter's account id, else the reporter's user id; None for incidents
    stored before ownership, which every ``intel:read_restricted`` reader reads whole);
    ``shared_with`` are the accounts it is explicitly shared with. Owner, sharers and the
    oversight body read its restricted details (:mod:`.redaction`).
    """

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
    sources: tuple[Citation, ...] = ()
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_reason: str = ""
    public_summary: str = ""
    owner: str | None = None
    shared_with: tuple[str, ...] = ()

    @property
    def holders(self) -> frozenset[str] | None:
        """Who holds the restricted details (owner and sharers); None without an owner."""
        if self.owner is None:
            return None
        return frozenset((self.owner, *self.shared_with))

    def shared(self, account_id: str, on: bool = True) -> Incident:
        """A copy shared with ``account_id`` (``on``) or no longer shared with it."""
        kept = tuple(a for a in self.shared_with if a != account_id)
        return replace(self, shared_with=tuple(sorted((*kept, account_id))) if on else kept)

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
    sources: tuple[Citation, ...] = field(default=())
    public_summary: str = ""


def incident_from_draft(
    draft: IncidentDraft, incident_id: str, by: str, at: datetime, owner: str | None = None
) -> Incident:
    """A new incident in status ``reported``, victims pseudonymised, indicators canonical,
    owned by ``owner``.

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
        public_summary=draft.public_summary.strip(),
        owner=owner,
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


def incident_tags(incident: Incident) -> list[tuple[str, str]]:
    """What an incident is filtered on, as sorted (kind, value) pairs: ``category``,
    ``victim`` (category), each link role (``product``, ``vendor``, ``operator``) with the
    registry id, and ``holder`` with the owner and each account it is shared with."""
    tags = {("category", c.value) for c in incident.categories}
    tags |= {("holder", h) for h in incident.holders or ()}
    tags |= {("victim", v.category.value) for v in incident.victims}
    tags |= {(a.role.value, a.target_id) for a in incident.attributions}
    return sorted(tags)


def incident_to_dict(incident: Incident) -> dict[str, Any]:
    """A JSON-serialisable dict of every field (dates as ISO 8601)."""
    data = asdict(incident)
    for key, value in data.items():
        if isinstance(value, date | datetime):
            data[key] = value.isoformat()
    data["sources"] = [c.to_json() for c in incident.sources]
    for link, attribution in zip(data["attributions"], incident.attributions, strict=True):
        link["sources"] = [c.to_json() for c in attribution.sources]
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
            Attribution(
                LinkRole(a["role"]),
                a["target_id"],
                a["confidence"],
                tuple(Citation.from_json(c) for c in a["sources"]),
            )
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
        sources=tuple(Citation.from_json(c) for c in data["sources"]),
        decided_by=data["decided_by"],
        decided_at=datetime.fromisoformat(data["decided_at"]) if data["decided_at"] else None,
        decision_reason=data["decision_reason"],
        # stored before public summaries and ownership: none, and no owner
        public_summary=data.get("public_summary", ""),
        owner=data.get("owner"),
        shared_with=tuple(data.get("shared_with", ())),
    )


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
