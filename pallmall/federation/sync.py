"""Syncing with peers: verify each peer's log, pull its group collections, verify what it
pushed to our inbox, push what we address to it.

Each peer is synced on its own (:meth:`Syncer.sync`, a small thread pool): a peer that is
down, slow, answers garbage or shows a split view gets an error in its state (and, when it
misbehaved, evidence) and never stops or delays the others; :meth:`Syncer.sync_peer` never
raises. The steps for one peer P (docs/federation.md, "Sync and verification"):

1. refuse P outright while a fork it showed is not reset by an operator;
2. fetch and verify P's checkpoint (:func:`~.verify.check_checkpoint`), and its consistency
   with the one verified before (:func:`~.verify.check_consistency`); keep it;
3. page every ``fed-*`` collection P lists to us from the stored cursor, verify each object
   (:func:`~.verify.verify_object`) and keep it (an object whose entry is past the verified
   size waits for the next sync: the cursor stops before its page);
4. verify the objects P pushed to our inbox (kept unverified until now);
5. push our objects addressed to P's inbox (``federation_objects`` rows of group
   ``inbox:<P>``, each once its log entry is known) to P's ``fed-inbox``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

from pallmall.core.clock import utcnow
from pallmall.core.errors import PallmallError
from pallmall.federation.client import (
    GROUP_PREFIX,
    INBOX,
    CollectionInfo,
    LogReader,
    PeerClient,
    PeerError,
)
from pallmall.federation.peer import inbox_group
from pallmall.federation.verify import (
    LOG_PROPERTY,
    Evidence,
    ForkedLog,
    ObjectRefused,
    PeerLog,
    PeerRefused,
    VerifiedObject,
    check_checkpoint,
    check_consistency,
    log_pointer,
    verify_object,
)
from pallmall.intel.record import format_us, stix_timestamp_us
from pallmall.log.checkpoint import SignedCheckpoint, verify_checkpoint
from pallmall.log.keys import verifier_from_vkey

LOG = logging.getLogger("pallmall.federation")

FORK_CURSOR = "fork"
"""``cursors`` key holding the id of the evidence of a fork that blocks the peer."""
PUSHED_CURSOR = "pushed"
"""``cursors`` key holding the last ``federation_objects.seq`` pushed to the peer's inbox."""
EXPORTED_CURSOR = "exported"
"""``cursors`` key holding the checkpoint size of the last bundle exported to the peer."""
PUSH_BATCH = 100
"""Objects pushed to a peer's inbox per request."""


@dataclass(frozen=True)
class SyncPeer:
    """A peer as the syncer needs it: name, base URL, log, and the token it issued us."""

    name: str
    url: str
    log: PeerLog
    token: str = ""


@dataclass(frozen=True)
class PeerState:
    """What this node knows of one peer's log and of its last syncs
    (``federation_peer_state``). ``verified_note`` is the last checkpoint note verified
    (empty before the first); ``cursors`` maps a collection id to the ``added_after`` of its
    next page, plus the keys :data:`FORK_CURSOR`, :data:`PUSHED_CURSOR` and
    :data:`EXPORTED_CURSOR`."""

    peer_name: str
    last_attempt_at: datetime | None = None
    last_success_at: datetime | None = None
    verified_note: str = ""
    cursors: Mapping[str, str] = field(default_factory=dict)
    last_error: str = ""
    error_count: int = 0
    peer_size: int | None = None

    def verified(self, peer: PeerLog) -> SignedCheckpoint | None:
        """The last verified checkpoint (its signature checked again), or None."""
        if not self.verified_note:
            return None
        return verify_checkpoint(
            self.verified_note.encode(), [verifier_from_vkey(peer.vkey)], peer.origin
        )

    @property
    def fork_evidence(self) -> int | None:
        """The id of the evidence of a fork that blocks the peer, or None."""
        value = self.cursors.get(FORK_CURSOR)
        return int(value) if value else None

    def with_cursor(self, key: str, value: str | None) -> PeerState:
        """A copy with ``cursors[key]`` set (removed when ``value`` is None)."""
        cursors = {k: v for k, v in self.cursors.items() if k != key}
        if value is not None:
            cursors[key] = value
        return replace(self, cursors=cursors)

    def failed(self, at: datetime, error: str) -> PeerState:
        """A copy recording a failed attempt at ``at``."""
        return replace(
            self, last_attempt_at=at, last_error=error[:2000], error_count=self.error_count + 1
        )


