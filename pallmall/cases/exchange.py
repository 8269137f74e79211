"""Denial notices, consultations and restrictive measures exchanged with other states' nodes.

The records are what export-control regimes exchange when a state refuses a licence: the
Wassenaar Arrangement's denial notifications and the EU's under Regulation (EU) 2021/821
Art. 16(5) (the fields follow uktrade/lite-api's denial record). A node sends a
:class:`DenialNotice` when one of its authorities denies a licence, and a new version with
``revoked`` set when the denial is withdrawn (allowed on appeal, amended); a node that
grants an essentially similar transfer anyway sends the denying node a
:class:`Consultation` saying why. A node also tells its peers the restrictive measures in
force on it (:class:`RestrictiveMeasure`): the vendors its restriction cases restrict and the
designations its registry records; peers screen every party against them.

The cases package only speaks to :class:`DenialExchange`; ``pallmall.federation`` carries
the records between nodes (as STIX 2.1 objects over TAXII 2.1, each committed in the
sender's transparency log), and :data:`NO_EXCHANGE` stands in on a node with no peers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol


@dataclass(frozen=True)
class NoticeParty:
    """A party named in a denial notice: ``country`` is ISO 3166-1 alpha-2 (empty when not
    known), ``address`` free text (empty when not known)."""

    name: str
    country: str = ""
    address: str = ""


@dataclass(frozen=True)
class DenialNotice:
    """One version of a denial notice.

    ``reference`` is unique on the notifying node and the same in every version (the case
    id); ``notifying_node`` is that node's log origin, so ``(notifying_node, reference)``
    names a notice everywhere. ``notifying_state`` is ISO 3166-1 alpha-2. ``control_entry``
    lists the control list entries the caseworker classified the item under (empty when
    unclassified); ``product_category`` is pallmall's category, which the receiver matches
    on. ``reason`` is the reason for refusal (the cited rules and the public statement);
    ``regime_reference`` the regime the notice is made under. ``revoked`` is set on the
    version that withdraws the notice, with ``comment`` saying why.
    """

    reference: str
    notifying_node: str
    notifying_state: str
    notified_on: date
    item_description: str
    control_entry: tuple[str, ...]
    product_category: str
    destination: str
    end_use: str
    end_user: NoticeParty
    consignees: tuple[NoticeParty, ...] = ()
    reason: str = ""
    regime_reference: str = ""
    revoked: bool = False
    comment: str = ""


@dataclass(frozen=True)
class Consultation:
    """A node's word to a denying node: it decided an essentially similar transfer anyway.

    ``denial_node`` and ``denial_reference`` name the notice; ``case_reference`` the
    consulting node's case; ``outcome`` the decision taken (e.g. ``granted``);
    ``justification`` why, as the deciding officer recorded it.
    """

    denial_node: str
    denial_reference: str
    consulting_node: str
    consulting_state: str
    case_reference: str
    decided_on: date
    outcome: str
    justification: str


class MeasureKind(StrEnum):
    """What a restrictive measure is: a vendor restricted by a restriction case decided on
    the node (Code of Practice C5-C6), or a designation its registry records."""

    RESTRICTION = "restriction"
    DESIGNATION = "designation"


@dataclass(frozen=True)
class RestrictiveMeasure:
    """One version of a restrictive measure a node has in force against a party.

    ``reference`` is unique on the notifying node and the same in every version (the
    restriction case's id; for a designation, the record's id and a digest of the
    designation); ``(notifying_node, reference)`` names it everywhere. ``subject_names``
    are the party's name first, then its aliases and former names; ``subject_type`` is
    ``organization`` or ``person``; ``countries`` ISO 3166-1 alpha-2 codes. ``authority``
    is the restricting authority (a restriction) or the designating one (e.g. "US Treasury
    OFAC SDN"), ``programme`` the designation's programme (empty for a restriction);
    ``grounds`` what may be said of why: the rules cited and the public statement of a
    restriction, the citation of a designation. ``taken_on`` is the day it was decided or
    listed. ``revoked`` is set on the version that withdraws it, with ``comment`` saying why.
    """

    reference: str
    notifying_node: str
    notifying_state: str
    kind: MeasureKind
    taken_on: date
    subject_names: tuple[str, ...]
    subject_type: str
    countries: tuple[str, ...] = ()
    authority: str = ""
    programme: str = ""
    grounds: str = ""
    revoked: bool = False
    comment: str = ""

    @property
    def subject(self) -> str:
        """The party's name."""
        return self.subject_names[0]


class DenialExchange(Protocol):
    """The node's exchange with its peers, within one unit of work (what is sent leaves
    only if the unit of work commits)."""

    def foreign_denials(self, product_category: str) -> Sequence[DenialNotice]:
        """Denial notices in force (latest version not revoked) received from peers and
        verified against their logs, for ``product_category``, oldest first."""
        ...

    def notify_denial(self, notice: DenialNotice) -> None:
        """Send ``notice`` (a new version; ``revoked`` withdraws it) to the peers the node
        shares denials with."""
        ...

    def consult(self, consultation: Consultation) -> None:
        """Send ``consultation`` to the node named by its ``denial_node``."""
        ...

    def foreign_measures(self) -> Sequence[RestrictiveMeasure]:
        """Restrictive measures in force (latest version not revoked) received from peers
        and verified against their logs, oldest first."""
        ...

    def share_measures(self, measures: Sequence[RestrictiveMeasure]) -> int:
        """Bring what peers were told in line with ``measures`` (every measure in force on
        this node): a new version of each one not told yet or changed since, a revoked
        version of each one told that is no longer in force. Returns the versions sent."""
        ...


class _NoExchange:
    """A node with no peers: receives nothing, sends nothing."""

    def foreign_denials(self, product_category: str) -> Sequence[DenialNotice]:
        return ()

    def notify_denial(self, notice: DenialNotice) -> None:
        return None

    def consult(self, consultation: Consultation) -> None:
        return None

    def foreign_measures(self) -> Sequence[RestrictiveMeasure]:
        return ()

    def share_measures(self, measures: Sequence[RestrictiveMeasure]) -> int:
        return 0


NO_EXCHANGE: DenialExchange = _NoExchange()
"""The exchange of a node with no peers."""
