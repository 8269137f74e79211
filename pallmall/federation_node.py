"""Federation on a node: syncing with peers, their status, air-gap bundles, the schedule.

What ``pallmall federation sync|status|export|import``, the status API and page, and the
server's schedule call. Each function opens its own short units of work on ``db``: a sync
talks to peers for seconds, and never holds a transaction while it waits for one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime

from pallmall.core.clock import utcnow
from pallmall.core.errors import Conflict, NotFound
from pallmall.core.settings import Settings
from pallmall.federation.bundle import (
    Bundle,
    VerifiedBundle,
    export_bundle,
    read_bundle,
    verify_bundle,
)
from pallmall.federation.client import PeerClient
from pallmall.federation.peer import Peer, PeerStatus, inbox_group
from pallmall.federation.status import PeerView, peer_views
from pallmall.federation.sync import (
    EXPORTED_CURSOR,
    FORK_CURSOR,
    PeerOutcome,
    Syncer,
    SyncPeer,
    SyncStore,
)
from pallmall.federation.verify import PeerLog, PeerRefused, VerifiedObject
from pallmall.log.tlog import TransparencyLog
from pallmall.storage.database import Database, Tx
from pallmall.storage.federation import SqlFederationStore
from pallmall.storage.federation_sync import ReceivedRow, SqlSyncStore, reset_fork

LOG = logging.getLogger("pallmall.federation")


OnReceived = Callable[[Tx, str, Sequence[VerifiedObject]], None]
"""What follows from object versions newly verified from a peer (its name), called in the
unit of work that keeps them so both commit together: a consultation reaches the authority
that denied the case (the composition root supplies it)."""


def nothing_follows(tx: Tx, peer_name: str, objects: Sequence[VerifiedObject]) -> None:
    """Nothing follows from received objects (a node that only keeps them)."""


class _FollowingStore(SqlSyncStore):
    """The sync store that calls ``follow`` with every version it newly keeps verified."""

    def __init__(self, tx: Tx, follow: OnReceived) -> None:
        super().__init__(tx.conn)
        self.tx, self.follow = tx, follow

    def receive(self, peer_name: str, objects: Sequence[VerifiedObject], at: datetime) -> int:
        held = {(r.object_id, r.version_us) for r in self.received(peer_name=peer_name)}
        fresh = [o for o in objects if (o.object_id, o.version_us) not in held]
        count = super().receive(peer_name, objects, at)
        if fresh:
            self.follow(self.tx, peer_name, fresh)
        return count


@contextmanager
def federation_sync_scope(
    db: Database, follow: OnReceived = nothing_follows
) -> Iterator[SyncStore]:
    """The federation sync store in a unit of work that commits on exit; ``follow`` runs on
    the versions it newly verifies, in that unit of work."""
    with db.write() as tx:
        yield _FollowingStore(tx, follow)


def sync_peers(
    settings: Settings,
    db: Database,
    only: str | None = None,
    done: Callable[[PeerOutcome], None] | None = None,
    follow: OnReceived = nothing_follows,
) -> list[PeerOutcome]:
    """Sync with every active peer (or the one named ``only``), peers concurrently; see
    :class:`pallmall.federation.sync.Syncer`; ``follow`` as in :data:`OnReceived`. Never
    raises for a peer's failure.

    Raises:
        NotFound: ``only`` names no active peer.
    """
    with db.read() as tx:
        peers = SqlFederationStore(tx.conn).peers()
    if only is not None:
        peers = [p for p in peers if p.name == only]
        if not peers:
            raise NotFound(f"no active peer named {only}")

    def connect(peer: SyncPeer) -> PeerClient:
        return PeerClient(peer.url, peer.token, settings.federation_timeout_seconds)

    syncer = Syncer(lambda: federation_sync_scope(db, follow), connect, settings.log_origin)
    return syncer.sync([sync_peer(p) for p in peers], done)


def sync_peer(peer: Peer) -> SyncPeer:
    """A configured peer as the syncer sees it."""
    return SyncPeer(peer.name, peer.url, PeerLog(peer.log_origin, peer.log_vkey), peer.token)


def federation_status(db: Database) -> list[PeerView]:
    """Each active peer's status (:mod:`pallmall.federation.status`)."""
    with db.read() as tx:
        peers = SqlFederationStore(tx.conn).peers()
        sync = SqlSyncStore(tx.conn)
        return peer_views(peers, sync.peer_states(), sync.evidence_counts(), utcnow())


def received_objects(
    db: Database, object_type: str | None = None, peer_name: str | None = None
) -> list[ReceivedRow]:
    """Object versions received from peers and verified against their logs (of
    ``object_type``, from ``peer_name`` when given), by peer and object, oldest first."""
    with db.read() as tx:
        return SqlSyncStore(tx.conn).received(object_type, peer_name)


