"""An in-memory :class:`~pallmall.cases.exchange.DenialExchange`: it stands in for the other
states' nodes (outside this machine's node), keeping what the node sends and handing it
the notices the test says peers sent."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pallmall.cases.exchange import Consultation, DenialNotice, RestrictiveMeasure


@dataclass
class PeerNodes:
    """Other nodes, as the node's exchange sees them.

    ``sent`` holds every notice version the node notified (oldest first), ``consulted``
    every consultation, ``told`` the measures the node last said are in force (each call
    of ``share_measures`` replaces them); :meth:`receive` is a peer's notice version
    arriving (verified), :meth:`receive_measure` a peer's measure version.
    ``foreign_denials`` keeps the port's contract: the latest version of each notice,
    only when not revoked, of the category asked, oldest first; so does
    ``foreign_measures``.
    """

    sent: list[DenialNotice] = field(default_factory=list)
    consulted: list[Consultation] = field(default_factory=list)
    received: dict[tuple[str, str], DenialNotice] = field(default_factory=dict)
    told: list[RestrictiveMeasure] = field(default_factory=list)
    measures: dict[tuple[str, str], RestrictiveMeasure] = field(default_factory=dict)

    def receive(self, notice: DenialNotice) -> None:
        """A peer's notice version arrives (a later version replaces an earlier one)."""
        self.received[(notice.notifying_node, notice.reference)] = notice

    def foreign_denials(self, product_category: str) -> Sequence[DenialNotice]:
        return [
            n
            for n in self.received.values()
            if n.product_category == product_category and not n.revoked
        ]

    def notify_denial(self, notice: DenialNotice) -> None:
        self.sent.append(notice)

    def consult(self, consultation: Consultation) -> None:
        self.consulted.append(consultation)

    def receive_measure(self, measure: RestrictiveMeasure) -> None:
        """A peer's measure version arrives (a later version replaces an earlier one)."""
        self.measures[(measure.notifying_node, measure.reference)] = measure

    def foreign_measures(self) -> Sequence[RestrictiveMeasure]:
        return [m for m in self.measures.values() if not m.revoked]

    def share_measures(self, measures: Sequence[RestrictiveMeasure]) -> int:
        changed = len(set(measures) ^ set(self.told))
        self.told = list(measures)
        return changed