@dataclass(frozen=True)
class Unverified:
    """An object a peer pushed to our inbox, not verified yet (``verified_size`` None)."""

    object_id: str
    version_us: int
    body: str
    log_index: int | None


@dataclass(frozen=True)
class InboxItem:
    """One of our objects addressed to a peer's inbox, logged at ``log_index``."""

    seq: int
    body: str
    log_index: int


class SyncStore(Protocol):
    """What syncing needs from storage, in one unit of work (the caller commits it)."""

    def peer_state(self, peer_name: str) -> PeerState:
        """The peer's state (a blank one before the first sync)."""
        ...

    def save_peer_state(self, state: PeerState) -> None:
        """Insert or replace the peer's state."""
        ...

    def add_evidence(self, peer_name: str, evidence: Evidence, at: datetime) -> int:
        """Keep ``evidence`` (append-only); return its id."""
        ...

    def receive(self, peer_name: str, objects: Sequence[VerifiedObject], at: datetime) -> int:
        """Keep verified object versions (a version kept already is left as it is, or marked
        verified if it was waiting); return how many were new."""
        ...

    def unverified(self, peer_name: str) -> Sequence[Unverified]:
        """Objects the peer pushed to our inbox that wait for verification, oldest first."""
        ...

    def drop_unverified(self, peer_name: str, object_id: str, version_us: int) -> None:
        """Forget a pushed object that failed verification (the evidence stays)."""
        ...

    def outgoing(self, group_name: str, after_seq: int, limit: int) -> Sequence[InboxItem]:
        """Our objects of ``group_name`` after ``after_seq``, in order, stopping before the
        first whose log entry is not known yet."""
        ...


SyncScope = Callable[[], AbstractContextManager[SyncStore]]
"""Opens the sync store in a unit of work that commits on exit."""
Connect = Callable[[SyncPeer], PeerClient]
"""Opens a client for a peer (the wiring passes the timeout)."""


@dataclass
class PeerOutcome:
    """What one sync of one peer did; ``error`` empty when it fully succeeded."""

    peer: str
    verified_size: int = 0
    received: int = 0
    inbox_verified: int = 0
    pushed: int = 0
    waiting: int = 0
    refused: int = 0
    error: str = ""

    @property
    def ok(self) -> bool:
        """True when the peer synced without any error or refused object."""
        return not self.error and not self.refused


