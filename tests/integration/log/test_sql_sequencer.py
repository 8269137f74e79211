"""SqlSequencer on SQLite and PostgreSQL: concurrent writers give one gap-free, verifiable log."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from pallmall.log.audit import verify_log
from pallmall.log.entry import make_entry
from pallmall.log.note import generate_signer
from pallmall.log.tiles import FsTileStore
from pallmall.log.tlog import TransparencyLog
from pallmall.storage.base import make_engine
from pallmall.storage.log import SqlSequencer, log_entries, log_sequence

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _pg_engine() -> Iterator[Engine]:
    schema = f"log_test_{secrets.token_hex(4)}"
    admin = make_engine(PG_URL)
    try:
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    except Exception as exc:  # psycopg raises OperationalError subclasses
        admin.dispose()
        pytest.skip(f"PostgreSQL unreachable at {PG_URL}: {exc.__class__.__name__}")
    engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
        gen: Iterator[Engine] = iter([eng])
    else:
        gen = _pg_engine()
    eng = next(gen)
    for table in (log_entries, log_sequence):
        table.create(eng)
    yield eng
    for _ in gen:
        pass


def test_concurrent_writers_make_one_gap_free_verifiable_log(
    engine: Engine, tmp_path: Path
) -> None:
    signer = generate_signer("sql.example/log")
    workers = [
        TransparencyLog(FsTileStore(tmp_path / "public"), SqlSequencer(engine), signer)
        for _ in range(4)
    ]
    workers[0].ensure_checkpoint()
    got: list[list[int]] = [[] for _ in workers]
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(25):
                got[n].extend(workers[n].append([b"w%d-%d-%d" % (n, i, j) for j in range(4)]))
                if i % 5 == 0:
                    workers[n].integrate()
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(len(workers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    indexes = sorted(i for g in got for i in g)
    assert indexes == list(range(400))
    while workers[1].integrate().checkpoint.size < 400:
        pass
    assert verify_log(tmp_path / "public", signer.vkey).checkpoint.size == 400


def test_assigned_entries_read_back_in_order(engine: Engine) -> None:
    seq = SqlSequencer(engine)
    data, _ = make_entry("registry.change", "org/42", {"name": "V"})
    first = seq.assign([b"raw", data])
    assert seq.read(first, first + 2) == [b"raw", data]
    assert seq.size() == first + 2
