"""Collecting cosignatures of the node's own checkpoints from other nodes' witnesses.

c2sp.org/tlog-witness §add-checkpoint, from the log's side. A :class:`Collector` runs in a
background thread (never in a request): every ``interval`` seconds it takes the log's latest
checkpoint and, for each witness (:class:`WitnessTarget`) that has not cosigned exactly that
checkpoint, submits it in a thread of its own with ``old`` = the size that witness last
cosigned (:class:`WitnessLedger`, ``data/log/witnesses.json``) and the consistency proof
from it. A 409 answers with the witness's size (``text/x.tlog.size``): the submission is
retried once from that size. Each returned cosignature is verified with the witness's vkey
before it is kept (:class:`CosignatureStore`, one file per checkpoint in
``data/log/cosignatures/``); ``GET /log/checkpoint`` appends the lines kept for exactly the
checkpoint it serves.

A witness that is down, slow or answers garbage gets an error in the ledger and never stalls
the log (the log integrates in its own thread) nor the other witnesses (one submission in
flight per witness, each in its own thread, each HTTP call with a timeout); a witness that
keeps failing is tried less and less often (up to every :data:`MAX_BACKOFF` seconds).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http.client import HTTPException
from pathlib import Path

from pallmall.core.clock import utcnow
from pallmall.core.errors import PallmallError, VerificationError
from pallmall.log._internal.files import exclusive_lock, save_json, write_durably
from pallmall.log.checkpoint import Checkpoint, SignedCheckpoint, parse_checkpoint
from pallmall.log.errors import NoteError
from pallmall.log.keys import verifier_from_vkey
from pallmall.log.note import add_signatures, parse_note
from pallmall.log.witness import CONTENT_TYPE_SIZE, AddCheckpoint

log = logging.getLogger(__name__)
KEEP_CHECKPOINTS = 1024
"""Cosigned checkpoints kept in the store at most (the oldest files are removed)."""
MAX_BACKOFF = 300.0
"""Seconds between tries of a witness that keeps failing, at most."""
MAX_RESPONSE = 64 * 1024
"""Bytes read of a witness's response at most (a cosignature line is ~150)."""


@dataclass(frozen=True)
class WitnessTarget:
    """A witness the node submits its checkpoints to: a ``name`` (the peer's; the ledger's
    key), the full ``url`` of its ``add-checkpoint`` endpoint and its cosigning ``vkey``."""

    name: str
    url: str
    vkey: str


WitnessTargets = Callable[[], Sequence[WitnessTarget]]
"""The witnesses to submit to, read at every round (peers added or removed take effect)."""


@dataclass(frozen=True)
class Submission:
    """The outcome of submitting one checkpoint to one witness: ``size`` submitted,
    ``ok`` with the cosignature line kept, else the ``error``."""

    witness: str
    size: int
    ok: bool
    error: str = ""


@dataclass(frozen=True)
class WitnessStatus:
    """What the ledger knows of one witness: the last size it cosigned, when (RFC 3339),
    the last error (empty after a success) and how many submissions failed in a row."""

    name: str
    vkey: str
    size: int
    last_success_at: str
    last_error: str
    error_count: int


class WitnessRefused(VerificationError):
    """A witness answered with an error, or with no valid cosignature by its key."""

    title = "Witness refused"


# -- the per-checkpoint store ----------------------------------------------------------------


