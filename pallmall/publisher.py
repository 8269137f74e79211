"""Moves public changes from the database outbox into the transparency log.

Every public change is written to the ``public_changes`` outbox in the same transaction as
the change itself (nothing lost if the process dies). The publisher then, in one write
transaction: takes the pending changes (locked), builds each entry (RFC 8785 JSON with
salted commitments for confidential fields), appends the batch durably to the log, and
records index, leaf hash and the private disclosure. Each change is checked against the
disclosure vocabulary (:func:`pallmall.disclosure.check_change`) before it is appended; one that
fails stays in the outbox, never in the log. A crash after the append and before the
commit re-appends that batch on restart: at least once, never lost.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from pallmall.core.changes import PublicChange
from pallmall.core.clock import utcnow
from pallmall.core.errors import InvalidInput
from pallmall.disclosure import PUBLIC_SUBJECT, check_change, gate
from pallmall.disclosure.kinds import ENTRY_WITHHELD
from pallmall.log import Disclosure, TransparencyLog, make_entry
from pallmall.storage.database import Database

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
        """Publish up to ``batch`` pending changes; return how many were appended."""
        with self.db.write() as tx:
            pending = tx.outbox.pending(self.batch)
            if not pending:
                return 0
            built = []
            for change_id, change in pending:
                try:
                    built.append((change_id, *_entry(change)))
                except InvalidInput as exc:
                    # A change the log cannot take must not block those after it; it stays in
                    # the outbox (index -1) for an operator, with the reason in the server log.
                    log.error("public change %s cannot be logged: %s", change_id, exc)
                    tx.outbox.mark_logged(change_id, -1, "", {"error": str(exc)})
            indexes = self.tlog.append([data for _, data, _ in built])
            for (change_id, _, disclosure), index in zip(built, indexes, strict=True):
                tx.outbox.mark_logged(
                    change_id, index, disclosure.leaf_hash.hex(), disclosure.to_json()
                )
        return len(pending)

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


def _entry(change: PublicChange) -> tuple[bytes, Disclosure]:
    check_change(change)  # the log never forgets: a change that bypassed the gate stops here
    time = change.at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return make_entry(change.kind, change.subject, change.public, change.confidential, time)


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
