"""Export the registry as FollowTheMoney entities (https://followthemoney.tech).

The entities are built by :mod:`pallmall.registry.ftm_entities` (the ``followthemoney``
package, with its schema model and its dependencies), imported at the first export a
process makes: the API and the CLI import this module, and most processes never export
(followthemoney was about a third of the app's import time, issue 16). See
``ftm_entities`` for how records, relationships and sources map to entities.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pallmall.core.deferred import DeferredModule
from pallmall.disclosure import PUBLIC, Reader
from pallmall.registry.store import Stored, StoredRelationship

__all__ = ["export_entities"]

ENTITIES = DeferredModule("pallmall.registry.ftm_entities")


def export_entities(
    records: Iterable[Stored],
    relationships: Iterable[StoredRelationship],
    reader: Reader = PUBLIC,
) -> Iterator[dict[str, Any]]:
    """FtM entity dicts (``{"id", "schema", "properties"}``) for the records and
    relationships ``reader`` may read, with the sources it may read; entities that carry
    restricted material also have ``"visibility": "restricted"``. Lazy, like a generator:
    nothing is read from ``records`` before the first entity is asked for."""
    entities: Iterator[dict[str, Any]] = ENTITIES.load().export_entities(
        records, relationships, reader
    )
    return entities
