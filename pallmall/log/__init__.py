"""pallmall.log — the transparency log (RFC 9162, C2SP signed-note, tlog-checkpoint,
tlog-tiles, tlog-cosignature, tlog-witness).

Public API, by task:

- run a log: :class:`TransparencyLog` (``append``, ``integrate``, ``start``/``stop``,
  ``checkpoint``, ``inclusion_proof``, ``consistency_proof``, ``entry``, ``receipt``);
  :func:`ensure_signing_key`, :func:`load_signing_key`.
- entries: :func:`make_entry`, :func:`parse_entry`, :func:`disclose`,
  :func:`check_disclosure`, :class:`Disclosure`.
- verify: :func:`verify_receipt`, :func:`verify_log`, :class:`Watcher`,
  :func:`verify_inclusion`, :func:`verify_consistency`, :func:`verify_checkpoint`,
  :func:`verify_note`.
- witness: :class:`Witness`, :func:`parse_add_checkpoint`, :class:`AddCheckpoint`;
  :func:`ensure_witness_key`; evidence of refused split views :class:`WitnessEvidence`,
  :func:`list_evidence`.
- be witnessed: :class:`Collector` (submit checkpoints, keep verified cosignatures in a
  :class:`CosignatureStore`), :class:`WitnessTarget`; verify k of n: :func:`check_quorum`.
- serve tiles: :func:`parse_tile_path` (validate a request path), then read the file.
"""

from pallmall.log.audit import AuditReport, Watcher, fetch_checkpoint, verify_log
from pallmall.log.checkpoint import (
    Checkpoint,
    SignedCheckpoint,
    parse_checkpoint,
    sign_checkpoint,
    verify_checkpoint,
)
from pallmall.log.cosignature import CosignatureSigner, CosignatureVerifier
from pallmall.log.cosigning import (
    Collector,
    CollectorConfig,
    CosignatureStore,
    Submission,
    WitnessLedger,
    WitnessRefused,
    WitnessStatus,
    WitnessTarget,
    WitnessTargets,
)
from pallmall.log.entry import (
    Disclosure,
    Entry,
    check_disclosure,
    disclose,
    make_entry,
    parse_entry,
)
from pallmall.log.errors import (
    CheckpointError,
    CommitmentError,
    NoteError,
    ProofError,
    ReceiptError,
    SplitView,
    TileError,
    WitnessConflict,
)
from pallmall.log.evidence import EvidenceKind, WitnessEvidence, keep_evidence, list_evidence
from pallmall.log.fetch import DirectoryFetcher, HttpFetcher, LogFetcher, fetcher_for
from pallmall.log.hashing import EMPTY_ROOT, leaf_hash, node_hash
from pallmall.log.keys import (
    ensure_signing_key,
    ensure_witness_key,
    load_signing_key,
    verifier_from_vkey,
    witness_name,
)
from pallmall.log.layout import TileId, entries_path, parse_tile_path, tile_path
from pallmall.log.note import (
    Ed25519Signer,
    Ed25519Verifier,
    generate_signer,
    signer_from_skey,
    verify_note,
)
from pallmall.log.proof import (
    ConsistencyProof,
    InclusionProof,
    verify_consistency,
    verify_inclusion,
)
from pallmall.log.quorum import QuorumError, QuorumReport, check_quorum
from pallmall.log.receipt import Receipt, verify_receipt
from pallmall.log.sequencer import FileSequencer, Sequencer
from pallmall.log.tlog import TransparencyLog
from pallmall.log.witness import (
    AddCheckpoint,
    Witness,
    WitnessBadRequest,
    WitnessedLogs,
    parse_add_checkpoint,
)

__all__ = [
    "EMPTY_ROOT",
    "AddCheckpoint",
    "AuditReport",
    "Checkpoint",
    "CheckpointError",
    "Collector",
    "CollectorConfig",
    "CommitmentError",
    "ConsistencyProof",
    "CosignatureSigner",
    "CosignatureStore",
    "CosignatureVerifier",
    "DirectoryFetcher",
    "Disclosure",
    "Ed25519Signer",
    "Ed25519Verifier",
    "Entry",
    "EvidenceKind",
    "FileSequencer",
    "HttpFetcher",
    "InclusionProof",
    "LogFetcher",
    "NoteError",
    "ProofError",
    "QuorumError",
    "QuorumReport",
    "Receipt",
    "ReceiptError",
    "Sequencer",
    "SignedCheckpoint",
    "SplitView",
    "Submission",
    "TileError",
    "TileId",
    "TransparencyLog",
    "Watcher",
    "Witness",
    "WitnessBadRequest",
    "WitnessConflict",
    "WitnessEvidence",
    "WitnessLedger",
    "WitnessRefused",
    "WitnessStatus",
    "WitnessTarget",
    "WitnessTargets",
    "WitnessedLogs",
    "check_disclosure",
    "check_quorum",
    "disclose",
    "ensure_signing_key",
    "ensure_witness_key",
    "entries_path",
    "fetch_checkpoint",
    "fetcher_for",
    "generate_signer",
    "keep_evidence",
    "leaf_hash",
    "list_evidence",
    "load_signing_key",
    "make_entry",
    "node_hash",
    "parse_add_checkpoint",
    "parse_checkpoint",
    "parse_entry",
    "parse_tile_path",
    "sign_checkpoint",
    "signer_from_skey",
    "tile_path",
    "verifier_from_vkey",
    "verify_checkpoint",
    "verify_consistency",
    "verify_inclusion",
    "verify_log",
    "verify_note",
    "verify_receipt",
    "witness_name",
]
