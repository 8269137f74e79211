"""The migrations build exactly the schema the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import pallmall.storage.schema  # noqa: F401  (every capability's tables)
from pallmall.core.audit import AuditRecord
from pallmall.core.clock import utcnow
from pallmall.core.paging import PageRequest
from pallmall.storage.base import metadata
from pallmall.storage.database import Database


def test_migrated_schema_matches_the_tables(db: Database) -> None:
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_migrate_twice_is_a_no_op(db: Database) -> None:
    with db.write() as tx:
        tx.audit.append(AuditRecord("someone", "test.kept", "t1", utcnow(), {"n": 1}))
    before = _revisions(db)
    db.migrate()
    db.migrate()
    assert _revisions(db) == before != set()
    with db.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    with db.read() as tx:
        kept = tx.audit.list(PageRequest(0, 10), target="t1").items
    assert [r.verb for r in kept] == ["test.kept"]


def _revisions(db: Database) -> set[str]:
    with db.engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())
