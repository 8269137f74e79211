"""Re-runs due diligence on open cases (licences, restrictions, use authorisations) when the
lists, the registry or the decided restrictions change.

A list loaded with ``pallmall lists load`` (or through the API), or a registry import, moves
the *world stamp* (see ``SqlCaseStore.world_stamp``). The server checks the stamp every
``interval`` seconds and, when it moved, re-runs due diligence on the open cases
whose last run read an older one, so a party designated after a case was filed is flagged
on that case without anyone asking. ``pallmall cases recheck`` does the same on demand.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from pallmall.cases.service import CaseService
from pallmall.core.auth import SYSTEM
from pallmall.core.errors import Conflict
from pallmall.storage.cases import SqlCaseStore
from pallmall.storage.database import Database, Tx

log = logging.getLogger(__name__)


@dataclass
class Rechecker:
    """Watches the world stamp of ``db``; ``run_once`` or a background thread.

    ``build`` makes the case service on a write unit of work (the composition root's).
    """

    db: Database
    build: Callable[[Tx], CaseService]
    _seen: str | None = field(default=None, repr=False)
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    def run_once(self) -> list[str]:
        """Re-run stale open licence cases if the stamp moved since the last call; returns
        the ids re-run (none when the stamp has not moved).

        Raises:
            Conflict: another worker saved one of the cases first (the next call retries).
        """
        with self.db.read() as tx:
            stamp = SqlCaseStore(tx.conn).world_stamp()
        if stamp == self._seen:
            return []
        with self.db.write() as tx:
            done = self.build(tx).recheck(SYSTEM)
        self._seen = stamp
        if done:
            log.info(
                "due diligence re-run on %d case(s) after a list or registry change", len(done)
            )
        return done

    def start(self, interval: float = 30.0) -> None:
        """Check every ``interval`` seconds in a daemon thread until :meth:`stop`."""
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._loop, args=(interval,), name="case-recheck", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread (a recheck under way finishes first)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _loop(self, interval: float) -> None:
        while not self._stop.wait(interval):
            try:
                self.run_once()
            except Conflict as exc:  # several workers: one won, the next tick sees its runs
                log.info("recheck deferred: %s", exc)
            except Exception:  # keep watching after a transient database error
                log.exception("rechecking open cases failed; retrying")
