"""The two markings every disclosure decision reads: a record's visibility and a TLP label.

They live here, below the capabilities, because the disclosure rules (:mod:`.rules`) decide on
them for every capability: the registry marks records, relationships and sources with a
:class:`Visibility`; intel marks incidents and STIX objects with a :class:`Tlp` (TLP 2.0,
FIRST, https://www.first.org/tlp/).
"""

from __future__ import annotations

from enum import StrEnum


class Visibility(StrEnum):
    """Who may read a record, relationship or source: everyone, or signed-in roles with
    restricted read; persisted."""

    PUBLIC = "public"
    RESTRICTED = "restricted"


class Tlp(StrEnum):
    """A TLP 2.0 label, ordered from least to most restricted (see :data:`TLP_ORDER`)."""

    CLEAR = "clear"
    GREEN = "green"
    AMBER = "amber"
    AMBER_STRICT = "amber+strict"
    RED = "red"

    @property
    def rank(self) -> int:
        """0 for CLEAR up to 4 for RED: a larger rank is more restricted."""
        return TLP_ORDER.index(self)

    def allows(self, other: Tlp) -> bool:
        """True when content labelled ``other`` may sit under a ceiling of ``self``."""
        return other.rank <= self.rank


TLP_ORDER: tuple[Tlp, ...] = (Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER, Tlp.AMBER_STRICT, Tlp.RED)
