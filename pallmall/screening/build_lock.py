"""The lock of a data folder's screener index folder: processes that find no index (or no
person-name table) build one at a time, and the later ones find the first one's."""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path


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
