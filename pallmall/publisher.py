"""Moves public changes from the database outbox into the transparency log.

Every public change is written to the ``public_changes`` outbox in the same transaction as
the change itself (nothing lost if the process dies), with its own id. The publisher then:

1. prepares each pending change once, in its own committed transaction: builds its entry
   (RFC 8785 JSON carrying the change id, with salted commitments for confidential fields)
   and keeps the entry's leaf hash and private disclosure (the salts) in the outbox;
2. in one write transaction: takes the pending changes (locked), rebuilds each prepared
   entry byte for byte from its kept salts, looks among the log's last entries
   for entries already appended (a crash after the append and before the commit: only a
   change an earlier run prepared can be there, so only then is the log's tail read),
   appends only the others, and records the index of each.

So a crash anywhere gives each change exactly one entry: never lost, never twice (and a log
written by an older publisher that did append a change twice is still counted once, by
change id, in reports). Each change is checked against the disclosure vocabulary
(:func:`pallmall.disclosure.check_change`) before it is prepared; one that fails stays in the
outbox, never in the log.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from pallmall.core.changes import PublicChange
from pallmall.core.clock import utcnow
from pallmall.core.errors import InvalidInput
from pallmall.disclosure import PUBLIC_SUBJECT, check_change, gate
from pallmall.disclosure.kinds import ENTRY_WITHHELD
from pallmall.log import Disclosure, TransparencyLog, leaf_hash, make_entry
from pallmall.storage.database import Database

TAIL_LIMIT = 10_000
"""How many of the log's last entries the publisher reads back, after a crash, to find the
entries a dead run appended (read only for changes an earlier run prepared)."""

log = logging.getLogger(__name__)


@dataclass
class Publisher:
    """Drains the outbox of ``db`` into ``tlog``; ``run_once`` or a background thread."""

    db: Database
    tlog: TransparencyLog
    batch: int = 1000
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)
    failing: str | None = field(default=None, repr=False)
    """Why the last background drain failed (None after a success): for /api/v1/status."""

    def run_once(self) -> int:
        """Publish up to ``batch`` pending changes; return how many left the outbox (each
        appended once, or found already in the log, or refused)."""
        waiting, now = self._prepare()
        if not waiting:
            return 0
        with self.db.write() as tx:
            pending = tx.outbox.pending(self.batch)
            if not pending:
                return 0
            built: list[tuple[int, bytes, Disclosure]] = []
            refused = 0
            for row, change in pending:
                prepared = tx.outbox.prepared(row)
                if prepared is None:
                    continue  # added after this run prepared: the next run takes it
                try:
                    built.append((row, *_rebuild(change, prepared)))
                except InvalidInput as exc:
                    log.error("public change %s cannot be logged: %s", change.id, exc)
                    tx.outbox.mark_logged(row, -1, "", {"error": str(exc)})
                    refused += 1
            # only a change prepared by an earlier run can be in the log already (that run
            # appended it and died before recording it): look for those alone
            earlier = {d.leaf_hash for row, _, d in built if row not in now}
            found = self._appended(earlier)
            fresh = [b for b in built if b[2].leaf_hash not in found]
            indexes = self.tlog.append([data for _, data, _ in fresh]) if fresh else []
            where = dict(found)
            where.update((d.leaf_hash, i) for (_, _, d), i in zip(fresh, indexes, strict=True))
            for row, _, disclosure in built:
                index = where[disclosure.leaf_hash]
                tx.outbox.mark_logged(row, index, disclosure.leaf_hash.hex(), disclosure.to_json())
        return len(built) + refused

    def _prepare(self) -> tuple[bool, set[int]]:
        """Build and keep the entry of every pending change not prepared yet (committed
        before anything is appended, so the salts survive a crash after the append); return
        whether any change is pending, and the outbox rows prepared by this call. An idle
        look is one read transaction."""
        now: set[int] = set()
        with self.db.read() as tx:
            pending, unprepared = tx.outbox.waiting(self.batch)
        if not unprepared:
            return pending > 0, now
        with self.db.write() as tx:
            for row, change in tx.outbox.pending(self.batch):
                if tx.outbox.prepared(row) is not None:
                    continue
                try:
                    _, disclosure = _entry(change)
                except InvalidInput as exc:
                    # A change the log cannot take must not block those after it; it stays in
                    # the outbox (index -1) for an operator, with the reason in the server log.
                    log.error("public change %s cannot be logged: %s", change.id, exc)
                    tx.outbox.mark_logged(row, -1, "", {"error": str(exc)})
                    continue
                if tx.outbox.prepare(row, disclosure.leaf_hash.hex(), disclosure.to_json()):
                    now.add(row)
        return True, now

    def _appended(self, wanted: set[bytes]) -> dict[bytes, int]:
        """Of the leaf hashes ``wanted``, those already among the log's last
        :data:`TAIL_LIMIT` entries (appended before a crash), with their indexes."""
        if not wanted:
            return {}
        size = self.tlog.sequencer.size()
        start = max(0, size - TAIL_LIMIT)
        if start >= size:
            return {}
        found: dict[bytes, int] = {}
        for offset, data in enumerate(self._read(start, size)):
            digest = leaf_hash(data)
            if digest in wanted:
                found.setdefault(digest, start + offset)
        return found

    def _read(self, start: int, end: int) -> list[bytes]:
        try:
            return self.tlog.sequencer.read(start, end)
        except InvalidInput:
            # the sequencer dropped what it integrated: read those from the tiles
            integrated = self.tlog.checkpoint().checkpoint.size
            head = [self.tlog.entry(i) for i in range(start, min(integrated, end))]
            return head + self.tlog.sequencer.read(max(start, integrated), end)

    def drain(self) -> int:
        """Publish until nothing is pending; return how many were appended."""
        total = 0
        while count := self.run_once():
            total += count
        return total

    def start(self, interval: float = 0.2) -> None:
        """Drain every ``interval`` seconds in a daemon thread until :meth:`stop`."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, args=(interval,), daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread after one last drain."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        try:
            self.drain()
        except Exception:  # shutting down: what is left stays in the outbox for next start
            log.exception("final publish failed; pending changes stay in the outbox")

    def _loop(self, interval: float) -> None:
        while not self._stop.wait(interval):
            try:
                self.drain()
            except Exception as exc:  # keep publishing after a transient database error
                if self.failing is None:
                    log.exception("publishing public changes to the log failed; retrying")
                self.failing = f"publishing to the log fails: {type(exc).__name__}: {exc}"
            else:
                self.failing = None


