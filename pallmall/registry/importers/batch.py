"""What a reader hands to the import: records and relationships by name, plus what it skipped."""

from __future__ import annotations

from dataclasses import dataclass, field

from pallmall.registry.model import Relationship
from pallmall.registry.store import AnyRecord


@dataclass(frozen=True)
class Skipped:
    """An item left out, where it was (file and position) and why."""

    where: str
    reason: str


@dataclass
class ImportBatch:
    """Records keyed by a source-stable id; relationships refer to those ids."""

    source: str
    records: dict[str, AnyRecord] = field(default_factory=dict)
    relationships: dict[str, Relationship] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)

    def skip(self, where: str, reason: str) -> None:
        """Note an item left out."""
        self.skipped.append(Skipped(where, reason))
