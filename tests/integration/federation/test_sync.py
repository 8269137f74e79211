"""Syncing with peers (in-process peer nodes with real logs), on SQLite and PostgreSQL: pages,
cursors, verification, evidence, failures that stay with their peer, inbox push and verify."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import insert

from pallmall.core.clock import utcnow
from pallmall.federation.sync import FORK_CURSOR, PUSHED_CURSOR, PeerOutcome, Syncer
from pallmall.federation.verify import LOG_PROPERTY, object_sha256
from pallmall.intel.record import stix_timestamp_us
from pallmall.log.entry import canonical_json
from pallmall.storage.database import Database
from pallmall.storage.federation import federation_objects, federation_received
from pallmall.storage.federation_sync import SqlSyncStore, reset_fork
from tests.federation_logs import notice
from tests.federation_peer import FakePeer, connector

OUR_ORIGIN = "b.pallmall.example/log"


@contextmanager
def _scope(db: Database) -> Iterator[SqlSyncStore]:
    with db.write() as tx:
        yield SqlSyncStore(tx.conn)


def _syncer(db: Database, peers: list[FakePeer]) -> Syncer:
    return Syncer(lambda: _scope(db), connector(peers), OUR_ORIGIN)


def _sync(db: Database, *peers: FakePeer) -> dict[str, PeerOutcome]:
    outcomes = _syncer(db, list(peers)).sync([p.sync_peer() for p in peers])
    return {o.peer: o for o in outcomes}


def _store(db: Database) -> Iterator[SqlSyncStore]:
    return _scope(db)


def test_objects_are_paged_verified_and_kept_once(db: Database, tmp_path: Path) -> None:
    a, c = FakePeer("a", tmp_path), FakePeer("c", tmp_path)
    for n in range(7):
        a.share("eu", notice(n))
    a.sender.other(2)
    a.sender.log.integrate()
    c.share("wa", notice(100, origin=c.sender.origin))
    got = _sync(db, a, c)
    assert got["a"].ok and got["a"].received == 7 and got["a"].verified_size == 9
    assert got["c"].ok and got["c"].received == 1
    with _store(db) as store:
        rows = store.received(peer_name="a")
        state = store.peer_state("a")
    assert len(rows) == 7 and all(r.verified_size == 9 for r in rows)
    assert LOG_PROPERTY not in json.loads(rows[0].body)
    assert state.last_success_at is not None and state.last_error == ""
    assert state.cursors[a.collection_id("eu")].endswith("Z")
    assert state.peer_size == 9
    # nothing new: nothing kept again; then three more, proven consistent with size 9
    assert _sync(db, a)["a"].received == 0
    for n in range(7, 10):
        a.share("eu", notice(n))
    again = _sync(db, a)["a"]
    assert again.ok and again.received == 3 and again.verified_size == 12


def test_a_down_slow_or_garbage_peer_fails_alone(db: Database, tmp_path: Path) -> None:
    peers = [FakePeer(n, tmp_path) for n in ("good", "down", "slow", "junk")]
    for p in peers:
        p.share("eu", notice(1, origin=p.sender.origin))
    peers[1].mode, peers[2].mode, peers[3].mode = "down", "slow", "garbage"
    got = _sync(db, *peers)
    assert got["good"].ok and got["good"].received == 1, got["good"]
    assert "connection refused" in got["down"].error
    assert "no answer in 1 s" in got["slow"].error
    assert "checkpoint refused" in got["junk"].error
    _sync(db, *peers)
    with _store(db) as store:
        states = store.peer_states()
        evidence = store.evidence_counts()
    assert states["down"].error_count == 2 and states["down"].last_success_at is None
    assert states["good"].error_count == 0
    assert evidence == {"junk": 2}  # garbage is evidence; a peer that is down is not


def test_a_slow_peer_does_not_delay_the_others(db: Database, tmp_path: Path) -> None:
    slow, fast = FakePeer("slow", tmp_path), FakePeer("fast", tmp_path)
    slow.share("eu", notice(1, origin=slow.sender.origin))
    fast.share("eu", notice(2, origin=fast.sender.origin))
    slow.gate = threading.Event()  # the slow peer answers only once the fast one is done
    finished: list[str] = []

    def done(outcome: PeerOutcome) -> None:
        finished.append(outcome.peer)
        if outcome.peer == "fast":
            slow.gate.set()  # type: ignore[union-attr]  # set just above

    outcomes = _syncer(db, [slow, fast]).sync([slow.sync_peer(), fast.sync_peer()], done)
    assert finished == ["fast", "slow"]
    assert all(o.ok for o in outcomes)


def test_a_split_view_is_refused_kept_as_evidence_and_blocks_until_reset(
    db: Database, tmp_path: Path
) -> None:
    a = FakePeer("a", tmp_path)
    a.share("eu", notice(1))
    assert _sync(db, a)["a"].ok
    a.mode = "forked"
    forked = _sync(db, a)["a"]
    assert "split view" in forked.error
    with _store(db) as store:
        [evidence] = store.evidence("a")
        state = store.peer_state("a")
    assert evidence.kind == "split-view"
    assert evidence.detail["verified_note"] != evidence.detail["new_note"]
    assert state.cursors[FORK_CURSOR] == str(evidence.id)
    assert state.verified_note == evidence.detail["verified_note"]  # the fork was not kept
    a.mode, before = "ok", a.requests
    blocked = _sync(db, a)["a"]
    assert "pallmall federation peer reset a" in blocked.error
    assert a.requests == before  # nothing is asked of a blocked peer
    with db.write() as tx:
        assert reset_fork(tx.conn, "a")
    assert _sync(db, a)["a"].ok
    with _store(db) as store:
        assert len(store.evidence("a")) == 1  # the evidence stays after the reset


def test_a_tampered_object_is_refused_and_the_rest_kept(db: Database, tmp_path: Path) -> None:
    a = FakePeer("a", tmp_path)
    a.share("eu", notice(1))
    served = a.share("eu", notice(2))
    a.collections["eu"][1] = (a.collections["eu"][1][0], {**served, "reference": "forged"})
    got = _sync(db, a)["a"]
    assert got.received == 1 and got.refused == 1 and not got.ok
    with _store(db) as store:
        [evidence] = store.evidence("a")
        state = store.peer_state("a")
    assert evidence.kind == "bad-proof" and evidence.detail["object_id"] == served["id"]
    assert "1 objects refused" in state.last_error


def test_an_object_past_the_verified_size_waits_for_the_next_sync(
    db: Database, tmp_path: Path
) -> None:
    a = FakePeer("a", tmp_path)
    a.share("eu", notice(1))
    a.share("eu", notice(2), integrate=False)  # served before its checkpoint is published
    first = _sync(db, a)["a"]
    assert first.received == 1 and first.waiting == 1 and first.ok
    a.sender.log.integrate()
    second = _sync(db, a)["a"]
    assert second.received == 1 and second.waiting == 0


def test_a_revoked_version_supersedes(db: Database, tmp_path: Path) -> None:
    a = FakePeer("a", tmp_path)
    a.share("eu", notice(1))
    a.share("eu", notice(2))
    a.share("eu", notice(1, modified="2026-06-01T00:00:00.000Z", revoked=True))
    _sync(db, a)
    with _store(db) as store:
        in_force = store.in_force("x-pallmall-denial-notice")
        versions = store.received("x-pallmall-denial-notice")
    assert len(versions) == 3
    assert [json.loads(r.body)["reference"] for r in in_force] == ["case-2"]


def test_our_inbox_objects_are_pushed_once_logged(db: Database, tmp_path: Path) -> None:
    a = FakePeer("a", tmp_path)
    consultation = {
        "type": "x-pallmall-consultation",
        "id": "x-pallmall-consultation--3f1b9e7a-8d5c-4f0e-9a2b-1c3d4e5f6a7b",
        "modified": "2026-05-02T00:00:00.000Z",
    }
    body = canonical_json(consultation).decode()
    with db.write() as tx:
        for n, index in enumerate((4, None)):
            tx.conn.execute(
                insert(federation_objects).values(
                    group_name="inbox:a",
                    object_id=consultation["id"],
                    version=n,
                    object_type="x-pallmall-consultation",
                    body=body,
                    object_sha256=object_sha256(consultation),
                    change_id=f"chg-{n}",
                    log_index=index,
                    date_added_us=n,
                )
            )
    assert _sync(db, a)["a"].pushed == 1
    assert a.pushed == [{**consultation, LOG_PROPERTY: {"origin": OUR_ORIGIN, "index": 4}}]
    assert _sync(db, a)["a"].pushed == 0  # the second waits for its log index
    with _store(db) as store:
        assert store.peer_state("a").cursors[PUSHED_CURSOR] == "1"


def test_objects_pushed_to_our_inbox_are_verified_or_dropped(db: Database, tmp_path: Path) -> None:
    a = FakePeer("a", tmp_path)
    good = a.sender.share(notice(1))
    a.sender.log.integrate()
    with db.write() as tx:
        forged = {**good, "reference": "forged", "modified": "2026-07-01T00:00:00.000Z"}
        for obj in (good, forged):
            bare = {k: v for k, v in obj.items() if k != LOG_PROPERTY}
            tx.conn.execute(
                insert(federation_received).values(
                    peer_name="a",
                    object_id=bare["id"],
                    version=stix_timestamp_us(bare["modified"]),
                    object_type=bare["type"],
                    body=canonical_json(bare).decode(),
                    log_index=0,
                    verified_size=None,
                    received_at=utcnow(),
                )
            )
    got = _sync(db, a)["a"]
    assert got.inbox_verified == 1 and got.refused == 1
    with _store(db) as store:
        assert [r.body for r in store.received(peer_name="a")] == [
            canonical_json({k: v for k, v in good.items() if k != LOG_PROPERTY}).decode()
        ]
        assert store.unverified("a") == []
        assert [e.kind for e in store.evidence("a")] == ["bad-proof"]


@pytest.mark.parametrize("page_size", [1, 1000])
def test_paging_keeps_every_object_whatever_the_page_size(
    db: Database, tmp_path: Path, page_size: int
) -> None:
    a = FakePeer("a", tmp_path, page_size=page_size)
    for n in range(5):
        a.share("eu", notice(n))
        a.share("na", notice(50 + n))
    assert _sync(db, a)["a"].received == 10
