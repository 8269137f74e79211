"""Fixtures shared by the whole suite: shared data, databases on SQLite and PostgreSQL, the app."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

import pallmall.storage.schema  # noqa: F401  (every capability's tables)
from pallmall.storage.base import make_engine, metadata
from pallmall.storage.database import Database

# xdist workers inherit COLUMNS=80; a rich Console made at import would keep that width for
# good, and the CLI run in-process (tests.helpers.run_cli) must follow each test's COLUMNS.
for _fixed in ("COLUMNS", "LINES"):
    os.environ.pop(_fixed, None)

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
POSTGRES_URL = os.environ.get(
    "PALLMALL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared`` beside the repository; tests using it skip where it is absent."""
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent: the shared test data comes with the team's checkouts")
    return SHARED


def _postgres_unreachable() -> str | None:
    engine = make_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to connect means: skip, and say why
        return f"PostgreSQL not reachable at {POSTGRES_URL}: {str(exc).splitlines()[0]}"
    finally:
        engine.dispose()
    return None


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "pallmall.db"
    db = Database(f"sqlite:///{path}")
    db.migrate()
    db.dispose()
    return path


@pytest.fixture(scope="session")
def _postgres_schema(worker_id: str) -> Iterator[str]:
    reason = _postgres_unreachable()
    if reason:
        pytest.skip(reason)
    schema = f"pm_test_{worker_id}_{uuid.uuid4().hex[:8]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    db = Database(POSTGRES_URL, engine=_schema_engine(schema))
    db.migrate()
    db.dispose()
    yield schema
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def _schema_engine(schema: str):
    return make_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty database: SQLite in a temp folder, then PostgreSQL in its own schema."""
    if request.param == "sqlite":
        path = tmp_path / "pallmall.db"
        shutil.copy(request.getfixturevalue("_sqlite_template"), path)
        database = Database(f"sqlite:///{path}")
    else:
        schema = request.getfixturevalue("_postgres_schema")
        database = Database(POSTGRES_URL, engine=_schema_engine(schema))
        _truncate(database)
    yield database
    database.dispose()


@pytest.fixture
def sqlite_db(tmp_path: Path, _sqlite_template: Path) -> Iterator[Database]:
    """A migrated, empty SQLite database (for tests that need one backend only)."""
    path = tmp_path / "pallmall.db"
    shutil.copy(_sqlite_template, path)
    database = Database(f"sqlite:///{path}")
    yield database
    database.dispose()


def _truncate(database: Database) -> None:
    existing = set(inspect(database.engine).get_table_names())
    names = ", ".join(t.name for t in metadata.sorted_tables if t.name in existing)
    with database.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
