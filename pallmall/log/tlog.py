"""The transparency log: append (sequence), integrate (tiles), publish (checkpoint last).

:class:`TransparencyLog` is what the server runs. ``append`` returns once entries are
durable and have indexes; ``integrate`` — called by the background loop at least every
``interval`` seconds while entries wait — extends the tree, writes tiles and bundles
durably, then signs and atomically publishes the new checkpoint. Proofs are computed
from stored tiles for any tree size up to the published checkpoint's.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pallmall.core.errors import Gone, InvalidInput, NotFound
from pallmall.log.bundle import decode_bundle
from pallmall.log.checkpoint import Checkpoint, SignedCheckpoint, sign_checkpoint, verify_checkpoint
from pallmall.log.fetch import CHECKPOINT, DirectoryFetcher
from pallmall.log.integrator import TreeState, extend, load_state
from pallmall.log.layout import TILE_WIDTH, TileId, tile_width
from pallmall.log.note import Ed25519Signer, Ed25519Verifier
from pallmall.log.proof import ConsistencyProof, InclusionProof, consistency_proof, inclusion_proof
from pallmall.log.receipt import Receipt
from pallmall.log.sequencer import FileSequencer, Sequencer
from pallmall.log.tiles import FsTileStore, TileHashSource, read_tile
from pallmall.log.withholding import Withheld

MAX_INTEGRATE = 1 << 18
"""Entries integrated per checkpoint at most (bounds memory; the loop catches up)."""
MAX_BACKOFF = 10.0
"""Seconds between retries at most while integrating fails (a full disk, an I/O error)."""
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LogHealth:
    """Whether the log can advance: ``ok``, else since when it has failed and why."""

    ok: bool
    reason: str = ""
    since: datetime | None = None


class TransparencyLog:
    """A log made of a tile folder (public), a sequencer (private) and a signing key.

    Thread-safe. Several processes may append; one integrates at a time (the
    sequencer's integration lock decides which).
    """

    def __init__(self, store: FsTileStore, sequencer: Sequencer, signer: Ed25519Signer) -> None:
        self.store = store
        self.sequencer = sequencer
        self.signer = signer
        self._verifier = Ed25519Verifier(signer.name, signer.public_key)
        self._lock = threading.Lock()
        self._state: TreeState | None = None
        self._last: SignedCheckpoint | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._integrated = threading.Condition()
        self._failure: tuple[datetime, str] | None = None
        self._swept = False

    @classmethod
    def open(cls, directory: Path, signer: Ed25519Signer) -> TransparencyLog:
        """A log in ``directory``: ``public/`` (serve it) and ``journal/`` (keep private)."""
        directory = Path(directory)
        store = FsTileStore(directory / "public")
        log = cls(store, FileSequencer(directory / "journal"), signer)
        log.ensure_checkpoint()
        return log

    @property
    def origin(self) -> str:
        """The log's origin line, which is also its key name."""
        return self.signer.name

    @property
    def vkey(self) -> str:
        """The verifier key to publish at ``/log/vkey``."""
        return self.signer.vkey

    def ensure_checkpoint(self) -> SignedCheckpoint:
        """Publish the checkpoint of the empty tree if the folder has none; return the latest."""
        for _ in range(100):
            try:
                return self.checkpoint()
            except NotFound:
                with self.sequencer.integration_lock() as mine, self.store.writer_lock() as ours:
                    if mine and ours and not (self.store.root / CHECKPOINT).exists():
                        return self._publish(TreeState())
            time.sleep(0.05)  # another writer is publishing the first checkpoint
        return self.checkpoint()

    def checkpoint(self) -> SignedCheckpoint:
        """The latest published checkpoint (verified with our own key); ``NotFound`` if none."""
        note = self.store.fetch(CHECKPOINT)
        cached = self._last
        if cached is not None and cached.note == note:
            return cached  # same bytes we verified before: skip the signature check
        self._last = verify_checkpoint(note, [self._verifier], origin=self.origin)
        return self._last

    def append(self, entries: Sequence[bytes]) -> list[int]:
        """Sequence ``entries`` durably (fsync) and return their indexes, in order.

        Entries are integrated by the next :meth:`integrate`. Raises ``InvalidInput`` for
        an empty batch or an entry over 65535 bytes (the bundle framing limit).
        """
        for i, entry in enumerate(entries):
            if len(entry) > 0xFFFF:
                raise InvalidInput(f"entries[{i}]", "longer than 65535 bytes")
        first = self.sequencer.assign(entries)
        return list(range(first, first + len(entries)))

    def integrate(self) -> SignedCheckpoint:
        """Integrate what is sequenced (up to :data:`MAX_INTEGRATE` entries) and publish.

        Writes tiles and bundles durably, then the checkpoint, last and atomically. If
        nothing is waiting, or another process holds the integration lock, returns the
        latest checkpoint unchanged.
        """
        with (
            self._lock,
            self.sequencer.integration_lock() as mine,
            self.store.writer_lock() as ours,
        ):
            if not (mine and ours):
                return self.checkpoint()
            if not self._swept:
                self.store.remove_temp_files()  # left by a writer that crashed mid-write
                self._swept = True
            state = self._current_state()
            end = min(self.sequencer.size(), state.size + MAX_INTEGRATE)
            if end == state.size:
                return self.checkpoint()
            try:
                entries = self.sequencer.read(state.size, end)
                self.store.write_tiles(extend(state, entries))
                signed = self._publish(state)
            except BaseException:
                self._state = None  # reload from the published tiles next time
                raise
            self.sequencer.integrated(state.size)
        with self._integrated:
            self._integrated.notify_all()
        return signed

    def _current_state(self) -> TreeState:
        size = self.checkpoint().checkpoint.size
        if self._state is None or self._state.size != size:
            self._state = load_state(self.store, size)
        return self._state

    def _publish(self, state: TreeState) -> SignedCheckpoint:
        cp = Checkpoint(self.origin, state.size, state.root())
        note = sign_checkpoint(cp, self.signer)
        self.store.publish_checkpoint(note)
        return SignedCheckpoint(cp, note)

    def wait_integrated(self, index: int, timeout: float = 5.0) -> SignedCheckpoint:
        """Block until a checkpoint covers ``index``; ``TimeoutError`` after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while (signed := self.checkpoint()).checkpoint.size <= index:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"entry {index} is not integrated after {timeout} s")
            with self._integrated:
                self._integrated.wait(min(remaining, 0.05))
        return signed

    def health(self) -> LogHealth:
        """Whether the background loop's last integration succeeded (see :meth:`run`)."""
        failure = self._failure
        if failure is None:
            return LogHealth(ok=True)
        return LogHealth(ok=False, reason=failure[1], since=failure[0])

    def run(self, interval: float = 0.25) -> None:
        """Integrate every ``interval`` seconds until :meth:`stop`; for a server thread.

        MUST survive failures: an I/O error (a full disk, a read-only remount) is logged,
        reported by :meth:`health`, and retried with a backoff doubling up to
        :data:`MAX_BACKOFF` seconds; the first success clears it.
        """
        wait = interval
        while not self._stop.wait(wait):
            try:
                self.integrate()
            except Exception as exc:
                wait = min(MAX_BACKOFF, wait * 2)
                reason = f"integrating the log fails: {type(exc).__name__}: {exc}"
                if self._failure is None:
                    self._failure = (datetime.now(UTC), reason)
                    log.exception("%s; retrying every %.1f s at most", reason, MAX_BACKOFF)
                else:
                    self._failure = (self._failure[0], reason)
            else:
                if self._failure is not None:
                    log.warning("the log integrates again after: %s", self._failure[1])
                self._failure = None
                wait = interval

    def start(self, interval: float = 0.25) -> threading.Thread:
        """Start :meth:`run` in a daemon thread and return it."""
        self._stop.clear()
        self._thread = threading.Thread(target=self.run, args=(interval,), daemon=True)
        self._thread.start()
        return self._thread

    def stop(self) -> None:
        """Stop the background loop and integrate what is left."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        try:
            self.integrate()
        except Exception:  # shutting down: what is sequenced stays in the journal for next start
            log.exception("final integration failed; entries stay sequenced for the next start")

    def _source(self, tree_size: int) -> TileHashSource:
        current = self.checkpoint().checkpoint.size
        if not 0 <= tree_size <= current:
            raise InvalidInput("tree_size", f"must be in [0, {current}] (the checkpoint size)")
        return TileHashSource(self.store, current, DirectoryFetcher(self.store.interior))

    def inclusion_proof(self, index: int, tree_size: int) -> InclusionProof:
        """Inclusion proof of ``index`` in the tree of exactly ``tree_size`` (RFC 9162 §2.1.3).

        ``tree_size`` MUST NOT exceed the published checkpoint's size (``InvalidInput``).
        """
        return inclusion_proof(self._source(tree_size), index, tree_size)

    def consistency_proof(self, old_size: int, tree_size: int) -> ConsistencyProof:
        """Consistency proof between two sizes, both <= the checkpoint's (RFC 9162 §2.1.4)."""
        return consistency_proof(self._source(tree_size), old_size, tree_size)

    def entry(self, index: int) -> bytes:
        """The integrated entry at ``index`` (read from its bundle).

        Raises:
            NotFound: ``index`` is not integrated.
            Gone: the operator withheld it (:mod:`.withholding`).
        """
        size = self.checkpoint().checkpoint.size
        if not 0 <= index < size:
            raise NotFound(f"entry {index} is not in the log of size {size}")
        withheld = self.store.withheld.get(index)
        if withheld is not None:
            raise Gone(f"entry {index} is withheld by the operator: {withheld.reason}")
        bundle_index = index // TILE_WIDTH
        width = tile_width(0, bundle_index, size)
        data = read_tile(self.store, TileId(-1, bundle_index, width))
        return decode_bundle(data)[index % TILE_WIDTH]

    def withhold(self, index: int, reason: str, at: str) -> list[str]:
        """Stop serving the entry bundle holding ``index`` (see :mod:`.withholding`); return
        the bundle files moved out of the public folder. The caller appends the public notice.

        Raises:
            NotFound: ``index`` is not integrated.
            InvalidInput: already withheld, or no reason given.
        """
        size = self.checkpoint().checkpoint.size
        if not 0 <= index < size:
            raise NotFound(f"entry {index} is not in the log of size {size}")
        self.store.withheld.add(Withheld(index, reason, at))
        return self.store.withhold_bundles(index)

    def receipt(self, index: int, timeout: float = 5.0) -> Receipt:
        """A receipt for ``index`` once integrated (waits up to ``timeout`` seconds)."""
        signed = self.wait_integrated(index, timeout)
        size = signed.checkpoint.size
        source = TileHashSource(self.store, size, DirectoryFetcher(self.store.interior))
        proof = inclusion_proof(source, index, size)
        return Receipt(self.entry(index), index, signed.note, proof.proof)
