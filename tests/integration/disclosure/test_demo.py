"""The shipped demo data publishes nothing that the disclosure rules hold back, and nothing
the publisher has to refuse: no entry that would ever need withholding."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from pallmall.core.paging import PageRequest
from pallmall.disclosure import WITHHELD_PREFIX
from pallmall.log import TransparencyLog, generate_signer
from pallmall.publisher import Publisher
from pallmall.storage.database import Database
from pallmall.storage.tables import public_changes
from tests.helpers import load_demo


def test_every_demo_change_is_public_and_logged(sqlite_db: Database, tmp_path: Path) -> None:
    load_demo(sqlite_db)
    tlog = TransparencyLog.open(tmp_path / "log", generate_signer("demo.test/log"))
    appended = Publisher(sqlite_db, tlog).drain()
    with sqlite_db.read() as tx:
        refused = tx.conn.execute(
            select(func.count()).select_from(public_changes).where(public_changes.c.log_index < 0)
        ).scalar_one()
        logged = [
            c
            for offset in range(0, appended, 500)
            for c in tx.outbox.logged(PageRequest(offset, 500)).items
        ]
    assert appended > 100 and refused == 0 and len(logged) == appended
    assert not [c for c in logged if c.change.subject.startswith(WITHHELD_PREFIX)]
    assert all(c.change.confidential == {} for c in logged)
