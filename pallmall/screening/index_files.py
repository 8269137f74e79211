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

import hashlib
import json
import mmap
import multiprocessing
import os
import shutil
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import fields
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar, overload

import numpy as np
from numpy.typing import NDArray

from pallmall.screening.codec import entry_from_dict, entry_to_dict
from pallmall.screening.explanation import ALGORITHM
from pallmall.screening.index import (
    CandidateIndex,
    IndexArrays,
    IndexedName,
    identifier_hashes,
    index_arrays,
    indexed_names,
)
from pallmall.screening.model import EntryName, ListEntry, NameType, SnapshotInfo
from pallmall.screening.normalisation import NormalisedName, Token

FORMAT = 2
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
        blob: mmap.mmap | bytes,
        offsets: NDArray[np.int64],
        decode: Callable[[Any], T],
        cache: int = 8192,
    ) -> None:
        self.blob, self.offsets, self._decode = blob, offsets, decode
        self._get = lru_cache(maxsize=cache)(self._read)

    def __len__(self) -> int:
        return len(self.offsets) - 1

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
        return self._decode(self._record(position))

    def _record(self, position: int) -> Any:
        start, end = int(self.offsets[position]), int(self.offsets[position + 1])
        return json.loads(self.blob[start:end].decode())


def save_index(index: CandidateIndex, snapshots: Sequence[SnapshotInfo], root: Path) -> Path:
    """Write ``index`` over ``snapshots`` under ``root`` (created, owner-only) and return
    its folder; an index already stored there is kept as it is."""
    target = _target(root, snapshots)
    if (target / "meta.json").exists():
        return target
    scratch = _scratch(root, target)
    with _NameWriter(scratch) as names, _RecordWriter(scratch, "entries") as entries:
        for indexed in index.names:
            names.add(*_name_records(indexed))
        for entry in index.entries:
            entries.add(_dumps(entry_to_dict(entry)))
    return _complete(scratch, target, index.arrays, snapshots, len(index.names), len(index.entries))


def write_index(
    entries: Iterable[ListEntry],
    snapshots: Sequence[SnapshotInfo],
    root: Path,
    workers: int = 1,
) -> Path:
    """Normalise and index ``entries`` straight into a stored index over ``snapshots``
    under ``root`` and return its folder: the same files, byte for byte, as
    :func:`save_index` writes for the :class:`CandidateIndex` of the same entries, without
    holding a Python object per name (each name is written as soon as it is normalised;
    the postings are kept as flat numbers and grouped once, vectorised). An index already
    stored there is kept as it is.

    ``workers`` > 1 normalises in that many forked processes (entries in chunks, written
    in their order, so the files are the same); the calling process should have loaded
    rigour's tables first (:meth:`Screener.warm_up`), so the children share them."""
    target = _target(root, snapshots)
    if (target / "meta.json").exists():
        return target
    scratch = _scratch(root, target)
    key_hashes, positions = array("Q"), array("i")
    id_hashes, id_entries = array("Q"), array("i")
    entry_start = array("i", [0])
    count = 0
    with _NameWriter(scratch) as names, _RecordWriter(scratch, "entries") as entry_records:
        for number, (entry_record, named, ids) in enumerate(_encoded(entries, workers)):
            entry_records.add(entry_record)
            for record, tokens, hashes in named:
                key_hashes.extend(hashes)
                positions.extend([names.count] * len(hashes))
                names.add(record, tokens)
            entry_start.append(names.count)
            id_hashes.extend(ids)
            id_entries.extend([number] * len(ids))
            count = number + 1
    arrays = index_arrays(
        np.frombuffer(key_hashes, dtype=np.uint64), np.frombuffer(positions, dtype=np.int32),
        np.frombuffer(entry_start, dtype=np.int32), np.frombuffer(id_hashes, dtype=np.uint64),
        np.frombuffer(id_entries, dtype=np.int32),
    )  # fmt: skip
    return _complete(scratch, target, arrays, snapshots, names.count, count)


