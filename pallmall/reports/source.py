"""Reading a transparency log for a report: every entry of a signed checkpoint, authenticated.

A report trusts nothing but the log's verifier key. :func:`read_log` fetches the signed
checkpoint (signature checked with the vkey), reads every entry bundle of that size,
recomputes the Merkle root from the entries it read (RFC 9162 §2.1.1) and compares it with
the signed root, so every entry handed to the figures is the log's own. A report built at
an older size is checked on the same read: the root of the first ``size`` entries of the
authenticated log must equal the report's root.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pallmall.core.errors import InvalidInput
from pallmall.log import Checkpoint, Entry, LogFetcher, fetch_checkpoint, leaf_hash, parse_entry
from pallmall.log.bundle import decode_bundle
from pallmall.log.errors import CheckpointError
from pallmall.log.fetch import as_fetcher
from pallmall.log.hashing import root_from_leaf_hashes
from pallmall.log.layout import bundles_for_size
from pallmall.log.tiles import read_tile


@dataclass(frozen=True)
class LogRecord:
    """One log entry: its index, leaf hash, and the parsed entry (None if not pallmall's)."""

    index: int
    leaf_hash: bytes
    entry: Entry | None


@dataclass(frozen=True)
class LogSnapshot:
    """The first ``checkpoint.size`` entries of a log, authenticated against a signed root.

    ``note`` is the signed checkpoint note the snapshot was read under, of ``head_size``
    entries (larger than ``checkpoint.size`` when an older prefix was asked for).
    """

    checkpoint: Checkpoint
    note: str
    records: tuple[LogRecord, ...]
    head_size: int
    later: tuple[LogRecord, ...] = ()
    """The entries past ``checkpoint.size`` up to ``head_size`` (authenticated too): where
    a report built at ``size`` finds its own ``report.published`` entry."""


def read_log(source: str | Path | LogFetcher, vkey: str, size: int | None = None) -> LogSnapshot:
    """Read the log at ``source`` (folder, URL or fetcher), verified with ``vkey``.

    With ``size`` given, the snapshot holds the first ``size`` entries and its checkpoint
    carries the root of that prefix (computed from the authenticated entries).

    Raises:
        NoteError, CheckpointError: a bad signature, or entries that do not give the
            signed root (one changed, added or removed entry is enough).
        InvalidInput: ``size`` is larger than the signed log.
    """
    fetcher = as_fetcher(source)
    signed = fetch_checkpoint(fetcher, vkey)
    head = signed.checkpoint
    want = head.size if size is None else size
    if not 0 <= want <= head.size:
        raise InvalidInput("size", f"the signed log holds {head.size} entries, not {want}")
    raw = _entries(fetcher, head.size)
    hashes = [leaf_hash(e) for e in raw]
    if root_from_leaf_hashes(hashes) != head.root:
        raise CheckpointError(
            f"the entries of {head.origin} do not give the signed root of size {head.size}: "
            "an entry was changed, added or removed"
        )
    root = head.root if want == head.size else root_from_leaf_hashes(hashes[:want])
    records = tuple(LogRecord(i, hashes[i], _parse(raw[i])) for i in range(want))
    later = tuple(LogRecord(i, hashes[i], _parse(raw[i])) for i in range(want, head.size))
    checkpoint = Checkpoint(head.origin, want, root)
    return LogSnapshot(checkpoint, signed.note.decode(), records, head.size, later)


def _entries(fetcher: LogFetcher, size: int) -> list[bytes]:
    out: list[bytes] = []
    for bundle in bundles_for_size(size):
        out.extend(decode_bundle(read_tile(fetcher, bundle), bundle.width))
    return out


def _parse(data: bytes) -> Entry | None:
    try:
        return parse_entry(data)
    except InvalidInput:
        return None  # an entry another tool wrote: counted as foreign, never guessed at