def export_peer_bundle(
    settings: Settings, db: Database, tlog: TransparencyLog, peer_name: str, since: int | None
) -> Bundle:
    """The air-gap bundle for ``peer_name``: our objects in its groups and addressed to its
    inbox, committed since ``since`` (default: the size of the last bundle exported to it),
    proven in our latest checkpoint; records the new size as the next default.

    Raises:
        NotFound: no active peer ``peer_name``.
    """
    with db.write() as tx:
        peer = SqlFederationStore(tx.conn).get_peer(peer_name)
        if peer is None or peer.status is not PeerStatus.ACTIVE:
            raise NotFound(f"no active peer named {peer_name}")
        groups = [g.name for g in SqlFederationStore(tx.conn).groups_of(peer_name)]
        sync = SqlSyncStore(tx.conn)
        state = sync.peer_state(peer_name)
        start = int(state.cursors.get(EXPORTED_CURSOR, "0")) if since is None else since
        size = tlog.checkpoint().checkpoint.size
        committed = sync.committed([*groups, inbox_group(peer_name)], start, size)
        bundle = export_bundle(tlog, settings.log_origin, committed, start)
        sync.save_peer_state(state.with_cursor(EXPORTED_CURSOR, str(size)))
    return bundle


def import_peer_bundle(
    db: Database, data: bytes, follow: OnReceived = nothing_follows
) -> tuple[str, VerifiedBundle]:
    """Verify an air-gap bundle exactly as a sync would and keep what it proves (``follow``
    as in a sync); return the peer's name and what was verified. A bundle that fails leaves
    its evidence, nothing else.

    Raises:
        InvalidInput: not a bundle; NotFound: from no active peer;
        SizeMismatch: it starts at another size than we verified last;
        PeerRefused: its checkpoint, consistency or an object does not verify.
    """
    bundle = read_bundle(data)
    with db.write() as tx:
        peer = SqlFederationStore(tx.conn).peer_for_origin(bundle.origin)
        if peer is None:
            raise NotFound(f"no active peer with log origin {bundle.origin}")
        sync = SqlSyncStore(tx.conn)
        state = sync.peer_state(peer.name)
        if state.fork_evidence is not None:
            raise Conflict(f"{peer.name} showed a split view; reset it first")
    log = PeerLog(peer.log_origin, peer.log_vkey)
    try:
        verified = verify_bundle(bundle, log, state.verified(log))
    except PeerRefused as exc:
        with db.write() as tx:
            sync = SqlSyncStore(tx.conn)
            evidence_id = sync.add_evidence(peer.name, exc.evidence, utcnow())
            failed = sync.peer_state(peer.name).failed(utcnow(), f"bundle refused: {exc}")
            if exc.evidence.kind.blocks_peer:
                failed = failed.with_cursor(FORK_CURSOR, str(evidence_id))
            sync.save_peer_state(failed)
        raise
    with db.write() as tx:
        sync = _FollowingStore(tx, follow)
        now = utcnow()
        sync.receive(peer.name, verified.objects, now)
        current = sync.peer_state(peer.name)
        size = verified.checkpoint.checkpoint.size
        sync.save_peer_state(
            replace(
                current,
                verified_note=verified.checkpoint.note.decode(),
                peer_size=max(size, current.peer_size or 0),
                last_attempt_at=now,
                last_success_at=now,
                last_error="",
                error_count=0,
            )
        )
    return peer.name, verified


class FederationSchedule:
    """The server's federation schedule: every ``federation_sync_seconds``, ``prepare``
    (what the node shares before it syncs: its restrictive measures) then
    :func:`sync_peers`, in a daemon thread (each peer's failure is in its state)."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        follow: OnReceived = nothing_follows,
        prepare: Callable[[], object] = lambda: None,
    ) -> None:
        self.settings, self.db, self.follow, self.prepare = settings, db, follow, prepare
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._once: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the schedule (the first sync after ``federation_sync_seconds``)."""
        self._thread = threading.Thread(target=self._run, name="federation-sync", daemon=True)
        self._thread.start()

    def trigger(self) -> bool:
        """Sync now in a daemon thread (the page's "Sync now"); False when a sync started
        this way is still running."""
        with self._lock:
            if self._once is not None and self._once.is_alive():
                return False
            self._once = threading.Thread(
                target=self._sync, name="federation-sync-now", daemon=True
            )
            self._once.start()
            return True

    def stop(self) -> None:
        """Stop the schedule (a sync under way finishes first; each call has a timeout)."""
        self._stop.set()
        for thread in (self._thread, self._once):
            if thread is not None:
                thread.join(timeout=60)

    def _run(self) -> None:
        while not self._stop.wait(self.settings.federation_sync_seconds):
            self._sync()

    def _sync(self) -> None:
        try:
            self.prepare()
        except Exception:  # logged; the sync still brings in what peers share
            LOG.exception("federation: sharing before the sync failed")
        try:
            outcomes = sync_peers(self.settings, self.db, follow=self.follow)
        except Exception:  # the database down: logged, tried again next time
            LOG.exception("federation sync failed")
            return
        for outcome in outcomes:
            if outcome.error:
                LOG.warning("federation sync: %s: %s", outcome.peer, outcome.error)


def reset_peer(db: Database, name: str) -> bool:
    """Clear a peer's fork block and forget its verified checkpoint (the evidence stays);
    False when there was nothing to clear (:func:`~pallmall.storage.federation_sync.reset_fork`)."""
    with db.write() as tx:
        return reset_fork(tx.conn, name)
