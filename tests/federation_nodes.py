"""Nodes for federation tests: a sending node (its own SQLite database, data folder and log)
that shares objects like a node does, and peers configured in a node's database."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from pallmall.core.clock import utcnow
from pallmall.core.settings import Settings
from pallmall.disclosure.marking import Tlp
from pallmall.federation.peer import Peer, SharingGroup
from pallmall.federation.verify import SHARED_KIND
from pallmall.intel.record import stix_timestamp_us
from pallmall.log.entry import canonical_json, make_entry
from pallmall.log.tlog import TransparencyLog
from pallmall.storage.database import Database
from pallmall.storage.federation import SqlFederationStore, federation_objects
from pallmall.wiring import open_log


def add_peer(db: Database, name: str, origin: str, vkey: str, url: str = "") -> None:
    """Configure peer ``name`` in ``db``."""
    peer = Peer(
        name=name,
        url=url or f"http://{name}.peer",
        log_origin=origin,
        log_vkey=vkey,
        state="FR",
        account_id=f"account-{name}",
        added_at=utcnow(),
        token=f"token-from-{name}",
    )
    with db.write() as tx:
        SqlFederationStore(tx.conn).add_peer(peer)


@dataclass
class SendingNode:
    """A node with its own data folder, SQLite database and log."""

    settings: Settings
    db: Database
    tlog: TransparencyLog

    @classmethod
    def create(cls, folder: Path, template: Path, origin: str) -> SendingNode:
        folder.mkdir(mode=0o700, parents=True)
        shutil.copy(template, folder / "pallmall.db")
        db = Database(f"sqlite:///{folder / 'pallmall.db'}")
        settings = Settings(data_dir=folder, log_origin=origin, session_secret="test")
        return cls(settings, db, open_log(settings, db))

    @property
    def env(self) -> dict[str, str]:
        """The environment a ``pallmall`` command on this node runs with."""
        return {
            "PALLMALL_DATA_DIR": str(self.settings.data_dir),
            "PALLMALL_DATABASE_URL": self.db.url,
            "PALLMALL_LOG_ORIGIN": self.settings.log_origin,
        }

    def group(self, name: str, *members: str) -> None:
        with self.db.write() as tx:
            store = SqlFederationStore(tx.conn)
            store.add_group(SharingGroup(name, Tlp.GREEN, "test group", utcnow()))
            for member in members:
                store.join(name, member)

    def share(self, group: str, obj: dict[str, Any], integrate: bool = True) -> int:
        """Commit ``obj`` in the log and keep it for ``group``; return its log index."""
        body = canonical_json(obj)
        digest = hashlib.sha256(body).hexdigest()
        entry, _ = make_entry(SHARED_KIND, f"sha256:{digest}", {"object_sha256": digest})
        [index] = self.tlog.append([entry])
        if integrate:
            self.tlog.integrate()
        with self.db.write() as tx:
            tx.conn.execute(
                insert(federation_objects).values(
                    group_name=group,
                    object_id=obj["id"],
                    version=stix_timestamp_us(obj["modified"]),
                    object_type=obj["type"],
                    body=body.decode(),
                    object_sha256=digest,
                    change_id=f"chg-{index}",
                    log_index=index,
                    date_added_us=index + 1,
                )
            )
        return index
