"""The data folder's safety, checked at every start: owner-only modes, and a clear refusal
when it cannot be written (read-only file system, full disk, wrong owner).

The folder is 0700; the SQLite database with its WAL and shared-memory files, the session key
and the log signing key are 0600. Looser modes are fixed (and said); files owned by another
user are refused, since fixing them would need their owner.
"""

from __future__ import annotations

import errno
import os
import stat
from contextlib import suppress
from pathlib import Path

from pallmall.core.errors import InvalidInput, Unavailable
from pallmall.core.settings import Settings

PRIVATE_FILES = (
    "pallmall.db",
    "pallmall.db-wal",
    "pallmall.db-shm",
    "pallmall.db-journal",
    "session.key",
    "log-signing.key",
    "witness.key",
)


def secure_data_dir(settings: Settings) -> list[str]:
    """Create the data folder if missing, bring its modes to owner-only and check that it can
    be written. Returns what was fixed, one line each.

    Raises:
        InvalidInput: naming ``PALLMALL_DATA_DIR`` when a file belongs to another user.
        Unavailable: the folder cannot be written (read-only file system, full disk, no
            permission): the message says which and what to do.
    """
    folder = Path(settings.data_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise _unwritable(folder, exc) from None
    fixed = [_tighten(folder, 0o700)]
    fixed += [_tighten(p, 0o600) for p in _private_files(settings) if p.exists()]
    _probe_write(folder)
    return [line for line in fixed if line]


def _private_files(settings: Settings) -> list[Path]:
    folder = Path(settings.data_dir)
    files = [folder / name for name in PRIVATE_FILES]
    url = settings.effective_database_url
    if url.startswith("sqlite:///"):
        db = Path(url.removeprefix("sqlite:///"))
        files += [db, Path(f"{db}-wal"), Path(f"{db}-shm")]
    return files


def _tighten(path: Path, mode: int) -> str:
    info = path.stat()
    current = stat.S_IMODE(info.st_mode)
    if current & ~mode == 0:
        return ""
    if info.st_uid != os.geteuid():
        raise InvalidInput(
            "PALLMALL_DATA_DIR",
            f"{path} has mode {current:o} and belongs to uid {info.st_uid}: run pallmall as "
            f"its owner, or have the owner run chmod {mode:o} {path}",
        )
    try:
        path.chmod(mode)
    except OSError as exc:
        raise _unwritable(path, exc) from None
    return f"{path}: mode {current:o} -> {mode:o}"


def _probe_write(folder: Path) -> None:
    probe = folder / f".write-probe-{os.getpid()}"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, b"pallmall")
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise _unwritable(folder, exc) from None
    finally:
        with suppress(OSError):  # on a read-only file system even this fails
            probe.unlink(missing_ok=True)


def _unwritable(path: Path, exc: OSError) -> Unavailable:
    why = {
        errno.EROFS: "is on a read-only file system",
        errno.ENOSPC: "is on a full disk",
        errno.EDQUOT: "is over its disk quota",
        errno.EACCES: "cannot be written by this user",
        errno.EPERM: "cannot be written by this user",
    }.get(exc.errno or 0, f"cannot be written ({exc.strerror})")
    return Unavailable(
        f"the data folder {path} {why}: pallmall needs to write there (database, log, keys). "
        "Free space, remount it read-write, or set PALLMALL_DATA_DIR to a writable folder.",
        60,
    )
