"""Each peer's status in the API (``/api/v1/federation/peers``) and on ``/admin/federation``:
admins and regulators only, never a peer's token; "Sync now" and a reset after a split view
through CSRF-checked forms (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pallmall.app import create_app
from pallmall.core.accounts import AccountService
from pallmall.core.auth import SYSTEM, AccountKind, Role
from pallmall.core.clock import utcnow
from pallmall.core.settings import Settings
from pallmall.federation.sync import FORK_CURSOR, PeerState
from pallmall.federation.verify import Evidence, EvidenceKind
from pallmall.storage.database import Database
from pallmall.storage.federation_sync import SqlSyncStore
from tests.federation_logs import SendingLog
from tests.federation_nodes import add_peer

PASSWORD = "correct horse battery"


@pytest.fixture
def client(db: Database, tmp_path: Path) -> Iterator[TestClient]:
    with db.write() as tx:
        people = AccountService(tx.accounts, tx.audit)
        gb = people.ensure_org(SYSTEM, "GB authority", AccountKind.EXPORT_AUTHORITY, "GB")
        for role in (Role.ADMIN, Role.REGULATOR, Role.ANALYST):
            people.create_user(SYSTEM, f"{role.value}@example.org", role.value, role, gb, PASSWORD)
    settings = Settings(data_dir=tmp_path / "node", session_secret="test-secret")
    with TestClient(create_app(settings, db)) as test_client:
        yield test_client


@pytest.fixture
def peers(db: Database, tmp_path: Path) -> SendingLog:
    """Peer ``fr`` synced to size 3 of the 5 it announced, then forked; ``de`` never synced."""
    fr = SendingLog(tmp_path / "fr", origin="fr.pallmall.example/log")
    fr.other(3)
    note = fr.log.integrate().note.decode()
    nowhere = "http://127.0.0.1:9"  # "Sync now" fails fast: nothing listens there
    add_peer(db, "fr", fr.origin, fr.log.vkey, url=nowhere)
    add_peer(db, "de", "de.pallmall.example/log", fr.log.vkey.replace("fr.", "de.", 1), nowhere)
    with db.write() as tx:
        store = SqlSyncStore(tx.conn)
        evidence = Evidence(EvidenceKind.SPLIT_VIEW, {"reason": "same size, another root"})
        ident = store.add_evidence("fr", evidence, utcnow())
        state = PeerState(
            "fr", utcnow(), utcnow(), note, {FORK_CURSOR: str(ident)}, "split view", 1, 5
        )
        store.save_peer_state(state)
    return fr


def sign_in(client: TestClient, email: str) -> None:
    token = csrf(client.get("/login").text)
    done = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def test_the_api_shows_each_peer_to_operators_only(client: TestClient, peers: SendingLog) -> None:
    assert client.get("/api/v1/federation/peers").status_code == 401
    sign_in(client, "analyst@example.org")
    assert client.get("/api/v1/federation/peers").status_code == 403
    sign_in(client, "regulator@example.org")
    answer = client.get("/api/v1/federation/peers")
    assert answer.status_code == 200
    assert "token-from" not in answer.text
    de, fr = answer.json()["peers"]
    assert fr["name"] == "fr" and fr["origin"] == "fr.pallmall.example/log"
    assert fr["verified_size"] == 3 and fr["peer_size"] == 5 and fr["lag_entries"] == 2
    assert fr["blocked"] and fr["evidence_count"] == 1 and fr["last_error"] == "split view"
    assert fr["lag_seconds"] is not None and fr["lag_seconds"] >= 0
    assert de["verified_size"] is None and de["last_success_at"] is None and not de["blocked"]


def test_the_page_shows_peers_evidence_and_groups_and_resets(
    client: TestClient, peers: SendingLog, db: Database
) -> None:
    sign_in(client, "analyst@example.org")
    assert client.get("/admin/federation").status_code == 403
    assert "/admin/federation" not in client.get("/").text
    sign_in(client, "admin@example.org")
    page = client.get("/admin/federation")
    assert page.status_code == 200
    assert "fr.pallmall.example/log" in page.text and "split-view" in page.text
    assert "2 entries" in page.text and "token-from" not in page.text
    assert 'action="/admin/federation/peers/fr/reset"' in page.text
    assert 'name="viewport"' in page.text  # the base layout that holds at 375 px
    token = csrf(page.text)
    assert client.post("/admin/federation/peers/fr/reset", data={}).status_code == 403
    reset = client.post(
        "/admin/federation/peers/fr/reset", data={"csrf_token": token}, follow_redirects=False
    )
    assert reset.status_code == 303
    with db.read() as tx:
        state = SqlSyncStore(tx.conn).peer_state("fr")
    assert state.fork_evidence is None and state.verified_note == ""
    started = client.post("/admin/federation/sync", data={"csrf_token": token})
    assert started.status_code == 200 and "A sync has started" in started.text
