"""The database: engine, migrations and units of work handing out the stores."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy.engine import Connection, Engine

from pallmall.core.deferred import DeferredModule
from pallmall.storage.accounts import SqlAccountStore, SqlThrottleStore
from pallmall.storage.audit import SqlAuditSink, SqlChangeOutbox
from pallmall.storage.base import make_engine, read_transaction, write_transaction
from pallmall.storage.registry import RegistrySearchCache, SqlRegistryStore
from pallmall.storage.revisions import is_current

# alembic (and mako, pygments) only in processes that migrate: see pallmall.storage.migration
MIGRATION = DeferredModule("pallmall.storage.migration")


@dataclass
class Tx:
    """One unit of work: every store shares the connection, so all commit or none."""

    conn: Connection
    search_cache: RegistrySearchCache | None = None

    @cached_property
    def registry(self) -> SqlRegistryStore:
        return SqlRegistryStore(self.conn, self.search_cache)

    @cached_property
    def audit(self) -> SqlAuditSink:
        return SqlAuditSink(self.conn)

    @cached_property
    def outbox(self) -> SqlChangeOutbox:
        return SqlChangeOutbox(self.conn)

    @cached_property
    def accounts(self) -> SqlAccountStore:
        return SqlAccountStore(self.conn)

    @cached_property
    def throttle(self) -> SqlThrottleStore:
        return SqlThrottleStore(self.conn)


class Database:
    """The platform's database at ``url`` (SQLite file or PostgreSQL)."""

    def __init__(self, url: str, engine: Engine | None = None) -> None:
        self.url = url
        self.engine = engine or make_engine(url)
        self.search_cache = RegistrySearchCache()  # the registry's search index, per process

    @contextmanager
    def write(self) -> Iterator[Tx]:
        """A unit of work that writes; committed on exit, rolled back on any error."""
        with write_transaction(self.engine) as conn:
            yield Tx(conn, self.search_cache)

    @contextmanager
    def read(self) -> Iterator[Tx]:
        """A unit of work that only reads."""
        with read_transaction(self.engine) as conn:
            yield Tx(conn, self.search_cache)

    @contextmanager
    def registry(self) -> Iterator[SqlRegistryStore]:
        """The registry store in a read-only unit of work."""
        with self.read() as tx:
            yield tx.registry

    def migrate(self) -> None:
        """Bring the schema to the newest revision (``alembic upgrade heads``); a database
        already there is left as it is without importing alembic."""
        if is_current(self.engine):
            return
        MIGRATION.load().upgrade(self.engine)

    def dispose(self) -> None:
        """Close pooled connections."""
        self.engine.dispose()
