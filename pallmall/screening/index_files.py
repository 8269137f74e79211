"""The screener's index on disk: built once per set of list versions, mapped back into
memory by every process that screens (the server's workers, the CLI) without rebuilding.

A stored index is a folder named after a digest of the list versions and the index
format (``<root>/<digest>/``): the arrays of :class:`~pallmall.screening.index.IndexArrays`
as ``.npy`` files, and the names and entries as JSON records in one blob each, with
offsets. Arrays and blobs are opened with ``numpy.load(mmap_mode="r")``: the kernel's page
cache holds one copy, shared by every process that maps them; a process decodes only the
records a screen touches (and keeps a few thousand decoded ones).

Writing goes to a temporary folder renamed into place (a reader never sees half an
index); a lock file makes concurrent processes build once (the others wait, then map).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import fields
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar, overload

import numpy as np
from numpy.typing import NDArray

from pallmall.screening.codec import entry_from_dict, entry_to_dict
from pallmall.screening.explanation import ALGORITHM
from pallmall.screening.index import CandidateIndex, IndexArrays, IndexedName
from pallmall.screening.model import EntryName, NameType, SnapshotInfo
from pallmall.screening.normalisation import NormalisedName, Token

FORMAT = 1
"""The layout of a stored index; a change of it or of :data:`ALGORITHM` (the matcher,
hence the normalised names) makes every stored index stale."""

T = TypeVar("T")


def index_digest(snapshots: Sequence[SnapshotInfo]) -> str:
    """The folder name of the index over ``snapshots`` (their list ids and versions, the
    index format and the algorithm): 24 hex digits."""
    versions = sorted((s.list_id, s.version) for s in snapshots)
    text = json.dumps([FORMAT, ALGORITHM, versions])
    return hashlib.sha256(text.encode()).hexdigest()[:24]


class Records(Sequence[T]):
    """A read-only sequence of JSON records stored in one blob with offsets (both memory
    mapped); ``decode`` turns one record into its object. Recently decoded records are
    kept (``cache`` of them), so the hot ones cost nothing the second time."""

    def __init__(
        self,
        blob: NDArray[np.uint8],
        offsets: NDArray[np.int64],
        decode: Callable[[Any], T],
        cache: int = 8192,
    ) -> None:
        self._blob, self._offsets, self._decode = blob, offsets, decode
        self._get = lru_cache(maxsize=cache)(self._read)

    def __len__(self) -> int:
        return len(self._offsets) - 1

    @overload
    def __getitem__(self, position: int) -> T: ...

    @overload
    def __getitem__(self, position: slice) -> list[T]: ...

    def __getitem__(self, position: int | slice) -> T | list[T]:
        if isinstance(position, slice):
            return [self[i] for i in range(*position.indices(len(self)))]
        if not 0 <= position < len(self):
            raise IndexError(position)
        return self._get(position)

    def __iter__(self) -> Iterator[T]:
        return (self[i] for i in range(len(self)))

    def _read(self, position: int) -> T:
        start, end = int(self._offsets[position]), int(self._offsets[position + 1])
        return self._decode(json.loads(self._blob[start:end].tobytes()))


def save_index(index: CandidateIndex, snapshots: Sequence[SnapshotInfo], root: Path) -> Path:
    """Write ``index`` over ``snapshots`` under ``root`` (created, owner-only) and return
    its folder; an index already stored there is kept as it is."""
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = root / index_digest(snapshots)
    if (target / "meta.json").exists():
        return target
    scratch = root / f".{target.name}.{os.getpid()}.tmp"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(mode=0o700)
    for field in fields(IndexArrays):
        np.save(scratch / f"{field.name}.npy", getattr(index.arrays, field.name))
    _write_records(scratch, "names", (_name_record(n) for n in index.names))
    _write_records(scratch, "entries", (entry_to_dict(e) for e in index.entries))
    meta = {
        "format": FORMAT,
        "algorithm": ALGORITHM,
        "snapshots": [_snapshot_record(s) for s in snapshots],
        "names": len(index.names),
        "entries": len(index.entries),
    }
    # meta.json last: its presence says the folder is complete
    (scratch / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    try:
        scratch.rename(target)
    except OSError:  # another process renamed its copy first: theirs is as good
        shutil.rmtree(scratch, ignore_errors=True)
    return target


def open_index(folder: Path) -> tuple[CandidateIndex, tuple[SnapshotInfo, ...]]:
    """Map the index stored in ``folder`` back into memory (nothing is rebuilt).

    Raises:
        FileNotFoundError: no complete index there.
        ValueError: the folder holds another format or algorithm's index.
    """
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    if meta.get("format") != FORMAT or meta.get("algorithm") != ALGORITHM:
        raise ValueError(f"{folder}: index format {meta.get('format')}, not {FORMAT}")
    arrays = IndexArrays(
        **{f.name: np.load(folder / f"{f.name}.npy", mmap_mode="r") for f in fields(IndexArrays)}
    )
    names = _open_records(folder, "names", _name_from_record)
    entries = _open_records(folder, "entries", entry_from_dict, cache=4096)
    snapshots = tuple(_snapshot_from_record(s) for s in meta["snapshots"])
    return CandidateIndex(entries, names, arrays), snapshots


@contextlib.contextmanager
def build_lock(root: Path) -> Iterator[None]:
    """Hold ``root/.build.lock`` (an exclusive ``flock``) for the block: processes that
    find no index build one at a time, and the later ones find the first one's."""
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    with (root / ".build.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def remove_other_indexes(root: Path, keep: Path) -> None:
    """Delete the stored indexes under ``root`` other than ``keep`` (stale list versions).
    A process still mapping one keeps its pages until it lets go (POSIX unlink)."""
    for folder in root.iterdir():
        if folder.is_dir() and folder != keep and not folder.name.startswith("."):
            shutil.rmtree(folder, ignore_errors=True)


def _write_records(folder: Path, stem: str, records: Iterator[Any]) -> None:
    offsets = [0]
    with (folder / f"{stem}.blob").open("wb") as out:
        for record in records:
            data = json.dumps(record, separators=(",", ":")).encode()
            out.write(data)
            offsets.append(offsets[-1] + len(data))
    np.save(folder / f"{stem}.offsets.npy", np.asarray(offsets, dtype=np.int64))


def _open_records(
    folder: Path, stem: str, decode: Callable[[Any], T], cache: int = 16384
) -> Records[T]:
    blob_path = folder / f"{stem}.blob"
    # an empty file cannot be mapped; an empty list of records needs no bytes
    blob: NDArray[np.uint8] = (
        np.memmap(blob_path, dtype=np.uint8, mode="r")
        if blob_path.stat().st_size
        else np.zeros(0, dtype=np.uint8)
    )
    offsets = np.load(folder / f"{stem}.offsets.npy", mmap_mode="r")
    return Records(blob, offsets, decode, cache)


def _name_record(indexed: IndexedName) -> list[Any]:
    n = indexed.normalised
    tokens = [
        [t.text, t.skeleton, t.kind, t.weight, sorted(t.symbols), t.patronymic, t.abjad,
         t.initials]
        for t in n.tokens
    ]  # fmt: skip
    return [
        indexed.entry, indexed.name.value, indexed.name.kind.value, n.original, tokens,
        sorted(n.legal_forms), n.key, sorted(n.form_words),
    ]  # fmt: skip


def _name_from_record(record: list[Any]) -> IndexedName:
    entry, value, kind, original, tokens, forms, key, form_words = record
    normalised = NormalisedName(
        original,
        tuple(
            Token(text, skel, tkind, weight, frozenset(symbols), patronymic, abjad, initials)
            for text, skel, tkind, weight, symbols, patronymic, abjad, initials in tokens
        ),
        frozenset(forms),
        key,
        frozenset(form_words),
    )
    return IndexedName(entry, EntryName(value, NameType(kind)), normalised)


def _snapshot_record(snapshot: SnapshotInfo) -> dict[str, Any]:
    published = snapshot.published.isoformat() if snapshot.published else None
    return {
        "list_id": snapshot.list_id,
        "version": snapshot.version,
        "published": published,
        "source": snapshot.source,
    }


def _snapshot_from_record(record: dict[str, Any]) -> SnapshotInfo:
    published = date.fromisoformat(record["published"]) if record["published"] else None
    return SnapshotInfo(record["list_id"], record["version"], published, record["source"])
