"""The import report: what came in, what was added, repaired, merged or skipped, and why."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Note:
    """One remark about one input item: ``where`` is a STIX id or a file position."""

    where: str
    reason: str


@dataclass
class ImportReport:
    """The outcome of importing one source into one collection.

    ``received`` counts input objects (or MISP attributes / CSV rows); ``added`` counts new
    object versions stored; ``duplicates`` counts inputs already held (same content or same
    id and version); ``repaired`` and ``skipped`` say what was changed or left out, and why.
    ``product_links`` maps malware ids to registry product ids found by name or alias;
    ``organisation_links`` maps threat actors, intrusion sets and organisation identities to
    registry organisation ids; ``unlinked`` names (by STIX id) those the registry did not
    know, when a registry was asked.
    """

    source: str
    format: str
    received: int = 0
    added: int = 0
    duplicates: int = 0
    repaired: list[Note] = field(default_factory=list)
    skipped: list[Note] = field(default_factory=list)
    product_links: dict[str, str] = field(default_factory=dict)
    organisation_links: dict[str, str] = field(default_factory=dict)
    unlinked: dict[str, str] = field(default_factory=dict)
    types: Counter[str] = field(default_factory=Counter)

    def repair(self, where: str, reason: str) -> None:
        """Record that the item at ``where`` was kept after changing it, for ``reason``."""
        self.repaired.append(Note(where, reason))

    def skip(self, where: str, reason: str) -> None:
        """Record that the item at ``where`` was left out, for ``reason``."""
        self.skipped.append(Note(where, reason))

    def summary(self) -> str:
        """One line: source, counts, and the most common reasons for repairs and skips."""
        reasons = Counter(_short(n.reason) for n in self.skipped)
        fixes = Counter(_short(n.reason) for n in self.repaired)
        return (
            f"{self.source} [{self.format}]: received {self.received}, added {self.added}, "
            f"duplicates {self.duplicates}, repaired {len(self.repaired)}, "
            f"skipped {len(self.skipped)}"
            + (f"; skips: {dict(reasons.most_common(3))}" if reasons else "")
            + (f"; repairs: {dict(fixes.most_common(3))}" if fixes else "")
            + (
                f"; products: {sorted(set(self.product_links.values()))}"
                if self.product_links
                else ""
            )
            + (
                f"; organisations: {sorted(set(self.organisation_links.values()))}"
                if self.organisation_links
                else ""
            )
            + (
                f"; not in the registry: {sorted(set(self.unlinked.values()))}"
                if self.unlinked
                else ""
            )
        )


def _short(reason: str) -> str:
    # group notes such as "'1.2.3.4' is not a domain" by their wording, not their value
    return reason.split("'")[0].strip() + ("…" if "'" in reason else "")
