"""Withholding an entry that should never have been public.

The log is append-only: an entry cannot be removed without changing every later root. What an
operator can do about an entry that leaked confidential content (docs/disclosure.md, "When an
entry should never have been public"):

- stop serving it: every entry bundle holding it is served with the entry replaced by
  :data:`PLACEHOLDER` (the original moves to a private folder beside the public one,
  ``public.withheld/``, where the log itself keeps reading it); its receipt and page answer
  410 Gone; bundles written later are redacted the same way;
- say so in the log itself: the caller appends a public notice naming the index and the reason
  (entry kind ``log.entry.withheld``), so auditors know why one entry is not served;
- auditors still verify the whole tree: every other entry is served as it was, the hash tiles
  stay public, and ``verify_log`` takes the leaf hash of a placeholder from the level-0 tile,
  provided a notice in the log names its index.

The list of withheld indexes is ``withheld.json`` beside the public folder (never served).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pallmall.core.errors import InvalidInput
from pallmall.log._internal.files import save_json
from pallmall.log.bundle import decode_bundle, encode_bundle

NOTICE_KIND = "log.entry.withheld"
"""The kind of the public notice naming a withheld entry: the vocabulary
(:data:`pallmall.disclosure.kinds.ENTRY_WITHHELD`) takes it from here."""
PLACEHOLDER = b"pallmall: entry withheld by the operator; see the log.entry.withheld notice"
"""What a served bundle holds in place of a withheld entry (not a pallmall entry: no JSON)."""


@dataclass(frozen=True)
class Withheld:
    """One withheld index: why, and when (RFC 3339)."""

    index: int
    reason: str
    at: str


class WithheldList:
    """The withheld indexes of one log, in ``path`` (JSON); re-read when the file changes, so
    a command run beside the server takes effect at once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: float | None = None
        self._items: dict[int, Withheld] = {}

    def items(self) -> dict[int, Withheld]:
        """Every withheld index."""
        try:
            stamp = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            return {}
        if stamp != self._stamp:
            data = json.loads(self.path.read_text())
            self._items = {int(w["index"]): Withheld(**w) for w in data["withheld"]}
            self._stamp = stamp
        return self._items

    def get(self, index: int) -> Withheld | None:
        """The withheld entry at ``index``, or None."""
        return self.items().get(index)

    def covers(self, start: int, end: int) -> bool:
        """Whether an index in ``[start, end)`` is withheld."""
        return any(start <= i < end for i in self.items())

    def add(self, item: Withheld) -> None:
        """Record ``item`` (durably).

        Raises:
            InvalidInput: the index is withheld already, or the reason is empty.
        """
        if not item.reason.strip():
            raise InvalidInput("reason", "say why the entry is withheld (it is published)")
        items = dict(self.items())
        if item.index in items:
            raise InvalidInput("index", f"entry {item.index} is withheld already")
        items[item.index] = item
        rows = [w.__dict__ for w in sorted(items.values(), key=lambda w: w.index)]
        save_json(self.path, {"withheld": rows})


def redact_bundle(data: bytes, start: int, withheld: WithheldList) -> bytes:
    """The entry bundle ``data`` (its first entry at index ``start``) with every withheld
    entry replaced by :data:`PLACEHOLDER`."""
    entries = decode_bundle(data)
    shown = [PLACEHOLDER if withheld.get(start + n) else e for n, e in enumerate(entries)]
    return encode_bundle(shown)
