"""Audit records: every state change, by whom, never edited (DESIGN.md, rules of the house)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class AuditRecord:
    """One state change: ``actor`` did ``verb`` to ``target`` with ``payload`` at ``at`` (UTC)."""

    actor: str
    verb: str
    target: str
    at: datetime
    payload: Mapping[str, Any] = field(default_factory=dict)


class AuditSink(Protocol):
    """Where audit records go. Implementations MUST only append; nothing edits a record."""

    def append(self, record: AuditRecord) -> None:
        """Persist ``record`` in the caller's unit of work."""
