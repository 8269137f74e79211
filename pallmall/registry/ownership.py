"""The registry's ownership relationships as the screening 50 % rule's ``OwnershipGraph``.

``owns`` with a share is a holding of that share; ``subsidiary_of`` with a share is the
parent's holding. A relationship without a share cannot be weighed and is left out (the
finding then understates; the record page shows such links for a person to judge).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from pallmall.registry.model import RelType
from pallmall.registry.store import RegistryStore
from pallmall.screening.ownership import OwnershipEdge


class RegistryOwnership:
    """:class:`pallmall.screening.ownership.OwnershipGraph` over a registry store."""

    def __init__(self, store: RegistryStore) -> None:
        self.store = store

    def owners_of(self, party: str) -> Sequence[OwnershipEdge]:
        """Direct holders of ``party`` with a known share (0 < share <= 1)."""
        edges = []
        for stored in self.store.relationships_of(party):
            rel = stored.relationship
            if rel.share is None or rel.share <= 0:
                continue
            if rel.type is RelType.OWNS and rel.target_id == party:
                owner = rel.source_id
            elif rel.type is RelType.SUBSIDIARY_OF and rel.source_id == party:
                owner = rel.target_id
            else:
                continue
            edges.append(OwnershipEdge(owner, party, rel.share / 100, rel.start, rel.end))
        return edges

    def is_designated(self, record_id: str, on: date) -> bool:
        """Whether the record carries a designation in force on ``on``."""
        stored = self.store.get(record_id)
        designations = getattr(stored.record, "designations", ()) if stored else ()
        return any(
            d.listed_on <= on and (d.delisted_on is None or on < d.delisted_on)
            for d in designations
        )
