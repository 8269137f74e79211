"""Peers, groups and members in storage, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from pallmall.core.clock import utcnow
from pallmall.core.errors import Conflict, NotFound
from pallmall.disclosure.marking import Tlp
from pallmall.federation.peer import Peer, PeerStatus, SharingGroup
from pallmall.storage.database import Database
from pallmall.storage.federation import SqlFederationStore


def _peer(name: str, origin: str, account: str = "acc") -> Peer:
    return Peer(
        name=name,
        url=f"http://127.0.0.1:81/{name}",
        log_origin=origin,
        log_vkey=f"{origin}+1234abcd+AAAA",
        state="FR",
        account_id=f"{account}-{name}",
        added_at=utcnow(),
        token="their-token",
    )


def test_peers_are_added_listed_and_removed(db: Database) -> None:
    with db.write() as tx:
        store = SqlFederationStore(tx.conn)
        store.add_peer(_peer("fr", "fr.example/log"))
        store.add_peer(_peer("de", "de.example/log"))
    with db.write() as tx:
        store = SqlFederationStore(tx.conn)
        assert [p.name for p in store.peers()] == ["de", "fr"]
        fr = store.get_peer("fr")
        assert fr is not None and fr.token == "their-token" and fr.status is PeerStatus.ACTIVE
        assert store.peer_for_account("acc-fr") == fr
        assert store.peer_for_origin("fr.example/log") == fr
        store.set_peer_token("fr", "new-token")
        store.remove_peer("de")
    with db.read() as tx:
        store = SqlFederationStore(tx.conn)
        assert [p.name for p in store.peers()] == ["fr"]
        assert [p.name for p in store.peers(include_removed=True)] == ["de", "fr"]
        removed = store.get_peer("de")
        assert removed is not None and removed.status is PeerStatus.REMOVED
        assert removed.token == ""
        assert store.peer_for_account("acc-de") is None
        again = store.get_peer("fr")
        assert again is not None and again.token == "new-token"


def test_a_duplicate_name_or_origin_is_a_conflict_and_leaves_nothing(db: Database) -> None:
    with db.write() as tx:
        SqlFederationStore(tx.conn).add_peer(_peer("fr", "fr.example/log"))
    with db.write() as tx:
        store = SqlFederationStore(tx.conn)
        with pytest.raises(Conflict):
            store.add_peer(_peer("fr", "other.example/log"))
        with pytest.raises(Conflict):
            store.add_peer(_peer("fr2", "fr.example/log"))
        with pytest.raises(NotFound):
            store.set_peer_token("nobody", "x")
    with db.read() as tx:
        assert [p.name for p in SqlFederationStore(tx.conn).peers()] == ["fr"]


def test_groups_and_members(db: Database) -> None:
    with db.write() as tx:
        store = SqlFederationStore(tx.conn)
        store.add_peer(_peer("fr", "fr.example/log"))
        store.add_peer(_peer("de", "de.example/log"))
        store.add_group(SharingGroup("wa", Tlp.AMBER, "Wassenaar partners", utcnow()))
        store.add_group(SharingGroup("eu", Tlp.GREEN, "", utcnow()))
        with pytest.raises(Conflict):
            store.add_group(SharingGroup("wa", Tlp.RED, "", utcnow()))
        assert store.join("wa", "fr") is True
        assert store.join("wa", "fr") is False
        assert store.join("wa", "de") is True
        assert store.join("eu", "fr") is True
        with pytest.raises(NotFound):
            store.join("nope", "fr")
        with pytest.raises(NotFound):
            store.join("wa", "nobody")
    with db.write() as tx:
        store = SqlFederationStore(tx.conn)
        assert store.members("wa") == ["de", "fr"]
        assert [g.name for g in store.groups_of("fr")] == ["eu", "wa"]
        group = store.get_group("wa")
        assert group is not None and group.tlp is Tlp.AMBER
        assert store.leave("eu", "fr") is True
        assert store.leave("eu", "fr") is False
        store.remove_peer("de")
        with pytest.raises(NotFound):
            store.join("wa", "de")
    with db.read() as tx:
        store = SqlFederationStore(tx.conn)
        assert store.members("wa") == ["fr"]
        assert store.members("eu") == []
        assert [g.name for g in store.groups()] == ["eu", "wa"]