# One entry as written: its JSON record; each indexed name's JSON record, its tokens' JSON
# records and its key hashes; the entry's identifier hashes.
Encoded = tuple[bytes, list[tuple[bytes, list[bytes], list[int]]], list[int]]
_CHUNK = 2000


def _encode(number: int, entry: ListEntry) -> Encoded:
    named = [(*_name_records(n), hashes) for n, hashes in indexed_names(number, entry)]
    return _dumps(entry_to_dict(entry)), named, identifier_hashes(entry)


def _encode_chunk(chunk: tuple[int, list[ListEntry]]) -> list[Encoded]:
    first, entries = chunk
    return [_encode(first + i, e) for i, e in enumerate(entries)]


def _chunks(entries: Iterable[ListEntry]) -> Iterator[tuple[int, list[ListEntry]]]:
    chunk: list[ListEntry] = []
    first = 0
    for entry in entries:
        chunk.append(entry)
        if len(chunk) == _CHUNK:
            yield first, chunk
            first, chunk = first + _CHUNK, []
    if chunk:
        yield first, chunk


def _encoded(entries: Iterable[ListEntry], workers: int) -> Iterator[Encoded]:
    if workers <= 1:
        yield from (_encode(n, e) for n, e in enumerate(entries))
        return
    # fork: the children start with the parent's loaded name tables instead of loading
    # their own (seconds and hundreds of MB each)
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        for encoded in pool.imap(_encode_chunk, _chunks(entries)):
            yield from encoded


def _dumps(record: Any) -> bytes:
    return json.dumps(record, separators=(",", ":")).encode()


class _RecordWriter:
    """Appends JSON records to ``<stem>.blob`` and, on leaving, writes their offsets."""

    def __init__(self, folder: Path, stem: str) -> None:
        self._folder, self._stem = folder, stem
        self._offsets = array("q", [0])
        self._out = (folder / f"{stem}.blob").open("wb")

    @property
    def count(self) -> int:
        return len(self._offsets) - 1

    def add(self, record: bytes) -> None:
        self._out.write(record)
        self._offsets.append(self._offsets[-1] + len(record))

    def __enter__(self) -> _RecordWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self._out.close()
        offsets = np.frombuffer(self._offsets, dtype=np.int64)
        np.save(self._folder / f"{self._stem}.offsets.npy", offsets)


