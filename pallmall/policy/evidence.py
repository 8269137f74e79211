"""Due-diligence evidence: what the rules read. Plain frozen data; ``cases`` gathers it.

Every item names where it comes from (a list entry and snapshot, a registry record, an
incident, an earlier case), so a finding built from it can be checked by a reader.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ScreeningMatch:
    """A list entry a party scored against; ``explanation`` is the screener's own account."""

    list_id: str
    list_version: str
    entry_id: str
    entry_name: str
    programmes: tuple[str, ...]
    score: float
    alert: bool
    explanation: str


@dataclass(frozen=True)
class DesignationEvidence:
    """A designation carried by a registry record (party, vendor or owner)."""

    record_id: str
    record_name: str
    authority: str
    programme: str
    listed_on: str
    citation: str


@dataclass(frozen=True)
class OwnershipEvidence:
    """The 50 % rule applied to a registry record.

    ``aggregate_share`` (0-1) is what blocked owners are known to hold; ``status`` is
    ``blocked`` (it reaches the threshold), ``unknown`` (it does not, but a blocked owner
    holds a stake whose share the registry does not record: ``unknown_paths`` show where)
    or ``clear``. ``data_errors`` name records whose recorded owners hold more than 100 %
    together: the registry is wrong there, and a caseworker must see it.
    """

    record_id: str
    aggregate_share: float
    blocked: bool
    explanation: str
    status: str = "clear"
    unknown_paths: tuple[str, ...] = ()
    data_errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class RestrictionEvidence:
    """A decided vendor restriction case in force."""

    case_id: str
    vendor_record_id: str
    decided_at: str
    grounds: str


@dataclass(frozen=True)
class PeerMeasureEvidence:
    """A restrictive measure another state's node told this one of, through federation
    (verified against that node's transparency log): ``kind`` is ``restriction`` (a vendor
    restricted by a case decided there) or ``designation`` (recorded in its registry);
    ``notifying_node`` is that node's log origin, ``notifying_state`` its state (ISO 3166-1
    alpha-2, empty when not given), ``reference`` the measure's reference there,
    ``taken_on`` the day it was decided or listed (ISO)."""

    notifying_node: str
    notifying_state: str
    reference: str
    kind: str
    subject: str
    authority: str
    programme: str
    taken_on: str
    grounds: str


@dataclass(frozen=True)
class RecordMatch:
    """A party matched by name to an entry of a node list: a record designated in the
    registry (``designations``), a vendor restricted by a case decided here
    (``restrictions``), or a party other states' nodes restrict or designate
    (``peer_measures``; ``record_id`` is then ``node#reference`` of the first measure, not a
    registry id). ``match`` is the screener's hit, explained; its ``list_id`` says which
    node list it is on."""

    record_id: str
    record_name: str
    match: ScreeningMatch
    designations: tuple[DesignationEvidence, ...] = ()
    restrictions: tuple[RestrictionEvidence, ...] = ()
    peer_measures: tuple[PeerMeasureEvidence, ...] = ()


@dataclass(frozen=True)
class PartyEvidence:
    """One party of a case (``role``: applicant, end_user, consignee, intermediary,
    beneficial_owner, vendor) with what screening, the registry and the ownership chain say
    about it: ``matches`` against the lists in force, ``record_matches`` against the
    registry's designated records and the node's restricted vendors, by name;
    ``designations`` of the record it is linked to by id."""

    role: str
    name: str
    country: str = ""
    registry_id: str = ""
    matches: tuple[ScreeningMatch, ...] = ()
    designations: tuple[DesignationEvidence, ...] = ()
    ownership: OwnershipEvidence | None = None
    record_matches: tuple[RecordMatch, ...] = ()

    def alerts(self) -> tuple[RecordMatch, ...]:
        """The record matches at or above the alert threshold."""
        return tuple(m for m in self.record_matches if m.match.alert)


@dataclass(frozen=True)
class ProductEvidence:
    """The product as the registry describes it."""

    record_id: str
    name: str
    capabilities: tuple[str, ...] = ()
    control_codes: tuple[str, ...] = ()
    security_research: bool = False


@dataclass(frozen=True)
class IncidentEvidence:
    """An abuse incident linked to the case: ``linked_as`` is product, vendor, end_user or
    destination; ``link_id`` the registry record it is linked through."""

    incident_id: str
    title: str
    status: str
    categories: tuple[str, ...]
    linked_as: str
    link_id: str
    has_operator: bool = False


@dataclass(frozen=True)
class ApplicantEvidence:
    """Who applies, and what it is to the product: the filing ``account_id`` and its name,
    the registry organisation it is linked to (``registry_id``, empty when none) with the
    link's ``link_status`` (``confirmed``, ``claimed`` or ``none``), and ``relations``: how
    that organisation stands to the product in the registry (``develops``, ``resells``,
    ``supplies``; empty when it does none of these)."""

    account_id: str
    account_name: str
    registry_id: str = ""
    link_status: str = "none"
    product_id: str = ""
    relations: tuple[str, ...] = ()


@dataclass(frozen=True)
class PriorDenialEvidence:
    """An earlier denial by another authority of an essentially similar application.

    On this node: ``case_id`` is the denied case and ``authority`` the denying authority's
    name. From another state's node (a denial notice received through federation):
    ``notifying_node`` is that node's log origin, ``notifying_state`` its state (ISO
    3166-1 alpha-2), ``reference`` the notice's reference there, ``authority`` names the
    state, ``case_id`` is empty and ``grounds`` is the notice's reason for refusal.
    """

    case_id: str
    authority: str
    decided_at: str
    product_category: str
    destination: str
    matched_on: tuple[str, ...]
    grounds: str
    notifying_node: str = ""
    notifying_state: str = ""
    reference: str = ""

    @property
    def foreign(self) -> bool:
        """Whether the denial was notified by another node."""
        return bool(self.notifying_node)


@dataclass(frozen=True)
class ListAgeEvidence:
    """A restricted-party list the screening read: its ``version`` and publication day
    (``published``, ISO; empty when the list gives none), its age in days on the day of the
    run (``None``: no publication day) and the interval its publisher usually keeps between
    versions (``expected_days``)."""

    list_id: str
    version: str
    published: str
    age_days: int | None
    expected_days: int

    @property
    def overdue(self) -> bool:
        """Whether the list is older than its publisher's usual interval (unknown: no)."""
        return self.age_days is not None and self.age_days > self.expected_days


@dataclass(frozen=True)
class DueDiligence:
    """Everything the rules read about one case, gathered at one time.

    ``destination`` is an ISO 3166-1 alpha-2 code; ``end_use_category`` one of
    ``pallmall.cases.model.EndUse``; ``list_versions`` the list snapshots screened against
    (with the node lists), ``lists`` the restricted-party lists among them with their age.
    """

    destination: str
    end_use_category: str
    end_user_undertaking: bool
    parties: tuple[PartyEvidence, ...] = ()
    product: ProductEvidence | None = None
    incidents: tuple[IncidentEvidence, ...] = ()
    restrictions: tuple[RestrictionEvidence, ...] = ()
    prior_denials: tuple[PriorDenialEvidence, ...] = ()
    list_versions: tuple[str, ...] = ()
    applicant: ApplicantEvidence | None = None
    lists: tuple[ListAgeEvidence, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The JSON form, kept with every due-diligence run."""
        return dataclasses.asdict(self)
