"""Durable file writes: temp file, fsync, rename, fsync of the directory."""

from __future__ import annotations

import fcntl
import json
import os
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path


def write_all(fd: int, data: bytes) -> None:
    """Write all of ``data`` to ``fd`` (``os.write`` may write less than asked)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def fsync_dir(directory: Path) -> None:
    """fsync a directory so that a rename or a new entry in it survives power loss."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def mkdirs(directory: Path) -> set[Path]:
    """Create missing parents; return the directories whose entries changed (to fsync)."""
    missing = []
    while not directory.exists():
        missing.append(directory)
        directory = directory.parent
    for d in reversed(missing):
        d.mkdir(exist_ok=True)
    return {d.parent for d in missing}


def write_durably(path: Path, data: bytes, *, sync_dirs: bool = True) -> set[Path]:
    """Replace ``path`` with ``data`` atomically (temp + fsync + rename).

    Returns the directories to fsync; fsyncs them itself unless ``sync_dirs`` is False
    (callers writing many files fsync each directory once).
    """
    dirs = mkdirs(path.parent) | {path.parent}
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        try:
            write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a full disk must not leave temporary files behind
        raise
    if sync_dirs:
        for d in dirs:
            fsync_dir(d)
    return dirs


_POOL = ThreadPoolExecutor(max_workers=16, thread_name_prefix="fsync")


def write_many_durably(files: Sequence[tuple[Path, bytes]]) -> None:
    """Write many files atomically and durably: temp files, fsyncs in parallel, renames,
    then one fsync per directory touched.

    Concurrent fsyncs let the file system commit its journal once for many files (4-5x
    faster than one after the other on ext4). Every file is durable before any rename.
    """
    dirs: set[Path] = set()
    pending: list[tuple[int, Path, Path]] = []
    try:
        try:
            for path, data in files:
                dirs |= mkdirs(path.parent) | {path.parent}
                tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                pending.append((fd, tmp, path))
                write_all(fd, data)
            list(_POOL.map(os.fsync, [fd for fd, _, _ in pending]))
        finally:
            for fd, _, _ in pending:
                os.close(fd)
    except BaseException:
        for _, tmp, _ in pending:  # a full disk must not leave temporary files behind
            tmp.unlink(missing_ok=True)
        raise
    for _, tmp, path in pending:
        os.replace(tmp, path)
    list(_POOL.map(fsync_dir, sorted(dirs)))


def remove_temp_files(folder: Path) -> int:
    """Delete temporary files (``.*.tmp``) a crashed writer left under ``folder``; call it
    only while holding the folder's writer lock. Returns how many were removed."""
    removed = 0
    for tmp in folder.rglob(".*.tmp"):
        tmp.unlink(missing_ok=True)
        removed += 1
    return removed


def save_json(path: Path, value: object) -> None:
    """Write ``value`` as JSON to ``path`` durably and atomically."""
    write_durably(Path(path), json.dumps(value, sort_keys=True).encode())


@contextmanager
def try_lock(path: Path) -> Iterator[bool]:
    """Yield True while this process holds an exclusive ``flock`` on ``path`` (created if
    missing), False at once when another holder has it (non-blocking)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


@contextmanager
def exclusive_lock(path: Path, mutex: threading.Lock) -> Iterator[None]:
    """Hold ``mutex`` (threads of this process), then a blocking ``flock`` on ``path``
    (other processes; created if missing) while the block runs."""
    with mutex:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the flock
