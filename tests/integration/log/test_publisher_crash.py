"""The publisher is idempotent: a crash between the log append and the database commit
gives each public change one entry, on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pallmall.core.changes import PublicChange
from pallmall.core.settings import Settings
from pallmall.disclosure import PUBLIC_SUBJECT, gate
from pallmall.disclosure.kinds import decision_kind
from pallmall.log import TransparencyLog, check_disclosure, leaf_hash, parse_entry
from pallmall.log.entry import Disclosure
from pallmall.publisher import Publisher
from pallmall.storage.database import Database
from pallmall.wiring import open_log

AT = datetime(2026, 3, 1, 12, tzinfo=UTC)


class Crash(Exception):
    """The process dies here."""


class CrashAfterAppend:
    """A log that appends durably, then the process "dies" before the publisher commits."""

    def __init__(self, tlog: TransparencyLog) -> None:
        self.tlog = tlog
        self.sequencer = tlog.sequencer

    def append(self, entries: Sequence[bytes]) -> list[int]:
        self.tlog.append(entries)
        raise Crash


def changes(n: int) -> list[PublicChange]:
    fields = {
        "case_kind": "licence",
        "authority": "GB export authority",
        "state": "GB",
        "outcome": "deny",
        "destination": "AE",
        "details": {"end_user": "kept on the node"},
    }
    kind = decision_kind("licence", "decided")
    return [gate(kind, f"case-{i}", AT, fields, PUBLIC_SUBJECT) for i in range(n)]


@pytest.fixture
def tlog(db: Database, tmp_path: Path) -> TransparencyLog:
    settings = Settings(data_dir=tmp_path, session_secret="s", log_origin="crash.test/log")
    return open_log(settings, db)


def integrated(tlog: TransparencyLog) -> list[bytes]:
    for _ in range(200):  # on PostgreSQL another session may hold the integration lock
        if tlog.integrate().checkpoint.size >= tlog.sequencer.size():
            break
        time.sleep(0.05)
    return [tlog.entry(i) for i in range(tlog.checkpoint().checkpoint.size)]


def test_a_crash_after_the_append_gives_each_change_one_entry(
    db: Database, tlog: TransparencyLog
) -> None:
    made = changes(3)
    with db.write() as tx:
        for change in made:
            tx.outbox.add(change)
    crashing = Publisher(db, CrashAfterAppend(tlog))  # type: ignore[arg-type]  # a stand-in log
    with pytest.raises(Crash):
        crashing.run_once()
    assert tlog.sequencer.size() == 3  # appended, but the outbox does not know it
    with db.read() as tx:
        assert len(tx.outbox.pending()) == 3
    assert Publisher(db, tlog).drain() == 3  # the restart finds them in the log
    entries = [parse_entry(e) for e in integrated(tlog)]
    assert [e.change for e in entries] == [c.id for c in made]
    with db.read() as tx:
        assert tx.outbox.pending() == []
        for index, change in enumerate(made):
            kept = tx.outbox.disclosure(index)
            assert kept is not None
            # the salts kept before the append open the entry that was appended
            opened = check_disclosure(tlog.entry(index), Disclosure.from_json(kept))
            assert opened.change == change.id
    assert Publisher(db, tlog).drain() == 0
    assert tlog.sequencer.size() == 3


def test_a_crash_before_the_append_appends_once_on_restart(
    db: Database, tlog: TransparencyLog
) -> None:
    made = changes(2)
    with db.write() as tx:
        for change in made:
            tx.outbox.add(change)

    class CrashBeforeAppend(CrashAfterAppend):
        def append(self, entries: Sequence[bytes]) -> list[int]:
            raise Crash

    with pytest.raises(Crash):
        Publisher(db, CrashBeforeAppend(tlog)).run_once()  # type: ignore[arg-type]  # a stand-in log that crashes
    assert tlog.sequencer.size() == 0
    assert Publisher(db, tlog).drain() == 2
    assert [parse_entry(e).change for e in integrated(tlog)] == [c.id for c in made]


def test_a_change_is_prepared_once_and_appended_as_prepared(
    db: Database, tlog: TransparencyLog
) -> None:
    (change,) = changes(1)
    with db.write() as tx:
        tx.outbox.add(change)
    Publisher(db, tlog)._prepare()
    with db.read() as tx:
        ((row, _),) = tx.outbox.pending()
        first = tx.outbox.prepared(row)
    Publisher(db, tlog)._prepare()  # a second publisher keeps the first one's salts
    with db.read() as tx:
        assert tx.outbox.prepared(row) == first
    assert first is not None
    assert Publisher(db, tlog).drain() == 1
    (entry,) = integrated(tlog)
    assert leaf_hash(entry).hex() == first[0]
