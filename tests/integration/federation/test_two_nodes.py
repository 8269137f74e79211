"""Two whole nodes in-process (each its own app, data folder, log and database; the second on
SQLite then PostgreSQL): A denies, B syncs and holds A's notice, verified against A's log; A
withdraws it and B drops it; B's consultation reaches A's inbox and A verifies it against
B's log. Every call goes through the apps' HTTP stacks (TAXII, /log), as between servers."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pallmall.app import create_app
from pallmall.cases.exchange import Consultation, DenialNotice, NoticeParty
from pallmall.core.auth import SYSTEM
from pallmall.core.settings import Settings
from pallmall.disclosure.marking import Tlp
from pallmall.federation.client import PeerClient
from pallmall.federation.directory import PeerIn
from pallmall.federation.stix import CONSULTATION_TYPE, DENIAL_TYPE
from pallmall.federation.sync import PeerOutcome, Syncer, SyncPeer, SyncStore
from pallmall.federation.verify import PeerLog
from pallmall.log.keys import ensure_signing_key
from pallmall.storage.database import Database
from pallmall.storage.federation import SqlFederationStore
from pallmall.storage.federation_sync import SqlSyncStore
from pallmall.wiring import denial_exchange, peer_directory

A, B = "gb.pallmall.example/log", "fr.pallmall.example/log"
NOTICE = DenialNotice(
    reference="case-0001",
    notifying_node=A,
    notifying_state="GB",
    notified_on=date(2026, 11, 30),
    item_description="Zero-click exploit chain",
    control_entry=("4.D.4",),
    product_category="device_intrusion",
    destination="XX",
    end_use="interception",
    end_user=NoticeParty("Ministry of Interior", "XX"),
)


@dataclass
class Node:
    settings: Settings
    db: Database
    client: TestClient | None = None

    @property
    def origin(self) -> str:
        return self.settings.log_origin

    def vkey(self) -> str:
        return ensure_signing_key(self.settings.data_dir, self.origin)

    def wait_logged(self, object_type: str) -> None:
        """Wait for the publisher to log every shared version of ``object_type``, and the
        log to publish a checkpoint that covers them."""
        assert self.client is not None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with self.db.read() as tx:
                rows = SqlFederationStore(tx.conn).shared(object_type, "")
            indexes = [r.log_index for r in rows]
            size = int(self.client.get("/log/checkpoint").text.split("\n")[1])
            if indexes and all(i is not None and i < size for i in indexes):
                return
            time.sleep(0.05)
        raise AssertionError(f"{object_type} never logged on {self.origin}")

    def syncer(self, peers: dict[str, Node]) -> Syncer:
        @contextmanager
        def scope() -> Iterator[SyncStore]:
            with self.db.write() as tx:
                yield SqlSyncStore(tx.conn)

        def connect(peer: SyncPeer) -> PeerClient:
            client = peers[peer.name].client
            assert client is not None
            return PeerClient(peer.url, peer.token, http=client)

        return Syncer(scope, connect, self.origin)


def _node(folder: Path, db: Database, origin: str, state: str) -> Node:
    folder.mkdir(mode=0o700)
    settings = Settings(
        data_dir=folder,
        log_origin=origin,
        node_state=state,
        session_secret="test",
        public_url=f"http://{state.lower()}.node",
    )
    return Node(settings, db)


def _introduce(node: Node, name: str, other: Node, token: str = "") -> str:
    """Configure ``other`` as peer ``name`` of ``node``; return the token it calls us with."""
    with node.db.write() as tx:
        new = PeerIn(name, "http://testserver", other.origin, other.vkey(), "GB", "", token)
        return peer_directory(tx).add_peer(SYSTEM, new).token


@pytest.fixture
def nodes(db: Database, tmp_path: Path, _sqlite_template: Path) -> Iterator[tuple[Node, Node]]:
    shutil.copy(_sqlite_template, tmp_path / "a.db")
    a = _node(tmp_path / "a", Database(f"sqlite:///{tmp_path / 'a.db'}"), A, "GB")
    b = _node(tmp_path / "b", db, B, "FR")
    b_calls_a = _introduce(a, "fr", b)
    a_calls_b = _introduce(b, "gb", a, token=b_calls_a)
    with a.db.write() as tx:
        store = SqlFederationStore(tx.conn)
        peer = store.get_peer("fr")
        assert peer is not None
        store.set_peer_token("fr", a_calls_b)
    with a.db.write() as tx:
        peer_directory(tx).add_group(SYSTEM, "wa", Tlp.AMBER, "Wassenaar partners")
        peer_directory(tx).join(SYSTEM, "wa", "fr")
    with (
        TestClient(create_app(a.settings, a.db)) as ca,
        TestClient(create_app(b.settings, b.db)) as cb,
    ):
        a.client, b.client = ca, cb
        yield a, b
    a.db.dispose()


def _sync(node: Node, name: str, other: Node) -> PeerOutcome:
    with node.db.read() as tx:
        peer = SqlFederationStore(tx.conn).get_peer(name)
    assert peer is not None
    sync_peer = SyncPeer(peer.name, peer.url, PeerLog(peer.log_origin, peer.log_vkey), peer.token)
    [outcome] = node.syncer({name: other}).sync([sync_peer])
    return outcome


def _denials(node: Node) -> list[DenialNotice]:
    with node.db.read() as tx:
        return list(denial_exchange(tx, node.settings).foreign_denials("device_intrusion"))


def test_a_denial_reaches_the_peer_verified_and_its_withdrawal_too(
    nodes: tuple[Node, Node],
) -> None:
    a, b = nodes
    with a.db.write() as tx:
        denial_exchange(tx, a.settings).notify_denial(NOTICE)
    a.wait_logged(DENIAL_TYPE)
    first = _sync(b, "gb", a)
    assert first.ok, first.error
    assert first.received == 1
    assert _denials(b) == [NOTICE]
    with a.db.write() as tx:
        denial_exchange(tx, a.settings).notify_denial(replace(NOTICE, revoked=True))
    a.wait_logged(DENIAL_TYPE)
    second = _sync(b, "gb", a)
    assert second.ok and second.received == 1
    assert _denials(b) == []


def test_a_consultation_is_pushed_to_the_denying_node_and_verified_there(
    nodes: tuple[Node, Node],
) -> None:
    a, b = nodes
    consultation = Consultation(
        A, "case-0001", B, "FR", "fr-case-9", date(2026, 12, 1), "granted", "end user changed"
    )
    with b.db.write() as tx:
        denial_exchange(tx, b.settings).consult(consultation)
    b.wait_logged(CONSULTATION_TYPE)
    pushed = _sync(b, "gb", a)
    assert pushed.ok and pushed.pushed == 1, pushed.error
    with a.db.read() as tx:
        waiting = SqlFederationStore(tx.conn).received(CONSULTATION_TYPE, "", verified_only=False)
    assert [r.verified_size for r in waiting] == [None]
    verified = _sync(a, "fr", b)
    assert verified.ok and verified.inbox_verified == 1, verified.error
    with a.db.read() as tx:
        [row] = SqlFederationStore(tx.conn).received(CONSULTATION_TYPE, "")
    assert row.verified_size is not None and '"fr-case-9"' in row.body
