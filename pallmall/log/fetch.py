"""Reading a tlog-tiles log by path: from a directory or an HTTP(S) base URL.

Any static copy of a log's folder is a valid log, so an auditor needs only ``fetch``.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path
from typing import Protocol

from pallmall.core.errors import InvalidInput, NotFound

CHECKPOINT = "checkpoint"
"""Path of the latest signed checkpoint (c2sp.org/tlog-tiles)."""


class LogFetcher(Protocol):
    """Returns the bytes at a log path such as ``checkpoint`` or ``tile/0/000.p/7``."""

    def fetch(self, path: str) -> bytes:
        """Return the bytes at ``path``; raise ``NotFound`` when there is none."""
        ...


class DirectoryFetcher:
    """Reads a log from a local folder (the folder a log writer or a mirror keeps)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def fetch(self, path: str) -> bytes:
        """Return the file at ``path`` under the folder; ``NotFound`` if absent."""
        if path.startswith("/") or ".." in path.split("/"):
            raise InvalidInput("path", "must be relative, without '..'")
        try:
            return (self.root / path).read_bytes()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError) as exc:
            raise NotFound(path) from exc


class HttpFetcher:
    """Reads a log from an HTTP(S) base URL with the standard library (no extra deps)."""

    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise InvalidInput("url", "must start with http:// or https://")
        self.base_url = base_url.rstrip("/") + "/"
        self.timeout = timeout

    def fetch(self, path: str) -> bytes:
        """GET ``base_url + path``; ``NotFound`` on 404 and 410 (a withheld bundle), ``OSError``
        on other failures."""
        request = urllib.request.Request(self.base_url + path, headers={"User-Agent": "pallmall"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                data: bytes = response.read()
                return data
        except urllib.error.HTTPError as exc:
            if exc.code in (404, 410):
                raise NotFound(path) from exc
            raise


def fetcher_for(source: str | Path) -> LogFetcher:
    """Return an :class:`HttpFetcher` for a URL, else a :class:`DirectoryFetcher`."""
    text = str(source)
    if text.startswith(("http://", "https://")):
        return HttpFetcher(text)
    if not Path(text).is_dir():
        raise InvalidInput("source", f"{text!r} is neither a URL nor a directory")
    return DirectoryFetcher(text)


def as_fetcher(source: str | Path | LogFetcher) -> LogFetcher:
    """Return ``source`` if it is a fetcher, else :func:`fetcher_for` it."""
    if isinstance(source, str | Path):
        return fetcher_for(source)
    return source
