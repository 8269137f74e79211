"""The log's sequencer in the database: one gap-free, duplicate-free index across workers.

:class:`SqlSequencer` implements :class:`pallmall.log.sequencer.Sequencer`. ``assign``
runs in one write transaction holding the sequencing lock — ``pg_advisory_xact_lock``
on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite — reads the next index, inserts the rows
and advances it; the commit makes the entries durable before the indexes are returned.
Rows stay after integration, so entries can be looked up by leaf hash or subject.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import BigInteger, Column, Index, Integer, LargeBinary, Table, Text, text
from sqlalchemy.engine import Engine
from sqlalchemy.sql import func, insert, select, update

from pallmall.core.errors import InvalidInput
from pallmall.log.entry import entry_subject
from pallmall.log.hashing import leaf_hash
from pallmall.storage.base import is_sqlite, metadata, write_transaction

SEQUENCE_LOCK = 0x706D6C6F67  # "pmlog": pg_advisory_xact_lock key for sequencing
INTEGRATE_LOCK = 0x706D6C6F68  # session-level lock held by the one integrating worker
# Advisory locks are database-wide: the key is mixed with the schema, so logs kept in other
# schemas of the same database (test workers, other nodes) never wait for each other.
_KEY = "(:k # hashtext(current_schema())::bigint)"

log_entries = Table(
    "log_entries",
    metadata,
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("data", LargeBinary, nullable=False),
    Column("leaf_hash", LargeBinary(32), nullable=False),
    Column("subject", Text, nullable=True),
    Index("ix_log_entries_leaf_hash", "leaf_hash"),
    Index("ix_log_entries_subject", "subject"),
)

log_sequence = Table(
    "log_sequence",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("next_index", BigInteger, nullable=False),
)


class SqlSequencer:
    """Sequencer on SQLite or PostgreSQL (tables ``log_entries`` and ``log_sequence``)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._integrating = threading.Lock()

    def assign(self, entries: Sequence[bytes]) -> int:
        """Insert ``entries`` at the next indexes in one transaction; return the first."""
        if not entries:
            raise InvalidInput("entries", "at least one entry")
        rows = [(e, leaf_hash(e), entry_subject(e)) for e in entries]
        with write_transaction(self.engine) as conn:
            if not is_sqlite(self.engine):
                conn.execute(select(func.pg_advisory_xact_lock(SEQUENCE_LOCK)))
            first = conn.execute(select(log_sequence.c.next_index)).scalar()
            if first is None:
                first = 0
                conn.execute(insert(log_sequence).values(id=1, next_index=0))
            conn.execute(
                insert(log_entries),
                [
                    {"idx": first + i, "data": d, "leaf_hash": h, "subject": s}
                    for i, (d, h, s) in enumerate(rows)
                ],
            )
            conn.execute(update(log_sequence).values(next_index=first + len(rows)))
        return int(first)

    def size(self) -> int:
        """The next index (entries sequenced so far)."""
        with self.engine.connect() as conn:
            value = conn.execute(select(log_sequence.c.next_index)).scalar()
        return int(value or 0)

    def read(self, start: int, end: int) -> list[bytes]:
        """Entries ``[start, end)`` in index order; ``InvalidInput`` if any is missing."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(log_entries.c.data)
                .where(log_entries.c.idx >= start, log_entries.c.idx < end)
                .order_by(log_entries.c.idx)
            ).all()
        if len(rows) != end - start:
            raise InvalidInput("end", f"entries [{start}, {end}) are not all sequenced")
        return [bytes(r[0]) for r in rows]

    def integrated(self, size: int) -> None:
        """Nothing to free: rows are kept for lookups."""

    @contextmanager
    def integration_lock(self) -> Iterator[bool]:
        """Yield True for the one worker that may integrate now.

        PostgreSQL: ``pg_try_advisory_lock`` on a dedicated connection; SQLite: one
        integrator per process (a thread lock).
        """
        if not self._integrating.acquire(blocking=False):
            yield False
            return
        try:
            if is_sqlite(self.engine):
                yield True
                return
            with self.engine.connect() as conn:
                got = conn.execute(
                    text(f"SELECT pg_try_advisory_lock({_KEY})"), {"k": INTEGRATE_LOCK}
                )
                if not got.scalar():
                    conn.rollback()
                    yield False
                    return
                try:
                    yield True
                finally:
                    conn.execute(text(f"SELECT pg_advisory_unlock({_KEY})"), {"k": INTEGRATE_LOCK})
                    conn.commit()
        finally:
            self._integrating.release()

    def entry(self, index: int) -> bytes | None:
        """The sequenced entry at ``index`` (integrated or not), or None."""
        with self.engine.connect() as conn:
            value = conn.execute(
                select(log_entries.c.data).where(log_entries.c.idx == index)
            ).scalar()
        return None if value is None else bytes(value)
