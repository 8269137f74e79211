"""A tlog-witness: cosign checkpoints of other logs after checking consistency.

c2sp.org/tlog-witness §add-checkpoint.

Functions only; the HTTP layer maps errors to statuses by their ``status``:
unknown origin -> ``NotFound`` (404); no trusted signature -> ``Forbidden`` (403);
malformed body or old size above the checkpoint size -> :class:`WitnessBadRequest` (400);
old size not the latest cosigned size, or same size with another root ->
:class:`~pallmall.log.errors.WitnessConflict` (409, body ``f"{size}\\n"``,
``Content-Type: text/x.tlog.size``); consistency proof fails -> ``ProofError`` (422).

A split view refused (same size, another root; or a consistency proof that fails) is kept
as :class:`~pallmall.log.evidence.WitnessEvidence` in the evidence folder when the witness
has one.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pallmall.core.clock import utcnow
from pallmall.core.errors import Forbidden, InvalidInput, NotFound
from pallmall.log._internal.files import exclusive_lock, save_json
from pallmall.log.checkpoint import Checkpoint, parse_checkpoint
from pallmall.log.cosignature import CosignatureSigner
from pallmall.log.errors import NoteError, ProofError, WitnessConflict
from pallmall.log.evidence import EvidenceKind, WitnessEvidence, keep_evidence
from pallmall.log.hashing import HASH_SIZE
from pallmall.log.keys import verifier_from_vkey
from pallmall.log.note import NoteSignature, parse_note, verify_note
from pallmall.log.proof import verify_consistency

MAX_PROOF_LINES = 63
CONTENT_TYPE_SIZE = "text/x.tlog.size"


class WitnessBadRequest(InvalidInput):
    """A malformed add-checkpoint request (HTTP 400)."""

    status = 400
    title = "Bad request"


@dataclass(frozen=True)
class AddCheckpoint:
    """An add-checkpoint request body: old size, consistency proof, signed checkpoint."""

    old_size: int
    proof: tuple[bytes, ...]
    checkpoint: bytes

    def encode(self) -> bytes:
        """The request body (c2sp.org/tlog-witness §add-checkpoint)."""
        lines = [f"old {self.old_size}\n"] + [
            base64.b64encode(h).decode() + "\n" for h in self.proof
        ]
        return ("".join(lines) + "\n").encode() + self.checkpoint


def parse_add_checkpoint(body: bytes) -> AddCheckpoint:
    """Parse an add-checkpoint body; :class:`WitnessBadRequest` when malformed."""
    head, sep, note = body.partition(b"\n\n")
    if not sep:
        raise WitnessBadRequest("body", "no empty line before the checkpoint")
    lines = head.decode("ascii", "replace").split("\n")
    old = lines[0]
    if not old.startswith("old ") or not _is_decimal(old[4:]):
        raise WitnessBadRequest("old", "expected 'old <decimal size>'")
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise WitnessBadRequest("proof", f"more than {MAX_PROOF_LINES} proof lines")
    try:
        proof = tuple(base64.b64decode(line, validate=True) for line in lines[1:])
    except binascii.Error as exc:
        raise WitnessBadRequest("proof", "a proof line is not base64") from exc
    if any(len(h) != HASH_SIZE for h in proof):
        raise WitnessBadRequest("proof", "a proof hash is not 32 bytes")
    return AddCheckpoint(int(old[4:]), proof, note)


def _is_decimal(value: str) -> bool:
    return value.isascii() and value.isdigit() and (value == "0" or value[0] != "0")


WitnessedLogs = Callable[[], Mapping[str, Sequence[str]]]
"""The logs a witness cosigns, read at each request: origin -> the vkeys trusted for it."""


class Witness:
    """Cosigns checkpoints of the logs it knows (``logs``: origin -> trusted vkeys, or a
    callable returning that mapping, called at every request so peers added or removed
    take effect at once).

    State (latest cosigned size, root and note per origin) lives in ``state_file``;
    checking the old size and saving the new state happen under one lock (thread +
    ``flock``), so two requests cannot roll the size back (tlog-witness §add-checkpoint).
    With ``evidence_dir``, every refused split view is kept there (:mod:`.evidence`).
    """

    def __init__(
        self,
        signer: CosignatureSigner,
        logs: Mapping[str, Sequence[str]] | WitnessedLogs,
        state_file: Path,
        evidence_dir: Path | None = None,
    ) -> None:
        self.signer = signer
        if callable(logs):
            self._logs: WitnessedLogs = logs
        else:
            fixed = {origin: list(vkeys) for origin, vkeys in logs.items()}
            self._logs = lambda: fixed
        self.state_file = Path(state_file)
        self.evidence_dir = None if evidence_dir is None else Path(evidence_dir)
        self._mutex = threading.Lock()

    @property
    def logs(self) -> Mapping[str, Sequence[str]]:
        """The logs witnessed now: origin -> trusted vkeys."""
        return self._logs()

    @property
    def vkey(self) -> str:
        """The witness's cosignature verifier key (type 0x04)."""
        return self.signer.vkey

    def add_checkpoint(self, body: bytes) -> bytes:
        """Handle an add-checkpoint request body; return the response body (cosignature line)."""
        request = parse_add_checkpoint(body)
        return self.cosign(request.checkpoint, request.old_size, request.proof)

    def cosign(self, checkpoint_note: bytes, old_size: int, proof: Sequence[bytes]) -> bytes:
        """Verify, check consistency with the latest cosigned checkpoint, persist, cosign.

        Returns the signature line(s) to send back. Raises as listed in the module doc;
        a split view is kept as evidence before the error is raised.
        """
        checkpoint = self._verified(checkpoint_note)
        if old_size > checkpoint.size:
            raise WitnessBadRequest("old", "old size is above the checkpoint size")
        with exclusive_lock(self.state_file.with_name(self.state_file.name + ".lock"), self._mutex):
            state = self._load()
            latest = state.get(checkpoint.origin, {"size": 0, "root": ""})
            try:
                self._check(latest, checkpoint, old_size, proof)
            except (WitnessConflict, ProofError) as exc:
                self._keep(latest, checkpoint_note, checkpoint, old_size, proof, exc)
                raise
            state[checkpoint.origin] = {
                "size": checkpoint.size,
                "root": base64.b64encode(checkpoint.root).decode(),
                "note": checkpoint_note.decode(),
            }
            save_json(self.state_file, state)
        text = checkpoint.body().encode()
        return (
            NoteSignature(self.signer.name, self.signer.key_id, self.signer.sign(text))
            .line()
            .encode()
        )

    def _verified(self, note: bytes) -> Checkpoint:
        origin = parse_checkpoint(parse_note(note).text).origin
        vkeys = self.logs.get(origin)
        if not vkeys:
            raise NotFound(f"unknown log origin {origin!r}")
        try:
            verified = verify_note(note, [verifier_from_vkey(k) for k in vkeys])
        except NoteError as exc:
            raise Forbidden(f"no trusted signature on the checkpoint: {exc}") from exc
        return parse_checkpoint(verified.text)

    @staticmethod
    def _check(
        latest: Mapping[str, object], checkpoint: Checkpoint, old_size: int, proof: Sequence[bytes]
    ) -> None:
        size = int(str(latest["size"]))
        if old_size != size:
            raise WitnessConflict(size)
        old_root = base64.b64decode(str(latest["root"])) if size else b""
        if size and size == checkpoint.size and old_root != checkpoint.root:
            raise WitnessConflict(size, "same size, another root: refusing a split view")
        if size == 0:
            if proof:
                raise WitnessBadRequest("proof", "must be empty when the old size is 0")
            return
        verify_consistency(size, checkpoint.size, old_root, checkpoint.root, proof)

    def _keep(
        self,
        latest: Mapping[str, object],
        note: bytes,
        checkpoint: Checkpoint,
        old_size: int,
        proof: Sequence[bytes],
        error: Exception,
    ) -> None:
        """Keep a refused split view. Not one: a stale old size (a plain 409), or a proof
        sent with the very checkpoint cosigned before (same size, same root)."""
        size = int(str(latest["size"]))
        if self.evidence_dir is None or old_size != size:
            return
        if isinstance(error, ProofError) and checkpoint.size == size:
            return
        kind = EvidenceKind.INCONSISTENT
        if isinstance(error, WitnessConflict):
            kind = EvidenceKind.SPLIT_VIEW
        evidence = WitnessEvidence(
            origin=checkpoint.origin,
            kind=kind,
            at=utcnow().isoformat().replace("+00:00", "Z"),
            cosigned_size=size,
            cosigned_root=str(latest["root"]),
            cosigned=str(latest.get("note", "")),
            refused=note.decode(),
            old_size=old_size,
            proof=tuple(base64.b64encode(h).decode() for h in proof),
            reason=str(error),
        )
        keep_evidence(self.evidence_dir, evidence)

    def _load(self) -> dict[str, dict[str, object]]:
        if not self.state_file.exists():
            return {}
        data: dict[str, dict[str, object]] = json.loads(self.state_file.read_text())
        return data
