"""The one SQLAlchemy ``MetaData`` and engine factory every storage module shares."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import MetaData, event
from sqlalchemy.engine import Connection, Engine, create_engine

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)
WRITE_OPTION = "pallmall_write"


def is_sqlite(engine: Engine) -> bool:
    """True when the engine speaks to SQLite (locking and upserts differ)."""
    return engine.dialect.name == "sqlite"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for ``url``.

    Bound parameters are hidden from error messages and logs (``hide_parameters``). SQLite
    gets WAL, ``synchronous=FULL`` (a committed transaction survives power loss), foreign
    keys and a busy timeout, set on every new connection.
    """
    # bound parameters (password hashes, tokens' hashes, personal data) never go into an
    # error message or the server log
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling defers BEGIN; we issue it ourselves (see _sqlite_begin)
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in (
        "journal_mode=WAL",
        "synchronous=FULL",
        "foreign_keys=ON",
        "busy_timeout=30000",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # A writer takes the lock at BEGIN (IMMEDIATE) so two writers queue on busy_timeout
    # instead of failing when one upgrades a read snapshot; readers stay DEFERRED.
    # Straight to the driver: through exec_driver_sql this BEGIN cost a tenth of a registry read.
    write = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.connection.dbapi_connection.execute(  # type: ignore[union-attr]  # the pool's DBAPI connection is typed Optional; it is open here
        "BEGIN IMMEDIATE" if write else "BEGIN"
    )


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that writes: serialised on SQLite, committed on exit, rolled back on error."""
    with engine.connect().execution_options(**{WRITE_OPTION: True}) as conn, conn.begin():
        yield conn


@contextmanager
def read_transaction(engine: Engine) -> Iterator[Connection]:
    """A read-only unit of work with one consistent snapshot."""
    with engine.connect() as conn, conn.begin():
        yield conn
