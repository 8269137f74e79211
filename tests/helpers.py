"""Small builders the tests share."""

from __future__ import annotations

from pallmall.core.auth import SYSTEM
from pallmall.registry.demo import shipped_batches
from pallmall.registry.importing import ImportReport, apply_batch
from pallmall.registry.service import RegistryService
from pallmall.storage.database import Database, Tx


def service(tx: Tx) -> RegistryService:
    """A registry service on ``tx``."""
    return RegistryService(tx.registry, tx.audit, tx.outbox)


def load_demo(db: Database) -> list[ImportReport]:
    """Import the shipped registry data into ``db`` as the system."""
    with db.write() as tx:
        return [apply_batch(service(tx), SYSTEM, b) for b in shipped_batches()]
