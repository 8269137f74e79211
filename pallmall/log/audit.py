"""Auditing a whole log, and watching it grow: what ``pallmall log verify`` and ``watch`` do.

An auditor trusts only the verifier key: it checks the checkpoint signature, recomputes
every tile from the entry bundles (leaf hashes, then each tile level from the one below),
compares each with the tiles served, and recomputes the root (c2sp.org/tlog-tiles,
RFC 9162 §2.1.1). A watcher also keeps the last checkpoint it verified and checks that
each new one is consistent with it (RFC 9162 §2.1.4).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pallmall.core.errors import InvalidInput, VerificationError
from pallmall.log._internal.files import save_json
from pallmall.log.bundle import decode_bundle
from pallmall.log.checkpoint import Checkpoint, SignedCheckpoint, verify_checkpoint
from pallmall.log.entry import parse_entry
from pallmall.log.errors import CheckpointError, SplitView, TileError
from pallmall.log.fetch import CHECKPOINT, LogFetcher, as_fetcher
from pallmall.log.hashing import leaf_hash
from pallmall.log.integrator import TreeState, extend, extend_leaves
from pallmall.log.keys import verifier_from_vkey
from pallmall.log.layout import TILE_WIDTH, TileId, bundles_for_size
from pallmall.log.note import parse_vkey
from pallmall.log.proof import consistency_proof, verify_consistency
from pallmall.log.tiles import TileHashSource, read_tile
from pallmall.log.withholding import NOTICE_KIND, PLACEHOLDER


@dataclass(frozen=True)
class AuditReport:
    """What :func:`verify_log` checked: the checkpoint, tiles and bundles compared, and the
    indexes of bundles the operator withheld (with the log's notices naming them)."""

    checkpoint: Checkpoint
    tiles_checked: int
    bundles_checked: int
    withheld: tuple[int, ...] = ()


def fetch_checkpoint(fetcher: LogFetcher, vkey: str) -> SignedCheckpoint:
    """Fetch ``checkpoint`` and verify it: signature by ``vkey``, origin = key name.

    Raises ``NoteError`` / ``CheckpointError`` (``VerificationError``) or ``NotFound``.
    """
    name, _, _ = parse_vkey(vkey)
    return verify_checkpoint(fetcher.fetch(CHECKPOINT), [verifier_from_vkey(vkey)], origin=name)


def verify_log(
    source: str | Path | LogFetcher, vkey: str, signed: SignedCheckpoint | None = None
) -> AuditReport:
    """Audit the whole log at ``source`` (folder, http(s) URL or fetcher) against ``vkey``,
    at its current checkpoint or at ``signed`` (a checkpoint fetched before, e.g. the one
    whose witness quorum was checked; its signature is checked again here).

    Recomputes every full tile and the final partial tiles from the entry bundles and
    compares them byte for byte with the served ones, then compares the root with the
    signed checkpoint. An entry the operator withheld (served as the placeholder of
    :mod:`.withholding`) counts by the leaf hash its level-0 tile holds, and only when a notice
    in the log names it; the report lists them. Memory stays O(tree height). Raises a
    ``VerificationError``
    subclass (``NoteError``, ``TileError``, ``CheckpointError``) on the first mismatch.
    """
    fetcher = as_fetcher(source)
    if signed is None:
        signed = fetch_checkpoint(fetcher, vkey)
    else:
        name, _, _ = parse_vkey(vkey)
        signed = verify_checkpoint(signed.note, [verifier_from_vkey(vkey)], origin=name)
    size = signed.checkpoint.size
    state, tiles = TreeState(), 0
    bundles = bundles_for_size(size)
    placeholders: list[int] = []
    noticed: set[int] = set()
    for bundle in bundles:
        entries = decode_bundle(read_tile(fetcher, bundle), bundle.width)
        noticed |= _notices(entries)
        start = bundle.index * TILE_WIDTH
        held = [start + n for n, e in enumerate(entries) if e == PLACEHOLDER]
        if held:
            placeholders += held
            produced = extend_leaves(state, _leaves(fetcher, bundle, entries))
        else:
            produced = extend(state, entries)
        last = bundle is bundles[-1]
        for tile, data in produced:
            if tile.level >= 0 and (tile.is_full or last):
                _compare(fetcher, tile, data)
                tiles += 1
    if state.root() != signed.checkpoint.root:
        raise CheckpointError("the root recomputed from the entries differs from the checkpoint")
    unexplained = sorted(set(placeholders) - noticed)
    if unexplained:
        raise TileError(f"entries {unexplained} are withheld and no notice in the log says why")
    return AuditReport(signed.checkpoint, tiles, len(bundles), tuple(placeholders))


def _leaves(fetcher: LogFetcher, bundle: TileId, entries: list[bytes]) -> list[bytes]:
    """Leaf hashes of a bundle's entries; a withheld entry's from the level-0 tile (what the
    log committed to), every other one computed from the entry itself."""
    served = read_tile(fetcher, TileId(0, bundle.index, bundle.width))
    return [
        served[n * 32 : (n + 1) * 32] if e == PLACEHOLDER else leaf_hash(e)
        for n, e in enumerate(entries)
    ]


def _notices(entries: list[bytes]) -> set[int]:
    """Indexes named by withholding notices among ``entries`` (:mod:`.withholding`)."""
    found = set()
    for data in entries:
        if NOTICE_KIND.encode() not in data:
            continue
        try:
            entry = parse_entry(data)
        except InvalidInput:
            continue
        index = entry.public.get("index")
        if entry.kind == NOTICE_KIND and isinstance(index, int):
            found.add(index)
    return found


def _compare(fetcher: LogFetcher, tile: TileId, data: bytes) -> None:
    if read_tile(fetcher, tile) != data:
        raise TileError(f"{tile.path()} does not match the hashes of the entries")


class Watcher:
    """Keeps the last verified checkpoint of one log in ``state_file`` (JSON).

    :meth:`check` fetches the current checkpoint, verifies its signature and its
    consistency with the kept one (proof computed from the log's own tiles), and only
    then replaces the kept one (atomically).
    """

    def __init__(self, source: str | Path | LogFetcher, vkey: str, state_file: Path) -> None:
        self.fetcher = as_fetcher(source)
        self.vkey = vkey
        self.state_file = Path(state_file)

    def last(self) -> Checkpoint | None:
        """The last verified checkpoint, or None before the first check."""
        if not self.state_file.exists():
            return None
        note = json.loads(self.state_file.read_text())["checkpoint"]
        return verify_checkpoint(note, [verifier_from_vkey(self.vkey)]).checkpoint

    def check(self) -> Checkpoint:
        """Verify the current checkpoint against the last one; keep it; return it.

        Raises :class:`SplitView` when it is smaller than the last one, or has the same
        size and another root, or its consistency proof fails; ``NoteError`` on a bad
        signature.
        """
        fetcher = self.fetcher
        signed = fetch_checkpoint(fetcher, self.vkey)
        new, old = signed.checkpoint, self.last()
        if old is not None:
            _check_consistent(fetcher, old, new)
        save_json(self.state_file, {"checkpoint": signed.note.decode()})
        return new


def _check_consistent(fetcher: LogFetcher, old: Checkpoint, new: Checkpoint) -> None:
    if new.size < old.size:
        raise SplitView(f"the log shrank from {old.size} to {new.size}")
    if old.size == 0:
        return
    try:
        proof = consistency_proof(TileHashSource(fetcher, new.size), old.size, new.size)
        verify_consistency(old.size, new.size, old.root, new.root, proof.proof)
    except (VerificationError, TileError) as exc:
        raise SplitView(f"checkpoint {new.size} is not consistent with {old.size}: {exc}") from exc
