"""The registry's ownership relationships as the screening 50 % rule's ``OwnershipGraph``.

``owns`` with a share is a holding of that share; ``owns`` without one, and
``subsidiary_of`` (which records no share), are holdings of unknown size: the 50 % rule
reads them as "unknown", never as 0 %. Edges come in the order they were recorded, so a
stake recorded again supersedes (the rule counts each owner's stake once).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from pallmall.disclosure import NODE, Reader, Sensitivity, Visibility, may_read
from pallmall.registry.model import RelType
from pallmall.registry.store import RegistryStore
from pallmall.screening.ownership import OwnershipEdge


class RegistryOwnership:
    """:class:`pallmall.screening.ownership.OwnershipGraph` over a registry store, as
    ``reader`` may see it: a holding by a record the reader may not read is left out (the
    disclosure rules: a relationship is as restricted as its most restricted end). Due
    diligence reads it as the node (:data:`pallmall.disclosure.NODE`)."""

    def __init__(self, store: RegistryStore, reader: Reader = NODE) -> None:
        self.store = store
        self.reader = reader

    def owners_of(self, party: str) -> Sequence[OwnershipEdge]:
        """Direct holders of ``party``: share 0 < share <= 1, or None when not recorded;
        oldest recorded first."""
        edges = []
        found = sorted(self.store.relationships_of(party), key=lambda r: (r.recorded_at, r.id))
        for stored in found:
            rel = stored.relationship
            if rel.share is not None and rel.share <= 0:
                continue
            if rel.type is RelType.OWNS and rel.target_id == party:
                owner = rel.source_id
            elif rel.type is RelType.SUBSIDIARY_OF and rel.source_id == party:
                owner = rel.target_id
            else:
                continue
            if not self._readable(owner):
                continue
            share = rel.share / 100 if rel.share is not None else None
            edges.append(OwnershipEdge(owner, party, share, rel.start, rel.end))
        return edges

    def _readable(self, record_id: str) -> bool:
        stored = self.store.get(record_id)
        visibility = stored.record.visibility if stored else Visibility.RESTRICTED
        return may_read(self.reader, Sensitivity(visibility))

    def is_designated(self, record_id: str, on: date) -> bool:
        """Whether the record carries a designation in force on ``on``."""
        stored = self.store.get(record_id)
        designations = getattr(stored.record, "designations", ()) if stored else ()
        return any(
            d.listed_on <= on and (d.delisted_on is None or on < d.delisted_on)
            for d in designations
        )