class CosignatureStore:
    """Cosignature lines per checkpoint, in ``folder`` (one JSON file per checkpoint, named
    by its size and body digest: ``{"checkpoint": body, "cosignatures": {vkey: line}}``).

    Only lines verified with their witness's vkey are added (:meth:`add` trusts its caller
    on that). At most ``keep`` checkpoints are kept, the oldest removed first.
    """

    def __init__(self, folder: Path, keep: int = KEEP_CHECKPOINTS) -> None:
        self.folder = Path(folder)
        self.keep = keep
        self._mutex = threading.Lock()

    def _path(self, checkpoint: Checkpoint) -> Path:
        digest = hashlib.sha256(checkpoint.body().encode()).hexdigest()[:32]
        return self.folder / f"{checkpoint.size:020d}-{digest}.json"

    def lines(self, checkpoint: Checkpoint) -> dict[str, str]:
        """The kept lines for exactly ``checkpoint``: witness vkey -> signature line."""
        path = self._path(checkpoint)
        try:
            data = json.loads(path.read_text())
        except (FileNotFoundError, ValueError):
            return {}
        if data.get("checkpoint") != checkpoint.body():
            return {}  # a digest prefix collision: not this checkpoint's
        found: dict[str, str] = data.get("cosignatures", {})
        return found

    def add(self, checkpoint: Checkpoint, vkey: str, line: str) -> None:
        """Keep ``line`` (a verified cosignature by ``vkey``) for ``checkpoint``, replacing
        an older one by the same key; prune past ``keep`` checkpoints."""
        with exclusive_lock(self.folder / ".lock", self._mutex):
            lines = self.lines(checkpoint) | {vkey: line}
            value = {"checkpoint": checkpoint.body(), "cosignatures": lines}
            write_durably(self._path(checkpoint), json.dumps(value, sort_keys=True).encode())
            self._prune()

    def _prune(self) -> None:
        files = sorted(self.folder.glob("*.json"))
        for old in files[: max(0, len(files) - self.keep)]:
            old.unlink(missing_ok=True)

    def cosigned(self, note: bytes) -> bytes:
        """``note`` (a signed checkpoint) with the cosignature lines kept for exactly its
        checkpoint appended (C2SP tlog-cosignature lines in the signed note); the note
        unchanged when none are kept (lines it already carries are not repeated)."""
        parsed = parse_note(note)
        lines = self.lines(parse_checkpoint(parsed.text))
        present = {s.line() for s in parsed.signatures}
        extra = "".join(lines[k] for k in sorted(lines) if lines[k] not in present)
        return add_signatures(note, extra) if extra else note


# -- the ledger of witnesses -----------------------------------------------------------------


