"""What ``pallmall.intel`` needs from the rest of the platform, as small Protocols.

``pallmall.storage.intel`` implements the stores; the registry implements
:class:`ProductResolver`, :class:`RegistryRecords` and :class:`RegistrySource`; the
transparency log is reached through the outbox (:class:`pallmall.core.changes.ChangeOutbox`),
like every other capability.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from pallmall.core import paging
from pallmall.disclosure import Visibility
from pallmall.intel.incident import (
    AbuseCategory,
    Incident,
    IncidentStatus,
    LinkRole,
    VictimCategory,
)
from pallmall.intel.record import StixRecord
from pallmall.intel.taxii import ObjectQuery, Page, VersionPage
from pallmall.intel.tlp import Tlp


class ProductResolver(Protocol):
    """Finds a registry product by one of its names."""

    def find_product_by_name(self, name: str) -> str | None:
        """The id of the product whose name or alias is ``name`` (case-insensitive), or None."""


class OrganisationResolver(Protocol):
    """Finds a registry organisation by one of its names."""

    def find_organisation(self, name: str) -> str | None:
        """The id of the organisation whose name, alias or former name is ``name`` (case-
        and accent-insensitive, legal forms and words such as "Group" or "Alliance" at the
        end ignored when nothing matches whole), or None."""


class IncidentCollections(Protocol):
    """Where a confirmed incident's STIX objects go for TAXII readers."""

    def publish(self, incident: Incident) -> None:
        """Add the objects of ``incident`` (already redacted for the public) to the public
        collection, in the caller's unit of work."""


class ObjectStore(Protocol):
    """STIX object versions held in TAXII collections (TAXII 2.1 §5)."""

    def ids_for_keys(self, collection_id: str, keys: Collection[str]) -> dict[str, str]:
        """For the content keys already held in the collection: key -> object id."""

    def known_ids(self, collection_id: str, ids: Collection[str]) -> set[str]:
        """The subset of ``ids`` held in the collection (any version)."""

    def add(self, collection_id: str, records: Sequence[StixRecord]) -> int:
        """Store new object versions; versions or content keys already held are ignored.

        Each stored version gets its own ``date_added``, strictly increasing in input order,
        so paging by ``added_after`` loses nothing (TAXII 2.1 §3.4.2). Returns how many
        versions were added. All-or-nothing: on error nothing is stored.
        """

    def page(self, collection_id: str, query: ObjectQuery) -> Page:
        """One page of object versions matching ``query``, oldest ``date_added`` first."""

    def versions(self, collection_id: str, object_id: str, query: ObjectQuery) -> VersionPage:
        """One page of the versions of ``object_id`` (TAXII 2.1 §5.8)."""

    def link_product(self, malware_id: str, product_id: str) -> None:
        """Remember that STIX malware ``malware_id`` is the registry product ``product_id``."""

    def malware_for_product(self, product_id: str) -> list[str]:
        """The STIX malware ids linked to ``product_id``."""

    def link_organisation(self, stix_id: str, org_id: str) -> None:
        """Remember that STIX object ``stix_id`` (a threat actor, intrusion set or identity)
        is the registry organisation ``org_id``."""

    def save_status(self, status_id: str, collection_id: str, body: Mapping[str, Any]) -> None:
        """Keep a TAXII status resource (§4.3.1) so the client can poll it."""

    def get_status(self, status_id: str) -> tuple[str, dict[str, Any]] | None:
        """(collection id, status resource) or None when unknown."""


class RegistryRecords(Protocol):
    """Tells what a registry id is: links are checked when reported, and redacted by the
    visibility of the record they name."""

    def record_type(self, record_id: str) -> str | None:
        """``organisation``, ``person`` or ``product``; None when unknown to the caller."""

    def visibility(self, record_id: str) -> Visibility:
        """The record's visibility; RESTRICTED for an id the registry does not hold."""


@dataclass(frozen=True)
class IncidentQuery:
    """Filters for an incident list; None means "any".

    ``linked`` is a registry id in any attribution (only as ``role`` when given);
    ``public_only`` keeps confirmed TLP:CLEAR incidents (what callers without
    ``intel:read_restricted`` may see). ``holders``, when given, keeps what a reader holding
    as those ids may know of: confirmed TLP:CLEAR or GREEN incidents, incidents without an
    owner, and those it owns or that are shared with it.
    """

    status: IncidentStatus | None = None
    tlp: Tlp | None = None
    category: AbuseCategory | None = None
    victim: VictimCategory | None = None
    linked: str | None = None
    role: LinkRole | None = None
    public_only: bool = False
    holders: frozenset[str] | None = None


class IncidentStore(Protocol):
    """Abuse incidents, one current state each; history lives in the audit trail."""

    def search_incidents(
        self, query: IncidentQuery, page: paging.PageRequest
    ) -> paging.Page[Incident]:
        """Incidents matching ``query``, newest report first, with the total count."""

    def get_incident(self, incident_id: str) -> Incident | None:
        """The incident, or None."""

    def put_incident(self, incident: Incident) -> None:
        """Insert or replace the incident with the same id."""

    def list_incidents(self, status: IncidentStatus | None = None) -> list[Incident]:
        """All incidents (in ``status`` when given), oldest report first."""


@dataclass(frozen=True)
class RegistryOrg:
    """An organisation as the registry exports it.

    ``kind`` is the registry's organisation kind (``vendor``, ``subsidiary``, ``holding``,
    ``investor``, ``broker``, ``exploit_marketplace``, ``access_broker``,
    ``hacker_for_hire``, ``state``, ``state_agency``); ``country`` ISO 3166-1 alpha-2.
    """

    id: str
    name: str
    kind: str
    aliases: tuple[str, ...] = ()
    country: str | None = None
    kinds: tuple[str, ...] = ()  # every kind the registry gives it; ``kind`` is the main one


@dataclass(frozen=True)
class RegistryProduct:
    """A product (a CCIC such as Pegasus) and the organisation that makes it."""

    id: str
    name: str
    aliases: tuple[str, ...] = ()
    vendor_id: str | None = None
    description: str = ""


@dataclass(frozen=True)
class RegistryRelation:
    """A typed link between two registry records.

    ``kind`` ``customer_of``, ``deploys`` or ``operates`` from an organisation to a product is
    a customer deployment; ``develops`` from an organisation to a product is authorship;
    other kinds (``owns``, ``subsidiary_of``, ``invests_in``, ``supplies``, ``sells_to`` …)
    are exported as ``related-to`` naming the kind (``x_pallmall_relationship_type``).
    ``confidence`` is 0-100 (STIX 2.1 §3.2 confidence scale) or None.
    """

    source_id: str
    target_id: str
    kind: str
    start: date | None = None
    end: date | None = None
    confidence: int | None = None
    sources: tuple[str, ...] = field(default=())


class RegistrySource(Protocol):
    """The public part of the registry, read for the STIX export."""

    def organisations(self) -> Iterable[RegistryOrg]:
        """Every organisation that may be published."""

    def products(self) -> Iterable[RegistryProduct]:
        """Every product that may be published."""

    def relationships(self) -> Iterable[RegistryRelation]:
        """Every relationship between published records."""
