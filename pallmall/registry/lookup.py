"""Finding registry records by name, for other capabilities (intel links malware to products)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

from pallmall.registry.model import Organisation, OrgKind, RecordType, Visibility
from pallmall.registry.names import name_key
from pallmall.registry.store import RegistryStore


class ProductsByName:
    """``find_product_by_name``: the product whose name or alias folds to the same key.

    ``open_store`` opens a short read unit of work per lookup, so the finder can live as long
    as the app while each lookup sees committed data.
    """

    def __init__(self, open_store: Callable[[], AbstractContextManager[RegistryStore]]) -> None:
        self.open_store = open_store

    def find_product_by_name(self, name: str) -> str | None:
        """The id of the product called ``name`` (case- and accent-insensitive), or None."""
        with self.open_store() as store:
            for record_id in sorted(store.ids_by_name_key(name_key(name))):
                stored = store.get(record_id)
                if stored is not None and stored.record.type is RecordType.PRODUCT:
                    return record_id
        return None


_OPERATOR_KINDS = (OrgKind.STATE, OrgKind.STATE_AGENCY)
GENERIC_ENDINGS = frozenset(
    {
        "ltd",
        "limited",
        "inc",
        "llc",
        "plc",
        "sa",
        "s a",
        "ag",
        "ad",
        "gmbh",
        "bv",
        "srl",
        "spa",
        "zrt",
        "kft",
        "sarl",
        "corp",
        "corporation",
        "company",
        "co",
        "group",
        "holding",
        "holdings",
        "technologies",
        "technology",
        "tech",
        "solutions",
        "services",
        "infotech",
        "alliance",
        "consortium",
        "international",
    }
)
"""Words at the end of an organisation's name that do not tell it apart: legal forms and
the generic nouns vendors add ("Group", "Technologies", "Alliance")."""


class OrganisationsByName:
    """``find_organisation``: the organisation whose name, alias or former name folds to the
    same key as the name asked for (states and state agencies first, then by id).

    ``public_only`` leaves out restricted records (what a public import may link to).
    """

    def __init__(
        self,
        open_store: Callable[[], AbstractContextManager[RegistryStore]],
        public_only: bool = True,
    ) -> None:
        self.open_store = open_store
        self.public_only = public_only

    def find_organisation(self, name: str) -> str | None:
        """The id of the organisation called ``name`` (case- and accent-insensitive), or
        None. When no name matches whole, trailing legal forms and generic words
        (:data:`GENERIC_ENDINGS`: "Ltd", "Group", "Technologies", "Alliance" ...) are dropped
        one at a time and the rest tried again ("Intellexa Alliance" finds Intellexa,
        "NSO Group Technologies" finds NSO Group); never down to nothing."""
        words = name_key(name).split()
        while words:
            found = self._find_key(" ".join(words))
            if found is not None:
                return found
            if len(words) < 2 or words[-1] not in GENERIC_ENDINGS:
                return None
            words = words[:-1]
        return None

    def _find_key(self, key: str) -> str | None:
        found: list[tuple[bool, str]] = []
        with self.open_store() as store:
            for record_id in sorted(store.ids_by_name_key(key)):
                stored = store.get(record_id)
                if stored is None or not isinstance(stored.record, Organisation):
                    continue
                if self.public_only and stored.record.visibility is not Visibility.PUBLIC:
                    continue
                state = any(k in _OPERATOR_KINDS for k in stored.record.kinds)
                found.append((not state, record_id))
        return min(found)[1] if found else None
