"""Entry bundles (c2sp.org/tlog-tiles §Log entries): entries prefixed by a uint16 BE length."""

from __future__ import annotations

from collections.abc import Iterable

from pallmall.core.errors import InvalidInput
from pallmall.log.errors import TileError

MAX_ENTRY_SIZE = 0xFFFF
"""An entry bundle frames each entry with 2 bytes: entries are at most 65535 bytes."""


def encode_bundle(entries: Iterable[bytes]) -> bytes:
    """Return the bundle of ``entries``; ``InvalidInput`` if one exceeds 65535 bytes."""
    parts = []
    for i, entry in enumerate(entries):
        if len(entry) > MAX_ENTRY_SIZE:
            raise InvalidInput(f"entries[{i}]", f"longer than {MAX_ENTRY_SIZE} bytes")
        parts.append(len(entry).to_bytes(2, "big"))
        parts.append(entry)
    return b"".join(parts)


def decode_bundle(data: bytes, count: int | None = None) -> list[bytes]:
    """Split a bundle into its entries; raises :class:`TileError` on truncation.

    When ``count`` is given the bundle MUST hold exactly that many entries.
    """
    entries, pos, view = [], 0, memoryview(data)
    while pos < len(data):
        if pos + 2 > len(data):
            raise TileError("entry bundle is truncated in a length prefix")
        n = int.from_bytes(view[pos : pos + 2], "big")
        if pos + 2 + n > len(data):
            raise TileError("entry bundle is truncated in an entry")
        entries.append(bytes(view[pos + 2 : pos + 2 + n]))
        pos += 2 + n
    if count is not None and len(entries) != count:
        raise TileError(f"entry bundle holds {len(entries)} entries, want {count}")
    return entries
