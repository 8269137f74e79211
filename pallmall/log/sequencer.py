"""Sequencing: giving entries durable, consecutive indexes before they are acknowledged.

The :class:`Sequencer` protocol is what the log needs; :class:`FileSequencer` keeps a
journal on local disk (one machine, any number of processes, serialised by ``flock``);
``pallmall.storage.log.SqlSequencer`` keeps it in SQLite or PostgreSQL (several API
workers, one database lock). Like Tessera's appender, sequencing only assigns indexes;
integrating them into tiles is the integrator's job.
"""

from __future__ import annotations

import fcntl
import itertools
import os
import struct
import threading
import zlib
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Protocol

from pallmall.core.errors import InvalidInput
from pallmall.log._internal.files import fsync_dir, try_lock, write_all

_HEADER = struct.Struct(">II")  # length, crc32
SEGMENT_BYTES = 64 << 20


class Sequencer(Protocol):
    """Assigns consecutive indexes to entries and keeps them until they are integrated."""

    def assign(self, entries: Sequence[bytes]) -> int:
        """Store ``entries`` durably at the next indexes; return the first index.

        MUST NOT return before the entries survive a crash or power loss. Concurrent
        callers (threads, processes, workers) MUST get disjoint ranges with no gap.
        """
        ...

    def size(self) -> int:
        """Number of entries sequenced so far (the next index)."""
        ...

    def read(self, start: int, end: int) -> list[bytes]:
        """Return the sequenced entries ``[start, end)``; ``InvalidInput`` past the end."""
        ...

    def integrated(self, size: int) -> None:
        """Tell the sequencer entries ``[0, size)`` are in durable tiles; it MAY drop them."""
        ...

    def integration_lock(self) -> AbstractContextManager[bool]:
        """A context manager yielding True when this caller may integrate (one at a time)."""
        ...


class FileSequencer:
    """A journal in ``directory``: segment files of ``len | crc32 | entry`` records.

    Segments are named by their first index. A record torn by a crash is cut off at the
    next open (it was never acknowledged). ``assign`` writes a batch with one ``write``
    and one ``fdatasync``, under a thread lock and an ``flock``.
    """

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._mutex = threading.Lock()
        self._lock_fd = os.open(self.directory / "lock", os.O_RDWR | os.O_CREAT, 0o644)
        self._tail_start = -1
        self._tail_offset = 0
        self._size = 0
        self._cursor: tuple[int, int, int] | None = None  # (segment start, offset, index)
        with self._locked():
            self._refresh()

    def close(self) -> None:
        """Release the lock file descriptor."""
        os.close(self._lock_fd)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with self._mutex:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def _segments(self) -> list[int]:
        return sorted(int(p.stem) for p in self.directory.glob("*.journal"))

    def _path(self, start: int) -> Path:
        return self.directory / f"{start:020d}.journal"

    def _refresh(self) -> None:
        """Bring the cached tail up to date with the disk (other processes, torn records)."""
        segments = self._segments()
        if not segments:
            self._new_segment(0)
            return
        last = segments[-1]
        if last != self._tail_start:
            self._tail_start, self._tail_offset, self._size = last, 0, last
        path = self._path(last)
        if path.stat().st_size != self._tail_offset:
            count, valid = _scan(path, self._tail_offset)
            self._size += count
            self._tail_offset = valid
            _truncate(path, valid)

    def _new_segment(self, start: int) -> None:
        fd = os.open(self._path(start), os.O_WRONLY | os.O_CREAT, 0o644)
        os.fsync(fd)
        os.close(fd)
        fsync_dir(self.directory)
        self._tail_start, self._tail_offset, self._size = start, 0, start

    def assign(self, entries: Sequence[bytes]) -> int:
        """Append ``entries`` durably; return the first index (see :class:`Sequencer`)."""
        if not entries:
            raise InvalidInput("entries", "at least one entry")
        blob = b"".join(_HEADER.pack(len(e), zlib.crc32(e)) + e for e in entries)
        with self._locked():
            self._refresh()
            if self._tail_offset >= SEGMENT_BYTES:
                self._new_segment(self._size)
            first = self._size
            fd = os.open(self._path(self._tail_start), os.O_WRONLY | os.O_APPEND)
            try:
                write_all(fd, blob)
                os.fdatasync(fd)
            finally:
                os.close(fd)
            self._tail_offset += len(blob)
            self._size += len(entries)
        return first

    def size(self) -> int:
        """Number of entries sequenced (re-read from disk, so other processes count)."""
        with self._locked():
            self._refresh()
            return self._size

    def read(self, start: int, end: int) -> list[bytes]:
        """Return entries ``[start, end)``, reading the journal sequentially."""
        with self._locked():
            self._refresh()
            if not 0 <= start <= end <= self._size:
                raise InvalidInput("end", f"entries [{start}, {end}) are not all sequenced")
            return self._read(start, end)

    def _read(self, start: int, end: int) -> list[bytes]:
        out: list[bytes] = []
        segments = self._segments()
        seg_index = max(i for i, s in enumerate(segments) if s <= start) if segments else 0
        while len(out) < end - start:
            seg = segments[seg_index]
            index, offset = seg, 0
            if self._cursor and self._cursor[0] == seg and self._cursor[2] <= start + len(out):
                seg, offset, index = self._cursor
            entries, offset, index = _read_segment(
                self._path(seg), offset, index, start + len(out), end
            )
            out.extend(entries)
            self._cursor = (seg, offset, index)
            seg_index += 1
        return out

    def integrated(self, size: int) -> None:
        """Delete journal segments whose entries are all below ``size``."""
        with self._locked():
            segments = self._segments()
            for seg, nxt in itertools.pairwise(segments):
                if nxt <= size:
                    self._path(seg).unlink()
                    if self._cursor and self._cursor[0] == seg:
                        self._cursor = None

    @contextmanager
    def integration_lock(self) -> Iterator[bool]:
        """Yield True if no other process is integrating this log (non-blocking flock)."""
        with try_lock(self.directory / "integrate.lock") as held:
            yield held


def _scan(path: Path, offset: int) -> tuple[int, int]:
    """Count valid records from ``offset``; return (count, offset after the last valid)."""
    count = 0
    with path.open("rb") as f:
        f.seek(offset)
        data = f.read()
    pos = 0
    while pos + _HEADER.size <= len(data):
        length, crc = _HEADER.unpack_from(data, pos)
        body = data[pos + _HEADER.size : pos + _HEADER.size + length]
        if len(body) != length or zlib.crc32(body) != crc:
            break
        pos += _HEADER.size + length
        count += 1
    return count, offset + pos


def _read_segment(
    path: Path, offset: int, index: int, start: int, end: int
) -> tuple[list[bytes], int, int]:
    """Read records of one segment from (offset, index) until ``end``; skip those < start."""
    out: list[bytes] = []
    with path.open("rb") as f:
        f.seek(offset)
        while index < end:
            header = f.read(_HEADER.size)
            if len(header) < _HEADER.size:
                break
            length, _crc = _HEADER.unpack(header)
            body = f.read(length)
            if index >= start:
                out.append(body)
            offset += _HEADER.size + length
            index += 1
    return out, offset, index


def _truncate(path: Path, size: int) -> None:
    if path.stat().st_size != size:
        with path.open("r+b") as f:
            f.truncate(size)
            os.fsync(f.fileno())
