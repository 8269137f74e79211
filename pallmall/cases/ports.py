"""What ``cases`` needs from the rest of the platform, as Protocols (storage and the
adapters in :mod:`pallmall.cases.sources` provide them)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from pallmall.cases.model import (
    Applicant,
    Case,
    CaseEvent,
    CaseQuery,
    DeniedLicence,
    DiligenceRun,
    Message,
    Notification,
)
from pallmall.cases.node_lists import ListedRecord
from pallmall.core.accounts import User
from pallmall.core.paging import Page, PageRequest
from pallmall.disclosure import Visibility
from pallmall.policy import (
    DesignationEvidence,
    IncidentEvidence,
    ListAgeEvidence,
    OwnershipEvidence,
    ProductEvidence,
    ScreeningMatch,
)
from pallmall.screening import ListChange


class CaseStore(Protocol):
    """Cases, their append-only history, due-diligence runs, messages and notices."""

    def add(self, case: Case) -> None:
        """Store a new case."""

    def get(self, case_id: str) -> Case | None:
        """The case, or None."""

    def save(self, case: Case, expected_version: int) -> None:
        """Store ``case`` (its ``version`` one more than ``expected_version``).

        Raises:
            Conflict: the stored version is not ``expected_version`` (a concurrent change).
        """

    def search(self, query: CaseQuery, page: PageRequest) -> Page[Case]:
        """Cases matching ``query``, newest first."""

    def append_event(self, event: CaseEvent) -> None:
        """Add to a case's history (never edited)."""

    def events(self, case_id: str) -> Sequence[CaseEvent]:
        """A case's history, oldest first."""

    def add_run(self, run: DiligenceRun) -> None:
        """Keep a due-diligence run (never edited)."""

    def runs(self, case_id: str) -> Sequence[DiligenceRun]:
        """A case's due-diligence runs, oldest first."""

    def add_message(self, message: Message) -> None:
        """Keep a message (never edited)."""

    def messages(self, case_id: str) -> Sequence[Message]:
        """A case's messages, oldest first."""

    def add_notification(self, notice: Notification) -> None:
        """Keep a denial notice (never edited)."""

    def notifications(self, to_authority: str | None, page: PageRequest) -> Page[Notification]:
        """Notices to ``to_authority`` (all when None), newest first."""

    def authorities(self) -> Mapping[str, str]:
        """Export authorities on this node: account organisation id -> name."""

    def users(self) -> Sequence[User]:
        """Every user account on this node (active or not), by e-mail."""

    def account_state(self, account_id: str) -> str | None:
        """The state (ISO 3166-1 alpha-2) the account ``account_id`` acts for, if any."""

    def candidate_denials(
        self, product_category: str, exclude_authority: str
    ) -> Sequence[DeniedLicence]:
        """Denied licence cases of ``product_category`` by authorities other than
        ``exclude_authority``, oldest decision first, each with its end user and consignees
        (whether their names match is the caller's to decide)."""

    def cases_about(self, kind: str, subject_id: str) -> Sequence[Case]:
        """Cases of ``kind`` whose subject (product, vendor) is ``subject_id``."""

    def decided_restrictions(self) -> Sequence[Case]:
        """Restriction cases in status restricted or appeal (whether a restriction is in
        force is the caller's to decide), oldest decision first."""

    def applicant(self, account_id: str) -> Applicant | None:
        """The filing account: its name and the registry organisation it is linked to."""

    def world_stamp(self) -> str:
        """A value (at most 200 characters) that changes whenever the registry, a stored
        list, a restriction, an account link, a denial or a verified denial notice changes."""


class ScreeningFacts(Protocol):
    """Screening of one party against the lists in force."""

    def screen(self, name: str, country: str) -> tuple[ScreeningMatch, ...]:
        """Hits (alerts and near misses), strongest first, each explained."""

    def versions(self) -> tuple[str, ...]:
        """``list_id@version`` of every list screened against (empty: none loaded)."""

    def ages(self) -> tuple[ListAgeEvidence, ...]:
        """Every list in force with its version, its age on the day of the run and its
        publisher's usual interval between versions (an older list is overdue: recent
        designations may be missing from it)."""

    def entry_changes(
        self, list_id: str, since: str, entry_ids: Sequence[str]
    ) -> tuple[ListChange, ...]:
        """How the entries ``entry_ids`` of ``list_id`` changed from version ``since`` to the
        version in force: delisted or amended (with the fields changed), in the order given;
        empty when ``since`` is the version in force or the list is no longer read."""


class RegistryFacts(Protocol):
    """What the registry says about products, parties and owners."""

    def product(self, record_id: str) -> ProductEvidence | None:
        """The product, or None when it is not a product in the registry."""

    def name(self, record_id: str) -> str | None:
        """The record's name, or None if unknown."""

    def visibility(self, record_id: str) -> Visibility:
        """The record's visibility (RESTRICTED when unknown): what a case naming it may
        publish depends on it (:mod:`pallmall.disclosure`)."""

    def jurisdictions(self, record_id: str) -> tuple[str, ...]:
        """The record's jurisdictions (ISO codes)."""

    def designations(self, record_id: str) -> tuple[DesignationEvidence, ...]:
        """Designations in force on the record."""

    def ownership(self, record_id: str) -> OwnershipEvidence | None:
        """The 50 % rule over the record's owners (None: no owner with a known share)."""

    def vendor_of(self, product_id: str) -> str | None:
        """The organisation that develops the product, if the registry knows it."""

    def listed(self, record_id: str) -> ListedRecord | None:
        """The record as a node-list entry (names, countries, designations in force);
        None when absent or a product."""

    def designated(self) -> tuple[ListedRecord, ...]:
        """Every record carrying a designation in force, as a node-list entry."""

    def products_of(self, vendor_id: str) -> tuple[str, ...]:
        """The products the organisation develops."""

    def relations(self, source_id: str, target_id: str) -> tuple[str, ...]:
        """``develops`` / ``resells`` / ``supplies`` from ``source_id`` to the product
        ``target_id``, in force."""


class IncidentFacts(Protocol):
    """Abuse incidents linked to registry records."""

    def linked(self, links: Mapping[str, str]) -> tuple[IncidentEvidence, ...]:
        """Incidents attributed to any of ``links`` (record id -> what it is to the case:
        product, vendor, end_user)."""

    def in_country(self, country: str) -> tuple[IncidentEvidence, ...]:
        """Incidents whose operator has ``country`` among its jurisdictions."""