def _entry(change: PublicChange, salts: dict[str, bytes] | None = None) -> tuple[bytes, Disclosure]:
    check_change(change)  # the log never forgets: a change that bypassed the gate stops here
    time = change.at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return make_entry(
        change.kind, change.subject, change.public, change.confidential, time, change.id, salts
    )


def _rebuild(
    change: PublicChange, prepared: tuple[str, dict[str, Any]]
) -> tuple[bytes, Disclosure]:
    """The entry of ``change`` byte for byte as it was prepared (same salts, same hash).

    Raises:
        InvalidInput: its content no longer gives the kept leaf hash (the outbox row was
            changed after it was prepared).
    """
    hash_hex, kept = prepared
    salts = {name: f.salt for name, f in Disclosure.from_json(kept).fields.items()}
    data, disclosure = _entry(change, salts)
    if disclosure.leaf_hash.hex() != hash_hex:
        raise InvalidInput("change", "its entry no longer gives the leaf hash it was prepared with")
    return data, disclosure


def withhold_entry(db: Database, tlog: TransparencyLog, index: int, reason: str) -> PublicChange:
    """Stop serving the entry at ``index`` (:mod:`pallmall.log.withholding`) and put the
    public notice saying so in the outbox; return the notice. The log cannot forget the entry:
    its hash stays in the tree, its content is no longer served by this node.

    Raises:
        NotFound: ``index`` is not integrated.
        InvalidInput: already withheld, or no reason.
    """
    now = utcnow()
    bundles = tlog.withhold(index, reason, now.strftime("%Y-%m-%dT%H:%M:%SZ"))
    fields = {"index": index, "reason": reason, "bundles": bundles}
    notice = gate(ENTRY_WITHHELD, f"log-entry-{index}", now, fields, PUBLIC_SUBJECT)
    with db.write() as tx:
        tx.outbox.add(notice)
    return notice