class WitnessLedger:
    """Per witness (by name): the size it last cosigned and how the last submissions went,
    in ``path`` (``data/log/witnesses.json``)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._mutex = threading.Lock()

    def _load(self) -> dict[str, dict[str, object]]:
        try:
            data: dict[str, dict[str, object]] = json.loads(self.path.read_text())
        except (FileNotFoundError, ValueError):
            return {}
        return data

    def size(self, name: str) -> int:
        """The size ``name`` last cosigned (0 before any)."""
        return int(str(self._load().get(name, {}).get("size", 0)))

    def succeeded(self, target: WitnessTarget, size: int) -> None:
        """Record that ``target`` cosigned ``size``."""
        at = utcnow().isoformat().replace("+00:00", "Z")
        self._update(target, {"size": size, "last_success_at": at, "last_error": ""}, reset=True)

    def failed(self, target: WitnessTarget, error: str) -> None:
        """Record a failed submission to ``target``."""
        self._update(target, {"last_error": error}, reset=False)

    def _update(self, target: WitnessTarget, values: dict[str, object], reset: bool) -> None:
        with exclusive_lock(self.path.with_name(self.path.name + ".lock"), self._mutex):
            data = self._load()
            row = data.setdefault(target.name, {})
            count = 0 if reset else int(str(row.get("error_count", 0))) + 1
            row.update(values, vkey=target.vkey, error_count=count)
            save_json(self.path, data)

    def statuses(self) -> list[WitnessStatus]:
        """Every witness submitted to so far, by name."""
        return [
            WitnessStatus(
                name=name,
                vkey=str(row.get("vkey", "")),
                size=int(str(row.get("size", 0))),
                last_success_at=str(row.get("last_success_at", "")),
                last_error=str(row.get("last_error", "")),
                error_count=int(str(row.get("error_count", 0))),
            )
            for name, row in sorted(self._load().items())
        ]


# -- talking to a witness --------------------------------------------------------------------


@dataclass(frozen=True)
class WitnessResponse:
    """An HTTP answer of a witness: status, content type and (at most 64 KiB of) body."""

    status: int
    content_type: str
    body: bytes


def post_add_checkpoint(url: str, body: bytes, timeout: float) -> WitnessResponse:
    """POST ``body`` to ``url``; any HTTP status is a response, a network failure or a
    timeout raises ``OSError`` (``TimeoutError``, ``URLError``)."""
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "text/plain; charset=utf-8", "User-Agent": "pallmall"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            data: bytes = answer.read(MAX_RESPONSE)
            return WitnessResponse(answer.status, answer.headers.get("Content-Type", ""), data)
    except urllib.error.HTTPError as exc:
        with exc:
            kind = exc.headers.get("Content-Type", "") if exc.headers else ""
            return WitnessResponse(exc.code, kind, exc.read(MAX_RESPONSE))


Poster = Callable[[str, bytes, float], WitnessResponse]


def verified_cosignature(response: bytes, checkpoint: Checkpoint, vkey: str) -> str:
    """The signature line of ``response`` by the witness ``vkey`` that verifies over
    ``checkpoint`` (c2sp.org/tlog-cosignature); lines by other keys are ignored.

    Raises:
        WitnessRefused: no line by that key, or one that does not verify, or a body that
            is not signature lines.
    """
    verifier = verifier_from_vkey(vkey)
    try:
        text = response.decode("utf-8")
        signatures = parse_note("x\n\n" + text).signatures
    except (UnicodeDecodeError, NoteError) as exc:
        raise WitnessRefused(f"the answer is not signature lines: {exc}") from exc
    mine = [s for s in signatures if (s.name, s.key_id) == (verifier.name, verifier.key_id)]
    if not mine:
        raise WitnessRefused(f"no cosignature by {verifier.name} in the answer")
    try:
        verifier.verify(checkpoint.body().encode(), mine[0].signature)
    except NoteError as exc:
        raise WitnessRefused(str(exc)) from exc
    return mine[0].line()


# -- the collector ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CollectorConfig:
    """``interval``: seconds between rounds; ``timeout``: seconds per HTTP call."""

    interval: float = 2.0
    timeout: float = 10.0


class Collector:
    """Submits the log's checkpoints to its witnesses and keeps their cosignatures.

    ``checkpoint`` returns the log's latest signed checkpoint, ``proof(old, new)`` the
    consistency proof hashes between two of its sizes. :meth:`start` runs rounds in a daemon
    thread; :meth:`collect` runs one round and waits for it (tests). Among several
    processes on one data folder, one collects at a time (an ``flock`` it holds while
    running; the others retry each round).
    """

    def __init__(
        self,
        checkpoint: Callable[[], SignedCheckpoint],
        proof: Callable[[int, int], Sequence[bytes]],
        targets: WitnessTargets,
        folder: Path,
        config: CollectorConfig = CollectorConfig(),
        post: Poster = post_add_checkpoint,
    ) -> None:
        self._checkpoint, self._proof, self.targets = checkpoint, proof, targets
        self.store = CosignatureStore(Path(folder) / "cosignatures")
        self.ledger = WitnessLedger(Path(folder) / "witnesses.json")
        self.lock_path = Path(folder) / "witnesses.collector.lock"
        self.config, self._post = config, post
        self._busy: dict[str, threading.Thread] = {}
        self._failures: dict[str, int] = {}
        self._retry_at: dict[str, float] = {}
        self._busy_mutex = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._leader: int | None = None

    def submit(self, target: WitnessTarget, signed: SignedCheckpoint) -> Submission:
        """Submit ``signed`` to ``target`` (retrying once after a 409), verify and keep the
        cosignature, record the outcome in the ledger. Never raises for the witness's
        faults: they come back as ``Submission(ok=False)``."""
        checkpoint = signed.checkpoint
        try:
            line = self._cosignature(target, signed)
        except (OSError, HTTPException, PallmallError, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"
            self.ledger.failed(target, error)
            return Submission(target.name, checkpoint.size, ok=False, error=error)
        self.store.add(checkpoint, target.vkey, line)
        self.ledger.succeeded(target, checkpoint.size)
        return Submission(target.name, checkpoint.size, ok=True)

    def _cosignature(self, target: WitnessTarget, signed: SignedCheckpoint) -> str:
        size = signed.checkpoint.size
        old = self.ledger.size(target.name)
        old = old if old <= size else 0  # the ledger is ahead: let the witness say its size
        for attempt in (1, 2):
            proof = tuple(self._proof(old, size)) if 0 < old < size else ()
            body = AddCheckpoint(old, proof, signed.note).encode()
            answer = self._post(target.url, body, self.config.timeout)
            if answer.status == 200:
                return verified_cosignature(answer.body, signed.checkpoint, target.vkey)
            if answer.status == 409 and attempt == 1:
                old = _witness_size(answer)
                if old > size:
                    raise WitnessRefused(
                        f"the witness has cosigned size {old} of this log, above {size}"
                    )
                continue
            text = answer.body[:200].decode("utf-8", "replace").strip()
            raise WitnessRefused(f"HTTP {answer.status}: {text}")
        raise WitnessRefused("409 twice")  # pragma: no cover - the loop returns or raises

    def pending(self, signed: SignedCheckpoint) -> list[WitnessTarget]:
        """The witnesses that have not cosigned exactly ``signed`` yet."""
        kept = self.store.lines(signed.checkpoint)
        return [t for t in self.targets() if t.vkey not in kept]

    def collect(self) -> list[Submission]:
        """One round, waited for: submit the latest checkpoint to every pending witness
        concurrently; return the outcomes (the witnesses that were already done are not
        listed)."""
        signed = self._checkpoint()
        results: list[Submission] = []
        threads = [
            threading.Thread(target=lambda t=t: results.append(self.submit(t, signed)))
            for t in self.pending(signed)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return sorted(results, key=lambda s: s.witness)

    def round(self) -> None:
        """Start a submission for each pending witness that has none in flight; return at
        once (what :meth:`start` runs every ``interval``)."""
        signed = self._checkpoint()
        if signed.checkpoint.size == 0:
            return  # nothing worth witnessing yet
        now = time.monotonic()
        for target in self.pending(signed):
            with self._busy_mutex:
                running = self._busy.get(target.name)
                if running is not None and running.is_alive():
                    continue  # a slow witness: its submission finishes (or times out) first
                if self._retry_at.get(target.name, 0.0) > now:
                    continue  # a failing witness: backing off
                thread = threading.Thread(
                    target=self._submit_later, args=(target, signed), name=f"cosign-{target.name}"
                )
                thread.daemon = True
                self._busy[target.name] = thread
            thread.start()

    def _submit_later(self, target: WitnessTarget, signed: SignedCheckpoint) -> None:
        """:meth:`submit`, then back off a witness that failed: the next try after
        ``interval`` x 2^failures in a row, at most :data:`MAX_BACKOFF` seconds."""
        try:
            ok = self.submit(target, signed).ok
        except Exception:  # our own disk failing (keeping the line): logged, tried again later
            log.exception("keeping the cosignature of %s failed", target.name)
            ok = False
        failures = self._failures.get(target.name, 0) + 1 if not ok else 0
        wait = min(MAX_BACKOFF, self.config.interval * 2 ** min(failures, 16)) if failures else 0
        with self._busy_mutex:
            self._failures[target.name] = failures
            self._retry_at[target.name] = time.monotonic() + wait

    def start(self) -> None:
        """Run :meth:`round` every ``interval`` seconds in a daemon thread."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="cosign-collector", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the rounds (submissions in flight end by their timeout, unwaited)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.config.interval + 5)
            self._thread = None
        if self._leader is not None:
            os.close(self._leader)
            self._leader = None

    def _run(self) -> None:
        while not self._stop.wait(self.config.interval):
            try:
                if self.targets() and self._lead():
                    self.round()
            except Exception:  # a round must never end the thread: logged, retried next round
                log.exception("collecting cosignatures failed; retrying next round")

    def _lead(self) -> bool:
        """Whether this process is the one collecting (held ``flock``, kept while running)."""
        if self._leader is not None:
            return True
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._leader = fd
        return True


def _witness_size(answer: WitnessResponse) -> int:
    """The size in a 409 answer (``text/x.tlog.size``, ``"<decimal>\\n"``)."""
    kind = answer.content_type.split(";")[0].strip()
    text = answer.body.decode("ascii", "replace")
    if kind != CONTENT_TYPE_SIZE or not text.endswith("\n") or not text[:-1].isdigit():
        raise WitnessRefused(f"409 without a {CONTENT_TYPE_SIZE} size: {text[:80]!r}")
    return int(text[:-1])
