"""The migrations build exactly the schema the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import pallmall.storage.schema  # noqa: F401  (every capability's tables)
from pallmall.storage.base import metadata
from pallmall.storage.database import Database


def test_migrated_schema_matches_the_tables(db: Database) -> None:
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_migrate_twice_is_a_no_op(db: Database) -> None:
    db.migrate()
    db.migrate()
