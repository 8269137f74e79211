"""The migrations build exactly the schema the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

import pallmall.storage.schema  # noqa: F401  (every capability's tables)
from pallmall.core.audit import AuditRecord
from pallmall.core.clock import utcnow
from pallmall.core.paging import PageRequest
from pallmall.storage.base import metadata
from pallmall.storage.database import Database
from pallmall.storage.migration import MIGRATIONS
from pallmall.storage.revisions import current_revisions, head_revisions, is_current


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


def test_the_revisions_read_without_alembic_are_alembics(db: Database, tmp_path: Path) -> None:
    """``Database.migrate`` skips alembic when the database is at the heads read from the
    revision files: they must be the heads alembic itself finds and records."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert head_revisions() == set(ScriptDirectory.from_config(config).get_heads())
    assert current_revisions(db.engine) == _revisions(db) == head_revisions()
    assert is_current(db.engine)
    fresh = Database(f"sqlite:///{tmp_path / 'fresh.db'}")
    assert current_revisions(fresh.engine) == frozenset()
    assert not is_current(fresh.engine)
    fresh.migrate()
    assert is_current(fresh.engine)
    fresh.dispose()


def test_an_older_revision_is_not_current(db: Database) -> None:
    (head,) = current_revisions(db.engine)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0013_equities'"))
    try:
        assert current_revisions(db.engine) == {"0013_equities"}
        assert not is_current(db.engine)
    finally:
        # the PostgreSQL schema serves the worker's other tests: a later command would
        # otherwise migrate it again from 0013, over tables that exist
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})