class _NameWriter:
    """Writes the indexed names: each name's record (``names``), each distinct token's
    record once (``tokens``: names share most of their words), and each name's token
    numbers (``name_tokens``, bounded by ``name_token_start``)."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._names = _RecordWriter(folder, "names")
        self._tokens = _RecordWriter(folder, "tokens")
        self._number: dict[bytes, int] = {}
        self._name_tokens = array("i")
        self._start = array("q", [0])

    @property
    def count(self) -> int:
        return self._names.count

    def add(self, record: bytes, tokens: list[bytes]) -> None:
        self._names.add(record)
        for token in tokens:
            number = self._number.get(token)
            if number is None:
                number = self._number[token] = self._tokens.count
                self._tokens.add(token)
            self._name_tokens.append(number)
        self._start.append(len(self._name_tokens))

    def __enter__(self) -> _NameWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self._names.__exit__(*exc)
        self._tokens.__exit__(*exc)
        np.save(self._folder / "name_tokens.npy", np.frombuffer(self._name_tokens, np.int32))
        np.save(self._folder / "name_token_start.npy", np.frombuffer(self._start, np.int64))


def _target(root: Path, snapshots: Sequence[SnapshotInfo]) -> Path:
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    return root / index_digest(snapshots)


def _scratch(root: Path, target: Path) -> Path:
    scratch = root / f".{target.name}.{os.getpid()}.tmp"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(mode=0o700)
    return scratch


def _complete(
    scratch: Path,
    target: Path,
    arrays: IndexArrays,
    snapshots: Sequence[SnapshotInfo],
    names: int,
    entries: int,
) -> Path:
    for field in fields(IndexArrays):
        np.save(scratch / f"{field.name}.npy", getattr(arrays, field.name))
    meta = {
        "format": FORMAT,
        "algorithm": ALGORITHM,
        "snapshots": [_snapshot_record(s) for s in snapshots],
        "names": names,
        "entries": entries,
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
    # plain arrays over the maps: a numpy.memmap's slices are memmaps too, several times
    # slower to make, and a screen slices them hundreds of times
    arrays = IndexArrays(
        **{
            f.name: np.asarray(np.load(folder / f"{f.name}.npy", mmap_mode="r"))
            for f in fields(IndexArrays)
        }
    )
    tokens = _open_records(folder, "tokens", _token_from_record, cache=1 << 16)
    names = _Names(folder, tokens)
    entries = _open_records(folder, "entries", entry_from_dict, cache=4096)
    snapshots = tuple(_snapshot_from_record(s) for s in meta["snapshots"])
    return CandidateIndex(entries, names, arrays), snapshots


def remove_other_indexes(root: Path, keep: Path) -> None:
    """Delete the stored indexes under ``root`` other than ``keep`` (stale list versions).
    A process still mapping one keeps its pages until it lets go (POSIX unlink)."""
    for folder in root.iterdir():
        if folder.is_dir() and folder != keep and not folder.name.startswith("."):
            shutil.rmtree(folder, ignore_errors=True)


def _write_records(folder: Path, stem: str, records: Iterator[Any]) -> None:
    with _RecordWriter(folder, stem) as writer:
        for record in records:
            writer.add(_dumps(record))


def _open_records(
    folder: Path, stem: str, decode: Callable[[Any], T], cache: int = 16384
) -> Records[T]:
    offsets = np.asarray(np.load(folder / f"{stem}.offsets.npy", mmap_mode="r"))
    with (folder / f"{stem}.blob").open("rb") as handle:
        # an empty file cannot be mapped; an empty list of records needs no bytes
        if not os.fstat(handle.fileno()).st_size:
            return Records(b"", offsets, decode, cache)
        blob = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    return Records(blob, offsets, decode, cache)


def _name_records(indexed: IndexedName) -> tuple[bytes, list[bytes]]:
    """The JSON record of an indexed name, and those of its tokens (stored apart)."""
    n = indexed.normalised
    record = [
        indexed.entry, indexed.name.value, indexed.name.kind.value, n.original,
        sorted(n.legal_forms), n.key, sorted(n.form_words),
    ]  # fmt: skip
    tokens = [
        _dumps([t.text, t.skeleton, t.kind, t.weight, sorted(t.symbols), t.patronymic,
                t.abjad, t.initials])
        for t in n.tokens
    ]  # fmt: skip
    return _dumps(record), tokens


def _token_from_record(record: list[Any]) -> Token:
    text, skel, kind, weight, symbols, patronymic, abjad, initials = record
    return Token(text, skel, kind, weight, frozenset(symbols), patronymic, abjad, initials)


_NAME_TYPES = {t.value: t for t in NameType}


class _Names(Records[IndexedName]):
    """The stored indexed names: each name's record, with its tokens from the shared
    token records (decoded once per process while they stay in use)."""

    def __init__(self, folder: Path, tokens: Records[Token]) -> None:
        records = _open_records(folder, "names", _no_decoding)
        super().__init__(records.blob, records.offsets, _no_decoding)
        self._tokens = tokens
        self._name_tokens = np.asarray(np.load(folder / "name_tokens.npy", mmap_mode="r"))
        self._start = np.asarray(np.load(folder / "name_token_start.npy", mmap_mode="r"))

    def _read(self, position: int) -> IndexedName:
        entry, value, kind, original, forms, key, form_words = self._record(position)
        start, end = int(self._start[position]), int(self._start[position + 1])
        tokens = tuple(self._tokens[t] for t in self._name_tokens[start:end].tolist())
        normalised = NormalisedName(original, tokens, frozenset(forms), key, frozenset(form_words))
        return IndexedName(entry, EntryName(value, _NAME_TYPES[kind]), normalised)


def _no_decoding(record: Any) -> IndexedName:
    raise TypeError("a stored name is decoded with its tokens")  # never called: _read is


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