class Syncer:
    """Syncs this node (log ``origin``) with its peers; see the module docstring."""

    def __init__(
        self,
        scope: SyncScope,
        connect: Connect,
        origin: str,
        clock: Callable[[], datetime] = utcnow,
        threads: int = 4,
    ) -> None:
        self.scope = scope
        self.connect = connect
        self.origin = origin
        self.clock = clock
        self.threads = max(1, threads)

    def sync(
        self, peers: Sequence[SyncPeer], done: Callable[[PeerOutcome], None] | None = None
    ) -> list[PeerOutcome]:
        """Sync every peer concurrently; return one outcome per peer, in the given order.

        ``done`` is called (from a worker thread) as each peer finishes. Never raises for a
        peer's failure.
        """
        if not peers:
            return []

        def run(peer: SyncPeer) -> PeerOutcome:
            outcome = self.sync_peer(peer)
            if done is not None:
                done(outcome)
            return outcome

        with ThreadPoolExecutor(min(self.threads, len(peers)), "federation-sync") as pool:
            return list(pool.map(run, peers))

    def sync_peer(self, peer: SyncPeer) -> PeerOutcome:
        """Sync one peer; record the outcome in its state. Never raises."""
        outcome = PeerOutcome(peer.name)
        at = self.clock()
        try:
            self._sync(peer, outcome, at)
        except ForkedLog as exc:
            outcome.error = str(exc)
            self._record_fork(peer, exc, at)
        except PeerRefused as exc:
            outcome.error = str(exc)
            self._record_failure(peer, at, str(exc), exc.evidence)
        except (PeerError, PallmallError) as exc:
            outcome.error = str(exc)
            self._record_failure(peer, at, str(exc))
        except Exception as exc:  # one peer's bug or odd answer never stops the others
            LOG.exception("syncing peer %s failed", peer.name)
            outcome.error = f"{type(exc).__name__}: {exc}"
            self._record_failure(peer, at, outcome.error)
        return outcome

    def _sync(self, peer: SyncPeer, outcome: PeerOutcome, at: datetime) -> None:
        with self.scope() as store:
            state = store.peer_state(peer.name)
        if state.fork_evidence is not None:
            raise PallmallError(
                f"refused: {peer.name} showed a split view (evidence {state.fork_evidence});"
                f" run `pallmall federation peer reset {peer.name}` once resolved"
            )
        with self.connect(peer) as client:
            announced = check_checkpoint(peer.log, client.checkpoint())
            kept = self._consistent(client, peer, state, announced)
            self._save(
                replace(
                    state, verified_note=kept.note.decode(), peer_size=announced.checkpoint.size
                )
            )
            outcome.verified_size = kept.checkpoint.size
            reader = LogReader(client, kept.checkpoint.size)
            for collection in _group_collections(client.collections()):
                self._pull(client, reader, peer, kept, collection, outcome)
            self._verify_inbox(reader, peer, kept, outcome)
            self._push(client, peer, outcome)
        with self.scope() as store:
            state = store.peer_state(peer.name)
            if outcome.refused:
                error = f"{outcome.refused} objects refused (see the evidence)"
                store.save_peer_state(replace(state.failed(at, error), last_success_at=at))
            else:
                store.save_peer_state(
                    replace(
                        state, last_attempt_at=at, last_success_at=at, last_error="", error_count=0
                    )
                )

    def _consistent(
        self, client: PeerClient, peer: SyncPeer, state: PeerState, new: SignedCheckpoint
    ) -> SignedCheckpoint:
        previous = state.verified(peer.log)
        if previous is None:
            return new
        old_size, new_size = previous.checkpoint.size, new.checkpoint.size
        small, large = min(old_size, new_size), max(old_size, new_size)
        proof = client.consistency(small, large) if 0 < small < large else ()
        return check_consistency(previous, new, proof)

    def _save(self, state: PeerState) -> None:
        with self.scope() as store:
            current = store.peer_state(state.peer_name)
            store.save_peer_state(
                replace(current, verified_note=state.verified_note, peer_size=state.peer_size)
            )

    def _pull(
        self,
        client: PeerClient,
        reader: LogReader,
        peer: SyncPeer,
        verified: SignedCheckpoint,
        collection: CollectionInfo,
        outcome: PeerOutcome,
    ) -> None:
        with self.scope() as store:
            cursor = store.peer_state(peer.name).cursors.get(collection.id)
        for page in client.objects(collection.id, cursor):
            kept, evidence, waiting = self._check_page(reader, peer, verified, page.objects)
            outcome.refused += len(evidence)
            outcome.waiting += waiting
            with self.scope() as store:
                outcome.received += store.receive(peer.name, kept, self.clock())
                for item in evidence:
                    store.add_evidence(peer.name, item, self.clock())
                if waiting:
                    return  # the cursor stays before this page: it is read again next time
                if page.date_added_last:
                    state = store.peer_state(peer.name)
                    store.save_peer_state(
                        state.with_cursor(collection.id, _before(page.date_added_last))
                    )

    def _check_page(
        self,
        reader: LogReader,
        peer: SyncPeer,
        verified: SignedCheckpoint,
        objects: Iterable[Mapping[str, Any]],
    ) -> tuple[list[VerifiedObject], list[Evidence], int]:
        kept: list[VerifiedObject] = []
        evidence: list[Evidence] = []
        waiting = 0
        for obj in objects:
            try:
                pointer = log_pointer(obj)
                if pointer.origin == peer.log.origin and pointer.index >= verified.checkpoint.size:
                    waiting += 1
                    continue
                inclusion = reader.inclusion(pointer.index)
                kept.append(verify_object(obj, peer.log, verified.checkpoint, inclusion))
            except ObjectRefused as exc:
                evidence.append(exc.evidence)
        return kept, evidence, waiting

    def _verify_inbox(
        self, reader: LogReader, peer: SyncPeer, verified: SignedCheckpoint, outcome: PeerOutcome
    ) -> None:
        with self.scope() as store:
            pending = store.unverified(peer.name)
        for item in pending:
            if item.log_index is not None and item.log_index >= verified.checkpoint.size:
                outcome.waiting += 1
                continue
            obj = _served(item, peer.log.origin)
            try:
                if item.log_index is None:
                    log_pointer(obj)  # raises: pushed without x_pallmall_log
                got = verify_object(
                    obj, peer.log, verified.checkpoint, reader.inclusion(item.log_index or 0)
                )
            except ObjectRefused as exc:
                outcome.refused += 1
                with self.scope() as store:
                    store.add_evidence(peer.name, exc.evidence, self.clock())
                    store.drop_unverified(peer.name, item.object_id, item.version_us)
                continue
            with self.scope() as store:
                store.receive(peer.name, [got], self.clock())
            outcome.inbox_verified += 1

    def _push(self, client: PeerClient, peer: SyncPeer, outcome: PeerOutcome) -> None:
        group = inbox_group(peer.name)
        while True:
            with self.scope() as store:
                after = int(store.peer_state(peer.name).cursors.get(PUSHED_CURSOR, "0"))
                batch = store.outgoing(group, after, PUSH_BATCH)
            if not batch:
                return
            client.push([_with_pointer(o.body, self.origin, o.log_index) for o in batch], INBOX)
            with self.scope() as store:
                state = store.peer_state(peer.name)
                store.save_peer_state(state.with_cursor(PUSHED_CURSOR, str(batch[-1].seq)))
            outcome.pushed += len(batch)

    def _record_fork(self, peer: SyncPeer, exc: ForkedLog, at: datetime) -> None:
        with self.scope() as store:
            evidence_id = store.add_evidence(peer.name, exc.evidence, at)
            state = store.peer_state(peer.name).failed(at, str(exc))
            store.save_peer_state(state.with_cursor(FORK_CURSOR, str(evidence_id)))

    def _record_failure(
        self, peer: SyncPeer, at: datetime, error: str, evidence: Evidence | None = None
    ) -> None:
        try:
            with self.scope() as store:
                if evidence is not None:
                    store.add_evidence(peer.name, evidence, at)
                store.save_peer_state(store.peer_state(peer.name).failed(at, error))
        except Exception:  # the database itself failing: logged, the other peers go on
            LOG.exception("recording the failure of peer %s failed", peer.name)


def _group_collections(collections: Iterable[CollectionInfo]) -> list[CollectionInfo]:
    return [
        c
        for c in collections
        if c.alias.startswith(GROUP_PREFIX) and c.alias != INBOX and c.can_read
    ]


def _before(timestamp: str) -> str:
    """The TAXII timestamp 1 µs before ``timestamp``: ``added_after`` is strict, and objects
    added in the same microsecond as the last one read must not be skipped (reading one
    twice is harmless: a version kept is kept once)."""
    stamp = stix_timestamp_us(timestamp)
    return format_us(stamp - 1)


def _served(item: Unverified, origin: str) -> dict[str, Any]:
    obj = dict(json.loads(item.body))
    if item.log_index is not None:
        obj[LOG_PROPERTY] = {"origin": origin, "index": item.log_index}
    return obj


def _with_pointer(body: str, origin: str, index: int) -> dict[str, Any]:
    obj = dict(json.loads(body))
    obj[LOG_PROPERTY] = {"origin": origin, "index": index}
    return obj
