"""Finding registry records by name, for other capabilities (intel links malware to products)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

from pallmall.registry.model import RecordType
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
